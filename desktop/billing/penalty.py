"""The penalty (пеня) for paying housing and utility bills late: Housing Code art. 155 p. 14.

The rule, for each charge left unpaid after its due date (``payment_due_day`` of the month
after the charge's month):

- days 1–30 after the due date: nothing;
- days 31–90: 1/300 of the Bank of Russia's key rate of the unpaid amount, per day;
- from day 91: 1/130 of the key rate per day.

Which key rate: the law takes the rate in force on the day the debt is paid; a debt not yet
paid is reckoned at the rate in force on the day of the calculation. Here a calculation covers
the days of a window ``(start, end]`` and uses the rate in force on ``end`` — the demo's monthly
accrual uses the rate of the month's last day, the debt page the rate of today — unless the
caller names another day (``rate_on``). So a window split in two sums to the whole only when
both halves are reckoned at the same rate, which is what the property tests check.

Rounding: each charge's penalty for a window is rounded half up to the kopeck, and a set of
charges accrues the sum of those; so a window split in two may differ from the whole by at
most one kopeck per charge.

Not applied (yet): the government's moratoria and caps on the rate (2020; 2022–2025), which
an accountant reckons by hand.

Pure functions, no database and no files: the rules (``DebtSettings``: the due day and the
dated key rates) come in as an argument.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol

from desktop.months import add_months

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
FREE_DAYS = 30  # days 1–30 after the due date accrue nothing
LOW_RATE_UNTIL = 90  # days 31–90 accrue 1/300 of the key rate a day; later days 1/130
LOW_SHARE = 300
HIGH_SHARE = 130


class PenaltyRules(Protocol):
    """What the rule needs of the organisation's settings (``DebtSettings`` has it)."""

    @property
    def payment_due_day(self) -> int: ...

    def key_rate_on(self, day: date) -> Decimal: ...


@dataclass(frozen=True)
class Charge:
    """An unpaid part of one month's charge."""

    month: date  # the first day of the month it was charged for
    amount: Decimal


def due_date(month: date, rules: PenaltyRules) -> date:
    """The last day to pay the month's charges without penalty."""
    return add_months(month, 1).replace(day=min(rules.payment_due_day, 28))


def days_overdue(month: date, day: date, rules: PenaltyRules) -> int:
    """How many days past its due date the month's charge is on ``day`` (0 if not yet due)."""
    return max((day - due_date(month, rules)).days, 0)


def penalty_days(overdue_at_start: int, overdue_at_end: int) -> tuple[int, int]:
    """The days of a window reckoned at 1/300 and at 1/130, given how many days overdue the
    charge was on the window's first (excluded) and last (included) day."""

    def low(days: int) -> int:
        return min(max(days - FREE_DAYS, 0), LOW_RATE_UNTIL - FREE_DAYS)

    def high(days: int) -> int:
        return max(days - LOW_RATE_UNTIL, 0)

    return (
        low(overdue_at_end) - low(overdue_at_start),
        high(overdue_at_end) - high(overdue_at_start),
    )


def charge_penalty(
    charge: Charge, start: date, end: date, rules: PenaltyRules, *, rate_on: date | None = None
) -> Decimal:
    """The penalty one unpaid charge accrues over the days ``(start, end]``, to the kopeck."""
    if end <= start or charge.amount <= 0:
        return ZERO
    low, high = penalty_days(
        days_overdue(charge.month, start, rules), days_overdue(charge.month, end, rules)
    )
    if not (low or high):
        return ZERO
    rate = rules.key_rate_on(rate_on or end) / 100
    penalty = charge.amount * rate * (Decimal(low) / LOW_SHARE + Decimal(high) / HIGH_SHARE)
    return penalty.quantize(CENT, rounding=ROUND_HALF_UP)


def accrued(
    charges: Iterable[Charge],
    start: date,
    end: date,
    rules: PenaltyRules,
    *,
    rate_on: date | None = None,
) -> Decimal:
    """The penalty a set of unpaid charges accrues over the days ``(start, end]``."""
    return sum(
        (charge_penalty(charge, start, end, rules, rate_on=rate_on) for charge in charges), ZERO
    )
