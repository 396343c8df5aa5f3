"""The large demo's statements in integer kopecks: an account that pays each bill in full
(``paid_in_full``, the households' rule without Decimal) and one that stopped paying
(``reckoned``: ``desktop.demo.households`` itself, the penalty by the one rule)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from functools import cache

from desktop.billing.penalty import PenaltyRules
from desktop.demo.catalog import SERVICE_CODES, SERVICES, Household, month_range, tariff
from desktop.demo.households import charges, household_statement
from desktop.months import add_months

IntAmounts = tuple[int, int, int, int, int]  # opening, charged, paid, recalculation, closing
IntRows = dict[str, tuple[IntAmounts, int | None]]
# One service's month as the generator writes it: the five amounts and the volume.
FlatRow = tuple[int, int, int, int, int, int | None]
Month = tuple[date, list[FlatRow], int]  # the month, its rows in SERVICE_CODES order, Σ closing
_NOTHING: tuple[int, int | None] = (0, None)


def paying_in_full(
    area: int, first: date, current: date, usage: dict[date, dict[str, int]]
) -> Iterator[Month]:
    """The statement of an account that pays each bill in full the next month, in kopecks
    (volumes in thousandths): what ``household_statement`` gives for such a household, with
    no penalty and no Decimal. ``area`` in hundredths of a m²; ``usage`` by month, as
    ``Generator._readings`` makes it. The current month charges nothing yet."""
    # The history opens with last month's bill outstanding, as the households' does.
    last_bill = month_charges(area, add_months(first, -1), usage[first])
    balance = [last_bill.get(code, _NOTHING)[0] for code in SERVICE_CODES]
    for month in month_range(first, current):
        charged = month_charges(area, month, usage[month]) if month < current else {}
        rows: list[FlatRow] = []
        total = 0
        for index, code in enumerate(SERVICE_CODES):
            opening = balance[index]
            amount, volume = charged.get(code, _NOTHING)
            paid = opening if opening > 0 else 0
            closing = opening + amount - paid
            rows.append((opening, amount, paid, 0, closing, volume))
            balance[index] = closing
            total += closing
        yield month, rows, total


def paid_in_full(
    area: int, first: date, current: date, usage: dict[date, dict[str, int]]
) -> Iterator[tuple[date, IntRows]]:
    """``paying_in_full`` shaped as ``household_statement``'s months, to compare them."""
    for month, rows, _total in paying_in_full(area, first, current, usage):
        yield (
            month,
            {code: (row[:5], row[5]) for code, row in zip(SERVICE_CODES, rows, strict=True)},
        )


def reckoned(
    h: Household,
    first: date,
    current: date,
    usage: dict[date, dict[str, int]],
    rules: PenaltyRules,
) -> Iterator[Month]:
    """``household_statement`` (payments that stop, the penalty by the one rule) in kopecks."""
    decimal_usage = {
        month: {key: Decimal(value).scaleb(-3) for key, value in values.items()}
        for month, values in usage.items()
    }
    for month, by_code in household_statement(h, first, current, decimal_usage, rules):
        rows = [
            (*_int_amounts(by_code[code][0]), _milli(by_code[code][1])) for code in SERVICE_CODES
        ]
        yield month, rows, sum(row[4] for row in rows)


def _int_amounts(amounts: tuple[Decimal, ...]) -> IntAmounts:
    opening, charged, paid, recalculation, closing = (_kopecks(a) for a in amounts)
    return opening, charged, paid, recalculation, closing


def month_charges(
    area: int, month: date, usage: dict[str, int]
) -> dict[str, tuple[int, int | None]]:
    """A month's charges in kopecks and volumes in thousandths by service code: those by
    area from the demo's own ``charges`` (cached), those by volume in integers."""
    result = dict(_area_charges(area, month.month))
    water = usage["cold"] + usage["hot"]
    for code, volume in (
        ("wastewater", water),
        ("hot_water_cold", usage["hot"]),
        ("water_heating", usage["hot"]),
        ("cold_water", usage["cold"]),
        ("electricity_t1", usage["t1"]),
        ("electricity_t2", usage["t2"]),
    ):
        # money(volume × tariff), half up: thousandths × kopecks / 1000
        result[code] = ((volume * _TARIFF_KOPECKS[code] + 500) // 1000, volume)
    return result


_TARIFF_KOPECKS = {spec.code: int(tariff(spec.code) * 100) for spec in SERVICES}
_NO_USAGE = {key: Decimal(0) for key in ("cold", "hot", "t1", "t2")}


@cache
def _area_charges(area: int, calendar_month: int) -> tuple[tuple[str, tuple[int, int | None]], ...]:
    h = Household("", "", 0, "", Decimal(area) / 100, 1, None)
    month = date(2000, calendar_month, 1)
    return tuple(
        (code, (_kopecks(amount), _milli(volume)))
        for code, (amount, volume) in charges(h, month, _NO_USAGE).items()
        if code in _BY_AREA
    )


_BY_AREA = frozenset(
    {"odn_hot_water", "odn_cold_water", "heating", "housing_maintenance", "electricity_odn"}
)


def _kopecks(amount: Decimal) -> int:
    return int(amount.scaleb(2))


def _milli(volume: Decimal | None) -> int | None:
    return None if volume is None else int(volume.scaleb(3))
