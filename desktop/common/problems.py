"""Structured problems: what is wrong, where, and what would make it pass.

A service refuses input by raising ``ProblemError`` with one or more ``Problem``. Screens read
the fields (which form field, which row, which column) instead of parsing the message, and a
problem that a confirmation would clear names it in ``needs``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from desktop.common.errors import UserError


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, in Russian, with where it is."""

    message: str  # a whole sentence, shown as it is; without the place (the screen shows that)
    field: str | None = None  # a form field's key, e.g. "account" or "email"
    row: int | None = None  # a table row: a meter line's position, a file's line number
    column: str | None = None  # a table or file column, as the user sees it
    place: str = ""  # the place in words for a message without a screen: «T1», «строка 5»
    needs: str | None = None  # what would make it pass, e.g. a confirmation's code

    def __str__(self) -> str:
        return f"{self.place}: {self.message}" if self.place else self.message


class ProblemError(UserError):
    """Input refused, with every problem found; ``str()`` joins them for a plain message."""

    def __init__(self, problems: Iterable[Problem], *, message: str | None = None) -> None:
        """``message`` replaces the plain text made of the problems (a heading, say)."""
        self.problems = tuple(problems)
        if not self.problems:
            raise ValueError("ProblemError needs at least one problem")
        super().__init__(message or "\n".join(str(p) for p in self.problems))

    @classmethod
    def one(cls, message: str, **where: object) -> ProblemError:
        return cls([Problem(message, **where)])  # type: ignore[arg-type]

    @property
    def needs(self) -> frozenset[str]:
        """The confirmations that would clear every problem, if each problem has one."""
        return frozenset(p.needs for p in self.problems if p.needs is not None)

    @property
    def only_needs_confirmation(self) -> bool:
        return all(p.needs is not None for p in self.problems)

    def for_field(self, field: str) -> list[Problem]:
        return [p for p in self.problems if p.field == field]

    def for_row(self, row: int) -> list[Problem]:
        return [p for p in self.problems if p.row == row]
