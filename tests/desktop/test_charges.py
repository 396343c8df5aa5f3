"""What is left unpaid of a service's charges (``desktop.billing.charges``): payments go to
the oldest charges first, and what is left adds up to the debt the statement closes with."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from desktop.billing.charges import unpaid_charges
from desktop.months import add_months

MONEY = st.integers(-50_000, 500_000).map(lambda k: Decimal(k).scaleb(-2))
PAID = st.integers(0, 600_000).map(lambda k: Decimal(k).scaleb(-2))


@given(st.lists(st.tuples(MONEY, PAID, MONEY), min_size=1, max_size=60), MONEY)
def test_what_is_left_is_the_closing_debt_oldest_charges_paid_first(
    months: list[tuple[Decimal, Decimal, Decimal]], opening: Decimal
) -> None:
    history = []
    month, balance = date(2015, 1, 1), opening
    charges = [] if opening <= 0 else [(add_months(month, -1), opening)]
    for charged, paid, recalc in months:
        closing = balance + charged - paid + recalc
        history.append((month, (balance, charged, paid, recalc, closing)))
        charges += [(month, amount) for amount in (charged, recalc) if amount > 0]
        month, balance = add_months(month, 1), closing
    left = unpaid_charges(history)
    assert sum((amount for _m, amount in left), Decimal(0)) == max(balance, Decimal(0))
    # what is left is the newest charges: all in full but the oldest of them
    assert left == [] or left[1:] == charges[len(charges) - len(left) + 1 :]
    assert left == [] or (
        left[0][0] == charges[len(charges) - len(left)][0]
        and 0 < left[0][1] <= charges[len(charges) - len(left)][1]
    )
