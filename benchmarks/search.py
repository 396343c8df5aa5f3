"""How fast the office finds an account as it types: AccountService.search per keystroke,
on SQLite and PostgreSQL, beside its floor.

Builds the large demo (``demo --accounts N --months M``, ``desktop.demo.large``) in a
temporary SQLite file and, if the server answers, in a temporary PostgreSQL database (the
server's collation, or ``--pg-icu-locale ru``), dropped afterwards. Then types each query
one keystroke at a time («и», «ив», … «иванов и») and times the whole search for each: the
page of 50 rows with their debt and last reading, and the count. The floor: the bare driver
(sqlite3 / psycopg) running, in one transaction, the search's own index statements for the
same keystroke (captured from it: what reads the page's ids and the count, not the rows'
details). Medians, the spread (the slowest keystroke's median), never assertions; the
machine is shared, so figures are noisy.

    .venv/bin/python benchmarks/search.py [--accounts 100000] [--months 12] [--repeat 7]
        [--no-postgres] [--pg-icu-locale ru] [--explain]
        [--sqlite FILE] [--pg-url URL]   (an already built large demo: no build)
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import psycopg
from scratch_pg import scratch_database  # benchmarks/ is on sys.path when run
from sqlalchemy import Engine, event, select
from sqlalchemy.engine import make_url

from db.engine import Database
from db.migrate import upgrade
from db.models import Account, Meter, StaffRole
from desktop.accounts import AccountService
from desktop.actors import Actor
from desktop.clock import FixedClock
from desktop.demo import build_demo
from desktop.demo.large_spec import LargeSpec
from desktop.settings import Settings

PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
CLOCK = FixedClock(datetime(2026, 11, 20, 10, 0, tzinfo=UTC))
CLERK = Actor.staff(1, "bench", StaffRole.CLERK)
QUERIES = ["иванов и", "ленина 12", "12 ленина", "енин", "смирнова а", "1", "и", "щ"]


def _samples(db: Database) -> list[str]:
    """The fixed queries, and a real account number and meter serial of the database."""
    with db.read() as s:
        count = s.scalar(select(Account.id).order_by(Account.id.desc()).limit(1)) or 1
        number = s.scalar(select(Account.number).where(Account.id == count // 2 + 1))
        serial = s.scalar(select(Meter.serial).where(Meter.id == count + 1))
    return [*QUERIES, number or "3492", f"№ {serial or '1'}"]


class Floor:
    """The bare driver on its own connection, running a captured statement."""

    def __init__(self, db: Database) -> None:
        self.postgres = not db.is_sqlite
        if db.is_sqlite:
            self.conn: Any = sqlite3.connect(str(db.url.database))
        else:
            dsn = make_url(db.url).set(drivername="postgresql")
            self.conn = psycopg.connect(dsn.render_as_string(hide_password=False), autocommit=True)

    def run(self, statements: list[tuple[str, Any]]) -> None:
        cursor = self.conn.cursor()
        if self.postgres:
            cursor.execute("BEGIN")
        for statement, parameters in statements:
            cursor.execute(statement, parameters)
            if cursor.description is not None:
                cursor.fetchall()
        if self.postgres:
            cursor.execute("ROLLBACK")
        cursor.close()

    def close(self) -> None:
        self.conn.close()


def _timed(call: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def measure(name: str, db: Database, repeat: int, explain: bool) -> None:
    service = AccountService(db, CLOCK, Settings())
    floor = Floor(db)
    captured: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        captured.append((statement, parameters))

    service.search(CLERK, "и")  # warm the pool and the caches
    print(
        f"  {'query, typed key by key':<26}{'keys':>5}{'median':>9}{'slowest':>9}"
        f"{'floor':>8}{'×floor':>8}  {'found':>7}  statements"
    )
    for query in _samples(db):
        medians, floors, statements = [], [], []
        slowest = ("", 0.0)
        result = None
        for k in range(1, len(query) + 1):
            typed = query[:k]
            if not typed.strip():
                continue
            captured.clear()
            event.listen(Engine, "before_cursor_execute", capture)
            result = service.search(CLERK, typed)
            event.remove(Engine, "before_cursor_execute", capture)
            selects = [c for c in captured if c[0].lstrip().upper().startswith(("SELECT", "WITH"))]
            statements.append(len(selects))
            median = _timed(partial(service.search, CLERK, typed), repeat)
            medians.append(median)
            if median > slowest[1]:
                slowest = (typed, median)
            # The index statements: all but the transaction's and the rows' details.
            index = [
                c
                for c in captured
                if c[0].split(None, 1)[0].upper() not in ("BEGIN", "ROLLBACK", "COMMIT")
                and "account_summary" not in c[0]  # the page's rows (desktop.account_rows)
                and "coalesce(sum" not in c[0]  # the same, before account_summary (0017)
            ]
            if index:
                floors.append(_timed(partial(floor.run, index), repeat))
                if explain and k == len(query):
                    for statement in index:
                        if statement[0].lstrip().upper().startswith(("SELECT", "WITH")):
                            _explain(db, floor, *statement)
        app, bare = statistics.median(medians), statistics.median(floors)
        found = "-" if result is None else f"{result.total}{'+' if result.more else ''}"
        print(
            f"  {name} «{query}»".ljust(28)
            + f"{len(medians):>3}{app:>8.2f}{slowest[1]:>9.2f}{bare:>8.2f}"
            f"{app / bare:>7.1f}×  {found:>7}  {min(statements)}–{max(statements)}"
            f"   slowest at «{slowest[0]}»"
        )
    floor.close()


def _explain(db: Database, floor: Floor, statement: str, parameters: Any) -> None:
    prefix = "EXPLAIN QUERY PLAN " if db.is_sqlite else "EXPLAIN ANALYZE "
    cursor = floor.conn.cursor()
    cursor.execute(prefix + statement, parameters)
    for row in cursor.fetchall():
        print(f"      {row[-1] if db.is_sqlite else row[0]}")
    cursor.close()


def run(name: str, url: str, spec: LargeSpec | None, repeat: int, explain: bool) -> None:
    """Build the large demo at ``url`` (``spec``), or use the one there (None), and measure."""
    db = Database(url)
    try:
        upgrade(db.engine)
        if spec is None:
            print(f"\n{name}: the database given, {_accounts(db)} accounts")
        else:
            started = time.perf_counter()
            build_demo(db, CLOCK, large=spec)
            print(f"\n{name}: demo --accounts {spec.accounts} --months {spec.months}, built in "
                  f"{time.perf_counter() - started:.0f} s")  # fmt: skip
        measure(name, db, repeat, explain)
    finally:
        db.dispose()


def _accounts(db: Database) -> int:
    with db.read() as s:
        return len(s.scalars(select(Account.id)).all())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--months", type=int, default=12, help="the long histories' months")
    parser.add_argument("--repeat", type=int, default=7, help="runs of each keystroke")
    parser.add_argument("--explain", action="store_true", help="each query's page plan")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--pg-server", default=PG_SERVER)
    parser.add_argument(
        "--pg-icu-locale", metavar="LOCALE", help="the PostgreSQL database's ICU collation (ru)"
    )
    parser.add_argument("--sqlite", metavar="FILE", help="measure this built database instead")
    parser.add_argument("--pg-url", metavar="URL", help="measure this built database instead")
    args = parser.parse_args(argv)
    spec = LargeSpec(args.accounts, args.months, seed=1)
    if args.sqlite:
        run("SQLite", f"sqlite:///{args.sqlite}", None, args.repeat, args.explain)
    else:
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite:///{Path(folder) / 'bench.db'}"
            run("SQLite", url, spec, args.repeat, args.explain)
    if args.pg_url:
        run("PostgreSQL", args.pg_url, None, args.repeat, args.explain)
    elif not args.no_postgres:
        with scratch_database(args.pg_server, icu_locale=args.pg_icu_locale) as pg:
            if pg is not None:
                name = "PostgreSQL" + (f" ({args.pg_icu_locale})" if args.pg_icu_locale else "")
                run(name, pg, spec, args.repeat, args.explain)
    return 0


if __name__ == "__main__":
    sys.exit(main())
