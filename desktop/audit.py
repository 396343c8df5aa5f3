"""The audit log: who did what, for which account, when (UTC). Rows are only ever added.

The log is append-only (the database's triggers, see ``db.models.AuditEntry``) and
tamper-evident: every row carries ``row_hash`` = sha256(``prev_hash`` + the canonical form
of its values), ``prev_hash`` being the previous row's ``row_hash`` (``GENESIS`` for the
first). ``verify`` walks the chain; a row changed, forged or removed behind the
application's back breaks it. (Removing the newest rows leaves a shorter valid chain: that
is what the database's triggers and the roles' grants prevent.)

The database takes only the chain's next row: id = the last id + 1 and ``prev_hash`` = the
last row's ``row_hash`` (a trigger, migration 0009), so no one can insert a row far ahead or
fork the chain. On PostgreSQL ``db_role`` names the login that wrote the row
(``session_user``, whatever the client sent); the hash covers it when it is set.

On PostgreSQL no writer takes a lock for the chain (migration 0012): entries are appended to
``audit_pending`` and the owner's function ``audit_chain()`` chains them, never waiting for
another caller. So no role of the application can make another's audited write wait, and an
entry whose chaining was left to the next caller is chained before the log is verified.
"""

from __future__ import annotations

import contextlib
import enum
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, event, func, insert, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from db.models import AuditEntry, AuditPending
from desktop.actors import Actor
from desktop.permissions import Permission, require

if TYPE_CHECKING:
    from db.engine import Database


class AuditAction(enum.StrEnum):
    """What an audit row records, with the Russian label the audit log shows.

    Names are ``object.verb``: dotted, lower case, snake_case within a part, the object in
    the words of the screens (``readings.submit``, ``password.change``, ``staff.sign_in``).
    Success and failure are one action; the row's ``ok`` tells them apart.

    Rows written before this enum keep the names they were written with (there is no data
    migration): ``LEGACY_NAMES`` maps those to their members and ``label_of`` reads both.
    """

    RESIDENT_SIGN_IN = "resident.sign_in"
    RESIDENT_REGISTER = "resident.register"
    PASSWORD_REQUEST_RESET = "password.request_reset"
    PASSWORD_RESET = "password.reset"
    PASSWORD_CHANGE = "password.change"
    STAFF_SIGN_IN = "staff.sign_in"
    STAFF_CREATE = "staff.create"
    STAFF_DISABLE = "staff.disable"  # and every session of theirs ended
    STAFF_ENABLE = "staff.enable"
    STAFF_UNLOCK = "staff.unlock"  # the password typed again at a desk locked after idle
    STAFF_PASSWORD_RESET = "staff.password_reset"  # a new temporary one; sessions ended
    ACCOUNT_CREATE = "account.create"
    PERIOD_CREATE = "period.create"
    PERIOD_DELETE = "period.delete"
    READINGS_SUBMIT = "readings.submit"
    READINGS_CARRY_FORWARD = "readings.carry_forward"  # a past month's correction, onward
    RECEIPT_EXPORT = "receipt.export"  # one account's, or a batch (then no account)
    RECEIPT_MAIL = "receipt.mail"  # to the resident's e-mail on file (db.roles_mail)
    STATEMENT_EXPORT = "statement.export"
    SUPPORT_CREATE = "support.create"
    SUPPORT_ANSWER = "support.answer"  # and, to an author who left an e-mail, a letter
    SUPPORT_ASSIGN = "support.assign"  # taken in work («Взять в работу»)
    SUPPORT_CLOSE = "support.close"
    OUTBOX_PRINT = "outbox.print"
    OUTBOX_HAND_OUT = "outbox.hand_out"
    OUTBOX_READ = "outbox.read"  # a slip's text read from a clerk's login (db.roles_outbox)
    DEMO_BUILD = "demo.build"
    SETTINGS_CHANGE = "settings.change"
    SETTINGS_ADOPT = "settings.adopt"  # values of an old settings file moved into the database
    REGISTRATION_CODE_ISSUE = "registration_code.issue"  # at the counter, for a slip
    IMPORT = "exchange.import"  # a file from 1C applied (its batch's id), or refused (ok false)
    METER_VERIFY = "meter.verify"  # a meter's new verification date, from its certificate
    READINGS_EXPORT = "readings.export"  # a month's readings for 1C or ГИС ЖКХ
    AUDIT_EXPORT = "audit.export"  # the log's filtered entries to XLSX
    BACKUP_CREATE = "backup.create"  # a copy of the SQLite database (its file in the details)
    BACKUP_RESTORE = "backup.restore"  # the database replaced by a copy (the old one kept)

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    AuditAction.RESIDENT_SIGN_IN: "Вход жителя",
    AuditAction.RESIDENT_REGISTER: "Регистрация жителя",
    AuditAction.PASSWORD_REQUEST_RESET: "Запрос кода для восстановления пароля",
    AuditAction.PASSWORD_RESET: "Восстановление пароля по коду",
    AuditAction.PASSWORD_CHANGE: "Смена пароля",
    AuditAction.STAFF_SIGN_IN: "Вход сотрудника",
    AuditAction.STAFF_CREATE: "Новый сотрудник",
    AuditAction.STAFF_DISABLE: "Сотрудник отключен",
    AuditAction.STAFF_ENABLE: "Сотрудник снова допущен к работе",
    AuditAction.STAFF_UNLOCK: "Разблокировка рабочего места",
    AuditAction.STAFF_PASSWORD_RESET: "Сброс пароля сотрудника",
    AuditAction.ACCOUNT_CREATE: "Новый лицевой счет",
    AuditAction.PERIOD_CREATE: "Новый период показаний",
    AuditAction.PERIOD_DELETE: "Удаление периода показаний",
    AuditAction.READINGS_SUBMIT: "Передача показаний",
    AuditAction.READINGS_CARRY_FORWARD: "Перенос поправки показаний в следующий месяц",
    AuditAction.RECEIPT_EXPORT: "Квитанция в PDF",
    AuditAction.RECEIPT_MAIL: "Квитанция на почту",
    AuditAction.STATEMENT_EXPORT: "Выгрузка ведомости",
    AuditAction.SUPPORT_CREATE: "Новое обращение в техподдержку",
    AuditAction.SUPPORT_ANSWER: "Ответ на обращение",
    AuditAction.SUPPORT_ASSIGN: "Обращение взято в работу",
    AuditAction.SUPPORT_CLOSE: "Обращение закрыто",
    AuditAction.OUTBOX_PRINT: "Печать памятки с паролем",
    AuditAction.OUTBOX_HAND_OUT: "Памятка выдана жителю",
    AuditAction.OUTBOX_READ: "Просмотр текста памятки",
    AuditAction.DEMO_BUILD: "Создание демонстрационной базы",
    AuditAction.SETTINGS_CHANGE: "Изменение настройки организации",
    AuditAction.SETTINGS_ADOPT: "Перенос настроек из файла в базу",
    AuditAction.REGISTRATION_CODE_ISSUE: "Новый код регистрации",
    AuditAction.IMPORT: "Загрузка файла обмена",
    AuditAction.METER_VERIFY: "Новая дата поверки счетчика",
    AuditAction.READINGS_EXPORT: "Выгрузка показаний",
    AuditAction.AUDIT_EXPORT: "Выгрузка журнала действий",
    AuditAction.BACKUP_CREATE: "Резервная копия базы",
    AuditAction.BACKUP_RESTORE: "Восстановление базы из резервной копии",
}

LEGACY_NAMES = {
    "login": AuditAction.RESIDENT_SIGN_IN,
    "register": AuditAction.RESIDENT_REGISTER,
    "password_reset_request": AuditAction.PASSWORD_REQUEST_RESET,
    "password_reset": AuditAction.PASSWORD_RESET,
    "password_change": AuditAction.PASSWORD_CHANGE,
    "staff_login": AuditAction.STAFF_SIGN_IN,
    "staff_create": AuditAction.STAFF_CREATE,
    "outbox_printed": AuditAction.OUTBOX_PRINT,
    "outbox_handed_out": AuditAction.OUTBOX_HAND_OUT,
    "demo_built": AuditAction.DEMO_BUILD,
}
"""Names rows were written with before AuditAction, and the action each one means."""


def label_of(stored: str) -> str:
    """The Russian label of an action name as a row stores it, old names included."""
    action: AuditAction | None
    try:
        action = AuditAction(stored)
    except ValueError:
        action = LEGACY_NAMES.get(stored)
    return action.label if action is not None else stored


GENESIS = "0" * 64
"""The ``prev_hash`` of the first row."""


def canonical(
    entry_id: int,
    at: datetime,
    actor: str,
    action: str,
    account_id: int | None,
    ok: bool,
    details: str,
    db_role: str | None = None,
) -> str:
    """A row's values as the hash covers them: a compact JSON array, the time in ISO UTC.
    ``db_role`` is appended only when set, so rows without it (SQLite, rows written before
    0009) keep the form, and the hash, they were written with."""
    moment = at.astimezone(UTC).isoformat(timespec="microseconds")
    values: list[Any] = [entry_id, moment, actor, action, account_id, bool(ok), details]
    if db_role is not None:
        values.append(db_role)
    return json.dumps(values, ensure_ascii=False, separators=(",", ":"))


def chain_hash(prev_hash: str, entry_id: int, at: datetime, actor: str, action: str,
               account_id: int | None, ok: bool, details: str,
               db_role: str | None = None) -> str:  # fmt: skip
    """sha256 hex of the previous row's hash followed by this row's canonical values."""
    values = canonical(entry_id, at, actor, action, account_id, ok, details, db_role)
    return hashlib.sha256((prev_hash + values).encode("utf-8")).hexdigest()


def record(
    session: Session,
    at: datetime,
    actor: Actor | str,
    action: AuditAction,
    *,
    account_id: int | None = None,
    ok: bool = True,
    **details: Any,
) -> None:
    """Add an entry in the caller's transaction, so it lands exactly when the change does.

    ``account_id`` is the account the action served; None only where none was (a batch, a
    sign-in with an unknown number, a request from the login window).

    The entry is written and chained to the newest row when the transaction commits (see
    ``_seal``), not here: the chain's lock is then the last lock a transaction takes, so a
    transaction holding it never waits for a row another one holds.
    """
    if not isinstance(action, AuditAction):
        raise ValueError(f"audit actions are AuditAction members, not {action!r}")
    name = actor if isinstance(actor, str) else actor.label
    text_details = json.dumps(details, ensure_ascii=False, default=str, sort_keys=True)
    # Typed text may hold a lone surrogate (hostile input): kept as its JSON escape, so the
    # entry is stored and hashed as UTF-8 like any other, and reads back the same.
    text_details = text_details.encode("utf-8", "backslashreplace").decode("utf-8")
    pending = session.info.setdefault(_PENDING, [])
    pending.append(_Pending(at, name, str(action), account_id, ok, text_details))


_PENDING = "audit_pending"


@dataclass(frozen=True)
class _Pending:
    at: datetime
    actor: str
    action: str
    account_id: int | None
    ok: bool
    details: str


@event.listens_for(Session, "before_commit")
def _seal(session: Session) -> None:
    """Write the transaction's entries at its commit.

    On PostgreSQL they are appended to ``audit_pending`` without any lock, and
    ``audit_chain()`` (the owner's function, migration 0012) moves them, with every other
    committed pending row, into the chain; if another transaction is chaining at that moment
    it does not wait: the rows are chained by the next call (``chain_pending``). A trigger
    stamps each row's ``db_role`` with the login (``session_user``). So no transaction, and
    no role of the application, holds anything the office's other writers wait for.

    On SQLite the transaction already holds the write lock (BEGIN IMMEDIATE): the rows are
    chained here, ids following the last row's without gaps, as the trigger demands.
    """
    pending: list[_Pending] = session.info.pop(_PENDING, [])
    if not pending:
        return
    session.flush()
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        conn.execute(
            insert(AuditPending).inline(),  # no RETURNING: writers may not read it back
            [
                {"at": item.at, "actor": item.actor, "action": item.action,
                 "account_id": item.account_id, "ok": item.ok, "details": item.details}
                for item in pending
            ],
        )  # fmt: skip
        if conn.execute(select(func.audit_chain())).scalar() is None:
            session.info[_UNCHAINED] = True
        return
    last = conn.execute(
        select(AuditEntry.id, AuditEntry.row_hash).order_by(AuditEntry.id.desc()).limit(1)
    ).first()
    prev_hash = last.row_hash if last is not None else GENESIS
    entry_id = last.id if last is not None else 0
    for item in pending:
        entry_id += 1
        row_hash = chain_hash(prev_hash, entry_id, item.at, item.actor, item.action,
                              item.account_id, item.ok, item.details)  # fmt: skip
        session.add(
            AuditEntry(
                id=entry_id,
                at=item.at,
                actor=item.actor,
                action=item.action,
                account_id=item.account_id,
                ok=item.ok,
                details=item.details,
                prev_hash=prev_hash,
                row_hash=row_hash,
            )
        )
        prev_hash = row_hash
    session.flush()


_UNCHAINED = "audit_unchained"


@event.listens_for(Session, "after_commit")
def _chain_after(session: Session) -> None:
    """Rows left pending because another transaction was chaining: one more try, in a
    transaction of its own, now that this one's rows are committed."""
    if session.info.pop(_UNCHAINED, False):
        bind = session.get_bind()
        engine = bind if isinstance(bind, Engine) else bind.engine
        # The change is committed; if this fails, the next writer or reader chains them.
        with contextlib.suppress(DBAPIError):
            _chain(engine)


def _chain(engine: Engine) -> None:
    """Chain batch after batch, each in a transaction of its own, until nothing is pending
    or another transaction is chaining."""
    while True:
        with engine.begin() as conn:
            if not conn.execute(select(func.audit_chain())).scalar():
                return


def chain_pending(db: Database) -> None:
    """PostgreSQL: chain every committed pending entry now (before the log is read), unless
    another transaction is doing it. Nothing on SQLite, where nothing waits to be chained."""
    if db.engine.dialect.name == "postgresql":
        _chain(db.engine)


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    """A rolled-back transaction's entries are never written."""
    session.info.pop(_PENDING, None)


def entries(
    session: Session,
    *,
    account_id: int | None = None,
    action: AuditAction | str | None = None,
    limit: int = 200,
) -> list[AuditEntry]:
    """The newest entries first, optionally for one account or one action. On PostgreSQL
    each one's ``db_role`` names the database login that wrote it."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if account_id is not None:
        query = query.where(AuditEntry.account_id == account_id)
    if action is not None:
        query = query.where(AuditEntry.action == str(action))
    return list(session.scalars(query))


# -- verification -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ChainBreak:
    """The first row at which the chain does not hold."""

    entry_id: int
    at: datetime
    previous_id: int | None  # the row before it in the log, None for the first
    content_changed: bool  # its values do not give its hash; else its link to the previous
    db_role: str | None = None  # PostgreSQL: the login that wrote it
    previous_db_role: str | None = None  # … and the one that wrote the row before it

    def describe(self) -> str:
        from desktop.formatting import ru_datetime

        head = f"Запись №{self.entry_id} от {ru_datetime(self.at)} изменена или удалена: "
        if self.content_changed:
            return head + "её содержимое не совпадает с её контрольной суммой." + self._written()
        if self.previous_id is None:
            return head + (
                "она первая в журнале, но ссылается на предыдущую — начало журнала удалено."
            ) + self._written()  # fmt: skip
        previous = (
            f" (запись №{self.previous_id} внесена под именем входа в базу "
            f"«{self.previous_db_role}»)"
            if self.previous_db_role is not None
            else ""
        )
        return head + (
            f"цепочка прервана перед ней — запись №{self.previous_id} подделана{previous} "
            f"или записи между №{self.previous_id} и №{self.entry_id} удалены."
        ) + self._written()  # fmt: skip

    def _written(self) -> str:
        if self.db_role is None:
            return ""
        return f" Запись внесена под именем входа в базу «{self.db_role}»."


@dataclass(frozen=True)
class ChainReport:
    checked: int  # rows read up to and including the first broken one
    broken: ChainBreak | None

    @property
    def intact(self) -> bool:
        return self.broken is None

    def describe(self) -> str:
        if self.broken is None:
            from desktop.common.plural import plural

            return f"Журнал аудита цел: {plural(self.checked, 'запись', 'записи', 'записей')}"
        return self.broken.describe()


def verify(db: Database, actor: Actor, *, batch: int = 1000) -> ChainReport:
    """Walk the whole log in id order, in constant memory, and report the first break."""
    require(actor, Permission.SEE_AUDIT_LOG)
    chain_pending(db)
    query = (
        select(
            AuditEntry.id,
            AuditEntry.at,
            AuditEntry.actor,
            AuditEntry.action,
            AuditEntry.account_id,
            AuditEntry.ok,
            AuditEntry.details,
            AuditEntry.prev_hash,
            AuditEntry.row_hash,
            AuditEntry.db_role,
        )
        .order_by(AuditEntry.id)
        .execution_options(yield_per=batch)  # a server-side cursor on PostgreSQL
    )
    with db.read() as s:
        result = s.execute(query)
        try:
            return _walk(result)
        finally:
            result.close()  # the walk may stop at a break, with rows left unread


def _walk(rows: Iterable[Any]) -> ChainReport:
    expected, previous_id, previous_role, checked = GENESIS, None, None, 0
    for row in rows:
        checked += 1
        computed = chain_hash(
            row.prev_hash, row.id, row.at, row.actor, row.action, row.account_id, row.ok,
            row.details, row.db_role,
        )  # fmt: skip
        if computed != row.row_hash or row.prev_hash != expected:
            changed = computed != row.row_hash
            broken = ChainBreak(row.id, row.at, previous_id, changed, row.db_role, previous_role)
            return ChainReport(checked, broken)
        expected, previous_id, previous_role = row.row_hash, row.id, row.db_role
    return ChainReport(checked, None)
