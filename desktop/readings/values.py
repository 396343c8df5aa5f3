"""The rules a typed meter value must pass on its own, and consumption: pure, no database."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from db.models import Confirmation
from desktop.errors import ValidationError
from desktop.formatting import ru_date
from desktop.months import add_months
from desktop.text import clean_text
from desktop.verification import NOT_COUNTED, WHAT_TO_DO

if TYPE_CHECKING:
    from db.models import Meter

__all__ = [
    "REASON_LENGTH",
    "ZERO",
    "Confirmation",
    "consumption",
    "locked_reason",
    "overdue_reason",
    "parse_value",
    "reason_text",
    "retired_reason",
]

ZERO = Decimal("0.000")


REASON_LENGTH = 300  # the column's size
REASON_LETTERS = 3  # fewer letters than this say nothing: «-», «..», «а»


def reason_text(text: str) -> str:
    """A clerk's reason as stored: white space made single, invisible characters (zero-width
    space, BOM, control characters) dropped. Empty if it says nothing in words — fewer than a
    few letters; a reason over the column's length is refused."""
    cleaned = clean_text(text)
    if len(cleaned) > REASON_LENGTH:
        raise ValidationError(
            f"Причина слишком длинная: не больше {REASON_LENGTH} символов. Сократите её."
        )
    if sum(c.isalpha() for c in cleaned) < REASON_LETTERS:
        return ""
    return cleaned


_NUMBER = re.compile(r"^\s*(\d+)(?:[.,](\d*))?\s*$")


def parse_value(text: str | Decimal, *, digits: int | None = None) -> Decimal:
    """A typed meter value (decimal comma or point) → Decimal, or a Russian message."""
    if isinstance(text, Decimal):
        value = text
        if not value.is_finite():
            raise ValidationError("Показание должно быть числом.")
        whole_digits = len(str(int(abs(value))))
        places = max(0, -value.as_tuple().exponent)  # type: ignore[operator]
        if value < 0:
            raise ValidationError("Показание не может быть отрицательным.")
    else:
        raw = text.strip().replace("\u00a0", "").replace(" ", "")
        if raw.startswith("-"):
            raise ValidationError("Показание не может быть отрицательным.")
        match = _NUMBER.match(raw)
        if not match:
            raise ValidationError(
                f"«{text.strip()}» — не число. Введите показание цифрами, например 9897,29."
            )
        whole, frac = match[1], (match[2] or "").rstrip("0")
        whole_digits = len(whole.lstrip("0") or "0")
        places = len(frac)
        try:
            value = Decimal(f"{whole}.{frac or '0'}")
        except InvalidOperation:  # pragma: no cover - the pattern admits digits only
            raise ValidationError("Показание должно быть числом.") from None
    if places > 3:
        raise ValidationError("Не больше трёх знаков после запятой.")
    if digits is not None and whole_digits > digits:
        raise ValidationError(
            f"В целой части не больше {digits} цифр — столько, сколько на счетчике."
        )
    return value.quantize(Decimal("0.001"))


def consumption(
    previous: Decimal,
    current: Decimal,
    confirmation: Confirmation | None = None,
    digits: int | None = None,
) -> Decimal:
    """What a meter counted between two values: past the dial's maximum after a roll-over
    (``digits`` whole digits), from zero after a replacement, else the difference."""
    if confirmation == Confirmation.ROLLOVER and digits is not None:
        return Decimal(10) ** digits - previous + current
    if confirmation == Confirmation.REPLACEMENT:
        return current
    return current - previous


def retired_reason(meter: Meter, month: date, today: date) -> str:
    """Why a retired meter takes no value for a month: it was retired before that month's
    readings could be taken (before today for the current month, before its end for a past
    one). Its row carries its last value over."""
    if meter.retired_on is not None and meter.retired_on < _cutoff(month, today):
        return (
            f"прибор выбыл {ru_date(meter.retired_on)} — показания по нему не принимаются. "
            "Для замены или поверки обратитесь в офис."
        )
    return ""


def overdue_reason(meter: Meter, month: date, today: date, *, taken_on: date | None = None) -> str:
    """Why a meter out of verification (поверка) on the day a month's value is taken takes no
    value for that month: after its date its readings are not used for billing (Постановление
    Правительства РФ № 354, п. 81(12): such a meter counts as out of order), from every channel
    alike. The day is the month's cutoff (today for the current month, its last day for a past
    one) or ``taken_on``, the day a value already stored was taken, if earlier: the office may
    correct a value given before the date. Days of the meter's latest lapse stay out of
    verification after the office records the next date. Its row stays empty; once the date
    is recorded the meter takes values again."""
    day = _cutoff(month, today)
    if taken_on is not None:
        day = min(day, taken_on)
    due = meter.next_verification_on
    if due is not None and due < day:
        return (
            f"срок поверки прибора истёк {ru_date(due)} — {NOT_COUNTED}. {WHAT_TO_DO}: "
            "когда офис внесёт новую дату поверки, показания снова можно будет передавать."
        )
    after, again = meter.lapsed_after, meter.verified_again_on
    if after is not None and again is not None and after < day < again:
        return (
            f"срок поверки прибора истёк {ru_date(after)}, новая дата поверки внесена "
            f"{ru_date(again)} — за этот месяц {NOT_COUNTED}."
        )
    return ""


def locked_reason(meter: Meter, month: date, today: date, *, taken_on: date | None = None) -> str:
    """Why a meter takes no value for a month, if so: retired, or out of verification."""
    return retired_reason(meter, month, today) or overdue_reason(
        meter, month, today, taken_on=taken_on
    )


def _cutoff(month: date, today: date) -> date:
    """The last day a month's readings can be taken on: today for the current month, the
    month's last day for a past one."""
    return min(today, add_months(month, 1) - timedelta(days=1))
