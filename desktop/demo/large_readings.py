"""The large demo's meters and their readings (``desktop.demo.large``): an account's meters
of every kind, and a period of readings for each month with the month's usage by what is
billed."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import repeat
from typing import Any

from db.models import Channel, MeterKind
from desktop.demo.catalog import last_day
from desktop.demo.large_spec import Counts, LargeSpec
from desktop.demo.large_statement import CalendarMonth, Usage
from desktop.demo.sink import Sink
from desktop.months import add_months

_CHANNELS = (Channel.RESIDENT, Channel.RESIDENT, Channel.KIOSK, Channel.CLERK)
_Draw = tuple[int, int, int]  # low, span, scale


@dataclass
class _Meter:
    id: int
    kind: MeterKind
    zones: int
    # The month its readings start and the one after its last, and the level of each zone.
    first: date
    retired: date | None
    level: list[int] = field(default_factory=list)  # thousandths


class Readings:
    """The generator's part that makes meters and readings (``Generator`` is one)."""

    rng: random.Random
    sink: Sink
    spec: LargeSpec
    ids: dict[str, int]
    now: datetime
    current: date
    latest: datetime
    stamp_tail: str
    counts: Counts

    def _id(self, table: str) -> int:
        value = self.ids[table]
        self.ids[table] = value + 1
        return value

    def _stamp(self, moment: datetime) -> str:
        raise NotImplementedError

    def _meters(self, account_id: int, first: date, long: bool) -> list[_Meter]:
        """The account's meters, in the order they are read."""
        rng = self.rng
        risers = 2 if rng.random() < 0.3 else 1
        zones = rng.choices((1, 2, 3), (30, 55, 15))[0]
        kinds = [MeterKind.COLD_WATER] * risers + [MeterKind.HOT_WATER] * risers
        kinds.append(MeterKind.ELECTRICITY)
        if rng.random() < 0.2:
            kinds.append(MeterKind.GAS)
        if rng.random() < 0.05:
            kinds.append(MeterKind.HEATING)
        # A long history sees some water meters replaced: the old one retired, a new one
        # counting from zero the month after.
        replaced_at = (
            add_months(first, rng.randint(12, max(12, self.spec.months - 12)))
            if long and rng.random() < 0.3 and self.spec.months > 24
            else None
        )
        meters = []
        order = 0
        for kind in kinds:
            meter_zones = zones if kind is MeterKind.ELECTRICITY else 1
            if replaced_at and kind is MeterKind.COLD_WATER and replaced_at < self.current:
                order += 2
                old = self._meter(account_id, kind, 1, first, replaced_at, order - 1, fresh=False)
                new = self._meter(account_id, kind, 1, add_months(replaced_at, 1), None, order,
                                  fresh=True)  # fmt: skip
                meters += [old, new]
                continue
            order += 1
            meters.append(
                self._meter(account_id, kind, meter_zones, first, None, order, fresh=False)
            )
        return meters

    def _meter(
        self,
        account_id: int,
        kind: MeterKind,
        zones: int,
        start: date,
        retired: date | None,
        order: int,
        *,
        fresh: bool,
    ) -> _Meter:
        """A meter read from ``start`` (to ``retired``); ``fresh``: a new one counting from
        zero."""
        rng = self.rng
        serial = f"{rng.randint(10**7, 10**8 - 1)}"
        title, unit, digits, years = _METER_KINDS[kind]
        installed = add_months(start, -rng.randint(0, 30)).replace(day=rng.randint(1, 28))
        verification = installed.replace(year=installed.year + years)
        retired_on = last_day(retired) if retired else None
        meter_id = self._id("meter")
        self.sink.add(
            "meter",
            (meter_id, account_id, str(kind), f"{title} {serial}", serial, unit, zones, digits,
             installed.isoformat(), (retired_on or verification).isoformat(),
             retired_on.isoformat() if retired_on else None, 0, order),
        )  # fmt: skip
        level = [0 if fresh else rng.randint(100, 9000) * 1000 for _ in range(zones)]
        return _Meter(meter_id, kind, zones, start, retired, level)

    def _readings(
        self,
        account_id: int,
        number: str,
        meters: list[_Meter],
        months: list[CalendarMonth],
        registered: bool,
    ) -> list[Usage]:
        """A period for each month (the current one only for those who have sent it), and
        each month's usage by what is billed: cold, hot, t1, t2 in thousandths."""
        rng = self.rng
        draw = rng.random
        residents_factor = rng.randint(8, 14)  # tenths of a m³ per month, per riser
        risers = sum(meter.kind is MeterKind.HOT_WATER for meter in meters)
        zones = next(meter.zones for meter in meters if meter.kind is MeterKind.ELECTRICITY)
        usage: list[Usage] = []
        readings: list[tuple[Any, ...]] = []
        periods: list[tuple[Any, ...]] = []
        tz, tail = self.now.tzinfo, self.stamp_tail
        ids = self.ids
        for phase_start, phase_end, read in _phases(meters, months):
            # Each reading as ids and levels beside the draws that move them, in the order
            # they are read: the cold risers, the hot ones, the electricity's zones, the rest.
            meter_ids = [meter.id for meter, _zone in read]
            zone_numbers = [zone for _meter, zone in read]
            levels = [meter.level[zone - 1] for meter, zone in read]
            draws = {
                winter: [_draw(m.kind, m.zones, zone, winter, residents_factor) for m, zone in read]
                for winter in (False, True)
            }
            for month in months[phase_start:phase_end]:
                current = month.current
                sent = not current or rng.random() < 0.6
                channel = rng.choice(_CHANNELS) if registered else Channel.CLERK
                by = number if channel is not Channel.CLERK else "operator"
                day, hour, minute = 15 + int(draw() * 11), 7 + int(draw() * 15), int(draw() * 60)
                amounts = [
                    (low + int(draw() * span)) * scale for low, span, scale in draws[month.winter]
                ]
                moved = [level + amount for level, amount in zip(levels, amounts, strict=True)]
                electricity = amounts[2 * risers : 2 * risers + zones]
                usage.append((
                    sum(amounts[:risers]), sum(amounts[risers : 2 * risers]),
                    electricity[0] + (electricity[2] if zones == 3 else 0),
                    electricity[1] if zones > 1 else 0,
                ))  # fmt: skip
                if sent:
                    period_id = ids["period"]
                    ids["period"] = period_id + 1
                    if current:  # entered at the latest an hour ago, not yet accepted
                        entered = datetime(
                            month.day.year, month.day.month, day, hour, minute, tzinfo=tz
                        )
                        stamp, accepted = self._stamp(min(entered, self.latest)), None
                    else:  # a past month's day 15–25: accepted three days later, that month
                        stamp = f"{month.iso[:8]}{day:02d} {hour:02d}:{minute:02d}{tail}"
                        accepted = f"{month.iso[:8]}{day + 3:02d} {hour:02d}:{minute:02d}{tail}"
                    periods.append((period_id, account_id, month.iso, stamp, accepted, 1))
                    first_id = ids["reading"] + len(readings)
                    readings += zip(
                        range(first_id, first_id + len(read)), repeat(period_id), meter_ids,
                        zone_numbers, levels, moved, repeat(str(channel)), repeat(by),
                        repeat(stamp), repeat(""),
                    )  # fmt: skip
                levels = moved
            for (meter, zone), level in zip(read, levels, strict=True):
                meter.level[zone - 1] = level
        ids["reading"] += len(readings)
        self.sink.extend("period", periods)
        self.sink.extend("reading", readings)
        self.counts.periods += len(periods)
        self.counts.readings += len(readings)
        return usage


_METER_KINDS = {
    MeterKind.COLD_WATER: ("ХВС", "м3", 5, 6),
    MeterKind.HOT_WATER: ("ГВС", "м3", 5, 4),
    MeterKind.ELECTRICITY: ("Эл.эн. №", "кВт.ч", 6, 16),
    MeterKind.GAS: ("Газ", "м3", 5, 10),
    MeterKind.HEATING: ("Тепло", "Гкал", 4, 4),
}


def _draw(kind: MeterKind, zones: int, zone: int, winter: bool, factor: int) -> _Draw:
    """How a month's consumption is drawn, in thousandths of the meter's unit: ``(low +
    int(random() * span)) * scale`` (a third of ``randint``'s cost)."""
    if kind is MeterKind.COLD_WATER:
        return 20, 21, factor * 10
    if kind is MeterKind.HOT_WATER:
        return 12, 14, factor * 10
    if kind is MeterKind.GAS:
        return 6_000, 10_001, 1
    if kind is MeterKind.HEATING:
        return (600, 1_001, 1) if winter else (0, 61, 1)
    if zones == 1:
        return 150_000 + (50_000 if winter else 0), 170_001, 1
    if zone == 2:
        return 50_000, 50_001, 1
    return 60_000 + (40_000 if winter and zone == 1 else 0), 160_001, 1


def _phases(
    meters: list[_Meter], months: list[CalendarMonth]
) -> list[tuple[int, int, list[tuple[_Meter, int]]]]:
    """Runs of ``months`` with the same meters in service: (from, to, each meter's zones
    read), in the meters' order."""
    if all(meter.first <= months[0].day and meter.retired is None for meter in meters):
        return [(0, len(months), [(m, zone) for m in meters for zone in range(1, m.zones + 1)])]
    runs: list[tuple[int, int, list[tuple[_Meter, int]]]] = []
    for index, month in enumerate(months):
        read = [
            (meter, zone)
            for meter in meters
            if meter.first <= month.day and not (meter.retired and month.day > meter.retired)
            for zone in range(1, meter.zones + 1)
        ]
        if runs and runs[-1][2] == read:
            runs[-1] = (runs[-1][0], index + 1, read)
        else:
            runs.append((index, index + 1, read))
    return runs
