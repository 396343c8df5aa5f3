"""Months: a period is the first day of its month."""

from __future__ import annotations

import re
from datetime import date

from desktop.errors import ValidationError

MONTHS_NOMINATIVE = (
    "Январь", "Февраль", "Март", "Апрель", "Май", "Июнь",
    "Июль", "Август", "Сентябрь", "Октябрь", "Ноябрь", "Декабрь",
)  # fmt: skip
MONTHS_GENITIVE = (
    "января", "февраля", "марта", "апреля", "мая", "июня",
    "июля", "августа", "сентября", "октября", "ноября", "декабря",
)  # fmt: skip


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def months_between(first: date, last: date) -> int:
    """Whole months from ``first``'s month to ``last``'s month."""
    return (last.year - first.year) * 12 + last.month - first.month


def parse_month(text: str) -> date:
    """``YYYY-MM`` → the first day of that month; a Russian message if malformed."""
    match = re.fullmatch(r"\s*(\d{4})-(\d{1,2})\s*", text or "")
    if not match or not 1 <= int(match[2]) <= 12 or int(match[1]) < 1900:
        raise ValidationError(
            f"Период «{text}» указан неверно. Укажите год и месяц в виде ГГГГ-ММ, например 2017-06."
        )
    return date(int(match[1]), int(match[2]), 1)


def month_name(month: date) -> str:
    """«Июнь 2017»."""
    return f"{MONTHS_NOMINATIVE[month.month - 1]} {month.year}"


def month_short(month: date) -> str:
    """«Июнь 17», as the statement's month blocks."""
    return f"{MONTHS_NOMINATIVE[month.month - 1]} {month.year % 100:02d}"


def month_iso(month: date) -> str:
    return f"{month.year:04d}-{month.month:02d}"
