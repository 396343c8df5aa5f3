"""The seed's account 3492: its meters, periods and receipts, and its statement for March –
June 2017 read from the copy of the seed's table (``data/demo_seed_statement.tsv``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from importlib import resources

from db.models import MeterKind
from desktop.demo.catalog import CENT, SERVICES, ZERO, D
from desktop.months import MONTHS_NOMINATIVE

SEED_FIO = "Иванов И.И."
SEED_EMAIL = "ivanov@demo.example"
SEED_FLAT = "30"
SEED_AREA = D("61.00")  # × 43,42 ₽/м² = the seed's 2 648,62 for «Содержание жилого помещения»
SEED_RESIDENTS = 3


@dataclass(frozen=True)
class SeedMeter:
    kind: MeterKind
    title: str
    serial: str
    unit: str
    zones: int
    digits: int
    installed_on: date
    next_verification_on: date
    retired_on: date | None
    # Per zone: the June 2017 previous and current values, and the consumption of the months
    # November 2016 – May 2017 that lead up to June's previous value.
    june: tuple[tuple[str, str], ...]
    history: tuple[tuple[str, ...], ...] = ()


SEED_METERS = (
    SeedMeter(MeterKind.HOT_WATER, "ГВС 168500-12", "", "м3", 1, 5, date(2013, 5, 31),
              date(2017, 5, 31), date(2017, 5, 31), (("126.000", "126.000"),),
              (("3", "3", "2", "3", "2", "3", "2"),)),
    SeedMeter(MeterKind.COLD_WATER, "ХВС 21883-12", "", "м3", 1, 5, date(2012, 7, 2),
              date(2017, 6, 30), date(2017, 6, 30), (("252.000", "255.000"),),
              (("5", "6", "5", "5", "4", "4", "3"),)),
    SeedMeter(MeterKind.ELECTRICITY, "Эл.эн. №12765948", "", "кВт.ч", 2, 6, date(2014, 9, 14),
              date(2030, 9, 14), None, (("9723.460", "9897.290"), ("3383.570", "3456.850")),
              (("187.310", "201.540", "214.020", "190.660", "181.250", "166.480", "158.920"),
               ("79.840", "84.120", "88.370", "80.050", "76.610", "71.230", "69.960"))),
    SeedMeter(MeterKind.HOT_WATER, "ГВС 59537062", "59537062", "м3", 1, 5, date(2017, 6, 1),
              date(2023, 6, 1), None, (("0.000", "0.000"),)),
)  # fmt: skip
SEED_FIRST_PERIOD = date(2016, 11, 1)
SEED_LAST_PERIOD = date(2017, 6, 1)
# The seed's «Дата изменения» is the month after the period's (the same month for June 2017).
SEED_CHANGED_ON = {date(2017, 6, 1): date(2017, 6, 16)}
SEED_RECEIPTS = (
    (date(2017, 1, 31), "Квитанция 679/30 Моск. области (с заданной спр.информацией)"),
    (date(2017, 2, 28), "Квитанция 679/30 Моск. области (с заданной спр.информацией)"),
    (date(2017, 3, 30), "Квитанция 679/30 Моск. области (с заданной спр.информацией)"),
    (date(2017, 4, 29), "Квитанция 679/30 Моск. области (с заданной спр.информацией)"),
    (date(2017, 5, 30), "Квитанция 679/30 Моск. области 3492"),
    (date(2017, 6, 30), "Квитанция 679/30 Моск. области 3492"),
)
SEED_JANUARY_TOTAL = D("6702.35")  # the statement starts in March; January's total is made up

ROW_FIELDS = {
    "Сальдо нач.": 0,
    "Начислено": 1,
    "Оплачено": 2,
    "Перерасчет": 3,
    "Сальдо кон.": 4,
}

Amounts = tuple[Decimal, Decimal, Decimal, Decimal, Decimal]  # opening…closing


def _amount(cell: str) -> Decimal:
    cell = cell.replace(" ", "").replace("\u00a0", "").replace(",", ".")
    return D(cell).quantize(CENT) if cell else ZERO


@cache
def seed_statement() -> dict[date, dict[str, Amounts]]:
    """The seed's statement of account 3492 by month and service code, parsed from the copy of
    the seed's table in ``data/demo_seed_statement.tsv``; its sums and invariant are checked."""
    source = resources.files("desktop").joinpath("data/demo_seed_statement.tsv")
    lines = [line for line in source.read_text("utf-8").splitlines() if not line.startswith("#")]
    header = lines[0].split("\t")
    if header[1:] != ["ИТОГО", *(spec.name for spec in SERVICES)]:
        raise RuntimeError("demo_seed_statement.tsv: the columns differ from the services")
    grid: dict[date, list[list[Decimal]]] = {}
    month: date | None = None
    for line in lines[1:]:
        cells = line.split("\t")
        label = cells[0].replace("<i>", "").replace("</i>", "").strip()
        if label in ROW_FIELDS:
            if month is None:
                raise RuntimeError(f"demo_seed_statement.tsv: «{label}» before any month")
            amounts = [_amount(cell) for cell in cells[1:]]
            amounts += [ZERO] * (len(header) - 1 - len(amounts))
            if amounts[0] != sum(amounts[1:], ZERO):
                raise RuntimeError(f"demo_seed_statement.tsv: ИТОГО of {month} {label}")
            grid[month][ROW_FIELDS[label]] = amounts[1:]
        elif label:
            name, year = label.rsplit(" ", 1)
            month = date(2000 + int(year), MONTHS_NOMINATIVE.index(name) + 1, 1)
            grid[month] = [[ZERO] * len(SERVICES) for _ in ROW_FIELDS]
    statement = {
        month: {
            spec.code: (rows[0][i], rows[1][i], rows[2][i], rows[3][i], rows[4][i])
            for i, spec in enumerate(SERVICES)
        }
        for month, rows in sorted(grid.items())
    }
    _check_invariant(statement)
    return statement


def _check_invariant(statement: dict[date, dict[str, Amounts]]) -> None:
    previous: dict[str, Decimal] = {}
    for month, services in statement.items():
        for code, (opening, charged, paid, recalculation, closing) in services.items():
            if opening + charged - paid + recalculation != closing:
                raise RuntimeError(f"demo statement: {month} {code} does not add up")
            if code in previous and previous[code] != opening:
                raise RuntimeError(f"demo statement: {month} {code} opens off the last close")
            previous[code] = closing
