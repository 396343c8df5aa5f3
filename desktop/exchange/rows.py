"""One data row read through its file's columns: each cell parsed by its field's rule, a bad
cell becoming a ``Problem`` that names the line and the column as the file writes it; and a
batch of parsed rows matched to the accounts they name."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Account
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


class AccountRow(Protocol):
    """A parsed row that names an account: its line in the file and the account's number."""

    @property
    def line(self) -> int: ...

    @property
    def account(self) -> str: ...


R = TypeVar("R", bound=AccountRow)


def unknown_account(line: int, column: str | None, number: str) -> Problem:
    """The problem of a row whose account the database does not have."""
    return problem_at(
        line,
        column,
        f"Лицевого счета {number} нет в базе. Загрузите сначала лицевые счета (вид accounts) "
        "или исправьте номер.",
    )


def with_accounts(
    s: Session, columns: Columns, rows: Sequence[R], key: str = "account"
) -> tuple[list[tuple[int, R]], list[Problem]]:
    """A batch's rows whose account the database has, each with the account's id (one query
    for the batch), and a problem for each of the others."""
    numbers = {row.account for row in rows}
    query = select(Account.number, Account.id).where(Account.number.in_(numbers))
    ids: dict[str, int] = {number: id_ for number, id_ in s.execute(query)}
    column = columns.title(key) if columns.has(key) else None
    known: list[tuple[int, R]] = []
    problems: list[Problem] = []
    for row in rows:
        account_id = ids.get(row.account)
        if account_id is None:
            problems.append(unknown_account(row.line, column, row.account))
        else:
            known.append((account_id, row))
    return known, problems
