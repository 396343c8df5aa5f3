"""The rows of «Журнал действий»: Когда, Кто, Лицевой счет, Действие, Итог, Подробности;
a next page of older entries is appended below, rows inserted, not the model reset."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, Qt

from desktop.formatting import ru_datetime
from ui.models.text_table import TextTableModel

if TYPE_CHECKING:
    from desktop.audit_log import LogRow

LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter


class AuditLogModel(TextTableModel):
    headers = ("Когда", "Кто", "Лицевой\nсчет", "Действие", "Итог", "Подробности")
    alignments = (LEFT,) * 6

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.entries: list[LogRow] = []

    def set_entries(self, entries: list[LogRow]) -> None:
        self.entries = list(entries)
        self.set_rows([_cells(row) for row in entries])

    def append_entries(self, entries: list[LogRow]) -> None:
        """Older entries, below the ones shown."""
        if not entries:
            return
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(entries) - 1)
        self.entries.extend(entries)
        self._rows.extend(_cells(row) for row in entries)
        self.endInsertRows()

    def oldest_id(self) -> int | None:
        return self.entries[-1].id if self.entries else None


def _cells(row: LogRow) -> tuple[str, ...]:
    return (
        ru_datetime(row.at),
        row.actor,
        row.account or "—",
        row.action,
        row.outcome,
        row.details,
    )
