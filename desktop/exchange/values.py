"""A file's cells as values: numbers with a decimal comma or point, dates DD.MM.YYYY, periods
MM.YYYY, whole numbers and text. Each parser returns the value or raises ``CellError`` with a
Russian message that names what was found and what is expected; the row's parser adds the
line and column. Pure: no database."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from desktop.text import clean_text


class CellError(ValueError):
    """A cell that does not hold what its column needs; ``str()`` is the Russian message."""


def shown(text: str, limit: int = 40) -> str:
    """A cell's text quoted in a message, cut if long."""
    text = text.strip()
    return f"«{text[:limit]}…»" if len(text) > limit else f"«{text}»"


# Digits with a decimal comma or point; spaces (also no-break and thin ones) may group thousands.
_NUMBER = re.compile(r"^([+-]?)(\d+)(?:[.,](\d*))?$")
_GROUPING = str.maketrans("", "", " \u00a0\u202f\u2009'")


def decimal(text: str, *, places: int, what: str = "Число", example: str = "54,30") -> Decimal:
    """A number with at most ``places`` decimals (comma or point); negative allowed."""
    raw = text.strip().translate(_GROUPING)
    match = _NUMBER.match(raw)
    if not match:
        raise CellError(f"{what} {shown(text)} — не число. Нужно число, например {example}.")
    sign, whole, fraction = match[1], match[2], (match[3] or "").rstrip("0")
    if len(fraction) > places:
        raise CellError(
            f"{what} {shown(text)}: не больше {places} знаков после запятой, например {example}."
        )
    if len(whole.lstrip("0")) > 15:
        raise CellError(f"{what} {shown(text)} слишком велико: проверьте, нет ли опечатки.")
    try:
        value = Decimal(f"{sign}{whole}.{fraction or '0'}")
    except InvalidOperation:  # pragma: no cover - the pattern admits digits only
        raise CellError(f"{what} {shown(text)} — не число.") from None
    return value.quantize(Decimal(1).scaleb(-places)) + 0  # no «-0.00»


def whole_number(text: str, *, low: int, high: int, what: str) -> int:
    """A whole number from ``low`` to ``high`` («3», also «3,0» as spreadsheets write it)."""
    raw = text.strip().translate(_GROUPING)
    match = _NUMBER.match(raw)
    if not match or (match[3] or "").strip("0"):
        raise CellError(f"{what}: {shown(text)} — нужно целое число от {low} до {high}.")
    value = int(f"{match[1]}{match[2]}")
    if not low <= value <= high:
        raise CellError(f"{what}: {value} — нужно целое число от {low} до {high}.")
    return value


_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T]\d{2}:\d{2}(?::\d{2})?)?$")
_FIRST_YEAR = 1900  # earlier is a typo in a meter's or a statement's date
_LAST_YEAR = 2200


def day(text: str, *, what: str = "Дата") -> date:
    """A date DD.MM.YYYY (1C's «31.05.2017», with or without «0:00:00» after it; a
    spreadsheet's date cell arrives as YYYY-MM-DD)."""
    raw = text.strip()
    match = _DATE.match(raw)
    if match:
        d, m, y = int(match[1]), int(match[2]), int(match[3])
    elif iso := _ISO_DATE.match(raw):
        y, m, d = int(iso[1]), int(iso[2]), int(iso[3])
    else:
        raise CellError(
            f"{what} {shown(text)} указана неверно: нужно ДД.ММ.ГГГГ, например 31.05.2017."
        )
    if not _FIRST_YEAR <= y <= _LAST_YEAR:
        raise CellError(f"{what} {shown(text)}: год {y} вне разумных пределов — проверьте дату.")
    try:
        return date(y, m, d)
    except ValueError:
        raise CellError(f"{what} {shown(text)}: такого дня нет в календаре.") from None


_MONTH = re.compile(r"^(\d{1,2})\.(\d{4})$")


def month(text: str, *, what: str = "Период") -> date:
    """A period MM.YYYY (also a whole date, whose month is taken): its first day."""
    raw = text.strip()
    match = _MONTH.match(raw)
    if match is None:
        try:
            return day(raw).replace(day=1)
        except CellError:
            raise CellError(
                f"{what} {shown(text)} указан неверно: нужно ММ.ГГГГ, например 06.2017."
            ) from None
    m, y = int(match[1]), int(match[2])
    if not 1 <= m <= 12 or not _FIRST_YEAR <= y <= _LAST_YEAR:
        raise CellError(f"{what} {shown(text)} указан неверно: нужно ММ.ГГГГ, например 06.2017.")
    return date(y, m, 1)


def text(value: str, *, limit: int, what: str) -> str:
    """Text as it will be stored (white space made single, invisible characters dropped),
    at most ``limit`` characters."""
    cleaned = clean_text(value)
    if len(cleaned) > limit:
        raise CellError(
            f"{what}: слишком длинный текст — не больше {limit} знаков (сейчас {len(cleaned)})."
        )
    return cleaned
