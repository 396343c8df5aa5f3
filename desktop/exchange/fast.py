"""The quick way through a big file's plain cells: a cell that repeats (an account on each of
its sixteen services, a month, a service) is checked once, and an amount written the plain
way becomes its stored integer without a Decimal in between. Anything unusual is left to the
careful reader (``RowReader``), which then says exactly what is wrong."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Generic, TypeVar

from desktop.exchange.values import CellError

T = TypeVar("T")
MEMO_SIZE = 4096  # distinct cells remembered; then forgotten all at once (memory stays flat)


class Memo(Generic[T]):
    """A cell's value by its text, ``read`` once per distinct text; None where ``read``
    found the text bad (a ``CellError``)."""

    def __init__(self, read: Callable[[str], T]) -> None:
        self._read = read
        self._known: dict[str, T | None] = {}

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


def scaled(places: int) -> Callable[[str], int | None]:
    """Reads «-1234,5» or «1234.56» (no spaces, at most ``places`` decimals, at most 13
    whole digits) as the integer of the smallest unit, as the column stores it; an empty cell
    is 0; None for anything else (``values.decimal`` then judges it)."""
    full = re.compile(rf"(-?)(\d{{1,13}})(?:[.,](\d{{1,{places}}}))?").fullmatch
    unit = 10**places
    shift = [10 ** (places - n) for n in range(places + 1)]

    def read(text: str) -> int | None:
        if not text:
            return 0
        match = full(text)
        if match is None:
            return None
        sign, whole, fraction = match.groups()
        value = int(whole) * unit
        if fraction:
            value += int(fraction) * shift[len(fraction)]
        return -value if sign else value

    return read
