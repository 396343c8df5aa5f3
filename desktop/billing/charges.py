"""What is left unpaid of an account's charges, from one service's statement history."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from desktop.months import add_months

ZERO = Decimal("0.00")

# (month, (opening, charged, paid, recalculation, closing)) of one service, oldest first.
History = Sequence[tuple[date, tuple[Decimal, ...]]]


def unpaid_charges(history: History) -> list[tuple[date, Decimal]]:
    """What is left unpaid of each month's charges of one service, payments going to the
    oldest charges first. A debt at the start of the history counts as the month before's.
    Linear in the months: a payment starts at the oldest charge not yet paid off."""
    charges: list[list] = []  # [month, amount left]
    paid_off = 0  # the charges before this one are paid off: never looked at again
    credit = ZERO
    first_month, first_values = history[0]
    opening = first_values[0]
    if opening > 0:
        charges.append([add_months(first_month, -1), opening])
    else:
        credit -= opening
    for month, (_opening, charged, paid, recalc, _closing) in history:
        if charged > 0:
            charges.append([month, charged])
        else:
            credit -= charged
        if recalc > 0:
            charges.append([month, recalc])
        else:
            credit -= recalc
        credit += paid
        while credit > 0 and paid_off < len(charges):
            charge = charges[paid_off]
            taken = min(charge[1], credit)
            charge[1] -= taken
            credit -= taken
            if charge[1] <= 0:
                paid_off += 1
    return [(month, left) for month, left in charges[paid_off:] if left > 0]
