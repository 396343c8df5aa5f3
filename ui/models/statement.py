"""The statement grid: per month a title row and its five rows; ИТОГО and one column per service."""

from __future__ import annotations

import textwrap
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from desktop.formatting import money
from desktop.months import month_name, month_short

if TYPE_CHECKING:  # the statement module imports SQLAlchemy; only its dataclasses are used
    from desktop.statement import Statement

TOTAL = "ИТОГО"
HEADER_LINE = 13  # characters per line of a wrapped service header
TITLE_BACKGROUND = QColor("#eef3fa")

Index = QModelIndex | QPersistentModelIndex

# A view asks for seven roles per cell on every paint: the roles as plain ints and the
# answers made once keep ``data`` cheap (a ``Qt.…`` lookup costs more than the answer).
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_FONT = int(Qt.ItemDataRole.FontRole)
_ALIGNMENT = int(Qt.ItemDataRole.TextAlignmentRole)
_BACKGROUND = int(Qt.ItemDataRole.BackgroundRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_ACCESSIBLE = int(Qt.ItemDataRole.AccessibleTextRole)
_ANSWERED = frozenset((_DISPLAY, _FONT, _ALIGNMENT, _BACKGROUND, _TOOLTIP, _ACCESSIBLE))
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
_CENTER = Qt.AlignmentFlag.AlignCenter
_HORIZONTAL = Qt.Orientation.Horizontal
_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable


@dataclass(frozen=True)
class _Row:
    month: date
    label: str  # the month's title on a title row, else one of the five row labels
    amounts: tuple[Decimal, ...]  # ИТОГО and the services'; empty on a title row

    @property
    def is_title(self) -> bool:
        return not self.amounts


@dataclass(frozen=True)
class StatementGrid:
    """A statement laid out as the grid's rows, with no cell formatted yet: cheap enough to
    make on the GUI thread, and made by the page's background job all the same."""

    statement: Statement
    columns: tuple[str, ...]  # ИТОГО, then the services
    rows: tuple[_Row, ...]
    widest: tuple[str, ...]  # per column its longest text (see ``longest_money``)


def longest_money(amounts: Iterable[Decimal]) -> str:
    """The longest of the texts ``money(a, blank_zero=True)`` makes of ``amounts``, from two
    amounts only: a text grows with the amount's size, so the longest is the largest amount's
    or the most negative one's (a minus and one digit fewer: narrower, so the largest amount
    wins a tie)."""
    values = tuple(amounts)
    if not values:
        return ""
    high, low = money(max(values), blank_zero=True), money(min(values), blank_zero=True)
    if not low.startswith("-") or len(high) >= len(low):
        return high
    return low


def arrange(statement: Statement) -> StatementGrid:
    """The statement's grid: per month a title row and its five rows, newest first."""
    columns = (TOTAL, *(column.name for column in statement.columns))
    rows: list[_Row] = []
    for block in statement.months:
        rows.append(_Row(block.month, month_short(block.month), ()))
        rows.extend(
            _Row(block.month, line.label, (line.total, *line.amounts)) for line in block.lines
        )
    per_column = zip(*(row.amounts for row in rows if row.amounts), strict=True)
    widest = tuple(longest_money(amounts) for amounts in per_column)
    return StatementGrid(statement, columns, tuple(rows), widest or ("",) * len(columns))


def wrap_header(name: str, width: int = HEADER_LINE) -> str:
    """A service name broken into short lines, so wide names do not make wide columns."""
    return "\n".join(textwrap.wrap(name, width, break_long_words=False)) or name


class StatementModel(QAbstractTableModel):
    """Read-only; the row labels are the vertical header, so they stay put while the view
    scrolls sideways. A title row (the month, «Июнь 17») is meant to be spanned by the view."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._columns: tuple[str, ...] = ()
        self._headers: tuple[str, ...] = ()
        self._rows: tuple[_Row, ...] = ()
        self._widest: tuple[str, ...] = ()
        # A cell's text, made the first time it is asked for (row-major; None: not yet):
        # a view asks only for the cells it paints, a few hundred of the 720 × 16.
        self._texts: list[str | None] = []
        self._bold = QFont()
        self._bold.setBold(True)
        self._title_font = QFont()
        self._title_font.setBold(True)
        self._title_font.setItalic(True)
        self._title_brush = QBrush(TITLE_BACKGROUND)

    def set_statement(self, statement: Statement | StatementGrid | None) -> None:
        """Show a statement (None: nothing), best laid out by ``arrange`` off the GUI thread.
        The whole grid changes, so the model resets; no cell is formatted here."""
        self.beginResetModel()
        if statement is None:
            self._columns, self._headers, self._rows, self._widest = (), (), (), ()
        else:
            grid = statement if isinstance(statement, StatementGrid) else arrange(statement)
            self._columns, self._rows, self._widest = grid.columns, grid.rows, grid.widest
            self._headers = tuple(wrap_header(name) for name in self._columns)
        self._texts = [None] * (len(self._rows) * len(self._columns))
        self.endResetModel()

    def widest_texts(self) -> tuple[str, ...]:
        """Per column the longest of its texts: the view sizes its columns from these
        instead of asking every cell (720 × 16 for ten years)."""
        return self._widest if self._rows else ("",) * len(self._columns)

    def _cell(self, row: int, column: int) -> str:
        """The shown text of a cell of a month's line, formatted once."""
        key = row * len(self._columns) + column
        text = self._texts[key]
        if text is None:
            text = self._texts[key] = money(self._rows[row].amounts[column], blank_zero=True)
        return text

    def _tip(self, row: _Row, column: int) -> str:
        return (
            f"{month_name(row.month)}, {row.label}, {self._columns[column]}: "
            f"{money(row.amounts[column])} ₽"
        )

    # --- lookups for the view and the tests ----------------------------------------------

    def title_rows(self) -> list[int]:
        return [number for number, row in enumerate(self._rows) if row.is_title]

    def row_of(self, month: date, label: str) -> int:
        """The row of a month's line, e.g. (June 2017, «Сальдо нач.»); -1 if absent."""
        for number, row in enumerate(self._rows):
            if row.month == month and row.label == label and not row.is_title:
                return number
        return -1

    def column_of(self, name: str) -> int:
        return self._columns.index(name) if name in self._columns else -1

    def text(self, month: date, label: str, column: str) -> str:
        """The shown text of one cell, by month, row label and column name."""
        return self._cell(self.row_of(month, label), self.column_of(column))

    # --- the model -----------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        if role not in _ANSWERED or not index.isValid():
            return None
        number, column = index.row(), index.column()
        row = self._rows[number]
        if role == _DISPLAY:
            return self._cell(number, column) if row.amounts else None
        if not row.amounts:  # a month's title
            if role == _BACKGROUND:
                return self._title_brush
            if role == _ACCESSIBLE:
                return month_name(row.month)
            return None
        if role == _ALIGNMENT:
            return _RIGHT
        if role == _FONT:
            return self._bold if column == 0 else None
        if role in (_TOOLTIP, _ACCESSIBLE):
            return self._tip(row, column)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY) -> Any:
        if role not in _ANSWERED:
            return None
        if orientation == _HORIZONTAL:
            if not 0 <= section < len(self._columns):
                return None
            if role == _DISPLAY:
                return self._headers[section]
            if role in (_TOOLTIP, _ACCESSIBLE):
                return self._columns[section]
            if role == _ALIGNMENT:
                return _CENTER
            return None
        if not 0 <= section < len(self._rows):
            return None
        row = self._rows[section]
        if role == _DISPLAY:
            return row.label
        if role == _FONT:
            return None if row.amounts else self._title_font
        if role == _BACKGROUND:
            return None if row.amounts else self._title_brush
        if role == _ALIGNMENT:
            return _LEFT
        if role in (_TOOLTIP, _ACCESSIBLE):
            title = month_name(row.month)
            return f"{title}, {row.label}" if row.amounts else title
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        return _FLAGS if index.isValid() else Qt.ItemFlag.NoItemFlags
