"""Numbers and dates the Russian way: ``5 955,86``, ``9897,290``, ``31.05.2017``."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

CENT = Decimal("0.01")
MILLI = Decimal("0.001")


def _group(digits: str, separator: str) -> str:
    head = len(digits) % 3 or 3
    parts = [digits[:head]] + [digits[i : i + 3] for i in range(head, len(digits), 3)]
    return separator.join(parts)


def money(value: Decimal, *, blank_zero: bool = False, separator: str = " ") -> str:
    """``Decimal('5955.86')`` → ``'5 955,86'``; ``-11.86`` → ``'-11,86'``."""
    if blank_zero and value == 0:
        return ""
    text = f"{abs(value.quantize(CENT)):f}"
    whole, cents = text.split(".")
    sign = "-" if value < 0 and value.quantize(CENT) != 0 else ""
    return f"{sign}{_group(whole, separator)},{cents}"


def money_plain(value: Decimal, *, blank_zero: bool = True) -> str:
    """For CSV: decimal comma, no thousands separator, empty for zero."""
    if blank_zero and value == 0:
        return ""
    return f"{value.quantize(CENT):f}".replace(".", ",")


def meter_value(value: Decimal | None, *, separator: str = "") -> str:
    """Meter values keep 3 places: ``9897,290``."""
    if value is None:
        return ""
    text = f"{abs(value.quantize(MILLI)):f}"
    whole, frac = text.split(".")
    sign = "-" if value < 0 else ""
    return f"{sign}{_group(whole, separator) if separator else whole},{frac}"


# How units are written on screen and on paper; the seed stores them as typed on a keyboard.
_UNITS = {"м3": "м³", "м2": "м²", "кВт.ч": "кВт·ч", "кВтч": "кВт·ч", "квт.ч": "кВт·ч"}


def unit_text(unit: str) -> str:
    """A unit as shown to people: ``м3`` → ``м³``, ``кВт.ч`` → ``кВт·ч``; others as stored.
    Exports in the seed's format (the CLI's CSV) keep the stored spelling."""
    return _UNITS.get(unit.strip(), unit)


def ru_date(day: date | None) -> str:
    return "" if day is None else day.strftime("%d.%m.%Y")


def ru_datetime(moment: datetime | None) -> str:
    """A stored UTC moment in this computer's local time: ``31.05.2017 14:05``."""
    return "" if moment is None else moment.astimezone().strftime("%d.%m.%Y %H:%M")
