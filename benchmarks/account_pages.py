"""How fast an account's pages get their data, for an account with ten years of history,
beside the floor: the same rows read by the bare driver, amounts turned into ``Decimal``.

Builds ``demo --accounts N --months 120`` in a temporary SQLite file and, if the server
answers, a scratch PostgreSQL database; takes the generated account with the longest
history (the first such in arrears); prints the median (and the spread) of each page's
data — the statement, the debt, the readings (the periods and the newest period's rows, as
the page loads them in one job) and the receipts — each beside its floor, the two measured
in turn.

    .venv/bin/python benchmarks/account_pages.py [--accounts 1000] [--runs 30] [--no-postgres]

Figures only, never assertions.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from large_account import CLERK, CLOCK, LargeAccount, line, run_main, side_by_side

from db.engine import Database
from desktop.readings import ReadingService
from desktop.receipts import ReceiptService
from desktop.settings import Settings
from desktop.statement import StatementService

STATEMENT_SQL = (
    "SELECT month, service_id, opening, charged, paid, recalculation, closing "
    "FROM statement_row WHERE account_id = {id}"
)
PERIODS_SQL = (
    "SELECT id, month, changed_at, accepted_at, version FROM period "
    "WHERE account_id = {id} ORDER BY month DESC"
)
READINGS_SQL = (
    "SELECT r.meter_id, r.zone, m.title, m.serial, m.retired_on, m.unit, r.previous, "
    "r.current, r.channel, r.entered_by, r.entered_at, r.confirmation "
    "FROM reading r JOIN meter m ON m.id = r.meter_id WHERE r.period_id = {id} "
    "ORDER BY m.display_order, m.id, r.zone"
)
RECEIPTS_SQL = (
    "SELECT id, number, issued_on, description, month, total FROM receipt "
    "WHERE account_id = {id} ORDER BY month DESC, issued_on DESC"
)


def bare(db: Database, read: Callable[[Any], object]) -> Callable[[], object]:
    """``read(cursor)`` on a pooled DBAPI connection: the driver with nothing around it."""

    def work() -> object:
        raw = db.engine.raw_connection()
        try:
            return read(raw.cursor())
        finally:
            raw.close()

    return work


def statement_floor(account_id: int) -> Callable[[Any], object]:
    def read(cursor: Any) -> object:
        cursor.execute(STATEMENT_SQL.format(id=int(account_id)))
        return [
            (m, s, *(Decimal(v).scaleb(-2) for v in values)) for m, s, *values in cursor.fetchall()
        ]

    return read


def thousandths(value: int) -> Decimal:
    return Decimal(value).scaleb(-3)


def readings_floor(account_id: int) -> Callable[[Any], object]:
    def read(cursor: Any) -> object:
        cursor.execute(PERIODS_SQL.format(id=int(account_id)))
        periods = cursor.fetchall()
        if not periods:
            return periods, []
        cursor.execute(READINGS_SQL.format(id=int(periods[0][0])))
        rows = [
            (*row[:6], thousandths(row[6]), row[7] and thousandths(row[7]), *row[8:])
            for row in cursor.fetchall()
        ]
        return periods, rows

    return read


def receipts_floor(account_id: int) -> Callable[[Any], object]:
    def read(cursor: Any) -> object:
        cursor.execute(RECEIPTS_SQL.format(id=int(account_id)))
        return [(*row[:5], Decimal(row[5]).scaleb(-2)) for row in cursor.fetchall()]

    return read


def measure(large: LargeAccount, runs: int) -> None:
    db, account_id = large.db, large.account_id
    statements = StatementService(db, CLOCK, Settings())
    readings = ReadingService(db, CLOCK, Settings())
    receipts = ReceiptService(db, CLOCK, Settings())

    def readings_page() -> object:  # what ReadingsPage._fetch asks in one job
        periods = readings.periods(CLERK, account_id)
        rows = readings.readings(CLERK, account_id, periods[0].month) if periods else []
        return readings.window(), periods, rows

    statement_floor_ = bare(db, statement_floor(account_id))
    cases = (
        ("statement data", lambda: statements.statement(CLERK, account_id), statement_floor_),
        ("debt data", lambda: statements.debt(CLERK, account_id), statement_floor_),
        ("readings data", readings_page, bare(db, readings_floor(account_id))),
        (
            "receipts data",
            lambda: receipts.receipts(CLERK, account_id),
            bare(db, receipts_floor(account_id)),
        ),
    )
    note = f"{large.rows} rows" + (", in arrears" if large.in_arrears else "")
    for name, work, floor in cases:
        took, bare_took = side_by_side(work, floor, runs=runs)
        print(line(large.backend, name, took, bare_took, note), flush=True)


if __name__ == "__main__":
    run_main(__doc__, measure)
