"""Outgoing mail: over SMTP when it is configured, otherwise into the office's outbox.

Letters are queued as outbox rows in the transaction that makes them and delivered after
commit by desktop.mail_queue. The outbox's slips hold what a resident should have received
(a one-time password, a reset code) until a clerk prints one and hands it over at the counter.
"""

from __future__ import annotations

import mimetypes
import re
import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Literal

from sqlalchemy import Select, delete, select, text
from sqlalchemy.orm import Session, defer

from db.engine import Database
from db.models import Account, Building, Company, OutboxMessage, Premises
from db.privileges import lacks
from desktop import audit
from desktop.actors import Actor
from desktop.audit import AuditAction
from desktop.clock import Clock, SystemClock
from desktop.errors import NotFoundError, UserError, ValidationError
from desktop.permissions import Permission, require
from desktop.settings import Settings, SmtpSettings

Delivery = Literal["email", "outbox"]

SECURITY_MODES = ("starttls", "ssl", "none")

_EMAIL_LOCAL = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")
_DOMAIN_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")


def normalize_email(text: str) -> str:
    """An e-mail address with its domain in lower-case ASCII (Cyrillic domains such as .рф
    in punycode, which every mail server accepts); ValidationError if it is malformed."""
    value = text.strip()
    if not value:
        raise ValidationError("Укажите адрес электронной почты, например ivanov@mail.ru.")
    bad = ValidationError(
        "Адрес электронной почты указан неверно. Проверьте его: он должен быть вида "
        "ivanov@mail.ru, латинскими буквами до знака @."
    )
    local, at, domain = value.rpartition("@")
    if not at or not _EMAIL_LOCAL.fullmatch(local) or len(local) > 64:
        raise bad
    try:
        ascii_domain = domain.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise bad from None
    labels = ascii_domain.split(".")
    if len(labels) < 2 or not all(_DOMAIN_LABEL.fullmatch(label) for label in labels):
        raise bad
    address = f"{local}@{ascii_domain}"
    if len(address) > 254:
        raise bad
    return address


@dataclass(frozen=True)
class Attachment:
    """A file a letter carries: its name as the resident's mail program shows it, its bytes
    and its MIME type (by the name's ending: a receipt is a PDF)."""

    name: str
    data: bytes

    @property
    def mime_type(self) -> str:
        guessed, _ = mimetypes.guess_type(self.name)
        return guessed or "application/octet-stream"


class MailError(UserError):
    """The message could not be sent; nothing that depended on it was stored."""


class SmtpMailer:
    """Sends through the SMTP server from the settings: the mail queue's transport."""

    def __init__(self, smtp: SmtpSettings, clock: Clock | None = None) -> None:
        self.smtp = smtp
        self.clock = clock or SystemClock()

    def build(
        self, *, recipient: str, subject: str, body: str, attachments: Sequence[Attachment] = ()
    ) -> EmailMessage:
        """The message as it goes on the wire: UTF-8 text with the headers spam filters want,
        and each attachment as a MIME part of its own (a receipt's PDF: application/pdf)."""
        sender = self.smtp.sender or self.smtp.username
        if "@" not in sender:
            raise MailError(
                "В настройках почты не указан адрес отправителя (smtp.sender). Письмо не "
                "отправлено: попросите администратора исправить настройки или обратитесь в офис."
            )
        message = EmailMessage()
        message["From"] = sender
        message["To"] = recipient
        message["Subject"] = subject
        message["Date"] = format_datetime(self.clock.now())
        # The sender's domain, not the machine's name: getfqdn() can stall on office networks.
        message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2])
        message.set_content(body, charset="utf-8")
        for attachment in attachments:
            maintype, _, subtype = attachment.mime_type.partition("/")
            message.add_attachment(
                attachment.data, maintype=maintype, subtype=subtype, filename=attachment.name
            )
        return message

    def deliver(
        self, *, recipient: str, subject: str, body: str, attachments: Sequence[Attachment] = ()
    ) -> None:
        """Send one letter now; MailError if the server or the settings fail. Holds no
        database session: the queue's sender calls it outside any transaction."""
        message = self.build(
            recipient=recipient, subject=subject, body=body, attachments=attachments
        )
        smtp = self.smtp
        if smtp.security not in SECURITY_MODES:
            raise MailError(
                f"Неизвестный режим защиты почты «{smtp.security}» (нужно starttls, ssl или "
                "none). Письмо не отправлено: попросите администратора исправить настройки."
            )
        try:
            client: smtplib.SMTP
            if smtp.security == "ssl":
                client = smtplib.SMTP_SSL(
                    smtp.host,
                    smtp.port,
                    timeout=smtp.timeout,
                    context=ssl.create_default_context(),
                )
            else:
                client = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout)
            with client:
                if smtp.security == "starttls":
                    client.starttls(context=ssl.create_default_context())
                if smtp.username:
                    client.login(smtp.username, smtp.password)
                client.send_message(message)
        except (smtplib.SMTPException, OSError) as error:
            raise MailError(
                "Не удалось отправить письмо: почтовый сервер недоступен или не принял его. "
                "Попробуйте позже или обратитесь в офис управляющей компании."
            ) from error


def discard_pending(session: Session, account_id: int, subject: str) -> int:
    """Drop slips not yet handed out that a newer message makes void (an old one-time
    password, an old code), so the office never prints a password that no longer works."""
    result = session.execute(
        delete(OutboxMessage).where(
            OutboxMessage.account_id == account_id,
            OutboxMessage.subject == subject,
            OutboxMessage.handed_out_at.is_(None),
        )
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def purge_expired(s: Session, now: datetime) -> int:
    """Delete unsent letters and slips whose secret has expired: a dead password must not
    linger in the outbox. How many went."""
    gone = s.execute(
        delete(OutboxMessage).where(
            OutboxMessage.expires_at.is_not(None),
            OutboxMessage.expires_at <= now,
            OutboxMessage.status != "sent",
            OutboxMessage.handed_out_at.is_(None),
        )
    )
    return int(gone.rowcount or 0)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class OutboxItem:
    """A slip waiting in the outbox (or handed out), for the office's list and printout."""

    id: int
    account_id: int | None
    account_number: str
    recipient: str
    subject: str
    body: str
    created_at: datetime
    handed_out_at: datetime | None
    expires_at: datetime | None = None  # the secret's end
    fio: str = ""  # the account's, for the clerk to check against the resident's ID
    address: str = ""
    company: str | None = None  # the management company of the account's building


class OutboxService:
    """The office's view of the outbox: list what is waiting, mark a slip as handed out."""

    def __init__(self, db: Database, clock: Clock, settings: Settings) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings

    def pending(self, actor: Actor, *, account_id: int | None = None) -> list[OutboxItem]:
        """Slips not yet handed out, oldest first; staff only (they hold passwords)."""
        require(actor, Permission.HANDLE_OUTBOX)
        with self.db.unit_of_work() as s:
            purge_expired(s, self.clock.now())  # a slip with a dead password is not printed
            query = (
                _outbox_query()
                .where(OutboxMessage.handed_out_at.is_(None), OutboxMessage.channel == "slip")
                .order_by(OutboxMessage.created_at, OutboxMessage.id)
            )
            if account_id is not None:
                query = query.where(OutboxMessage.account_id == account_id)
            found = s.execute(query).all()
            bodies = slip_bodies(s, [row[0].id for row in found], self.clock.now())
            return [_item(*row, body=bodies.get(row[0].id, "")) for row in found]

    def record_printed(self, actor: Actor, message_id: int) -> None:
        """Log that a clerk printed the slip (it holds a password): who, which, when."""
        require(actor, Permission.HANDLE_OUTBOX)
        with self.db.unit_of_work() as s:
            message = s.get(OutboxMessage, message_id, options=[defer(OutboxMessage.body)])
            audit.record(
                s,
                self.clock.now(),
                actor,
                AuditAction.OUTBOX_PRINT,
                account_id=message.account_id if message is not None else None,
                message_id=message_id,
            )

    def mark_handed_out(self, actor: Actor, message_id: int) -> OutboxItem:
        """Record that the clerk gave the slip to the resident."""
        require(actor, Permission.HANDLE_OUTBOX)
        with self.db.unit_of_work() as s:
            row = s.execute(
                _outbox_query()
                .where(OutboxMessage.id == message_id)
                .with_for_update(of=OutboxMessage)
            ).first()
            if row is None:
                raise NotFoundError(
                    "Сообщение не найдено: возможно, его заменило более новое. Обновите список."
                )
            message = row[0]
            if message.handed_out_at is not None:
                raise ValidationError(
                    f"Это сообщение уже выдано {message.handed_out_at:%d.%m.%Y %H:%M} (UTC)."
                )
            body = slip_bodies(s, [message.id], self.clock.now()).get(message.id, "")
            message.handed_out_at = self.clock.now()
            audit.record(
                s,
                self.clock.now(),
                actor,
                AuditAction.OUTBOX_HAND_OUT,
                account_id=message.account_id,
                message_id=message.id,
                subject=message.subject,
            )
            item = _item(*row, body=body)
            message.body = ""  # the secret it carried is in the resident's hands, not kept here
            return item


def slip_bodies(s: Session, ids: list[int], now: datetime) -> dict[int, str]:
    """The texts of these slips by id. A clerk's database login reads no letter's text: it
    gets a slip's from ``cabinet_slip_bodies``, with a staff member signed in, which logs
    the read at ``now`` in that member's name (``db.roles_outbox``); e-mail letters' texts
    are the mailer's to read."""
    if not ids:
        return {}
    if lacks(s, "has_column_privilege('outbox_message', 'body', 'SELECT')"):
        query = text("SELECT id, body FROM cabinet_slip_bodies(CAST(:ids AS bigint[]), :now)")
        return {row.id: row.body for row in s.execute(query, {"ids": ids, "now": now})}
    rows = s.execute(
        select(OutboxMessage.id, OutboxMessage.body).where(
            OutboxMessage.id.in_(ids), OutboxMessage.channel == "slip"
        )
    )
    return {row.id: row.body for row in rows}


def _outbox_query() -> Select[OutboxMessage, str, str, str, str]:
    """Outbox rows (without their text: ``slip_bodies``) with what a slip shows of their
    account: number, ФИО, address and the company (each NULL for a letter without an
    account or premises)."""
    return (
        select(OutboxMessage, Account.number, Account.fio, Account.address, Company.name)
        .options(defer(OutboxMessage.body))
        .outerjoin(Account, Account.id == OutboxMessage.account_id)
        .outerjoin(Premises, Premises.id == Account.premises_id)
        .outerjoin(Building, Building.id == Premises.building_id)
        .outerjoin(Company, Company.id == Building.company_id)
    )


def _item(
    message: OutboxMessage,
    number: str | None,
    fio: str | None,
    address: str | None,
    company: str | None,
    *,
    body: str,
) -> OutboxItem:
    return OutboxItem(
        id=message.id,
        account_id=message.account_id,
        account_number=number or "",
        recipient=message.recipient,
        subject=message.subject,
        body=body,
        created_at=message.created_at,
        handed_out_at=message.handed_out_at,
        expires_at=message.expires_at,
        fio=fio or "",
        address=address or "",
        company=company,
    )
