"""Rows written in batches straight through the database driver, in the caller's
transaction: SQLite's ``executemany``, PostgreSQL's ``COPY``. Parents before children."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from itertools import chain
from typing import Any

from sqlalchemy import Connection, text

BATCH = 20_000  # rows held before they are written
GROUP = 50  # rows in one SQLite INSERT
QUEUED = 8  # PostgreSQL: batches of one table made and waiting for COPY
SQLITE_CACHE_KIB = 65_536  # SQLite's page cache during the load

# The columns written, per table, in the order of the tuples below.
COLUMNS: dict[str, tuple[str, ...]] = {
    "building": ("id", "company_id", "address"),
    "premises": ("id", "building_id", "number", "area"),
    "account": ("id", "number", "fio", "fio_norm", "premises_id", "address", "address_norm",
                "area", "residents"),
    "resident_credential": ("id", "account_id", "email", "phone", "password_hash",
                            "must_change", "failed_attempts", "created_at", "updated_at"),
    "meter": ("id", "account_id", "kind", "title", "serial", "unit", "zones", "digits",
              "installed_on", "next_verification_on", "retired_on", "initial_value",
              "display_order"),
    "period": ("id", "account_id", "month", "changed_at", "accepted_at", "version"),
    "reading": ("id", "period_id", "meter_id", "zone", "previous", "current", "channel",
                "entered_by", "entered_at", "reason"),
    "statement_row": ("id", "account_id", "month", "service_id", "opening", "charged", "paid",
                      "recalculation", "closing", "volume"),
    "receipt": ("id", "account_id", "number", "issued_on", "month", "description", "total"),
    "support_request": ("id", "account_id", "topic", "message", "contact", "status",
                        "created_at"),
}  # fmt: skip
TABLES = tuple(COLUMNS)  # parents before children: written in this order


class Sink:
    """Rows held per table and written in batches, parents first, on the session's
    connection (its transaction). On PostgreSQL each batch goes through ``COPY`` on a thread
    of its own (``_Copier``); ``flush`` waits for it, ``close`` ends it."""

    def __init__(self, conn: Connection) -> None:
        self.postgres = conn.dialect.name == "postgresql"
        self.raw: Any = conn.connection.driver_connection
        self.held: dict[str, list[tuple[Any, ...]]] = {table: [] for table in TABLES}
        self.count = 0
        self.written = 0
        self.copier: _Copier | None = None  # started by the first batch

    def add(self, table: str, row: tuple[Any, ...]) -> None:
        self.held[table].append(row)
        self.count += 1
        if self.count >= BATCH:
            self._write_held()

    def extend(self, table: str, rows: list[tuple[Any, ...]]) -> None:
        self.held[table] += rows
        self.count += len(rows)
        if self.count >= BATCH:
            self._write_held()

    def flush(self) -> None:
        """Write every row held, and wait until they are in."""
        self._write_held()
        if self.copier:
            self.copier.wait()

    def close(self) -> None:
        """End the COPY thread, once its batches are written (after a failure too)."""
        if self.copier:
            self.copier.stop()

    def _write_held(self) -> None:
        if self.postgres:
            self.copier = self.copier or _Copier(self.raw)
            for table in TABLES:
                rows = self.held[table]
                if rows:
                    self.copier.put(table, _copy_text(table, rows))
                    self.written += len(rows)
                    rows.clear()
        else:
            cursor = self.raw.cursor()
            try:
                for table in TABLES:
                    rows = self.held[table]
                    if rows:
                        self._insert(cursor, table, rows)
                        self.written += len(rows)
                        rows.clear()
            finally:
                cursor.close()
        self.count = 0

    def _insert(self, cursor: Any, table: str, rows: list[tuple[Any, ...]]) -> None:
        # GROUP rows in each INSERT: a third less work for SQLite than one at a time.
        whole = len(rows) - len(rows) % GROUP
        groups = zip(*[iter(rows[:whole])] * GROUP, strict=True)
        cursor.executemany(_insert(table, GROUP), [tuple(chain(*group)) for group in groups])
        cursor.executemany(_insert(table, 1), rows[whole:])


class _Copier:
    """``COPY`` on a thread of its own: the server takes one batch in while the generator
    makes the next (libpq waits without holding the GIL). At most ``QUEUED`` batches wait,
    so memory stays flat. The first error stops the writing and is raised in the caller's
    thread at its next ``put`` or ``wait``."""

    def __init__(self, raw: Any) -> None:
        self.raw = raw
        self.jobs: queue.Queue[tuple[str, str] | None] = queue.Queue(QUEUED)
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="demo-copy", daemon=True)
        self.thread.start()

    def put(self, table: str, lines: str) -> None:
        self._raise()
        self.jobs.put((table, lines))

    def wait(self) -> None:
        self.jobs.join()
        self._raise()

    def stop(self) -> None:
        if self.thread.is_alive():
            self.jobs.put(None)
            self.thread.join()

    def _raise(self) -> None:
        if self.error is not None:
            raise self.error

    def _run(self) -> None:
        cursor = self.raw.cursor()
        try:
            while (job := self.jobs.get()) is not None:
                try:
                    if self.error is None:  # after an error the rest is only taken off
                        table, lines = job
                        with cursor.copy(
                            f"COPY {table} ({', '.join(COLUMNS[table])}) FROM STDIN"
                        ) as copy:
                            copy.write(lines)
                except BaseException as error:  # raised in the caller's thread
                    self.error = error
                finally:
                    self.jobs.task_done()
        finally:
            cursor.close()


@cache
def _insert(table: str, rows: int) -> str:
    columns = COLUMNS[table]
    values = ", ".join([f"({', '.join('?' * len(columns))})"] * rows)
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES {values}"


# Tables whose values the generator makes from digits, dates and fixed words only: no tab,
# newline or backslash to escape, and no text that is "None". Their COPY lines are made by
# one format each, None then written as COPY's NULL.
_PLAIN = frozenset({"period", "reading", "statement_row", "receipt"})
_LINE = {table: "\t".join(["%s"] * len(columns)) + "\n" for table, columns in COLUMNS.items()}


def _copy_text(table: str, rows: list[tuple[Any, ...]]) -> str:
    """``rows`` in COPY's text format."""
    if table not in _PLAIN:
        return "".join("\t".join(map(_copy_value, row)) + "\n" for row in rows)
    line = _LINE[table]
    lines = "".join([line % row for row in rows])
    # None is never first, nor next to another None, in these tables.
    return lines.replace("\tNone\t", "\t\\N\t").replace("\tNone\n", "\t\\N\n")


def _copy_value(value: Any) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, str):
        return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
    return str(value)


@contextmanager
def bulk_load(conn: Connection) -> Iterator[None]:
    """On SQLite, a page cache of ``SQLITE_CACHE_KIB`` while the block runs (the default,
    2 MB, writes the new pages out and reads them back many times over), then the one it
    had."""
    if conn.dialect.name != "sqlite":
        yield
        return
    previous = conn.exec_driver_sql("PRAGMA cache_size").scalar_one()
    conn.exec_driver_sql(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
    try:
        yield
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size = {int(previous)}")


def next_id(conn: Connection, table: str) -> int:
    return int(conn.execute(text(f"SELECT coalesce(max(id), 0) + 1 FROM {table}")).scalar_one())
