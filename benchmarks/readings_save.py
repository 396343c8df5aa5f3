"""Saving a period of readings through the program's path (``ReadingService.submit``, a clerk
at the counter) beside the floor: the bare driver doing the same writes in one transaction.

Builds ``demo --accounts N --months 120`` in a temporary SQLite file and, if the server
answers, a scratch PostgreSQL database; takes the account with the longest history, creates
its period of the clock's month (20 November 2026, inside the reading window) and saves it
again and again, every value one or two thousandths above the previous one, so each save
changes every reading. The floor, on a pooled connection of the same engine (the same
pragmas: SQLite's ``synchronous=FULL``), in one transaction: read the period and its
readings, UPDATE each reading (value, who, when, channel), UPDATE the period's version and
time, read the audit chain's last row (PostgreSQL: under the same advisory lock), INSERT
the audit row with a sha256, COMMIT. The two are measured in turn.

    .venv/bin/python benchmarks/readings_save.py [--accounts 1000] [--runs 30] [--no-postgres]

Figures only, never assertions.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from large_account import CLERK, CLOCK, LargeAccount, line, run_main, side_by_side

from desktop.months import month_start
from desktop.readings import ReadingService
from desktop.settings import Settings

STEP = Decimal("0.001")


def stamp(moment: datetime, sqlite: bool) -> Any:
    """A datetime as the driver is given it: SQLite keeps naive UTC text."""
    return moment.replace(tzinfo=None).isoformat(" ", "microseconds") if sqlite else moment


class BareSave:
    """The same writes as a save, by the driver alone."""

    def __init__(self, large: LargeAccount, month: date, channel: str) -> None:
        self.db, self.account_id = large.db, large.account_id
        self.month, self.channel = month, channel
        self.sqlite = large.db.engine.dialect.name == "sqlite"
        self.mark = "?" if self.sqlite else "%s"
        self.turn = 0

    def sql(self, text: str) -> str:
        return text.replace("?", self.mark)

    def __call__(self) -> None:
        self.turn += 1
        now, sqlite = CLOCK.now(), self.sqlite
        raw = self.db.engine.raw_connection()
        try:
            cursor = raw.cursor()
            if sqlite:
                cursor.execute("BEGIN IMMEDIATE")
            cursor.execute(
                self.sql("SELECT id, version FROM period WHERE account_id = ? AND month = ?"),
                (self.account_id, self.month.isoformat() if sqlite else self.month),
            )
            period_id, version = cursor.fetchone()
            cursor.execute(
                self.sql("SELECT id, previous FROM reading WHERE period_id = ? ORDER BY id"),
                (period_id,),
            )
            # Thousandths, as stored; never the program's steps (1 or 2), so that run in turn
            # with it each save changes every value, the program's and this one's alike.
            step = 3 + self.turn % 2
            changes = [(previous + step, reading_id) for reading_id, previous in cursor.fetchall()]
            cursor.executemany(
                self.sql(
                    "UPDATE reading SET current = ?, confirmation = NULL, reason = '', "
                    "channel = ?, entered_by = ?, entered_at = ? WHERE id = ?"
                ),
                [
                    (value, self.channel, CLERK.name, stamp(now, sqlite), reading_id)
                    for value, reading_id in changes
                ],
            )
            cursor.execute(
                self.sql(
                    "UPDATE period SET changed_at = ?, version = ? WHERE id = ? AND version = ?"
                ),
                (stamp(now, sqlite), version + 1, period_id, version),
            )
            details = json.dumps(
                {"month": self.month.isoformat(), "changes": [str(v) for v, _ in changes]}
            )
            if not sqlite:  # as the program: a pending entry, chained by the owner's function
                cursor.execute(
                    "INSERT INTO audit_pending (at, actor, action, account_id, ok, details) "
                    "VALUES (%s, %s, %s, %s, %s, %s)",
                    (now, CLERK.label, "readings_submit", self.account_id, True, details),
                )
                cursor.execute("SELECT audit_chain()")
            else:
                cursor.execute("SELECT id, row_hash FROM audit_log ORDER BY id DESC LIMIT 1")
                last_id, last_hash = cursor.fetchone()
                values = f"{last_id + 1}|{now.isoformat()}|{CLERK.label}|readings_submit|{details}"
                row_hash = hashlib.sha256((last_hash + values).encode()).hexdigest()
                cursor.execute(
                    self.sql(
                        "INSERT INTO audit_log (id, at, actor, action, account_id, ok, details, "
                        "prev_hash, row_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
                    ),
                    (last_id + 1, stamp(now, sqlite), CLERK.label, "readings_submit",
                     self.account_id, True, details, last_hash, row_hash),
                )  # fmt: skip
            if sqlite:
                cursor.execute("COMMIT")
            else:
                raw.commit()
        finally:
            raw.close()


def measure(large: LargeAccount, runs: int) -> None:
    service = ReadingService(large.db, CLOCK, Settings())
    month = month_start(CLOCK.today())
    if not any(p.month == month for p in service.periods(CLERK, large.account_id)):
        service.create_period(CLERK, large.account_id)
    rows = [r for r in service.readings(CLERK, large.account_id, month) if not r.locked_reason]
    turn = 0

    def save() -> object:
        nonlocal turn
        turn += 1
        values = {row.key: row.previous + STEP * (1 + turn % 2) for row in rows}
        result = service.submit(CLERK, large.account_id, month, values)
        if result.changed != len(rows):  # a save that changes nothing writes nothing
            raise SystemExit(f"the save changed {result.changed} of {len(rows)} readings")
        return result

    save()  # the clerk's channel is stored, for the floor to write the same
    with large.db.engine.connect() as conn:
        channel = conn.exec_driver_sql(
            "SELECT channel FROM reading WHERE channel IS NOT NULL ORDER BY id DESC LIMIT 1"
        ).scalar_one()
    program, floor = side_by_side(save, BareSave(large, month, channel), runs=runs)
    print(line(large.backend, "readings saved", program, floor, f"{len(rows)} readings"))


if __name__ == "__main__":
    run_main(__doc__, measure)
