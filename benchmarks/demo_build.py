"""How fast ``demo --accounts N`` builds, beside its floor: the same number of statement-like
rows written by the bare driver (sqlite3 ``executemany`` / psycopg ``COPY``) into one table
with the same keys, in the same run. Rows per second and the process's peak memory.

    .venv/bin/python benchmarks/demo_build.py [--accounts 5000] [--months 120] [--no-postgres]

Figures only, never assertions.
"""

from __future__ import annotations

import argparse
import resource
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from scratch_pg import scratch_database  # benchmarks/ is on sys.path when run
from sqlalchemy.engine import make_url

from db.engine import Database
from db.migrate import upgrade
from desktop.clock import FixedClock
from desktop.demo import build_demo
from desktop.demo.large_spec import LargeSpec

PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
CLOCK = FixedClock(datetime(2026, 11, 20, 10, 0, tzinfo=UTC))
_TABLE = (
    "CREATE TABLE s (id BIGINT PRIMARY KEY, account_id BIGINT NOT NULL, month DATE NOT NULL, "
    "service_id INT NOT NULL, o BIGINT, c BIGINT, p BIGINT, r BIGINT, cl BIGINT, v BIGINT, "
    "UNIQUE (account_id, month, service_id))"
)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build(url: str, spec: LargeSpec) -> tuple[int, float, float]:
    """Rows written, seconds, and seconds of this process's CPU."""
    db = Database(url)
    try:
        upgrade(db.engine)
        started, cpu = time.perf_counter(), time.process_time()
        summary = build_demo(db, CLOCK, large=spec)
        return summary.rows, time.perf_counter() - started, time.process_time() - cpu
    finally:
        db.dispose()


def _batches(count: int) -> Iterator[list[tuple[object, ...]]]:
    """``count`` statement-like rows in batches of 20 000, made one batch at a time."""
    for start in range(0, count, 20_000):
        yield [
            (i, 1 + i // 1800, f"{2010 + (i // 15) % 120 // 12}-{1 + (i // 15) % 12:02d}-01",
             1 + i % 15, 100, 200, 300, 0, 400, None)
            for i in range(start, min(start + 20_000, count))
        ]  # fmt: skip


def floor_sqlite(path: Path, count: int) -> float:
    """Seconds to insert ``count`` rows with bare ``executemany`` (making them not counted)."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute(_TABLE)
    conn.execute("BEGIN")
    seconds = 0.0
    for rows in _batches(count):
        started = time.perf_counter()
        conn.executemany("INSERT INTO s VALUES (?,?,?,?,?,?,?,?,?,?)", rows)
        seconds += time.perf_counter() - started
    started = time.perf_counter()
    conn.execute("COMMIT")
    conn.close()
    return seconds + time.perf_counter() - started


def floor_postgres(url: str, count: int) -> float:
    """Seconds to ``COPY`` ``count`` rows with bare psycopg (making them not counted)."""
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn) as conn:
        conn.execute(_TABLE)
        seconds = 0.0
        with conn.cursor() as cursor:
            for rows in _batches(count):
                started = time.perf_counter()
                with cursor.copy("COPY s FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                seconds += time.perf_counter() - started
        started = time.perf_counter()
        conn.commit()
        return seconds + time.perf_counter() - started


def report(backend: str, rows: int, seconds: float, cpu: float, floor: float) -> None:
    print(
        f"{backend:<10} {rows:>11,} rows  {seconds:7.1f} s  {rows / seconds:>9,.0f} rows/s   "
        f"floor {rows / floor:>9,.0f} rows/s  (×{seconds / floor:.1f})   "
        f"this process's CPU {cpu:.1f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=5000)
    parser.add_argument("--months", type=int, default=120)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    spec = LargeSpec(args.accounts, args.months, seed=1)
    print(f"demo --accounts {args.accounts} --months {args.months}")
    with tempfile.TemporaryDirectory() as folder:
        rows, seconds, cpu = build(f"sqlite:///{folder}/demo.db", spec)
        report("SQLite", rows, seconds, cpu, floor_sqlite(Path(folder) / "floor.db", rows))
    if not args.no_postgres:
        with scratch_database(PG_SERVER) as url:
            if url:
                rows, seconds, cpu = build(url, spec)
                with scratch_database(PG_SERVER) as floor_url:
                    assert floor_url
                    report("PostgreSQL", rows, seconds, cpu, floor_postgres(floor_url, rows))
    print(f"peak memory of this process: {peak_mb():.0f} MB")


if __name__ == "__main__":
    main()
