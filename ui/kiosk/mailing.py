"""«Отправить на почту» on a kiosk: the receipt's PDF and figures to the resident's e-mail on
file (``desktop.receipt_mail``; on PostgreSQL queued by the database, ``db.roles_mail``), then
a confirmation with the address masked (i***@mail.ru), or what to do instead (register an
e-mail at the office, print it here once the day's letters are used up)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from desktop.receipt_mail import Mailed
    from desktop.receipts import ReceiptInfo
    from ui.messages import MessageBar
    from ui.pages.base import BasePage

SEND = "Отправить на почту"
SENDING = "Отправка на почту…"


def sent_text(mailed: Mailed) -> str:
    return (
        f"Квитанция (PDF) отправлена на {mailed.masked}. Письмо придёт в течение нескольких "
        "минут; если его нет, проверьте папку «Спам»."
    )


def mail_on_kiosk(
    page: BasePage, bar: MessageBar, receipt: ReceiptInfo, busy: Callable[[bool], None]
) -> None:
    """Queue the receipt's letter in the background; the answer in ``bar``."""
    from desktop.receipt_mail import mail_receipt  # SQLAlchemy: not before it is needed

    ctx = page.ctx
    services, actor, account_id = ctx.services, ctx.actor, ctx.served.id
    busy(True)
    bar.info(SENDING)

    def sent(mailed: Mailed) -> None:
        busy(False)
        bar.success(sent_text(mailed))

    def failed(error: Exception) -> None:
        busy(False)
        bar.error(error)

    page.call(lambda: mail_receipt(services, actor, account_id, receipt.month), sent, failed)
