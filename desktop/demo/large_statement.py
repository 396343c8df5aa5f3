"""The large demo's statements in integer kopecks: an account that pays each bill in full
(``paying_in_full``, the households' rule without Decimal) and one that stopped paying
(``reckoned``: ``desktop.demo.households`` itself, the penalty by the one rule); and the
run's calendar, each month's constants made once."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from decimal import Decimal
from functools import cache
from typing import NamedTuple

from desktop.billing.penalty import PenaltyRules
from desktop.demo.catalog import SERVICE_CODES, Household, last_day, month_range, tariff
from desktop.demo.households import charges, household_statement
from desktop.months import add_months

IntAmounts = tuple[int, int, int, int, int]  # opening, charged, paid, recalculation, closing
IntRows = dict[str, tuple[IntAmounts, int | None]]
# One service's month as the generator writes it: the five amounts and the volume.
FlatRow = tuple[int, int, int, int, int, int | None]
Month = tuple[date, list[FlatRow], int]  # the month, its rows in SERVICE_CODES order, Σ closing
Usage = tuple[int, int, int, int]  # a month's cold, hot, t1, t2 in thousandths
# A month of an account that pays in full, by service in SERVICE_CODES order: the opening
# balances (each paid in full, as none is ever negative), the charges (each the closing
# balance) and the volumes.
Bill = tuple[Sequence[int], Sequence[int], Sequence[int | None]]


class CalendarMonth(NamedTuple):
    """A month of the run's calendar, with what every account writes for it."""

    day: date
    iso: str
    winter: bool
    current: bool
    receipt_suffix: str  # "-YYYYMM", after the account's number
    receipt_title: str  # "Квитанция за MM.YYYY, лицевой счёт ", before it
    last_day: str


def calendar(first: date, current: date) -> list[CalendarMonth]:
    return [
        CalendarMonth(
            month, month.isoformat(), month.month in (11, 12, 1, 2, 3), month == current,
            f"-{month:%Y%m}", f"Квитанция за {month:%m.%Y}, лицевой счёт ",
            last_day(month).isoformat(),
        )
        for month in month_range(first, current)
    ]  # fmt: skip


def paying_in_full(
    area: int, months: Sequence[CalendarMonth], usage: Sequence[Usage]
) -> Iterator[Bill]:
    """The statement of an account that pays each bill in full the next month, in kopecks
    (volumes in thousandths): what ``household_statement`` gives for such a household, with
    no penalty and no Decimal. ``area`` in hundredths of a m²; ``usage`` for each of
    ``months``, as ``Generator._readings`` makes it. The current month charges nothing yet.

    Charges are never negative, so each month pays its opening balance whole (paid =
    opening) and closes on its own charges (closing = charged)."""
    # The history opens with last month's bill outstanding, as the households' does.
    opening: Sequence[int] = _bill(area, add_months(months[0].day, -1).month, usage[0])[0]
    for month, used in zip(months, usage, strict=True):
        charged, volumes = _NO_BILL if month.current else _bill(area, month.day.month, used)
        yield opening, charged, volumes
        opening = charged


def paid_in_full(
    area: int, first: date, current: date, usage: dict[date, dict[str, int]]
) -> Iterator[tuple[date, IntRows]]:
    """``paying_in_full`` shaped as ``household_statement``'s months, to compare them."""
    months = calendar(first, current)
    used: list[Usage] = [
        (usage[m.day]["cold"], usage[m.day]["hot"], usage[m.day]["t1"], usage[m.day]["t2"])
        for m in months
    ]
    for month, (opening, charged, volumes) in zip(
        months, paying_in_full(area, months, used), strict=True
    ):
        yield (
            month.day,
            {
                code: ((o, c, o, 0, c), v)
                for code, o, c, v in zip(SERVICE_CODES, opening, charged, volumes, strict=True)
            },
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


_NO_BILL: tuple[Sequence[int], Sequence[int | None]] = (
    (0,) * len(SERVICE_CODES),
    (None,) * len(SERVICE_CODES),
)
# The services billed by volume, by position in SERVICE_CODES, and their tariffs in kopecks.
_WASTEWATER, _HOT_COLD, _HEATING_WATER, _COLD, _T1, _T2 = (
    SERVICE_CODES.index(code)
    for code in (
        "wastewater", "hot_water_cold", "water_heating", "cold_water", "electricity_t1",
        "electricity_t2",
    )
)  # fmt: skip
_TARIFF = [int(tariff(code) * 100) for code in SERVICE_CODES]


def _bill(area: int, calendar_month: int, usage: Usage) -> tuple[list[int], list[int | None]]:
    """A month's charges in kopecks and volumes in thousandths, in SERVICE_CODES order: those
    by area from the demo's own ``charges`` (cached), those by volume in integers:
    money(volume × tariff) half up is (thousandths × kopecks + 500) // 1000."""
    by_area, area_volumes = _area_charges(area, calendar_month)
    amounts, volumes = list(by_area), list(area_volumes)
    cold, hot, t1, t2 = usage
    for index, volume in (
        (_WASTEWATER, cold + hot), (_HOT_COLD, hot), (_HEATING_WATER, hot), (_COLD, cold),
        (_T1, t1), (_T2, t2),
    ):  # fmt: skip
        amounts[index] = (volume * _TARIFF[index] + 500) // 1000
        volumes[index] = volume
    return amounts, volumes


_NO_USAGE = {key: Decimal(0) for key in ("cold", "hot", "t1", "t2")}


@cache
def _area_charges(area: int, calendar_month: int) -> tuple[tuple[int, ...], tuple[int | None, ...]]:
    """The charges by area in SERVICE_CODES order, 0 (and no volume) for the others."""
    h = Household("", "", 0, "", Decimal(area) / 100, 1, None)
    by_code = charges(h, date(2000, calendar_month, 1), _NO_USAGE)
    found = [by_code[code] if code in _BY_AREA else (Decimal(0), None) for code in SERVICE_CODES]
    return (
        tuple(_kopecks(amount) for amount, _volume in found),
        tuple(_milli(volume) for _amount, volume in found),
    )


_BY_AREA = frozenset(
    {"odn_hot_water", "odn_cold_water", "heating", "housing_maintenance", "electricity_odn"}
)


def _kopecks(amount: Decimal) -> int:
    return int(amount.scaleb(2))


def _milli(volume: Decimal | None) -> int | None:
    return None if volume is None else int(volume.scaleb(3))
