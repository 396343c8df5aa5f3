"""One data row read through its file's columns: each cell parsed by its field's rule, a bad
cell becoming a ``Problem`` that names the line and the column as the file writes it."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from desktop.common.problems import Problem
from desktop.exchange.columns import Columns
from desktop.exchange.source import Line
from desktop.exchange.values import CellError

T = TypeVar("T")


def problem_at(line: int, column: str | None, message: str) -> Problem:
    """A problem of a file's row (and column), placed in words for the command line."""
    place = f"строка {line}" + (f", столбец «{column}»" if column else "")
    return Problem(message, row=line, column=column, place=place)


class RowReader:
    """The cells of one line by field key; ``problems`` collects what was wrong."""

    def __init__(self, columns: Columns, line: Line) -> None:
        self.columns = columns
        self.line = line
        self.problems: list[Problem] = []
        width = len(columns.headers)
        extra = [c for c in line.cells[width:] if c.strip()]
        if extra:
            self.problems.append(
                problem_at(
                    line.number,
                    None,
                    f"В строке больше значений, чем столбцов в заголовке ({len(line.cells)} "
                    f"против {width}): лишнее «{extra[0].strip()[:30]}». Проверьте разделители.",
                )
            )

    def has(self, key: str) -> bool:
        """Whether the file has the field's column at all."""
        return self.columns.has(key)

    def raw(self, key: str) -> str:
        """The cell's text (empty if the row is short or the column absent)."""
        position = self.columns.index.get(key)
        if position is None or position >= len(self.line.cells):
            return ""
        return self.line.cells[position].strip()

    def problem(self, key: str | None, message: str) -> None:
        column = self.columns.title(key) if key is not None and self.has(key) else None
        self.problems.append(problem_at(self.line.number, column, message))

    def value(self, key: str, parse: Callable[[str], T], *, required: bool = False) -> T | None:
        """The parsed cell; None if it is empty (a problem too if ``required``) or bad."""
        text = self.raw(key)
        if not text:
            if required:
                self.problem(key, "Значение не заполнено.")
            return None
        try:
            return parse(text)
        except CellError as error:
            self.problem(key, str(error))
            return None
