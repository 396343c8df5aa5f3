"""The quick way through a big file's plain cells: a cell that repeats (an account on each of
its sixteen services, a month, a service) is checked once, and an amount written the plain
way becomes its stored integer without a Decimal in between. Anything unusual is left to the
careful reader (``RowReader``), which then says exactly what is wrong."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

from desktop.accounts import check_number, clean_number
from desktop.exchange.values import CellError

T = TypeVar("T")
MEMO_SIZE = 4096  # distinct cells remembered; then forgotten all at once (memory stays flat)


class Memo(Generic[T]):
    """A cell's value by its text, ``read`` once per distinct text; None where ``read``
    found the text bad (a ``CellError``)."""

    def __init__(self, read: Callable[[str], T]) -> None:
        self._read = read
        self._known: dict[str, T | None] = {}

    @property
    def known(self) -> dict[str, T | None]:
        """What was read so far (a quick ``.get`` before ``get``)."""
        return self._known

    def get(self, text: str) -> T | None:
        known = self._known
        try:
            return known[text]
        except KeyError:
            pass
        try:
            value: T | None = self._read(text)
        except CellError:
            value = None
        if len(known) >= MEMO_SIZE:
            known.clear()
        known[text] = value
        return value


def fits(cells: list[str], width: int) -> bool:
    """Whether a row has a cell for each header and nothing beyond them but blanks (1C ends
    a row with «;» now and then); otherwise the careful reader says what is missing or
    extra."""
    count = len(cells)
    return count == width or (count > width and not "".join(cells[width:]).strip())


def account_number(text: str) -> str:
    """An account number cell as ``parse`` takes it; CellError if it is not one."""
    number = clean_number(text)
    problems: list[str] = []
    check_number(number, problems)
    if problems:
        raise CellError(problems[0])
    return number


def scaled(places: int) -> Callable[[str], int | None]:
    """Reads «-1234,5» or «1234.56» (ASCII digits, no spaces, at most ``places`` decimals,
    at most 13 whole digits) as the integer of the smallest unit, as the column stores it;
    an empty cell is 0; None for anything else (``values.decimal`` then judges it)."""
    unit = 10**places
    shift = [10 ** (places - n) for n in range(places + 1)]

    def read(text: str) -> int | None:
        if not text:
            return 0
        whole, comma, fraction = text.partition(",")
        if not comma:
            whole, comma, fraction = text.partition(".")
        negative = whole[:1] == "-"
        if negative:
            whole = whole[1:]
        if not (whole.isdigit() and whole.isascii() and len(whole) <= 13):
            return None
        if fraction:
            if not (len(fraction) <= places and fraction.isdigit() and fraction.isascii()):
                return None
            value = int(whole + fraction) * shift[len(fraction)]
        elif comma:
            return None  # «12,»: the careful reader takes it
        else:
            value = int(whole) * unit
        return -value if negative else value

    return read


def scaled_row(places: int, count: int) -> Callable[[Sequence[str]], list[int] | None]:
    """``count`` cells read at once as ``scaled`` reads one (a big file's amounts: one
    pattern checks them all and splits each into its whole and decimal digits); None if any
    is not plain."""
    cell = rf"(?:(-?[0-9]{{1,13}})(?:[.,]([0-9]{{1,{places}}}))?)?"
    full = re.compile(";".join([cell] * count)).fullmatch  # each cell's groups of its own
    unit = 10**places
    shift = [10 ** (places - n) for n in range(places + 1)]

    def read(cells: Sequence[str]) -> list[int] | None:
        match = full(";".join(cells))  # a cell with «;» in it makes one too many
        if match is None:
            return None
        parts = match.groups()
        return [
            (int(whole + fraction) * shift[len(fraction)] if fraction else int(whole) * unit)
            if whole
            else 0
            for whole, fraction in zip(parts[::2], parts[1::2], strict=True)
        ]

    return read
