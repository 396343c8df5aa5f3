"""Wiring: one place that builds the database and the services from settings and a clock.

Pages, the command line and tests receive a ``Services`` and call its members; nothing looks
services up globally.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.exc import DBAPIError, OperationalError

from db.engine import Database, DatabaseUrlError, parse_url, redact
from db.migrate import current_revision, holds_other_tables, upgrade
from db.roles import may_read_outbox
from desktop.accounts import AccountService
from desktop.audit_log import AuditLogService
from desktop.auth import AuthService, local_device_id
from desktop.backup import BackupService
from desktop.clock import Clock, SystemClock
from desktop.documents.service import DocumentService
from desktop.errors import (
    ConnectionLostError,
    DatabaseUnavailableError,
    EmptyDatabaseError,
    UserError,
)
from desktop.exchange.export_service import ReadingsExportService
from desktop.exchange.service import ImportService
from desktop.failures import RETRY, database_failure
from desktop.kiosk_pin import KioskPin
from desktop.mail import OutboxService, SmtpMailer
from desktop.mail_queue import BackgroundSender, InlineSender, MailSender
from desktop.meters import MeterService
from desktop.organisation import OrganisationSettings, file_values
from desktop.readings import ReadingService
from desktop.receipt_mail import ReceiptMailService
from desktop.receipts import ReceiptService
from desktop.sessions import SessionGuard, guarded
from desktop.settings import Settings, load_settings, read_file, settings_path
from desktop.statement import StatementService
from desktop.support import SupportService


@dataclass
class Services:
    db: Database
    clock: Clock
    settings: Settings
    accounts: AccountService
    auth: AuthService
    readings: ReadingService
    meters: MeterService
    statements: StatementService
    receipts: ReceiptService
    receipt_mail: ReceiptMailService
    support: SupportService
    outbox: OutboxService
    documents: DocumentService
    exchange: ImportService
    readings_export: ReadingsExportService
    organisation: OrganisationSettings
    kiosk_pin: KioskPin
    audit_log: AuditLogService
    backup: BackupService
    sessions: SessionGuard
    # Delivers queued e-mail after commit (None without SMTP: letters are slips), and who
    # wakes it: a background thread, or the caller's thread right after the commit.
    mail_sender: MailSender | None = None
    postman: BackgroundSender | InlineSender | None = None

    def close(self) -> None:
        if self.postman is not None:
            self.postman.stop(timeout=2.0)  # a stuck SMTP server must not hold the exit
        self.db.dispose()


def connect(url: str, *, create: bool = True) -> Database:
    """Open a database and bring its schema up to date; Russian messages for every failure.

    With ``create=False`` a missing SQLite file, or a database without the application's
    tables, is an error rather than a new empty database: commands that read create nothing.
    """
    try:
        parsed = parse_url(url)
    except DatabaseUrlError as error:
        raise DatabaseUnavailableError(str(error)) from None
    if parsed.get_backend_name() == "sqlite" and not create:
        path = Path(parsed.database or "").expanduser()
        if not path.exists():
            raise DatabaseUnavailableError(
                f"Файл базы данных {path} не найден. Проверьте путь, создайте новую базу "
                "(python -m desktop db upgrade) или демонстрационную (python -m desktop demo)."
            )
    db = Database(parsed)
    try:
        if holds_other_tables(db.engine):
            db.dispose()
            raise DatabaseUnavailableError(
                f"В базе данных {redact(parsed)} есть таблицы другой программы. Приложение "
                "не меняет чужие базы: укажите пустую базу или базу этого приложения."
            )
        if not create and current_revision(db.engine) is None:
            db.dispose()
            raise EmptyDatabaseError(
                f"База данных {redact(parsed)} пуста: в ней ещё нет таблиц приложения, и "
                "команда ничего в ней не создала. Подготовьте базу: python -m desktop db "
                "upgrade --database-url АДРЕС (или демонстрационную: python -m desktop demo "
                "--database-url АДРЕС)."
            )
        upgrade(db.engine)
    except OperationalError as error:
        db.dispose()
        where = parsed.database if parsed.get_backend_name() == "sqlite" else redact(parsed)
        known = database_failure(error, where or "")
        reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
        if isinstance(known, ConnectionLostError):
            raise ConnectionLostError(
                f"Не удалось открыть базу данных {redact(parsed)}: нет связи с сервером "
                f"({reason}). Проверьте адрес. {RETRY}"
            ) from None
        if known is not None:
            raise known from None
        raise DatabaseUnavailableError(
            f"Не удалось открыть базу данных {redact(parsed)}: {reason}. Проверьте адрес, "
            "что сервер запущен и доступен, и права на файл."
        ) from None
    except DBAPIError as error:
        db.dispose()
        raise DatabaseUnavailableError(
            f"База данных {redact(parsed)} не подходит для приложения: {error.orig}."
        ) from None
    return db


def build_services(
    db: Database,
    settings: Settings,
    clock: Clock | None = None,
    *,
    inline_mail: bool = False,
    device: str | None = None,
) -> Services:
    """The services on ``db``, each checking at every call that the session of the actor it
    is given is live (``desktop.sessions``): the one place that check is made. With SMTP set
    up, queued mail is delivered after each commit by a background thread, or with
    ``inline_mail`` in the caller's thread (tests, scripts). ``device`` names this machine
    for the sign-in throttle (by default its kept device id)."""
    clock = clock or SystemClock()
    sessions = SessionGuard(db, clock)
    accounts = AccountService(db, clock, settings)
    statements = StatementService(db, clock, settings)
    documents = DocumentService(db, clock, settings, accounts=accounts, statements=statements)
    sender = postman = None
    # A kiosk's database role may not read the queue (it holds passwords): its letters are
    # queued all the same and an office desk's sender delivers them.
    if settings.smtp.configured and may_read_outbox(db.engine):
        sender = MailSender(db, clock, SmtpMailer(settings.smtp, clock))
        postman = InlineSender(sender) if inline_mail else BackgroundSender(sender)
    return Services(
        db=db,
        clock=clock,
        settings=settings,
        accounts=guarded(accounts, sessions),
        auth=guarded(
            AuthService(
                db,
                clock,
                settings,
                postman=postman,
                device=device if device is not None else local_device_id(),
            ),
            sessions,
        ),
        readings=guarded(ReadingService(db, clock, settings), sessions),
        meters=guarded(MeterService(db, clock, settings), sessions),
        statements=guarded(statements, sessions),
        receipts=guarded(ReceiptService(db, clock, settings), sessions),
        receipt_mail=guarded(
            ReceiptMailService(db, clock, settings, documents, postman=postman), sessions
        ),
        support=guarded(SupportService(db, clock, settings, postman=postman), sessions),
        outbox=guarded(OutboxService(db, clock, settings), sessions),
        documents=guarded(documents, sessions),
        exchange=guarded(ImportService(db, clock), sessions),
        readings_export=guarded(ReadingsExportService(db, clock), sessions),
        organisation=guarded(OrganisationSettings(db, clock), sessions),
        kiosk_pin=guarded(KioskPin(db, clock), sessions),
        audit_log=guarded(AuditLogService(db, clock), sessions),
        backup=guarded(BackupService(db, clock), sessions),
        sessions=sessions,
        mail_sender=sender,
        postman=postman,
    )


def open_services(
    url: str | None = None,
    *,
    settings: Settings | None = None,
    clock: Clock | None = None,
    inline_mail: bool = False,
    create: bool = True,
    settings_file: Path | None = None,
) -> Services:
    """Open the database and the services on this machine's ``settings`` (by default, its
    settings file) with the organisation's settings from the database over them. Values of
    the organisation's settings still written in the settings file seed the database once."""
    settings = settings or load_settings()
    db = connect(url or settings.database_url, create=create)
    clock = clock or SystemClock()
    organisation = OrganisationSettings(db, clock)
    path = settings_file or settings_path()
    try:
        organisation.adopt(file_values(read_file(path)), str(path))
    except UserError:
        db.dispose()
        raise
    return build_services(db, organisation.apply(settings), clock, inline_mail=inline_mail)


def ensure_demo(url: str) -> str | None:
    """Build the demo database at ``url`` unless it holds the demo already; the summary to
    show when it was built now."""
    from desktop.demo import build_demo, holds_demo

    db = connect(url, create=True)
    try:
        if holds_demo(db):
            return None
        return build_demo(db, SystemClock()).describe()
    finally:
        db.dispose()
