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
    work()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append((time.perf_counter() - started) * 1000)
    return timing(times)


@dataclass(frozen=True)
class LargeAccount:
    backend: str  # «SQLite» or «PostgreSQL», the first word of each printed line
    db: Database
    account_id: int  # the account with the most statement rows
    rows: int  # its statement rows


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
    years); the account with the longest statement."""
    db = Database(url)
    try:
        upgrade(db.engine)
        build_demo(db, CLOCK, large=LargeSpec(accounts, 120, seed=1))
        with db.read() as s:
            account_id, count = s.execute(
                select(StatementRow.account_id, func.count())
                .group_by(StatementRow.account_id)
                .order_by(func.count().desc(), StatementRow.account_id)
                .limit(1)
            ).one()
        yield LargeAccount(backend, db, account_id, count)
    finally:
        db.dispose()


def line(backend: str, name: str, took: Timing, floor: Timing | None, note: str = "") -> str:
    """One printed figure: «SQLite statement data  12.00 ms (…) floor 3.00 ms ×4.0 [note]»."""
    text = f"{backend:<10} {name:<22} {took}"
    if floor is not None:
        text += f"   floor {floor.median:7.2f} ms   ×{took.median / floor.median:.1f}"
    return text + (f"   [{note}]" if note else "")
