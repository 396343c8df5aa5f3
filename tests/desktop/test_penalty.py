"""The penalty rule (Housing Code art. 155 p. 14): hand-checked figures and its properties."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from desktop.billing.penalty import (
    Charge,
    accrued,
    charge_penalty,
    days_overdue,
    due_date,
    penalty_days,
)
from desktop.settings import DebtSettings

D = Decimal
ZERO = D("0.00")
FLAT = DebtSettings(key_rates=((date(2000, 1, 1), D("9.00")),))
MARCH = Charge(date(2017, 3, 1), D("1000.00"))  # due 10 April 2017


def test_due_date_is_the_due_day_of_the_next_month():
    assert due_date(date(2017, 3, 1), FLAT) == date(2017, 4, 10)
    assert due_date(date(2017, 12, 1), FLAT) == date(2018, 1, 10)
    assert days_overdue(date(2017, 3, 1), date(2017, 4, 10), FLAT) == 0
    assert days_overdue(date(2017, 3, 1), date(2017, 4, 11), FLAT) == 1


def test_article_155_by_hand():
    due = due_date(MARCH.month, FLAT)
    # Days 1–30 after the due date: nothing.
    assert charge_penalty(MARCH, due, due + timedelta(days=30), FLAT) == ZERO
    # Days 31–90 at 1/300 of 9 %: 60 × 1000 × 0,09 / 300 = 18,00.
    assert charge_penalty(MARCH, due, due + timedelta(days=90), FLAT) == D("18.00")
    # Plus 10 days at 1/130: 10 × 1000 × 0,09 / 130 = 6,923… → 6,92.
    assert charge_penalty(MARCH, due, due + timedelta(days=100), FLAT) == D("24.92")
    # One day at 1/130 alone: 0,6923… → 0,69.
    day_100 = due + timedelta(days=100)
    assert charge_penalty(MARCH, day_100 - timedelta(days=1), day_100, FLAT) == D("0.69")
    assert penalty_days(29, 100) == (60, 10)
    assert penalty_days(95, 100) == (0, 5)


def test_the_rate_is_the_one_in_force_on_the_calculation_day():
    rules = DebtSettings(key_rates=((date(2000, 1, 1), D("9.00")), (date(2017, 7, 1), D("6.00"))))
    due = due_date(MARCH.month, rules)
    end = due + timedelta(days=90)  # 9 July 2017: the 6 % is in force
    assert charge_penalty(MARCH, due, end, rules) == D("12.00")
    assert charge_penalty(MARCH, due, end, rules, rate_on=date(2017, 6, 30)) == D("18.00")


def test_a_set_accrues_the_sum_of_its_charges():
    due = due_date(MARCH.month, FLAT)
    april = Charge(date(2017, 4, 1), D("500.00"))
    end = due + timedelta(days=100)
    assert accrued([MARCH, april], due, end, FLAT) == (
        charge_penalty(MARCH, due, end, FLAT) + charge_penalty(april, due, end, FLAT)
    )
    assert accrued([], due, end, FLAT) == ZERO
    assert accrued([MARCH], end, due, FLAT) == ZERO  # an empty window


amounts = st.decimals(min_value=0, max_value=100_000, places=2, allow_nan=False)
months = st.builds(date, st.integers(2016, 2025), st.integers(1, 12), st.just(1))
charges = st.lists(st.builds(Charge, months, amounts), min_size=1, max_size=6)
days = st.integers(0, 3000)
START = date(2016, 1, 1)
RATES = DebtSettings()  # the real, changing table


@given(charges, days, days, days)
def test_a_window_split_in_two_adds_up(found: list[Charge], x: int, y: int, z: int):
    a, b, c = (START + timedelta(days=d) for d in sorted((x, y, z)))
    # Both halves reckoned at one rate (that of the whole window's end), as the law's
    # «rate on the day of calculation» makes one calculation.
    whole = accrued(found, a, c, RATES)
    parts = accrued(found, a, b, RATES, rate_on=c) + accrued(found, b, c, RATES, rate_on=c)
    assert abs(whole - parts) <= D("0.01") * len(found)  # one kopeck of rounding per charge


@given(charges, days)
def test_nothing_in_the_first_thirty_days(found: list[Charge], start: int):
    for charge in found:
        due = due_date(charge.month, RATES)
        window_start = due - timedelta(days=start)
        assert charge_penalty(charge, window_start, due + timedelta(days=30), RATES) == ZERO


@given(charges, days, days, days)
def test_more_days_never_less_penalty(found: list[Charge], x: int, y: int, z: int):
    a, b, c = (START + timedelta(days=d) for d in sorted((x, y, z)))
    rate_on = START  # a fixed rate: a later end must not lower it by a rate cut
    assert accrued(found, a, b, RATES, rate_on=rate_on) <= accrued(
        found, a, c, RATES, rate_on=rate_on
    )
    assert accrued(found, b, c, RATES, rate_on=rate_on) <= accrued(
        found, a, c, RATES, rate_on=rate_on
    )


@given(charges, amounts, days, days)
def test_more_debt_never_less_penalty(found: list[Charge], extra: Decimal, x: int, y: int):
    a, b = (START + timedelta(days=d) for d in sorted((x, y)))
    more = [Charge(charge.month, charge.amount + extra) for charge in found]
    assert accrued(found, a, b, RATES) <= accrued(more, a, b, RATES)


@given(charges, days, days)
def test_the_penalty_is_money_in_kopecks(found: list[Charge], x: int, y: int):
    a, b = (START + timedelta(days=d) for d in sorted((x, y)))
    result = accrued(found, a, b, RATES)
    assert isinstance(result, Decimal) and result >= 0 and result == result.quantize(D("0.01"))
