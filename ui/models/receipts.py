"""The receipts list: date, description, period; newest first, as the service returns them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from desktop.formatting import ru_date

if TYPE_CHECKING:  # the receipts module imports SQLAlchemy; only its dataclass is used
    from desktop.receipts import ReceiptInfo

Index = QModelIndex | QPersistentModelIndex
HEADERS = ("Дата", "Описание", "Период")
ALIGNMENTS = (
    Qt.AlignmentFlag.AlignCenter,
    Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
    Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
)


class ReceiptsModel(QAbstractTableModel):
    """Read-only; each row keeps its ReceiptInfo for the open, save and print actions."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._receipts: list[ReceiptInfo] = []
        self._rows: list[tuple[str, str, str]] = []

    def set_receipts(self, receipts: list[ReceiptInfo]) -> None:
        """Replace the list; it changes as a whole, so the model resets."""
        self.beginResetModel()
        self._receipts = list(receipts)
        self._rows = [(ru_date(r.issued_on), r.description, r.period_title) for r in receipts]
        self.endResetModel()

    def receipt_at(self, row: int) -> ReceiptInfo | None:
        return self._receipts[row] if 0 <= row < len(self._receipts) else None

    def text(self, row: int, column: int) -> str:
        return self._rows[row][column]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

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
            return ALIGNMENTS[index.column()]
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(HEADERS):
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return HEADERS[section]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return ALIGNMENTS[section]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
