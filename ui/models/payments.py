"""The account's payments from the banks' registries, newest first: date, amount, bank, the
month paid for, and whether the amount to pay counts it yet."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from desktop.formatting import money, ru_date
from desktop.months import month_name
from ui.models.debt import LEFT, RIGHT
from ui.models.text_table import TextTableModel

if TYPE_CHECKING:  # desktop.payments imports SQLAlchemy; only its dataclass is used
    from desktop.payments import PaymentItem

COUNTED = "в сумме к оплате"
IN_STATEMENT = "в ведомости"


class PaymentsModel(TextTableModel):
    """One row per payment."""

    headers = ("Дата", "Сумма", "Банк", "За период", "Учтен")
    alignments = (LEFT, RIGHT, LEFT, LEFT, LEFT)

    def set_payments(self, payments: Sequence[PaymentItem]) -> None:
        self.set_rows(
            [
                (
                    ru_date(p.paid_on),
                    money(p.amount),
                    p.bank,
                    month_name(p.period) if p.period else "",
                    COUNTED if p.counted else IN_STATEMENT,
                )
                for p in payments
            ]
        )
