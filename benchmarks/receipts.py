"""Receipts: the time per receipt, a batch of 1 000 receipts into one PDF, and peak memory —
against the floor, a bare reportlab page with a payment QR code drawn as one path.

Builds the demo database (clock at 20 June 2017, so every demo account has May 2017) in a
temporary SQLite file — and, with ``--postgres``, in a temporary PostgreSQL database that is
dropped afterwards — then copies the seed account's May 2017 (statement, meters, readings,
receipt) to new accounts until there are ``--batch`` of them. Prints figures, asserts nothing.

    .venv/bin/python benchmarks/receipts.py [--batch 1000] [--repeat 15] [--postgres]
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

from scratch_pg import scratch_database  # benchmarks/ is on sys.path when run
from sqlalchemy import select

from db.engine import Database
from db.migrate import upgrade
from db.models import (
    Account,
)
from desktop.actors import Actor
from desktop.app import build_services
from desktop.clock import FixedClock
from desktop.common.tasks import TaskState
from desktop.demo import build_demo, clone_accounts
from desktop.settings import Settings

PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
MONTH = date(2017, 5, 1)
CLOCK = FixedClock(datetime(2017, 6, 20, 9, tzinfo=UTC))
STAFF = Actor("system", "benchmark")


def median_ms(action: Callable[[], object], repeat: int) -> float:
    action()  # warm: imports, fonts, caches
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def rss_mb() -> float:
    """The process's resident memory now (Linux), in MB."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def floor_page_ms(repeat: int, payload: str) -> float:
    """A receipt-like A4 page with bare reportlab: 120 strings in a built-in font and the
    payment QR code encoded once and drawn as one path of runs through reportlab's path API
    — the measure PERFORMANCE.md's floor describes."""
    import segno
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen.canvas import Canvas

    def page() -> None:
        canvas = Canvas(io.BytesIO(), pagesize=A4, pageCompression=1)
        canvas.setFont("Helvetica", 8)
        for row in range(120):
            canvas.drawString(40 + (row % 4) * 130, 800 - (row // 4) * 24, f"Line {row}: 5955.86")
        matrix = segno.make_qr(payload, error="M", boost_error=False, encoding="utf-8").matrix
        path = canvas.beginPath()
        for y, modules in enumerate(matrix):
            start = -1
            for x, dark in enumerate([*modules, 0]):  # runs of dark modules, row by row
                if dark and start < 0:
                    start = x
                elif not dark and start >= 0:
                    path.rect(400 + start * 1.2, 700 - y * 1.2, (x - start) * 1.2, 1.2)
                    start = -1
        canvas.drawPath(path, stroke=0, fill=1)
        canvas.showPage()
        canvas.save()

    return median_ms(page, repeat)


def measure(url: str, label: str, count: int, repeat: int) -> None:
    db = Database(url)
    upgrade(db.engine)
    started = time.perf_counter()
    build_demo(db, CLOCK)
    clone_accounts(
        db, count - 6, month=MONTH
    )  # the demo's six accounts are charged for May 2017 too
    print(f"\n{label}: demo + {count - 6} copies built in {time.perf_counter() - started:.1f} s")
    service = build_services(db, Settings(), CLOCK).documents
    with db.read() as s:
        seed = s.scalar(select(Account.id).where(Account.number == "3492"))
    assert seed is not None
    data = service.receipt(STAFF, seed, MONTH)
    assert data.qr_payload is not None

    from desktop.documents.receipt import render_receipt

    load = median_ms(lambda: service.receipt(STAFF, seed, MONTH), repeat)
    render = median_ms(lambda: render_receipt(data, io.BytesIO()), repeat)
    whole = median_ms(lambda: service.receipt_pdf(STAFF, seed, MONTH), repeat)
    floor = floor_page_ms(repeat, data.qr_payload)
    print(f"  one receipt, data (one read transaction):  {load:7.1f} ms")
    print(f"  one receipt, PDF page from the data:       {render:7.1f} ms")
    print(f"  one receipt, all of it (read, PDF, audit): {whole:7.1f} ms")
    print(
        f"  floor: bare reportlab page + QR as a path: {floor:7.1f} ms   ratio {render / floor:.2f}"
    )

    before = rss_mb()
    highest = [before]

    def sample(done: int, total: int) -> None:
        if done % 20 == 0 or done == total:
            highest.append(rss_mb())

    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "batch.pdf"
        start = time.perf_counter()
        with open(target, "wb") as out:
            result = service.write_receipts(STAFF, MONTH, out, state=TaskState(sample))
        elapsed = time.perf_counter() - start
        size = target.stat().st_size
    print(
        f"  batch of {result.printed} receipts into one PDF: {elapsed:.1f} s, "
        f"{elapsed / result.printed * 1000:.1f} ms a page, {size / 2**20:.1f} MB"
    )
    print(
        f"  memory: resident {before:.0f} MB before the batch, at most {max(highest):.0f} MB "
        f"during it (sampled every 20 pages); the whole process's peak, building the "
        f"database included, {peak_rss_mb():.0f} MB"
    )
    db.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=1000, help="receipts in the batch (≥ 6)")
    parser.add_argument("--repeat", type=int, default=15, help="runs of each single measurement")
    parser.add_argument("--postgres", action="store_true", help="also on PostgreSQL")
    parser.add_argument("--pg-server", default=PG_SERVER)
    args = parser.parse_args(argv)
    print(f"Python {sys.version.split()[0]}; batch of {args.batch}; medians of {args.repeat} runs")
    with tempfile.TemporaryDirectory() as folder:
        measure(
            f"sqlite:///{Path(folder, 'bench.db').as_posix()}", "SQLite", args.batch, args.repeat
        )
    if args.postgres:
        with scratch_database(args.pg_server) as url:
            if url:
                measure(url, "PostgreSQL", args.batch, args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
