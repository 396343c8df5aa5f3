"""«Отправить на почту» at the kiosk: the receipt — its PDF, as the desktop saves it, and its
figures in the text — in a letter to the resident's e-mail on file, queued in the outbox
(``desktop.mail_queue``) and sent after the commit by the office's sender, the PDF as a MIME
attachment (``desktop.mail``).

Only to the address on file, never to one typed at the kiosk, and at most ``PER_DAY``
letters per account in any 24 hours. A kiosk's PostgreSQL role reads no address: there the
database queues the letter (``db.roles_mail``: the account from the live session, the
receipt checked to be its own, the limit and the audit entry), and the kiosk learns the
address only masked. Elsewhere (SQLite, an office's role) the same is done here. The PDF is
rendered before the transaction, outside it. No Qt here.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from db.engine import Database
from db.models import Account, OutboxMessage, Receipt, ResidentCredential
from db.privileges import lacks
from db.roles_mail import FUNCTION, LIMIT_MESSAGE, LIMIT_SQLSTATE, PER_DAY, WINDOW
from desktop import audit
from desktop.actors import Actor
from desktop.audit import AuditAction
from desktop.clock import Clock
from desktop.errors import AccessDeniedError, NotFoundError, UserError
from desktop.failures import database_failure
from desktop.formatting import money
from desktop.mail import Attachment
from desktop.mail_queue import EMAIL, queue
from desktop.months import month_name
from desktop.permissions import require_account
from desktop.settings import Settings

if TYPE_CHECKING:
    from desktop.app import Services
    from desktop.documents.service import DocumentService
    from desktop.mail_queue import BackgroundSender, InlineSender

NO_EMAIL = (
    "У вашего лицевого счета нет адреса электронной почты. Чтобы получать квитанции на "
    "почту, сообщите свой адрес в офисе управляющей компании."
)
NO_SMTP = (
    "Отправка квитанций на почту сейчас не работает: в офисе не настроена электронная почта. "
    "Распечатайте квитанцию или получите её в офисе."
)
NOT_HERE = (
    "С этого киоска квитанцию на почту отправить нельзя. Распечатайте её или обратитесь в офис."
)
NO_SESSION = "Войдите в кабинет своим паролем и повторите: ничего не отправлено."

READ_EMAIL = "has_column_privilege('resident_credential', 'email', 'SELECT')"
_NAME, _ARGUMENTS = FUNCTION
MAY_ASK_DATABASE = (
    f"coalesce(has_function_privilege(to_regprocedure('{_NAME}({_ARGUMENTS})'), 'EXECUTE'), false)"
)
SUBJECT_START = "Квитанция за "


@dataclass(frozen=True)
class Mailed:
    """Where the letter went, masked for the screen, and what it holds."""

    masked: str
    subject: str


def mask_email(address: str) -> str:
    """«ivanov@mail.ru» → «i***@mail.ru»: enough to recognise one's own, not to read it."""
    local, at, domain = address.strip().rpartition("@")
    if not at or not local:
        return "***"
    return f"{local[0]}***@{domain}"


def receipt_subject(month: date) -> str:
    return f"{SUBJECT_START}{month_name(month).lower()} г."


def attachment_name(number: str, month: date) -> str:
    """The PDF's name, as the desktop's «Сохранить» offers it."""
    return f"Квитанция {number} {month_name(month)}.pdf"


def limit_text(hours: int) -> str:
    return LIMIT_MESSAGE.format(limit=PER_DAY, hours=hours)


class ReceiptMailService:
    """A receipt to the resident's e-mail on file (the kiosk's «Отправить на почту»)."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        settings: Settings,
        documents: DocumentService,
        postman: BackgroundSender | InlineSender | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings
        self.documents = documents
        self.postman = postman

    def possible(self) -> bool:
        """Whether this desk can send a receipt by e-mail at all: the office set up SMTP and
        the desk's database role reads the address, or may have the database queue the
        letter (``db.roles_mail``). The same answer for every resident, so a desk that
        cannot offers no «Отправить на почту»."""
        if not self.settings.smtp.configured:
            return False
        with self.db.read() as s:
            return not lacks(s, READ_EMAIL) or not lacks(s, MAY_ASK_DATABASE)

    def send(self, actor: Actor, account_id: int, month: date) -> Mailed:
        """Queue the receipt for ``month`` to the account's e-mail on file; where it went,
        masked."""
        require_account(actor, account_id)
        with self.db.read() as s:
            found = s.execute(
                select(Receipt, Account.number)
                .join(Account, Account.id == Receipt.account_id)
                .where(Receipt.account_id == account_id, Receipt.month == month)
                .order_by(Receipt.issued_on.desc())
                .limit(1)
            ).first()
        if found is None:
            raise NotFoundError(f"Квитанции за {month_name(month).lower()} г. нет.")
        receipt, number = found
        if not self.settings.smtp.configured:
            raise UserError(NO_SMTP)
        from desktop.documents.receipt import render_receipt  # reportlab: only when needed

        pdf = io.BytesIO()
        render_receipt(self.documents.receipt(actor, account_id, month), pdf)
        attachment = Attachment(attachment_name(number, month), pdf.getvalue())
        subject, body = receipt_subject(month), _letter(receipt, number)
        now = self.clock.now()
        with self.db.unit_of_work() as s:
            if lacks(s, READ_EMAIL):  # a kiosk's role: the database queues it
                if lacks(s, MAY_ASK_DATABASE):
                    raise UserError(NOT_HERE)
                masked = _by_database(s, receipt.id, subject, body, attachment, now)
            else:
                masked = _here(s, actor, receipt, subject, body, attachment, now)
        if self.postman is not None:
            self.postman.notify()
        return Mailed(masked, subject)


def _letter(receipt: Receipt, number: str) -> str:
    lines = [
        "Здравствуйте!",
        "",
        f"Квитанция № {receipt.number} за {month_name(receipt.month).lower()} г. — во вложении "
        "(PDF, с QR-кодом для оплаты).",
        f"Лицевой счет: {number}",
        f"Дата выставления: {receipt.issued_on:%d.%m.%Y}",
        f"К оплате: {money(receipt.total)} ₽",
    ]
    if receipt.description:
        lines.append(receipt.description)
    lines += [
        "",
        "Письмо отправлено по вашей просьбе с киоска в офисе. Отвечать на него не нужно.",
    ]
    return "\n".join(lines)


def _by_database(
    s: Session, receipt_id: int, subject: str, body: str, attachment: Attachment, now: datetime
) -> str:
    """``cabinet_kiosk_mail_receipt``: the letter queued by the database to the address the
    kiosk cannot read; the address, masked. Its limit's refusal is SQLSTATE CB002, which
    ``desktop.failures`` shows in Russian."""
    try:
        row = s.execute(
            text(
                "SELECT masked, reason FROM cabinet_kiosk_mail_receipt("
                ":receipt, :subject, :body, :file, :pdf, :now)"
            ),
            {
                "receipt": receipt_id,
                "subject": subject,
                "body": body,
                "file": attachment.name,
                "pdf": attachment.data,
                "now": now,
            },
        ).one()
    except DBAPIError as error:
        if getattr(error.orig, "sqlstate", None) == LIMIT_SQLSTATE:  # the day's letters
            raise AccessDeniedError(str(database_failure(error))) from None
        raise
    if row.reason == "no_email":
        raise UserError(NO_EMAIL)
    if row.reason == "not_found":
        raise NotFoundError("Такой квитанции у вашего лицевого счета нет.")
    if row.reason == "no_session":
        raise AccessDeniedError(NO_SESSION)
    if row.reason:
        raise UserError("Квитанцию не удалось отправить на почту. Распечатайте её здесь же.")
    return str(row.masked)


def _here(
    s: Session,
    actor: Actor,
    receipt: Receipt,
    subject: str,
    body: str,
    attachment: Attachment,
    now: datetime,
) -> str:
    """The same, done by the program (SQLite, or a role that reads the address)."""
    email = s.scalar(
        select(ResidentCredential.email).where(ResidentCredential.account_id == receipt.account_id)
    )
    if not email or "@" not in email:
        raise UserError(NO_EMAIL)
    times = s.execute(
        select(func.count(), func.min(OutboxMessage.created_at)).where(
            OutboxMessage.account_id == receipt.account_id,
            OutboxMessage.subject.startswith(SUBJECT_START),
            OutboxMessage.created_at > now - WINDOW,
        )
    ).one()
    if times[0] >= PER_DAY:
        left = times[1] + WINDOW - now
        raise AccessDeniedError(limit_text(max(1, -(-int(left.total_seconds()) // 3600))))
    message = queue(
        s,
        channel=EMAIL,
        recipient=email,
        subject=subject,
        body=body,
        account_id=receipt.account_id,
        now=now,
        expires_at=None,
        attachment=attachment,
    )
    s.flush()
    audit.record(
        s,
        now,
        actor,
        AuditAction.RECEIPT_MAIL,
        account_id=receipt.account_id,
        receipt=receipt.id,
        month=receipt.month.isoformat(),
        message=message.id,
    )
    return mask_email(email)


def mail_possible(services: Services) -> bool:
    """``ReceiptMailService.possible`` of these services (the screens' way in)."""
    return services.receipt_mail.possible()


def mail_receipt(services: Services, actor: Actor, account_id: int, month: date) -> Mailed:
    """``ReceiptMailService.send`` of these services: checks the actor's session first."""
    return services.receipt_mail.send(actor, account_id, month)
