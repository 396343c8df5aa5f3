"""«Приборы учета»: the meters table, with the values a resident types (the periods list:
``ui.models.periods``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QIcon

# Loaded with the page, after login: importing the readings core here costs no start-up time.
from desktop.common.problems import Problem
from desktop.errors import UserError
from desktop.formatting import meter_value, ru_date, unit_text
from desktop.readings import (
    COLUMNS,
    CURRENT_COLUMN,
    Confirmation,
    ReadingRow,
    RowKey,
    consumption,
    parse_value,
)

Index = QModelIndex | QPersistentModelIndex
Role = Qt.ItemDataRole

RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
CENTER = Qt.AlignmentFlag.AlignCenter

GREY = QColor("#8a94a3")
REFUSED_TEXT = QColor("#8a1c1c")
REFUSED_BACKGROUND = QBrush(QColor("#fde0e0"))
CONFIRM_TEXT = QColor("#6b4a00")
CONFIRM_BACKGROUND = QBrush(QColor("#fff1cc"))
EDITABLE_BACKGROUND = QBrush(QColor("#eef5ff"))
LOCKED_BACKGROUND = QBrush(QColor("#f3f4f6"))

ENTRY_TIP = (
    "Введите текущее показание счетчика: цифры, дробная часть — через запятую или точку, "
    "например 9897,29. Enter или F2 — изменить, Ctrl+S — сохранить."
)
ENTRY_TIP_TOUCH = (  # the kiosk's
    "Введите текущее показание счетчика на экранной клавиатуре: цифры, дробная часть — через "
    "запятую, например 9897,29."
)


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


# --- readings --------------------------------------------------------------------------------


@dataclass(eq=False)  # lines are found by identity
class _ReadingLine:
    row: ReadingRow
    cells: list[str]
    typed: str | None = None  # what the resident typed in this session, exactly
    problem: str = ""  # why the last «Сохранить» refused this row, or what it asks to confirm
    needs: Confirmation | None = None
    column: int = COLUMNS.index(CURRENT_COLUMN)  # the cell the problem is about
    note: str = ""  # the text of the note row shown beneath, if any


class ReadingsModel(QAbstractTableModel):
    """«Показания приборов за период»: one line per meter and tariff zone. In edit mode the
    «Текущее значение» cells take the typed text (decimal comma or point), kept as typed for
    the service to check on «Сохранить»; «Разница» follows as soon as the text is a number.

    Why a value was refused, needs confirming, or cannot be given (a retired meter) is a note
    row right beneath its line, meant to be spanned across the table by the view: it stays
    beside its row at any window width."""

    COLUMNS = COLUMNS
    TITLE, SERIAL, RETIRED, UNIT, PREVIOUS, CURRENT, DIFFERENCE = range(7)
    NUMERIC = frozenset({PREVIOUS, CURRENT, DIFFERENCE})

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._lines: list[_ReadingLine] = []
        self._rows: list[tuple[int, bool]] = []  # per table row: its line, and is it a note
        self._editing = False
        self._marks: dict[int, tuple[QIcon, str, str]] = {}  # meter: icon, state, tooltip
        self.entry_tip = ENTRY_TIP  # a value cell's tooltip (the kiosk's names no keys)

    # -- content

    def set_marks(self, marks: dict[int, tuple[QIcon, str, str]]) -> None:
        """Mark meters in the «Прибор» column (a verification due or overdue): an icon, the
        state said to screen readers, and the whole text as its tooltip."""
        self._marks = marks
        if self._rows:
            last = len(self._rows) - 1
            self.dataChanged.emit(self.index(0, self.TITLE), self.index(last, self.TITLE))

    def set_rows(self, rows: Sequence[ReadingRow]) -> None:
        """Show a period's stored rows; whatever was typed or refused before is dropped."""
        self.beginResetModel()
        self._lines = [_ReadingLine(row, []) for row in rows]
        for line in self._lines:
            line.cells = self._cells(line)
            line.note = self._note(line)
        self._index_rows()
        self.endResetModel()

    @property
    def rows(self) -> list[ReadingRow]:
        """The period's rows, without the notes."""
        return [line.row for line in self._lines]

    def reading(self, row: int) -> ReadingRow | None:
        """The reading a table row belongs to (a note row: the reading it explains)."""
        return self._lines[self._rows[row][0]].row if 0 <= row < len(self._rows) else None

    def row_of(self, key: RowKey) -> int | None:
        """The table row of a meter zone's reading."""
        for row, (line, is_note) in enumerate(self._rows):
            if not is_note and self._lines[line].row.key == key:
                return row
        return None

    def is_note(self, row: int) -> bool:
        return 0 <= row < len(self._rows) and self._rows[row][1]

    def note_rows(self) -> list[int]:
        return [row for row, (_line, is_note) in enumerate(self._rows) if is_note]

    # -- edit mode

    @property
    def editing(self) -> bool:
        return self._editing

    def set_editing(self, editing: bool) -> None:
        """Enter or leave edit mode; leaving drops what was typed and the problems shown."""
        if editing == self._editing:
            return
        self._editing = editing
        if not editing:
            for line in self._lines:
                line.typed, line.problem, line.needs = None, "", None
                line.column = self.CURRENT
        for line in self._lines:
            line.cells = self._cells(line)
        if self._rows:
            # Flags and backgrounds change all along the value column.
            last = len(self._rows) - 1
            self.dataChanged.emit(self.index(0, self.TITLE), self.index(last, self.DIFFERENCE))
        self._sync_notes()

    def is_editable(self, row: int) -> bool:
        if not self._editing or not 0 <= row < len(self._rows):
            return False
        line, is_note = self._rows[row]
        return not is_note and not self._lines[line].row.locked_reason

    def first_editable_row(self) -> int | None:
        return next((row for row in range(len(self._rows)) if self.is_editable(row)), None)

    def typed_values(self) -> dict[RowKey, str]:
        """The values to submit: every row whose typed text differs from what is stored."""
        values: dict[RowKey, str] = {}
        for line in self._lines:
            if line.typed is None:
                continue
            parsed = _parsed(line.typed)
            if parsed is None or parsed != line.row.current:
                values[line.row.key] = line.typed
        return values

    def set_problems(self, problems: Iterable[Problem]) -> None:
        """Mark the rows a refused «Сохранить» named (a problem's ``row`` is the position of
        its reading among the rows shown), each with its own message beneath."""
        by_row = {problem.row: problem for problem in problems if problem.row is not None}
        for position, line in enumerate(self._lines):
            problem = by_row.get(position)
            text = problem.message if problem else ""
            needs = Confirmation(problem.needs) if problem and problem.needs else None
            column = self._column(problem.column if problem else None)
            if (text, needs, column) != (line.problem, line.needs, line.column):
                line.problem, line.needs, line.column = text, needs, column
                self._line_changed(line)
        self._sync_notes()

    def _column(self, title: str | None) -> int:
        return self.COLUMNS.index(title) if title in self.COLUMNS else self.CURRENT

    def problem(self, row: int) -> str:
        """The problem of a table row's reading, as shown beneath it."""
        return self._lines[self._rows[row][0]].problem if 0 <= row < len(self._rows) else ""

    def problem_rows(self) -> list[int]:
        """Table rows of the readings that have a problem."""
        return [
            row
            for row, (line, is_note) in enumerate(self._rows)
            if not is_note and self._lines[line].problem
        ]

    # -- display strings, computed when something changes so that data() is a lookup

    def _cells(self, line: _ReadingLine) -> list[str]:
        row = line.row
        current_text, difference = meter_value(row.current), row.difference
        if line.typed is not None:
            parsed = _parsed(line.typed)
            current_text = line.typed if parsed is None else meter_value(parsed)
            difference = None if parsed is None else consumption(row.previous, parsed)
        return [
            row.title,
            row.serial,
            ru_date(row.retired_on),
            unit_text(row.unit),
            meter_value(row.previous),
            current_text,
            meter_value(difference),
        ]

    def _note(self, line: _ReadingLine) -> str:
        if line.problem:
            return line.problem
        if self._editing and line.row.locked_reason:
            return _sentence(line.row.locked_reason)
        return ""

    def _index_rows(self) -> None:
        self._rows = []
        for index, line in enumerate(self._lines):
            self._rows.append((index, False))
            if line.note:
                self._rows.append((index, True))

    def _line_row(self, line: _ReadingLine) -> int:
        position = next(i for i, candidate in enumerate(self._lines) if candidate is line)
        return next(
            row for row, (i, is_note) in enumerate(self._rows) if i == position and not is_note
        )

    def _line_changed(self, line: _ReadingLine) -> None:
        line.cells = self._cells(line)
        row = self._line_row(line)
        # The whole line: the problem's cell may be another column than the value's.
        self.dataChanged.emit(self.index(row, self.TITLE), self.index(row, self.DIFFERENCE))

    def _sync_notes(self) -> None:
        """Insert, remove or refresh the note rows so that each line has the note it needs."""
        for line in self._lines:
            wanted = self._note(line)
            if wanted == line.note:
                continue
            below = self._line_row(line) + 1
            if wanted and not line.note:
                self.beginInsertRows(QModelIndex(), below, below)
                line.note = wanted
                self._index_rows()
                self.endInsertRows()
            elif line.note and not wanted:
                self.beginRemoveRows(QModelIndex(), below, below)
                line.note = wanted
                self._index_rows()
                self.endRemoveRows()
            else:
                line.note = wanted
                self.dataChanged.emit(self.index(below, 0), self.index(below, self.DIFFERENCE))

    # -- Qt's interface

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def data(self, index: Index, role: int = Role.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row, column = index.row(), index.column()
        line_index, is_note = self._rows[row]
        line = self._lines[line_index]
        if is_note:
            return self._note_data(line, column, role)
        mark = self._marks.get(line.row.meter_id) if column == self.TITLE else None
        if mark is not None and role == Role.DecorationRole:
            return mark[0]
        if mark is not None and role == Role.AccessibleTextRole:
            return f"{line.cells[column]} — {mark[1]}"
        if mark is not None and role == Role.ToolTipRole and not line.problem:
            return mark[2]
        if role in (Role.DisplayRole, Role.AccessibleTextRole):
            return line.cells[column]
        if role == Role.EditRole:
            if column == self.CURRENT and line.typed is not None:
                return line.typed
            return line.cells[column]
        if role == Role.TextAlignmentRole:
            return RIGHT if column in self.NUMERIC else LEFT
        if role == Role.ToolTipRole:
            return self._tooltip(row, line, column)
        if role == Role.ForegroundRole:
            if line.row.locked_reason:
                return GREY
            if column == self.DIFFERENCE and line.cells[column].startswith("-"):
                return REFUSED_TEXT
            return None
        if role == Role.BackgroundRole:
            return self._background(row, line, column)
        return None

    def _note_data(self, line: _ReadingLine, column: int, role: int) -> Any:
        if role in (Role.DisplayRole, Role.AccessibleTextRole, Role.EditRole):
            return line.note if column == self.TITLE else ""
        if role == Role.ToolTipRole:
            return line.note
        if role == Role.TextAlignmentRole:
            return LEFT
        if role == Role.ForegroundRole:
            if not line.problem:
                return GREY
            return CONFIRM_TEXT if line.needs else REFUSED_TEXT
        if role == Role.BackgroundRole:
            if not line.problem:
                return LOCKED_BACKGROUND
            return CONFIRM_BACKGROUND if line.needs else REFUSED_BACKGROUND
        return None

    def _tooltip(self, row: int, line: _ReadingLine, column: int) -> str | None:
        if line.problem and column in (line.column, self.DIFFERENCE):
            return line.problem
        if line.row.locked_reason:
            return _sentence(line.row.locked_reason)
        if column == self.CURRENT and self.is_editable(row):
            return self.entry_tip
        return None

    def _background(self, row: int, line: _ReadingLine, column: int) -> QBrush | None:
        if line.problem and column == line.column:
            return CONFIRM_BACKGROUND if line.needs else REFUSED_BACKGROUND
        if column != self.CURRENT:
            return None
        if self._editing:
            return EDITABLE_BACKGROUND if self.is_editable(row) else LOCKED_BACKGROUND
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        if self._rows[index.row()][1]:  # a note: read, not selected
            return Qt.ItemFlag.ItemIsEnabled
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() == self.CURRENT and self.is_editable(index.row()):
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def setData(self, index: Index, value: Any, role: int = Role.EditRole) -> bool:
        if (
            role != Role.EditRole
            or not index.isValid()
            or index.column() != self.CURRENT
            or not self.is_editable(index.row())
        ):
            return False
        line = self._lines[self._rows[index.row()][0]]
        text = "" if value is None else str(value).strip()
        line.typed = text or None  # an emptied cell keeps the stored value
        # A new value: the old verdict no longer applies.
        line.problem, line.needs, line.column = "", None, self.CURRENT
        line.cells = self._cells(line)
        # Separate ranges: an open editor on this very cell is refreshed only by a one-cell change.
        self.dataChanged.emit(index, index)
        difference = index.siblingAtColumn(self.DIFFERENCE)
        self.dataChanged.emit(difference, difference)
        self._sync_notes()
        return True

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Role.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.COLUMNS):
            if role in (Role.DisplayRole, Role.AccessibleTextRole):
                return self.COLUMNS[section]
            if role == Role.TextAlignmentRole:
                return RIGHT if section in self.NUMERIC else LEFT
        return None


def _parsed(text: str) -> Decimal | None:
    """The typed text as a value if it is one; the service gives the reasons on «Сохранить»."""
    try:
        return parse_value(text)
    except UserError:
        return None
