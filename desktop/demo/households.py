"""The other demo accounts' statements: a month's charges from its usage, and the months one
after another — payments, a recalculation, an advance, and the penalty by the law's rule."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal

from desktop.billing.charges import unpaid_charges
from desktop.billing.penalty import Charge, PenaltyRules, accrued
from desktop.demo.catalog import (
    HEAT_PER_M2,
    HEATING_SEASON,
    MILLI,
    SERVICE_CODES,
    SERVICES,
    ZERO,
    D,
    Household,
    money,
    month_range,
    tariff,
)
from desktop.months import add_months

Amounts = tuple[Decimal, Decimal, Decimal, Decimal, Decimal]  # opening…closing
MonthRows = dict[str, tuple[Amounts, Decimal | None]]  # per service code: amounts, volume
PENALTY_CODES = frozenset(spec.code for spec in SERVICES if spec.is_penalty)


def charges(
    h: Household, month: date, usage: dict[str, Decimal]
) -> dict[str, tuple[Decimal, Decimal | None]]:
    """This month's charges and volumes by service code."""
    heat = (h.area * HEAT_PER_M2 * D(HEATING_SEASON.get(month.month, "0"))).quantize(MILLI)
    water = usage["cold"] + usage["hot"]

    def by_tariff(code: str, volume: Decimal) -> tuple[Decimal, Decimal | None]:
        return money(volume * tariff(code)), volume

    return {
        "wastewater": by_tariff("wastewater", water),
        "hot_water_cold": by_tariff("hot_water_cold", usage["hot"]),
        "odn_hot_water": (money(h.area * D("0.3179")), None),
        "odn_cold_water": (money(h.area * D("0.0662")), None),
        "heating": by_tariff("heating", heat) if heat else (ZERO, None),
        "water_heating": by_tariff("water_heating", usage["hot"]),
        "housing_maintenance": by_tariff("housing_maintenance", h.area),
        "cold_water": by_tariff("cold_water", usage["cold"]),
        "electricity_t1": by_tariff("electricity_t1", usage["t1"]),
        "electricity_t2": by_tariff("electricity_t2", usage["t2"]),
        "electricity_odn": (money(h.area * D("2.914")), None),
    }


def household_statement(
    h: Household,
    first: date,
    current: date,
    usage: dict[date, dict[str, Decimal]],
    rules: PenaltyRules,
) -> Iterator[tuple[date, MonthRows]]:
    """The household's statement month by month from ``first`` to ``current``; the current
    month is still open: no charges and no penalty yet, only what was paid in it so far.

    Each closed month charges «Пеня» as desktop.billing.penalty reckons it for the month's
    days on what is unpaid at the month's close (the statement knows no payment days)."""
    # The history opens with last month's bill outstanding, as if it had gone on before.
    balance = dict.fromkeys(SERVICE_CODES, ZERO)
    for code, (amount, _volume) in charges(h, add_months(first, -1), usage[first]).items():
        balance[code] = amount
    history: dict[str, list[tuple[date, Amounts]]] = {code: [] for code in SERVICE_CODES}
    stopped = add_months(current, -h.stops_paying) if h.stops_paying else None
    for month in month_range(first, current):
        month_charges = charges(h, month, usage[month]) if month < current else {}
        charged = {code: month_charges.get(code, (ZERO, None))[0] for code in SERVICE_CODES}
        recalculation = dict.fromkeys(SERVICE_CODES, ZERO)
        if h.recalculation and month == add_months(current, -h.recalculation):
            # Two cubic metres of hot water charged twice, given back.
            for code in ("hot_water_cold", "water_heating", "wastewater"):
                recalculation[code] = money(-2 * tariff(code))
        if stopped and month >= stopped:
            paid = dict.fromkeys(SERVICE_CODES, ZERO)
        else:
            paid = {code: max(amount, ZERO) for code, amount in balance.items()}
        if h.advance and month == add_months(current, -h.advance):
            paid["housing_maintenance"] += D("3000.00")
        rows: MonthRows = {}
        # The penalty last: it is reckoned on what the other services leave unpaid.
        for code in sorted(SERVICE_CODES, key=lambda c: c in PENALTY_CODES):
            if code in PENALTY_CODES and month < current:
                charged[code] = _month_penalty(history, month, rules)
            opening = balance[code]
            closing = opening + charged[code] - paid[code] + recalculation[code]
            amounts = (opening, charged[code], paid[code], recalculation[code], closing)
            rows[code] = (amounts, month_charges.get(code, (ZERO, None))[1])
            history[code].append((month, amounts))
            balance[code] = closing
        yield month, {code: rows[code] for code in SERVICE_CODES}


def _month_penalty(
    history: dict[str, list[tuple[date, Amounts]]], month: date, rules: PenaltyRules
) -> Decimal:
    """The penalty the month's days add on the charges unpaid at its close."""
    unpaid = [
        Charge(charge_month, amount)
        for code, rows in history.items()
        if code not in PENALTY_CODES and rows
        for charge_month, amount in unpaid_charges(rows)
    ]
    month_end = add_months(month, 1) - timedelta(days=1)
    return accrued(unpaid, month - timedelta(days=1), month_end, rules)
