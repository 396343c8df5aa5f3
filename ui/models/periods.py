"""«Приборы учета»: the periods list (month, when changed, whether 1C accepted it)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt

from desktop.months import month_name
from desktop.readings import PeriodInfo
from ui.models.readings import CENTER, LEFT, Index, Role

CHANGED_HEADER_TIP = (
    "Месяц, когда показания периода меняли последний раз; точные дата и время — в подсказке ячейки"
)
ACCEPTED_HEADER_TIP = (
    "Отмечено — показания приняты бухгалтерией (загружены в 1С) и начислены в квитанции; "
    "изменить их можно только через офис"
)
NOT_ACCEPTED_TIP = "Показания ещё не приняты бухгалтерией (1С): в окне приёма их можно изменить"


def declined_tip(reason: str) -> str:
    """The tooltip of a period 1C refused, with 1C's reason."""
    return (
        f"Бухгалтерия (1С) не приняла показания: {reason.rstrip('.')}. Проверьте их и исправьте "
        "в окне приёма или обратитесь в офис"
    )


def _local(moment: datetime) -> datetime:
    return moment.astimezone()


@dataclass(frozen=True)
class _PeriodLine:
    info: PeriodInfo
    cells: tuple[str, str, str]
    tips: tuple[str, str, str]


class PeriodsModel(QAbstractTableModel):
    """The account's periods, newest first: Период, Дата изменения, Обновлено из 1С (a read-only
    check mark that screen readers hear as «да»/«нет»)."""

    COLUMNS = ("Период", "Дата изменения", "Обновлено из 1С")
    PERIOD, CHANGED, ACCEPTED = range(3)
    HEADER_TIPS = ("", CHANGED_HEADER_TIP, ACCEPTED_HEADER_TIP)

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._lines: list[_PeriodLine] = []

    # -- content

    def set_periods(self, periods: Iterable[PeriodInfo]) -> None:
        self.beginResetModel()
        self._lines = [self._line(info) for info in periods]
        self.endResetModel()

    def update_period(self, info: PeriodInfo) -> None:
        """One period changed (saved readings move «Дата изменения»)."""
        row = self.row_of(info.month)
        if row is None:
            return
        self._lines[row] = self._line(info)
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(self.COLUMNS) - 1))

    def period(self, row: int) -> PeriodInfo | None:
        return self._lines[row].info if 0 <= row < len(self._lines) else None

    def row_of(self, month: date) -> int | None:
        for row, line in enumerate(self._lines):
            if line.info.month == month:
                return row
        return None

    @staticmethod
    def _line(info: PeriodInfo) -> _PeriodLine:
        changed = _local(info.changed_at)
        accepted = _local(info.accepted_at) if info.accepted_at else None
        # The seed shows «Дата изменения» as a month («Июнь 2017»); the exact moment is a tooltip.
        return _PeriodLine(
            info,
            (
                info.title,
                month_name(changed.date()),
                "да" if accepted else "отклонено" if info.declined_reason else "нет",
            ),
            (
                "",
                f"Показания периода изменены {changed:%d.%m.%Y в %H:%M:%S}",
                f"Показания приняты бухгалтерией (загружены в 1С) {accepted:%d.%m.%Y в %H:%M}; "
                "изменить их можно только через офис"
                if accepted
                else declined_tip(info.declined_reason)
                if info.declined_reason
                else NOT_ACCEPTED_TIP,
            ),
        )

    # -- Qt's interface

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._lines)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def data(self, index: Index, role: int = Role.DisplayRole) -> Any:
        if not index.isValid():
            return None
        line = self._lines[index.row()]
        column = index.column()
        if role == Role.DisplayRole:
            return None if column == self.ACCEPTED else line.cells[column]
        if role == Role.CheckStateRole and column == self.ACCEPTED:
            return Qt.CheckState.Checked if line.info.accepted else Qt.CheckState.Unchecked
        if role == Role.AccessibleTextRole:
            return line.cells[column]
        if role == Role.ToolTipRole:
            return line.tips[column] or None
        if role == Role.TextAlignmentRole:
            return CENTER if column == self.ACCEPTED else LEFT
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        # Not user-checkable: whether 1C accepted a period is 1C's word, not the resident's.
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Role.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.COLUMNS):
            if role in (Role.DisplayRole, Role.AccessibleTextRole):
                return self.COLUMNS[section]
            if role == Role.TextAlignmentRole:
                return CENTER if section == self.ACCEPTED else LEFT
            if role == Role.ToolTipRole:
                return self.HEADER_TIPS[section] or None
        return None
