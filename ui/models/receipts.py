"""The receipts list: date, description, period; newest first, as the service returns them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt

from desktop.formatting import ru_date
from ui.models.text_table import TextTableModel

if TYPE_CHECKING:  # the receipts module imports SQLAlchemy; only its dataclass is used
    from desktop.receipts import ReceiptInfo

HEADERS = ("Дата", "Описание", "Период")
ALIGNMENTS = (
    Qt.AlignmentFlag.AlignCenter,
    Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
    Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
)


class ReceiptsModel(TextTableModel):
    """Read-only; each row keeps its ReceiptInfo for the open, save and print actions."""

    headers = HEADERS
    alignments = ALIGNMENTS

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._receipts: list[ReceiptInfo] = []

    def set_receipts(self, receipts: list[ReceiptInfo]) -> None:
        """Replace the list; it changes as a whole, so the model resets."""
        self._receipts = list(receipts)
        self.set_rows([(ru_date(r.issued_on), r.description, r.period_title) for r in receipts])

    def receipt_at(self, row: int) -> ReceiptInfo | None:
        return self._receipts[row] if 0 <= row < len(self._receipts) else None
