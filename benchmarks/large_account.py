"""What the account benchmarks share: a large demo database on each backend, its account with
the longest history, a clerk to act as, and a timer that prints medians with their spread."""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from scratch_pg import scratch_database  # benchmarks/ is on sys.path when run
from sqlalchemy import func, select

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
CLOCK = FixedClock(datetime(2026, 11, 20, 10, 0, tzinfo=UTC))  # inside the reading window
CLERK = Actor.staff(1, "bench", StaffRole.CLERK)


@dataclass(frozen=True)
class Timing:
    """Milliseconds: the median, the fastest and the slowest run."""

    median: float
    fastest: float
    slowest: float

    def __str__(self) -> str:
        return f"{self.median:7.2f} ms  ({self.fastest:.2f}–{self.slowest:.2f})"


def timing(times: list[float]) -> Timing:
    return Timing(statistics.median(times), min(times), max(times))


def timed(work: Callable[[], object], runs: int) -> Timing:
    """``runs`` calls of ``work`` after one warm-up, in milliseconds."""
    return side_by_side(work, runs=runs)[0]


def side_by_side(*works: Callable[[], object], runs: int) -> list[Timing]:
    """Each work called ``runs`` times after a warm-up, interleaved (one call of each in
    turn), so that what else the machine does at a moment weighs on all of them alike."""
    for work in works:
        work()
    times: list[list[float]] = [[] for _ in works]
    for _ in range(runs):
        for work, spent in zip(works, times, strict=True):
            started = time.perf_counter()
            work()
            spent.append((time.perf_counter() - started) * 1000)
    return [timing(spent) for spent in times]


@dataclass(frozen=True)
class LargeAccount:
    backend: str  # «SQLite» or «PostgreSQL», the first word of each printed line
    db: Database
    account_id: int  # of those with the most statement rows, the first in arrears
    rows: int  # its statement rows
    in_arrears: bool


def backends(postgres: bool) -> Iterator[tuple[str, str]]:
    """(backend, URL) of a temporary SQLite file and, if asked for and the server answers,
    a scratch PostgreSQL database; each is removed when the caller moves on."""
    with tempfile.TemporaryDirectory() as folder:
        yield "SQLite", f"sqlite:///{folder}/bench.db"
    if postgres:
        with scratch_database(PG_SERVER) as url:
            if url:
                yield "PostgreSQL", url


@contextmanager
def large_account(backend: str, url: str, accounts: int) -> Iterator[LargeAccount]:
    """``demo --accounts N --months 120`` built at ``url`` (a tenth of the accounts with ten
    years); of the accounts with the longest statement (of the first 50), the first with
    arrears (the debt page then has tables to show), else the first."""
    db = Database(url)
    try:
        upgrade(db.engine)
        build_demo(db, CLOCK, large=LargeSpec(accounts, 120, seed=1))
        with db.read() as s:
            longest = s.execute(
                select(StatementRow.account_id, func.count())
                .group_by(StatementRow.account_id)
                .order_by(func.count().desc(), StatementRow.account_id)
                .limit(50)
            ).all()
        statements = StatementService(db, CLOCK, Settings())
        count = longest[0][1]
        candidates = [account_id for account_id, rows in longest if rows == count]
        in_arrears = [a for a in candidates if statements.debt(CLERK, a).has_debt]
        account_id = (in_arrears or candidates)[0]
        yield LargeAccount(backend, db, account_id, count, bool(in_arrears))
    finally:
        db.dispose()


def line(backend: str, name: str, took: Timing, floor: Timing | None, note: str = "") -> str:
    """One printed figure: «SQLite statement data  12.00 ms (…) floor 3.00 ms ×4.0 [note]»."""
    text = f"{backend:<10} {name:<22} {took}"
    if floor is not None:
        text += f"   floor {floor.median:7.2f} ms   ×{took.median / floor.median:.1f}"
    return text + (f"   [{note}]" if note else "")


def run_main(doc: str, measure: Callable[[LargeAccount, int], None], *, runs: int = 30) -> None:
    """The command line of a benchmark over one large account: build it on each database
    (``--accounts``, ``--no-postgres``) and ``measure`` it ``--runs`` times."""
    import argparse

    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=runs)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    for backend, url in backends(not args.no_postgres):
        with large_account(backend, url, args.accounts) as large:
            measure(large, args.runs)
