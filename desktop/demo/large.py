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
driver (``desktop.demo.sink``: SQLite's ``executemany``, fifty rows a statement; PostgreSQL's
``COPY`` on a thread of its own while the next batch is made), in the demo's one
transaction, with ids given here. Memory stays flat whatever N is. The meters and readings
are made in ``large_readings``, the statements reckoned in ``large_statement``.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import repeat
from typing import Any

from sqlalchemy import (
    Connection,
    Constraint,
    ForeignKeyConstraint,
    PrimaryKeyConstraint,
    UniqueConstraint,
    text,
)
from sqlalchemy.schema import AddConstraint, DropConstraint

from db.models import Base, RequestStatus
from db.search import normalize
from desktop.account_summary import refresh_account_summary
from desktop.billing.penalty import PenaltyRules
from desktop.demo.catalog import (
    SERVICE_CODES,
    Household,
)
from desktop.demo.large_readings import Readings
from desktop.demo.large_spec import Counts, LargeSpec
from desktop.demo.large_statement import (
    CalendarMonth,
    Usage,
    calendar,
    paying_in_full,
    reckoned,
)
from desktop.demo.names import (
    INITIALS,
    INVARIANT_SURNAMES,
    PATRONYMIC_INITIALS,
    STREETS,
    SURNAMES,
    TOWNS,
)
from desktop.demo.sink import TABLES, Sink, bulk_load, next_id
from desktop.months import add_months

LONG_SHARE = 0.1  # the share of accounts with the long history
SHORT_MONTHS = 12
DEBTOR_SHARE = 0.05  # of the one-year accounts: stopped paying some months ago
REGISTERED_SHARE = 1 / 3
REQUEST_SHARE = 0.01
_DEFERRED_INDEXES = ("reading", "statement_row", "receipt")
_DEFERRED_KEYS = ("period", "reading", "statement_row", "receipt")
_tables = Base.metadata.tables
_NO_RECALCULATION = (0,) * len(SERVICE_CODES)

Progress = Callable[[int, int], None]

_TOPICS = (
    ("Передача показаний", "Не получается передать показания счётчика горячей воды."),
    ("Перерасчет", "Прошу сделать перерасчет за время отъезда, документы приложу."),
    ("Квитанция", "В квитанции за прошлый месяц не учтена моя оплата."),
    ("Поверка счётчика", "Срок поверки счётчика подходит к концу. Куда обратиться?"),
    ("Протечка", "В подъезде протекает крыша над лестничной клеткой."),
)


class Generator(Readings):
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
        services: dict[str, int] = {
            code: service_id
            for code, service_id in conn.execute(text("SELECT code, id FROM service"))
        }
        self.service_ids = [services[code] for code in SERVICE_CODES]
        # Every account's months end with the current one: the longest history's calendar,
        # each month's constants made once.
        self.calendar = calendar(add_months(current, 1 - max(spec.months, SHORT_MONTHS)), current)
        self.latest = now - timedelta(hours=1)  # the latest a reading was entered
        # What follows the minutes in a stamp of a whole minute, as _stamp writes it.
        self.stamp_tail = self._stamp(datetime(2000, 1, 1, tzinfo=now.tzinfo))[
            len("2000-01-01 00:00") :
        ]
        self.streets: set[tuple[str, str, str]] = set()

    # -- the whole run

    def run(self, count: int, progress: Progress | None = None) -> Counts:
        # The big tables' secondary indexes are built once at the end: one sort instead of
        # tens of millions of B-tree inserts. On PostgreSQL each foreign key is checked by a
        # trigger per row: they are dropped too and added back at the end, checked by one
        # query each; no statement timeout meanwhile.
        indexes = [index for table in _DEFERRED_INDEXES for index in _tables[table].indexes]
        keys: list[Constraint] = [
            key
            for table in (TABLES if self.postgres else ())
            for key in _tables[table].constraints
            if isinstance(key, ForeignKeyConstraint)
        ]
        # The big tables' own keys too, on PostgreSQL: built by a sort at the end, their
        # rows go in at twice the speed.
        keys += [
            key
            for table in (_DEFERRED_KEYS if self.postgres else ())
            for key in _tables[table].constraints
            if isinstance(key, PrimaryKeyConstraint | UniqueConstraint)
        ]
        if self.postgres:
            self.conn.execute(text("SET LOCAL statement_timeout = 0"))
            self.conn.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))
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
        for key in reversed(keys):  # the keys first, then the foreign keys that need them
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
        months = self.calendar if long else self.calendar[-SHORT_MONTHS:]
        first = months[0].day
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
        usage = self._readings(account_id, number, meters, months, registered)
        debtor = not long and rng.random() < DEBTOR_SHARE
        if debtor:
            household = Household(
                number, fio, 0, str(flat), Decimal(area) / 100, residents, None,
                stops_paying=rng.randint(2, 8),
            )  # fmt: skip
            self._reckoned(account_id, number, household, months, usage)
        else:
            self._paying(account_id, number, area, months, usage)
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

    # -- the statement and receipts

    def _paying(
        self,
        account_id: int,
        number: str,
        area: int,
        months: list[CalendarMonth],
        usage: list[Usage],
    ) -> None:
        """The statement and receipts of an account that pays each bill in full."""
        row_id = self.ids["statement_row"]
        services = self.service_ids
        statement: list[tuple[Any, ...]] = []
        receipts: list[tuple[Any, ...]] = []
        receipt_id = self.ids["receipt"]
        for month, (opening, charged, volumes) in zip(
            months, paying_in_full(area, months, usage), strict=True
        ):
            # paid = opening, recalculation = 0, closing = charged
            statement += zip(
                range(row_id, row_id + len(services)), repeat(account_id), repeat(month.iso),
                services, opening, charged, opening, _NO_RECALCULATION, charged, volumes,
            )  # fmt: skip
            row_id += len(services)
            if not month.current:
                receipts.append(
                    (receipt_id, account_id, number + month.receipt_suffix, month.last_day,
                     month.iso, month.receipt_title + number, sum(charged))
                )  # fmt: skip
                receipt_id += 1
        self._statement_written(row_id, receipt_id, statement, receipts)

    def _reckoned(
        self,
        account_id: int,
        number: str,
        h: Household,
        months: list[CalendarMonth],
        usage: list[Usage],
    ) -> None:
        """The statement and receipts of an account that stopped paying: the households'
        own rules, the penalty included."""
        by_month = {
            month.day: dict(zip(("cold", "hot", "t1", "t2"), used, strict=True))
            for month, used in zip(months, usage, strict=True)
        }
        row_id = self.ids["statement_row"]
        receipt_id = self.ids["receipt"]
        statement: list[tuple[Any, ...]] = []
        receipts: list[tuple[Any, ...]] = []
        reckoning = reckoned(h, months[0].day, self.current, by_month, self.rules)
        for month, (_day, rows, total) in zip(months, reckoning, strict=True):
            for service_id, row in zip(self.service_ids, rows, strict=True):
                statement.append((row_id, account_id, month.iso, service_id, *row))
                row_id += 1
            if not month.current:
                receipts.append(
                    (receipt_id, account_id, number + month.receipt_suffix, month.last_day,
                     month.iso, month.receipt_title + number, total)
                )  # fmt: skip
                receipt_id += 1
        self._statement_written(row_id, receipt_id, statement, receipts)

    def _statement_written(
        self,
        row_id: int,
        receipt_id: int,
        statement: list[tuple[Any, ...]],
        receipts: list[tuple[Any, ...]],
    ) -> None:
        self.ids["statement_row"], self.ids["receipt"] = row_id, receipt_id
        self.sink.extend("statement_row", statement)
        self.sink.extend("receipt", receipts)
        self.counts.statement_rows += len(statement)
        self.counts.receipts += len(receipts)

    # -- values as the backend takes them

    def _stamp(self, moment: datetime) -> str:
        if self.postgres:
            return moment.isoformat(sep=" ")
        return moment.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")

    def _bool(self, value: bool) -> Any:
        return ("t" if value else "f") if self.postgres else int(value)


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
    """Stream ``count`` generated accounts into the transaction of ``conn``, then gather the
    planner's statistics of what was loaded."""
    with bulk_load(conn):
        generator = Generator(conn, spec, now, current, rules, password_hash)
        try:
            counts = generator.run(count, progress)
        finally:
            generator.sink.close()
    refresh_account_summary(conn, None)
    analyze(conn)
    return counts


def analyze(conn: Connection) -> None:
    """The planner's statistics, in the loading transaction: without them PostgreSQL plans
    the new tables blind until autovacuum comes by (the search's page of rows took 350 ms
    instead of 2 on 100 000 accounts), and SQLite has none at all. SQLite's reads a sample
    of each index (``analysis_limit``): a second, not minutes, for 50 million rows."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("PRAGMA analysis_limit = 1000")
        conn.exec_driver_sql("ANALYZE")
        conn.exec_driver_sql("PRAGMA analysis_limit = 0")
    else:
        conn.exec_driver_sql("ANALYZE")


__all__ = ["LargeSpec", "Progress", "generate"]
