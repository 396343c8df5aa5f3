"""The large demo (``demo --accounts N``): as many accounts as asked, the same for the same
seed, statements that add up, the seed's account untouched, readable through the services;
refused where the small demo is. On SQLite and PostgreSQL, at a small N."""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections import Counter, defaultdict
from datetime import UTC, date, datetime
from decimal import Decimal
from itertools import pairwise
from pathlib import Path

import psycopg
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text

from db.engine import Database
from db.migrate import upgrade
from db.models import (
    Account,
    Base,
    Building,
    Company,
    Meter,
    MeterKind,
    Period,
    Reading,
    Receipt,
    ResidentCredential,
    StatementRow,
    SupportRequest,
)
from db.search import normalize
from desktop.app import build_services
from desktop.billing.penalty import PenaltyRules
from desktop.cli import main
from desktop.clock import FixedClock
from desktop.demo import build_demo
from desktop.demo.catalog import DEMO_ACCOUNTS, SERVICE_CODES, Household, month_range
from desktop.demo.households import household_statement
from desktop.demo.large_spec import LargeSpec
from desktop.demo.large_statement import paid_in_full
from desktop.demo.seed import seed_statement
from desktop.demo.sink import COLUMNS, Sink
from desktop.errors import UserError
from desktop.months import add_months
from desktop.settings import DebtSettings, Settings
from tests.desktop.test_accounts import CLERK

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
NOVEMBER = date(2026, 11, 1)
SPEC = LargeSpec(accounts=60, months=30, seed=7)


@pytest.fixture
def now() -> FixedClock:
    return FixedClock(NOW)


def table_counts(db: Database) -> dict[str, int]:
    with db.read() as s:
        return {
            model.__tablename__: s.scalar(select(func.count()).select_from(model)) or 0
            for model in (Account, Period, Reading, StatementRow, Receipt, SupportRequest)
        }


def test_it_makes_the_accounts_asked_for_and_says_what_it_made(database: Database, now):
    summary = build_demo(database, now, large=SPEC)
    counts = table_counts(database)
    assert summary.accounts == counts["account"] == 60
    assert (summary.periods, summary.readings) == (counts["period"], counts["reading"])
    assert (summary.statement_rows, summary.receipts) == (
        counts["statement_row"],
        counts["receipt"],
    )
    assert summary.support_requests == counts["support_request"]
    assert "у каждого десятого из 54 созданных счетов — 30 мес., у остальных — 12 мес." in (
        summary.describe()
    )


def test_the_planner_has_statistics_of_what_was_loaded(database: Database, now):
    """Without them PostgreSQL plans the big tables blind (the search's rows: 350 ms instead
    of 2 on 100 000 accounts) until autovacuum comes by; SQLite has none unless told."""
    build_demo(database, now, large=SPEC)
    with database.read() as s:
        if database.is_sqlite:
            stats = "SELECT DISTINCT tbl FROM sqlite_stat1"
        else:
            stats = "SELECT DISTINCT tablename FROM pg_stats WHERE schemaname = 'public'"
        tables = set(s.scalars(text(stats)))
    assert {"account", "period", "reading", "statement_row", "receipt"} <= tables


def test_statements_add_up_month_after_month_and_histories_are_12_or_m_months(
    database: Database, now
):
    build_demo(database, now, large=SPEC)
    with database.read() as s:
        rows = s.execute(
            select(StatementRow.account_id, StatementRow.service_id, StatementRow.month,
                   StatementRow.opening, StatementRow.charged, StatementRow.paid,
                   StatementRow.recalculation, StatementRow.closing)
            .join(Account, Account.id == StatementRow.account_id)
            .where(Account.number.not_in(DEMO_ACCOUNTS))
            .order_by(StatementRow.month)
        ).all()  # fmt: skip
        receipts = {
            account_id: count
            for account_id, count in s.execute(
                select(Receipt.account_id, func.count()).group_by(Receipt.account_id)
            )
        }
    history: dict[tuple[int, int], list] = defaultdict(list)
    for row in rows:
        assert row.closing == row.opening + row.charged - row.paid + row.recalculation
        history[(row.account_id, row.service_id)].append(row)
    months_of: dict[int, set[int]] = defaultdict(set)
    for (account_id, _service), series in history.items():
        for before, after in pairwise(series):
            assert after.month == add_months(before.month, 1)
            assert after.opening == before.closing
        assert series[-1].month == NOVEMBER
        months_of[account_id].add(len(series))
    lengths = Counter(next(iter(m)) for m in months_of.values())
    assert all(len(m) == 1 for m in months_of.values())  # every service over the same months
    assert set(lengths) <= {12, 30} and lengths[12] > lengths[30] > 0
    # a receipt for every closed month
    assert all(receipts[a] == next(iter(m)) - 1 for a, m in months_of.items())
    # somebody owes a penalty (the debtors), most owe nothing at all
    penalties = [r for r in rows if r.charged and r.service_id == _penalty_id(database)]
    assert penalties and len({r.account_id for r in penalties}) < len(months_of) / 4


def _penalty_id(database: Database) -> int:
    from db.models import Service

    with database.read() as s:
        return s.scalar(select(Service.id).where(Service.code == "penalty")) or 0


def test_meters_are_of_every_kind_and_readings_follow_on(database: Database, now):
    build_demo(database, now, large=LargeSpec(accounts=200, months=60, seed=3))
    with database.read() as s:
        meters = s.scalars(
            select(Meter).join(Account).where(Account.number.not_in(DEMO_ACCOUNTS))
        ).all()
        readings = s.execute(
            select(Reading.meter_id, Reading.zone, Reading.previous, Reading.current, Period.month)
            .join(Period)
            .order_by(Period.month)
        ).all()
    assert {m.kind for m in meters} == set(MeterKind)
    assert {m.zones for m in meters if m.kind is MeterKind.ELECTRICITY} == {1, 2, 3}
    retired = [m for m in meters if m.retired_on]
    assert retired and all(m.next_verification_on == m.retired_on for m in retired)
    assert all(m.next_verification_on and m.installed_on < m.next_verification_on for m in meters)
    series: dict[tuple[int, int], list] = defaultdict(list)
    for r in readings:
        assert r.current >= r.previous
        series[(r.meter_id, r.zone)].append(r)
    for one in series.values():
        for before, after in pairwise(one):
            if after.month == add_months(before.month, 1):
                assert after.previous == before.current
    by_id = {m.id: m for m in meters}
    for (meter_id, _zone), one in series.items():
        meter = by_id.get(meter_id)
        if meter is not None and meter.retired_on:
            assert one[-1].month <= meter.retired_on


def test_the_same_seed_makes_the_same_data_and_another_seed_other_data(
    sqlite_url: str, tmp_path: Path, now
):
    def built(seed: int, name: str) -> list[tuple]:
        db = Database(f"sqlite:///{tmp_path / name}")
        try:
            upgrade(db.engine)
            build_demo(db, now, large=LargeSpec(accounts=30, months=24, seed=seed))
            with db.read() as s:
                accounts = s.execute(
                    select(Account.number, Account.fio, Account.address, Account.area).order_by(
                        Account.number
                    )
                ).all()
                sums = s.execute(
                    select(func.sum(StatementRow.charged), func.sum(StatementRow.paid),
                           func.count(Reading.id.distinct()))
                    .select_from(StatementRow).join(Period, Period.account_id == StatementRow.account_id)
                    .join(Reading, Reading.period_id == Period.id)
                ).one()  # fmt: skip
            return [*map(tuple, accounts), tuple(sums)]
        finally:
            db.dispose()

    first = built(5, "a.db")
    assert built(5, "b.db") == first
    assert built(6, "c.db") != first


def test_generated_accounts_look_real_and_are_searchable(database: Database, now):
    build_demo(database, now, large=SPEC)
    with database.read() as s:
        accounts = s.scalars(select(Account).where(Account.number.not_in(DEMO_ACCOUNTS))).all()
        buildings = s.scalars(select(Building.address)).all()
        registered = s.scalar(select(func.count()).select_from(ResidentCredential))
    assert len({a.number for a in accounts}) == len(accounts) == 54
    for account in accounts:
        surname, initials = account.fio.split(" ")
        assert surname[0].isupper() and len(initials) == 4 and initials[1::2] == ".."
        assert account.address.startswith("Московская обл., г. ") and ", кв. " in account.address
        assert account.fio_norm == normalize(account.fio)
        assert account.address_norm == normalize(account.address)
        assert Decimal("28") <= account.area <= Decimal("95") and 1 <= account.residents <= 5
    assert len(set(buildings)) == len(buildings)
    assert registered and registered > 3


def test_the_seeds_account_keeps_its_figures(database: Database, now):
    build_demo(database, now, large=SPEC)
    with database.read() as s:
        rows = s.execute(
            select(StatementRow.month, StatementRow.opening, StatementRow.charged,
                   StatementRow.paid, StatementRow.recalculation, StatementRow.closing)
            .join(Account).where(Account.number == "3492")
            .order_by(StatementRow.month, StatementRow.service_id)
        ).all()  # fmt: skip
    expected = [
        (month, *amounts)
        for month, services in seed_statement().items()
        for amounts in services.values()
    ]
    assert [tuple(r) for r in rows] == expected


def test_the_services_read_a_generated_account(database: Database, now):
    build_demo(database, now, large=SPEC)
    services = build_services(database, Settings(), now)
    with database.read() as s:
        account_id = s.scalar(select(Account.id).where(Account.number == "10000001"))
    assert account_id is not None
    statement = services.statements.statement(CLERK, account_id)
    assert not statement.problems and statement.months[0].month == NOVEMBER
    found = services.accounts.search(CLERK, "10000001")
    assert [a.number for a in found] == ["10000001"]


def test_a_large_demo_is_rebuilt_with_reset_and_a_real_database_refused(database: Database, now):
    build_demo(database, now, large=SPEC)
    with pytest.raises(UserError, match="уже есть"):
        build_demo(database, now, large=SPEC)
    build_demo(database, now, reset=True, large=LargeSpec(accounts=20, months=24, seed=1))
    assert table_counts(database)["account"] == 20
    with database.unit_of_work() as s:
        company = s.scalar(select(Company))
        assert company is not None
        s.add(Account(number="777", fio="Настоящий Ж.Ж.", address="ул. Настоящая, 1",
                      area=Decimal("40.00"), residents=1))  # fmt: skip
    before = table_counts(database)
    with pytest.raises(UserError, match="лицевые счета «777»"):
        build_demo(database, now, reset=True, large=SPEC)
    assert table_counts(database) == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--accounts", "много"], "--accounts «много» указан неверно: нужно целое число от 6"),
        (["--accounts", "3"], "нужно целое число от 6 до 2000000"),
        (["--accounts", "1" + "0" * 30], "указан неверно: нужно целое число от 6 до 2000000"),
        (["--accounts", "100", "--months", "0"], "--months «0» указан неверно"),
        (["--accounts", "100", "--seed", "-1"], "--seed «-1» указан неверно"),
        (["--months", "24"], "действуют только вместе с --accounts"),
    ],
)
def test_bad_sizes_are_refused_before_anything_is_made(
    args: list[str], message: str, tmp_path: Path, capsys
):
    target = tmp_path / "demo.db"
    code = main(["demo", *args, "--database-url", f"sqlite:///{target}"])
    assert code != 0 and message in capsys.readouterr().err
    assert not target.exists()


# --- the fast statement is the households' own for an account that pays in full -----------


@settings(max_examples=40, deadline=None)
@given(
    area=st.integers(2800, 9500).map(lambda a: a - a % 10),
    residents=st.integers(1, 5),
    first=st.dates(date(2015, 1, 1), date(2026, 10, 1)).map(lambda d: d.replace(day=1)),
    data=st.data(),
)
def test_paying_in_full_is_the_households_statement_in_kopecks(
    area: int, residents: int, first: date, data: st.DataObject
) -> None:
    current = min(add_months(first, 14), NOVEMBER)
    usage = {
        month: {
            key: data.draw(st.integers(0, 400_000), label=f"{key} {month}")
            for key in ("cold", "hot", "t1", "t2")
        }
        for month in month_range(first, current)
    }
    h = Household("1", "И", 0, "1", Decimal(area) / 100, residents, None)
    decimal_usage = {m: {k: Decimal(v).scaleb(-3) for k, v in u.items()} for m, u in usage.items()}
    rules: PenaltyRules = DebtSettings()
    expected = [
        (month, {code: (tuple(int(a.scaleb(2)) for a in amounts),
                        None if volume is None else int(volume.scaleb(3)))
                 for code, (amounts, volume) in rows.items()})
        for month, rows in household_statement(h, first, current, decimal_usage, rules)
    ]  # fmt: skip
    assert list(paid_in_full(area, first, current, usage)) == expected
    assert all(rows["penalty"][0][1] == 0 for _month, rows in expected)
    assert list(expected[-1][1]) == list(SERVICE_CODES)


# --- the tables a seed makes, pinned ---------------------------------------------------------

# The sha256 of every row the large demo writes (``tables_digest``) for ``PINNED``, on either
# database. A change to the generator that alters what a seed makes changes it: then it must
# be a change of meaning on purpose, and this figure is updated with the reason in the commit.
PINNED = LargeSpec(accounts=120, months=40, seed=11)
PINNED_DIGEST = "3da368737e0474215fcd46a88e325c7e71eb87dff937dcd1640180cfa335e778"


def tables_digest(db: Database) -> str:
    """Every column the generator writes, of every row of its tables (the demo's own rows
    too), by id; the password hashes, salted anew each time, left out."""
    digest = hashlib.sha256()
    with db.read() as s:
        for name, columns in COLUMNS.items():
            table = Base.metadata.tables[name]
            query = select(*(table.c[c] for c in columns if c != "password_hash"))
            for row in s.execute(query.order_by(table.c.id)):
                digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


def test_a_seed_makes_the_pinned_tables_on_either_database(database: Database, now):
    build_demo(database, now, large=PINNED)
    assert tables_digest(database) == PINNED_DIGEST


def test_a_row_the_database_refuses_stops_the_load_with_its_error(database: Database):
    """On PostgreSQL the rows go through COPY on a thread of their own: its error reaches the
    caller, and the thread ends."""
    with (
        pytest.raises((sqlite3.IntegrityError, psycopg.IntegrityError), match="company_id"),
        database.engine.begin() as conn,
    ):
        sink = Sink(conn)
        try:
            sink.add("building", (1, None, "ул. Без управляющей компании, д. 1"))  # NOT NULL
            sink.flush()
        finally:
            sink.close()
    assert not [t for t in threading.enumerate() if t.name == "demo-copy"]
