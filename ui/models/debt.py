"""The debt's tables: arrears by month and service, and a compact summary by service."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from desktop.formatting import money, ru_date
from desktop.months import month_name

if TYPE_CHECKING:  # the statement module imports SQLAlchemy; only its dataclasses are used
    from desktop.statement import Debt

Index = QModelIndex | QPersistentModelIndex
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
CENTER = Qt.AlignmentFlag.AlignCenter
ZERO = Decimal("0.00")


class TextTableModel(QAbstractTableModel):
    """Read-only rows of display strings under fixed headers; ``data()`` is a lookup."""

    headers: tuple[str, ...] = ()  # a «\n» breaks a long header into two lines
    alignments: tuple[Qt.AlignmentFlag, ...] = ()

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[tuple[str, ...]] = []

    def set_rows(self, rows: list[tuple[str, ...]]) -> None:
        """Replace every row: the content changes as a whole, so the model resets."""
        self.beginResetModel()
        self._rows = rows
        self.endResetModel()

    def text(self, row: int, column: int) -> str:
        return self._rows[row][column]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.headers)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if role in (
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.AccessibleTextRole,
            Qt.ItemDataRole.ToolTipRole,
        ):
            return self._rows[index.row()][index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return self.alignments[index.column()]
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.headers):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.headers[section]
        if role in (Qt.ItemDataRole.AccessibleTextRole, Qt.ItemDataRole.ToolTipRole):
            return self.headers[section].replace("\n", " ")
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return self.alignments[section]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable


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
