"""The debt's tables: arrears by month and service, and a compact summary by service."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt

from desktop.formatting import money, ru_date
from desktop.months import month_name
from ui.models.text_table import TextTableModel

if TYPE_CHECKING:  # the statement module imports SQLAlchemy; only its dataclasses are used
    from desktop.statement import Debt

RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
CENTER = Qt.AlignmentFlag.AlignCenter
ZERO = Decimal("0.00")


class ArrearsModel(TextTableModel):
    """One row per unpaid charge: month, service, amount, due date, days overdue, penalty."""

    headers = ("Месяц", "Услуга", "Сумма", "Срок\nоплаты", "Дней\nпросрочки", "Пеня")
    alignments = (LEFT, LEFT, RIGHT, CENTER, RIGHT, RIGHT)

    def set_debt(self, debt: Debt | None) -> None:
        items = debt.items if debt is not None else ()
        self.set_rows(
            [
                (
                    month_name(item.month),
                    item.service,
                    money(item.amount),
                    ru_date(item.due),
                    str(item.days_overdue),
                    money(item.penalty, blank_zero=True),
                )
                for item in items
            ]
        )


class DebtByServiceModel(TextTableModel):
    """Per service: the arrears and their penalty; the largest first."""

    headers = ("Услуга", "Долг", "Пеня")
    alignments = (LEFT, RIGHT, RIGHT)

    def set_debt(self, debt: Debt | None) -> None:
        amounts: dict[str, Decimal] = defaultdict(lambda: ZERO)
        penalties: dict[str, Decimal] = defaultdict(lambda: ZERO)
        for item in debt.items if debt is not None else ():
            amounts[item.service] += item.amount
            penalties[item.service] += item.penalty
        order = sorted(amounts, key=lambda name: (-(amounts[name] + penalties[name]), name))
        self.set_rows(
            [
                (
                    name,
                    money(amounts[name]),
                    money(penalties[name], blank_zero=True),
                )
                for name in order
            ]
        )
