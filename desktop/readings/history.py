"""A meter's monthly consumption over the last two years, per tariff zone, beside the average
the jump check compares a new value with: what the consumption chart of «Приборы учета» draws
and says in words. Qt-free; the widget only draws what this returns."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Meter, Period, Reading
from desktop.formatting import unit_text
from desktop.months import add_months, month_name, month_start
from desktop.readings.queries import averages
from desktop.readings.rows import RowKey
from desktop.readings.values import consumption

HISTORY_MONTHS = 24

# Units as stored (the seed writes «м3», «кВт.ч») and as a sentence shows them.


def amount_text(value: Decimal) -> str:
    """A consumption in a sentence: one decimal place and a decimal comma, «3,1»."""
    return f"{value.quantize(Decimal('0.1'), rounding=ROUND_HALF_UP):f}".replace(".", ",")


@dataclass(frozen=True)
class ZoneHistory:
    zone: int
    label: str  # «T1» for a multi-zone meter, "" for a single-zone one
    values: tuple[Decimal | None, ...]  # one per month of the history; None: no reading
    average: Decimal | None  # the jump check's average; None: no filled reading yet

    @property
    def last(self) -> tuple[int, Decimal] | None:
        """The newest month with a value: its position in the history and the value."""
        for position in range(len(self.values) - 1, -1, -1):
            value = self.values[position]
            if value is not None:
                return position, value
        return None


@dataclass(frozen=True)
class MeterHistory:
    """The consumption of one meter month by month, oldest first."""

    meter_id: int
    title: str
    unit: str  # as a sentence shows it: «м³», «кВт·ч»
    months: tuple[date, ...]  # first days of the months, oldest first; empty: no readings
    zones: tuple[ZoneHistory, ...]

    @property
    def empty(self) -> bool:
        return not self.months

    def zone_summary(self, zone: ZoneHistory) -> str:
        """«в среднем 3,1 м³ в месяц; за июнь 2017 — 3,0 м³» (with «T1: » before it for a
        zone of a multi-zone meter); a figure and its unit are not parted by a line break."""
        parts = []
        if zone.average is not None:
            parts.append(f"в среднем {amount_text(zone.average)}\u00a0{self.unit} в месяц")
        last = zone.last
        if last is not None:
            position, value = last
            parts.append(
                f"за {month_name(self.months[position]).lower()} — "
                f"{amount_text(value)}\u00a0{self.unit}"
            )
        text = "; ".join(parts) or "показаний пока нет"
        return f"{zone.label}: {text}" if zone.label else text

    @property
    def zones_summary(self) -> str:
        """One line per zone: what the label beside the chart shows."""
        if self.empty:
            return "Показаний по этому прибору пока нет."
        return "\n".join(self.zone_summary(zone) for zone in self.zones)

    @property
    def summary(self) -> str:
        """The chart in words, with its months, for screen readers."""
        if self.empty:
            return f"{self.title}: показаний пока нет."
        first, last = month_name(self.months[0]).lower(), month_name(self.months[-1]).lower()
        return f"{self.title}, расход за {first} — {last}:\n{self.zones_summary}"


def meter_histories(s: Session, account_id: int, today: date) -> list[MeterHistory]:
    """Each meter of the account with its consumption over ``HISTORY_MONTHS`` calendar months:
    the 24 months up to and including the newest period holding a filled reading of that
    meter (so the seed's 3492, whose history stops in June 2017, shows July 2015 – June
    2017, and a meter retired years ago its last two years), a month without a reading left
    empty. The average beside it is the one the jump check applies to this month's value
    (``queries.averages`` before the current month: the last twelve filled readings,
    however long ago)."""
    meters = list(
        s.scalars(
            select(Meter)
            .where(Meter.account_id == account_id)
            .order_by(Meter.display_order, Meter.id)
        )
    )
    found = s.execute(
        select(Period.month, Reading.meter_id, Reading.zone, Reading.previous, Reading.current,
               Reading.confirmation)
        .join(Period)
        .where(Period.account_id == account_id, Reading.current.is_not(None))
    )  # fmt: skip
    used: dict[RowKey, dict[date, Decimal]] = {}
    digits = {meter.id: meter.digits for meter in meters}
    for month, meter_id, zone, previous, current, confirmation in found:
        if current is None:  # pragma: no cover - the query takes filled readings only
            continue
        value = consumption(previous, current, confirmation, digits.get(meter_id))
        used.setdefault((meter_id, zone), {})[month] = value
    usual = averages(s, account_id, month_start(today))
    return [_history(meter, used, usual) for meter in meters]


def _history(
    meter: Meter, used: dict[RowKey, dict[date, Decimal]], usual: dict[RowKey, Decimal]
) -> MeterHistory:
    zones = range(1, meter.zones + 1)
    filled = [month for zone in zones for month in used.get((meter.id, zone), {})]
    months: Sequence[date] = ()
    if filled:
        newest = max(filled)
        months = [add_months(newest, offset) for offset in range(1 - HISTORY_MONTHS, 1)]
    return MeterHistory(
        meter_id=meter.id,
        title=meter.title,
        unit=unit_text(meter.unit),
        months=tuple(months),
        zones=tuple(
            ZoneHistory(
                zone=zone,
                label=f"T{zone}" if meter.zones > 1 else "",
                values=tuple(used.get((meter.id, zone), {}).get(month) for month in months),
                average=usual.get((meter.id, zone)),
            )
            for zone in zones
        ),
    )
