"""Payments the statement does not hold yet, set against the charges it left unpaid: each
payment goes to the oldest charges first, and the penalty accrues on what is left — up to a
payment's day on the part it pays, to the day of the calculation on the rest.

Every window is reckoned at the key rate of the calculation's day (as the debt page's single
window is), so with no payments the figures are the single window's to the kopeck; a window
cut at a payment may differ from the uncut one by a kopeck per charge (desktop.billing.penalty's
rounding). Pure: no database."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from desktop.billing.penalty import Charge, PenaltyRules, charge_penalty

ZERO = Decimal("0.00")


@dataclass
class OpenCharge:
    """What is left of one month's charge of one service, and the penalty it accrued since
    the statement."""

    month: date
    order: int  # the service's place: the same month's charges are paid in this order
    service: str
    is_penalty: bool  # the statement's «Пеня»: paid like a charge, accrues no penalty
    left: Decimal
    penalty: Decimal = ZERO


def _accrue(charges: list[OpenCharge], start: date, end: date, today: date,
            rules: PenaltyRules) -> None:  # fmt: skip
    for charge in charges:
        if charge.left > 0 and not charge.is_penalty:
            charge.penalty += charge_penalty(
                Charge(charge.month, charge.left), start, end, rules, rate_on=today
            )


def _pay(charges: list[OpenCharge], amount: Decimal) -> None:
    for charge in charges:
        if amount <= 0:
            return
        taken = min(charge.left, amount)
        charge.left -= taken
        amount -= taken


def settle(
    charges: list[OpenCharge],
    payments: Iterable[tuple[date, Decimal]],
    since: date | None,
    today: date,
    rules: PenaltyRules,
) -> None:
    """Pay ``charges`` (in place) with ``payments`` (day, amount), oldest charges first, and
    accrue their penalty over ``(since, today]`` (nothing without ``since``)."""
    charges.sort(key=lambda c: (c.month, c.order))
    start = since
    for day, amount in sorted(payments):
        if start is not None:
            end = min(day, today)
            if end > start:
                _accrue(charges, start, end, today, rules)
                start = end
        _pay(charges, amount)
    if start is not None and today > start:
        _accrue(charges, start, today, today, rules)
