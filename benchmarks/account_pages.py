"""How fast an account's pages get their data, for an account with ten years of history,
beside the floor: the same rows read by the bare driver and turned into ``Decimal``.

Builds ``demo --accounts N --months 120`` in a temporary SQLite file and, if the server
answers, a scratch PostgreSQL database; takes the generated account with the longest
history; prints the median (and the spread) of the statement's and the debt's data.

    .venv/bin/python benchmarks/account_pages.py [--accounts 1000] [--runs 30] [--no-postgres]

Figures only, never assertions.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal

from scratch_pg import scratch_database  # benchmarks/ is on sys.path when run
from sqlalchemy import func, select, text

from db.engine import Database
from db.migrate import upgrade
from db.models import StaffRole, StatementRow
from desktop.actors import Actor
from desktop.clock import FixedClock
from desktop.demo import build_demo
from desktop.demo.large_spec import LargeSpec
from desktop.settings import Settings
from desktop.statement import StatementService

PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
CLOCK = FixedClock(datetime(2026, 11, 20, 10, 0, tzinfo=UTC))
CLERK = Actor.staff(1, "bench", StaffRole.CLERK)
_ROWS = (
    "SELECT month, service_id, opening, charged, paid, recalculation, closing "
    "FROM statement_row WHERE account_id = {id}"
)


def timed(work: Callable[[], object], runs: int) -> tuple[float, float, float]:
    """Median, fastest and slowest of ``runs`` calls, in milliseconds (after one warm-up)."""
    work()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), min(times), max(times)


def floor(db: Database, account_id: int) -> Callable[[], object]:
    """The bare driver: the account's rows, each amount turned into Decimal once."""
    sql = _ROWS.format(id=int(account_id))

    def read() -> object:
        raw = db.engine.raw_connection()
        try:
            cursor = raw.cursor()
            cursor.execute(sql)
            return [
                (m, s, *(Decimal(v).scaleb(-2) for v in values))
                for m, s, *values in cursor.fetchall()
            ]
        finally:
            raw.close()

    return read


def measure(url: str, spec: LargeSpec, runs: int, backend: str) -> None:
    db = Database(url)
    try:
        upgrade(db.engine)
        build_demo(db, CLOCK, large=spec)
        with db.read() as s:
            account_id, count = s.execute(
                select(StatementRow.account_id, func.count())
                .group_by(StatementRow.account_id)
                .order_by(func.count().desc())
                .limit(1)
            ).one()
            s.execute(text("SELECT 1"))
        service = StatementService(db, CLOCK, Settings())
        bare = timed(floor(db, account_id), runs)
        for name, work in (
            ("statement data", lambda: service.statement(CLERK, account_id)),
            ("debt data", lambda: service.debt(CLERK, account_id)),
        ):
            median, fastest, slowest = timed(work, runs)
            print(
                f"{backend:<10} {name:<15} {median:7.2f} ms  ({fastest:.2f}–{slowest:.2f})   "
                f"floor {bare[0]:6.2f} ms   ×{median / bare[0]:.1f}   [{count} rows]"
            )
    finally:
        db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    spec = LargeSpec(args.accounts, 120, seed=1)
    with tempfile.TemporaryDirectory() as folder:
        measure(f"sqlite:///{folder}/pages.db", spec, args.runs, "SQLite")
    if not args.no_postgres:
        with scratch_database(PG_SERVER) as url:
            if url:
                measure(url, spec, args.runs, "PostgreSQL")


if __name__ == "__main__":
    main()
