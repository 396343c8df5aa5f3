"""The large demo, for load tests and benchmarks: ``python -m desktop demo --accounts N
[--months M] [--seed S]``.

Beside the demo's own six accounts (3492 keeps the seed's figures exactly) it makes
N − 7 more, the same for the same seed: buildings on Russian streets of five towns, a
flat for each account with an invented ФИО (``desktop.demo.names``), meters of every kind
(one or two water risers, single-, two- and three-zone electricity, some gas and heat
meters, some water meters replaced mid-history), a period of readings and the fifteen
services' statement rows for every month, a receipt for every closed month, and a few
support requests. A third of the accounts are registered with the demo's password.

History: a tenth of the accounts (``LONG_SHARE``) have M months (120 by default), the
others ``SHORT_MONTHS``, each up to the current month. One in twenty of the one-year
accounts stopped paying a few months ago: its statement and the monthly penalty come from
the demo's own household rules (``desktop.demo.households``, the one penalty rule). Every
other account pays each bill in full the next month, so it owes no penalty; its rows are
reckoned here in integer kopecks, by the same charges (a test compares the two).

Rows are streamed: made account by account and written in batches straight through the
driver (SQLite's ``executemany``, PostgreSQL's ``COPY``), in the demo's one transaction,
with ids given here. Memory stays flat whatever N is.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, ForeignKeyConstraint, text
from sqlalchemy.schema import AddConstraint, DropConstraint

from db.models import Base, Channel, MeterKind, RequestStatus
from db.search import normalize
from desktop.billing.penalty import PenaltyRules
from desktop.demo.catalog import (
    SERVICE_CODES,
    Household,
    last_day,
    month_range,
)
from desktop.demo.large_spec import LargeSpec
from desktop.demo.large_statement import Month, paying_in_full, reckoned
from desktop.demo.names import (
    INITIALS,
    INVARIANT_SURNAMES,
    PATRONYMIC_INITIALS,
    STREETS,
    SURNAMES,
    TOWNS,
)
from desktop.demo.sink import TABLES, Sink, next_id
from desktop.months import add_months

LONG_SHARE = 0.1  # the share of accounts with the long history
SHORT_MONTHS = 12
DEBTOR_SHARE = 0.05  # of the one-year accounts: stopped paying some months ago
REGISTERED_SHARE = 1 / 3
REQUEST_SHARE = 0.01
_DEFERRED_INDEXES = ("reading", "statement_row", "receipt")
_tables = Base.metadata.tables

Progress = Callable[[int, int], None]

_TOPICS = (
    ("Передача показаний", "Не получается передать показания счётчика горячей воды."),
    ("Перерасчет", "Прошу сделать перерасчет за время отъезда, документы приложу."),
    ("Квитанция", "В квитанции за прошлый месяц не учтена моя оплата."),
    ("Поверка счётчика", "Срок поверки счётчика подходит к концу. Куда обратиться?"),
    ("Протечка", "В подъезде протекает крыша над лестничной клеткой."),
)


@dataclass
class Counts:
    accounts: int = 0
    periods: int = 0
    readings: int = 0
    statement_rows: int = 0
    receipts: int = 0
    support_requests: int = 0
    rows: int = 0


@dataclass
class _Meter:
    id: int
    kind: MeterKind
    zones: int
    # The month its readings start and the one after its last, and the level of each zone.
    first: date
    retired: date | None
    level: list[int] = field(default_factory=list)  # thousandths


class Generator:
    """Makes the accounts and streams their rows into ``sink``."""

    def __init__(
        self,
        conn: Connection,
        spec: LargeSpec,
        now: datetime,
        current: date,
        rules: PenaltyRules,
        password_hash: str,
    ) -> None:
        self.conn = conn
        self.spec = spec
        self.now = now
        self.current = current
        self.rules = rules
        self.password_hash = password_hash
        self.rng = random.Random(spec.seed)
        self.sink = Sink(conn)
        self.postgres = self.sink.postgres
        self.counts = Counts()
        self.ids = {table: next_id(conn, table) for table in TABLES}
        self.company_id = conn.execute(
            text("SELECT id FROM company WHERE is_demo = :t ORDER BY id LIMIT 1"), {"t": True}
        ).scalar_one()
        self.services: dict[str, int] = {
            code: service_id
            for code, service_id in conn.execute(text("SELECT code, id FROM service"))
        }
        self.streets: set[tuple[str, str, str]] = set()

    # -- the whole run

    def run(self, count: int, progress: Progress | None = None) -> Counts:
        # The big tables' secondary indexes are built once at the end: one sort instead of
        # tens of millions of B-tree inserts. On PostgreSQL each foreign key is checked by a
        # trigger per row: they are dropped too and added back at the end, checked by one
        # query each; no statement timeout meanwhile.
        indexes = [index for table in _DEFERRED_INDEXES for index in _tables[table].indexes]
        keys = [
            key
            for table in (TABLES if self.postgres else ())
            for key in _tables[table].constraints
            if isinstance(key, ForeignKeyConstraint)
        ]
        if self.postgres:
            self.conn.execute(text("SET LOCAL statement_timeout = 0"))
        for key in keys:
            self.conn.execute(DropConstraint(key))
        for index in indexes:
            self.conn.execute(text(f"DROP INDEX IF EXISTS {index.name}"))
        made = 0
        while made < count:
            building_id, address = self._building()
            flats = min(self.rng.randint(40, 220), count - made)
            for flat in range(1, flats + 1):
                self._account(building_id, address, flat, made)
                made += 1
                if progress and made % 1000 == 0:
                    progress(made, count)
        self.sink.flush()
        for index in indexes:
            index.create(self.conn)
        for key in keys:
            self.conn.execute(AddConstraint(key))
        if self.postgres:
            for table in TABLES:
                self.conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"
                    )
                )
        if progress:
            progress(count, count)
        self.counts.accounts = count
        self.counts.rows = self.sink.written
        return self.counts

    def _id(self, table: str) -> int:
        value = self.ids[table]
        self.ids[table] = value + 1
        return value

    def _building(self) -> tuple[int, str]:
        rng = self.rng
        while True:
            town, street = rng.choice(TOWNS), rng.choice(STREETS)
            house = str(rng.randint(1, 160))
            if rng.random() < 0.15:
                house += f", корп. {rng.randint(1, 4)}"
            if (town, street, house) not in self.streets:
                self.streets.add((town, street, house))
                break
        address = f"{town}, {street}, д. {house}"
        building_id = self._id("building")
        self.sink.add("building", (building_id, self.company_id, address))
        return building_id, address

    # -- one account

    def _account(self, building_id: int, building_address: str, flat: int, index: int) -> None:
        rng = self.rng
        number = str(10_000_001 + index)
        fio = _fio(rng)
        address = f"{building_address}, кв. {flat}"
        area = rng.randint(280, 950) * 10  # kopeck-like hundredths of a m², whole tenths
        residents = rng.choices((1, 2, 3, 4, 5), (25, 35, 22, 12, 6))[0]
        premises_id, account_id = self._id("premises"), self._id("account")
        self.sink.add("premises", (premises_id, building_id, str(flat), area))
        self.sink.add(
            "account",
            (account_id, number, fio, normalize(fio), premises_id, address, normalize(address),
             area, residents),
        )  # fmt: skip
        long = rng.random() < LONG_SHARE
        months = self.spec.months if long else SHORT_MONTHS
        first = add_months(self.current, 1 - months)
        registered = rng.random() < REGISTERED_SHARE
        if registered:
            since = self._stamp(datetime.combine(first, datetime.min.time(), self.now.tzinfo))
            self.sink.add(
                "resident_credential",
                (self._id("resident_credential"), account_id, f"ls{number}@demo.example",
                 f"+7 916 {rng.randint(100, 999)}-{rng.randint(10, 99)}-{rng.randint(10, 99)}",
                 self.password_hash, self._bool(False), 0, since, since),
            )  # fmt: skip
        meters = self._meters(account_id, first, long)
        usage = self._readings(account_id, number, meters, first, registered)
        debtor = not long and rng.random() < DEBTOR_SHARE
        household = Household(
            number, fio, 0, str(flat), Decimal(area) / 100, residents, None,
            stops_paying=rng.randint(2, 8) if debtor else None,
        )  # fmt: skip
        self._statement(account_id, number, household, first, usage)
        if rng.random() < REQUEST_SHARE:
            topic, message = rng.choice(_TOPICS)
            status = rng.choice((RequestStatus.OPEN, RequestStatus.ANSWERED, RequestStatus.CLOSED))
            created = self.now - timedelta(days=rng.randint(0, 60), minutes=rng.randint(0, 600))
            self.sink.add(
                "support_request",
                (self._id("support_request"), account_id, topic, message,
                 f"ls{number}@demo.example", str(status), self._stamp(created)),
            )  # fmt: skip
            self.counts.support_requests += 1

    def _meters(self, account_id: int, first: date, long: bool) -> list[_Meter]:
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
        self, account_id: int, number: str, meters: list[_Meter], first: date, registered: bool
    ) -> dict[date, dict[str, int]]:
        """A period for each month (the current one only for those who have sent it), and
        each month's usage by what is billed: cold, hot, t1, t2 in thousandths."""
        rng = self.rng
        draw = rng.random
        usage_by_month: dict[date, dict[str, int]] = {}
        readings: list[tuple[Any, ...]] = []
        residents_factor = rng.randint(8, 14)  # tenths of a m³ per month, per riser
        for month in month_range(first, self.current):
            usage = {"cold": 0, "hot": 0, "t1": 0, "t2": 0}
            current = month == self.current
            sent = not current or rng.random() < 0.6
            period_id = self._id("period") if sent else None
            channel = (
                rng.choice((Channel.RESIDENT, Channel.RESIDENT, Channel.KIOSK, Channel.CLERK))
                if registered
                else Channel.CLERK
            )
            by = number if channel is not Channel.CLERK else "operator"
            channel_value = str(channel)
            day, hour, minute = 15 + int(draw() * 11), 7 + int(draw() * 15), int(draw() * 60)
            entered = datetime(month.year, month.month, day, hour, minute, tzinfo=self.now.tzinfo)
            entered = min(entered, self.now - timedelta(hours=1))
            stamp = self._stamp(entered)
            if period_id is not None:
                accepted = None if current else self._stamp(entered + timedelta(days=3))
                self.sink.add(
                    "period", (period_id, account_id, month.isoformat(), stamp, accepted, 1)
                )
                self.counts.periods += 1
            winter = month.month in (11, 12, 1, 2, 3)
            for meter in meters:
                if month < meter.first or (meter.retired and month > meter.retired):
                    continue
                for zone in range(1, meter.zones + 1):
                    amount = _usage(draw, meter.kind, meter.zones, zone, winter, residents_factor)
                    previous = meter.level[zone - 1]
                    meter.level[zone - 1] = previous + amount
                    if meter.kind in (MeterKind.COLD_WATER, MeterKind.HOT_WATER):
                        usage["cold" if meter.kind is MeterKind.COLD_WATER else "hot"] += amount
                    elif meter.kind is MeterKind.ELECTRICITY:
                        usage["t2" if zone == 2 else "t1"] += amount
                    if period_id is not None:
                        readings.append((period_id, meter.id, zone, previous, previous + amount,
                                         channel_value, by, stamp, ""))  # fmt: skip
            usage_by_month[month] = usage
        self.sink.extend("reading", self._numbered("reading", readings))
        self.counts.readings += len(readings)
        return usage_by_month

    # -- the statement and receipts

    def _statement(
        self,
        account_id: int,
        number: str,
        h: Household,
        first: date,
        usage: dict[date, dict[str, int]],
    ) -> None:
        months: Iterator[Month]
        if h.stops_paying:
            months = reckoned(h, first, self.current, usage, self.rules)
        else:
            months = paying_in_full(int(h.area * 100), first, self.current, usage)
        services = [self.services[code] for code in SERVICE_CODES]
        first_id = self.ids["statement_row"]
        statement: list[tuple[Any, ...]] = []
        receipts: list[tuple[Any, ...]] = []
        for month, rows, total in months:
            iso = month.isoformat()
            start = first_id + len(statement)
            statement += [
                (start + k, account_id, iso, service_id, o, c, p, r, cl, v)
                for k, (service_id, (o, c, p, r, cl, v)) in enumerate(
                    zip(services, rows, strict=True)
                )
            ]
            if month < self.current:
                receipts.append(
                    (account_id, f"{number}-{month:%Y%m}", last_day(month).isoformat(), iso,
                     f"Квитанция за {month:%m.%Y}, лицевой счёт {number}", total)
                )  # fmt: skip
        self.ids["statement_row"] = first_id + len(statement)
        self.sink.extend("statement_row", statement)
        self.sink.extend("receipt", self._numbered("receipt", receipts))
        self.counts.statement_rows += len(statement)
        self.counts.receipts += len(receipts)

    def _numbered(self, table: str, rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        """``rows`` with the table's next ids in front."""
        first = self.ids[table]
        self.ids[table] = first + len(rows)
        return [(row_id, *row) for row_id, row in enumerate(rows, first)]

    # -- values as the backend takes them

    def _stamp(self, moment: datetime) -> str:
        if self.postgres:
            return moment.isoformat(sep=" ")
        return moment.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")

    def _bool(self, value: bool) -> Any:
        return ("t" if value else "f") if self.postgres else int(value)


_METER_KINDS = {
    MeterKind.COLD_WATER: ("ХВС", "м3", 5, 6),
    MeterKind.HOT_WATER: ("ГВС", "м3", 5, 4),
    MeterKind.ELECTRICITY: ("Эл.эн. №", "кВт.ч", 6, 16),
    MeterKind.GAS: ("Газ", "м3", 5, 10),
    MeterKind.HEATING: ("Тепло", "Гкал", 4, 4),
}


def _usage(
    draw: Callable[[], float], kind: MeterKind, zones: int, zone: int, winter: bool, factor: int
) -> int:
    """A month's consumption in thousandths of the meter's unit (``draw``: the generator's
    ``random``; ``a + int(draw() * n)`` is a third of ``randint``'s cost)."""
    if kind is MeterKind.COLD_WATER:
        return (20 + int(draw() * 21)) * factor * 10
    if kind is MeterKind.HOT_WATER:
        return (12 + int(draw() * 14)) * factor * 10
    if kind is MeterKind.GAS:
        return 6_000 + int(draw() * 10_001)
    if kind is MeterKind.HEATING:
        return 600 + int(draw() * 1_001) if winter else int(draw() * 61)
    if zones == 1:
        return 150_000 + int(draw() * 170_001) + (50_000 if winter else 0)
    if zone == 2:
        return 50_000 + int(draw() * 50_001)
    return 60_000 + int(draw() * 160_001) + (40_000 if winter and zone == 1 else 0)


def _fio(rng: random.Random) -> str:
    if rng.random() < 0.06:
        surname = rng.choice(INVARIANT_SURNAMES)
    else:
        surname = rng.choice(SURNAMES)[rng.random() < 0.55]
    return f"{surname} {rng.choice(INITIALS)}.{rng.choice(PATRONYMIC_INITIALS)}."


def generate(
    conn: Connection,
    spec: LargeSpec,
    now: datetime,
    current: date,
    rules: PenaltyRules,
    password_hash: str,
    count: int,
    progress: Progress | None = None,
) -> Counts:
    """Stream ``count`` generated accounts into the transaction of ``conn``."""
    return Generator(conn, spec, now, current, rules, password_hash).run(count, progress)


__all__ = ["LargeSpec", "Progress", "generate"]
