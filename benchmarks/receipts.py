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
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import create_engine, insert, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import selectinload

from db.engine import Database
from db.migrate import upgrade
from db.models import (
    Account,
    Building,
    Company,
    Meter,
    Period,
    Premises,
    Reading,
    Receipt,
    StatementRow,
)
from desktop.actors import Actor
from desktop.clock import FixedClock
from desktop.demo import build_demo
from desktop.documents.service import DocumentService
from desktop.settings import Settings
from desktop.text import normalize

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


def clone(db: Database, count: int) -> None:
    """``count`` new accounts in a new building, each a copy of account 3492's May 2017."""
    with db.unit_of_work() as s:
        original = s.scalar(select(Account).where(Account.number == "3492"))
        assert original is not None
        building = Building(
            company_id=s.scalar(select(Company.id)), address="г. Тест, ул. Тестовая, д. 1"
        )
        s.add(building)
        s.flush()
        meters = list(s.scalars(select(Meter).where(Meter.account_id == original.id)))
        rows = list(
            s.scalars(
                select(StatementRow).where(
                    StatementRow.account_id == original.id, StatementRow.month == MONTH
                )
            )
        )
        period = s.scalar(
            select(Period)
            .where(Period.account_id == original.id, Period.month == MONTH)
            .options(selectinload(Period.readings))
        )
        receipt = s.scalar(
            select(Receipt).where(Receipt.account_id == original.id, Receipt.month == MONTH)
        )
        assert period is not None and receipt is not None
        accounts = []
        for flat in range(1, count + 1):
            address = f"{building.address}, кв. {flat}"
            accounts.append(
                Account(
                    number=str(100000 + flat), fio=original.fio, fio_norm=original.fio_norm,
                    address=address, address_norm=normalize(address), area=original.area,
                    residents=original.residents,
                    premises=Premises(
                        building_id=building.id, number=str(flat), area=original.area
                    ),
                )
            )  # fmt: skip
        s.add_all(accounts)
        s.flush()
        copies = {
            (a.id, m.id): Meter(
                account_id=a.id, kind=m.kind, title=m.title, serial=m.serial, unit=m.unit,
                zones=m.zones, digits=m.digits, installed_on=m.installed_on,
                next_verification_on=m.next_verification_on, retired_on=m.retired_on,
                display_order=m.display_order,
            )
            for a in accounts
            for m in meters
        }  # fmt: skip
        periods = {
            a.id: Period(
                account_id=a.id,
                month=MONTH,
                changed_at=period.changed_at,
                accepted_at=period.accepted_at,
            )
            for a in accounts
        }
        s.add_all([*copies.values(), *periods.values()])
        s.flush()
        fields = ("service_id", "opening", "charged", "paid", "recalculation", "closing", "volume")
        s.execute(
            insert(StatementRow),
            [
                {"account_id": a.id, "month": MONTH} | {f: getattr(r, f) for f in fields}
                for a in accounts
                for r in rows
            ],
        )
        s.execute(
            insert(Reading),
            [
                {"period_id": periods[a.id].id, "meter_id": copies[(a.id, r.meter_id)].id,
                 "zone": r.zone, "previous": r.previous, "current": r.current, "note": r.note}
                for a in accounts
                for r in period.readings
            ],
        )  # fmt: skip
        s.execute(
            insert(Receipt),
            [
                {"account_id": a.id, "number": f"{a.number}-201705", "issued_on": receipt.issued_on,
                 "month": MONTH, "description": receipt.description, "total": receipt.total}
                for a in accounts
            ],
        )  # fmt: skip


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
    clone(db, count - 6)  # the demo's six accounts are charged for May 2017 too
    print(f"\n{label}: demo + {count - 6} copies built in {time.perf_counter() - started:.1f} s")
    service = DocumentService(db, CLOCK, Settings())
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
            result = service.write_receipts(STAFF, MONTH, out, progress=sample)
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


@contextmanager
def postgres(server: str) -> Iterator[str | None]:
    admin = create_engine(
        f"{server}/postgres", isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3}
    )
    name = f"cabinet_bench_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as error:
        print(f"\nPostgreSQL at {server} is unreachable, skipped: {error.orig}")
        admin.dispose()
        yield None
        return
    try:
        yield f"{server}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


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
        with postgres(args.pg_server) as url:
            if url:
                measure(url, "PostgreSQL", args.batch, args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
