"""«Отправить на почту» at the kiosk: the receipt's figures in a letter to the resident's
e-mail on file, queued in the outbox (``desktop.mail_queue``) and sent after the commit.

The outbox carries text only, so the letter holds the receipt's number, period, sum and
description, not its PDF; the resident prints the receipt itself at the kiosk or receives
it at the office. Only to the address on file, never to one typed at the kiosk. No Qt here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import select

from db.models import Account, ResidentCredential
from db.privileges import lacks
from desktop.actors import Actor
from desktop.errors import NotFoundError, UserError
from desktop.formatting import money
from desktop.mail_queue import EMAIL, queue
from desktop.months import month_name

if TYPE_CHECKING:
    from desktop.app import Services

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

READ_EMAIL = "has_column_privilege('resident_credential', 'email', 'SELECT')"


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
    return f"Квитанция за {month_name(month).lower()} г."


def mail_possible(services: Services) -> bool:
    """Whether this desk can send a receipt by e-mail at all: the office set up SMTP and the
    desk's database role may read the address. The same answer for every resident (the role
    check is asked once per database), so a desk that cannot offers no «Отправить на почту»."""
    if not services.settings.smtp.configured:
        return False
    with services.db.read() as s:
        return not lacks(s, READ_EMAIL)


def mail_receipt(services: Services, actor: Actor, account_id: int, month: date) -> Mailed:
    """Queue the receipt for ``month`` to the account's e-mail on file; where it went, masked.
    The receipts service checks the actor's session and account first."""
    found = [r for r in services.receipts.receipts(actor, account_id) if r.month == month]
    if not found:
        raise NotFoundError(f"Квитанции за {month_name(month).lower()} г. нет.")
    receipt = found[0]
    if not services.settings.smtp.configured:
        raise UserError(NO_SMTP)
    subject = receipt_subject(month)
    with services.db.unit_of_work() as s:
        # A kiosk's own database role may not read the address (db.roles).
        if lacks(s, READ_EMAIL):
            raise UserError(NOT_HERE)
        email = s.scalar(
            select(ResidentCredential.email).where(ResidentCredential.account_id == account_id)
        )
        if not email or "@" not in email:
            raise UserError(NO_EMAIL)
        account = s.get(Account, account_id)
        number = account.number if account is not None else ""
        lines = [
            "Здравствуйте!",
            "",
            f"Квитанция № {receipt.number} за {month_name(month).lower()} г.",
            f"Лицевой счет: {number}",
            f"Дата выставления: {receipt.issued_on:%d.%m.%Y}",
            f"К оплате: {money(receipt.total)} ₽",
        ]
        if receipt.description:
            lines.append(receipt.description)
        lines += [
            "",
            "Квитанцию целиком, с QR-кодом для оплаты, можно распечатать на киоске или "
            "получить в офисе управляющей компании.",
            "",
            "Письмо отправлено по вашей просьбе с киоска в офисе. Отвечать на него не нужно.",
        ]
        queue(
            s,
            channel=EMAIL,
            recipient=email,
            subject=subject,
            body="\n".join(lines),
            account_id=account_id,
            now=services.clock.now(),
            expires_at=None,
        )
    if services.postman is not None:
        services.postman.notify()
    return Mailed(mask_email(email), subject)
