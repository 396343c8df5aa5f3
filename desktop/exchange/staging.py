"""A file's rows staged in a temporary table of the import's own transaction, written straight
through the driver (SQLite's ``executemany``, PostgreSQL's ``COPY``) as plain tuples; the
writer then checks them and applies them all with one ``UPDATE … FROM`` and one
``INSERT … SELECT``. Memory stays flat however long the file: the rows wait in the database,
not in Python. A rollback takes the table away with everything else."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

_TYPES = {
    # our type: (SQLite's, PostgreSQL's)
    "line": ("INTEGER", "INTEGER"),
    "id": ("INTEGER", "BIGINT"),
    "int": ("INTEGER", "BIGINT"),
    "date": ("TEXT", "DATE"),  # SQLite keeps dates as ISO text, as SQLAlchemy writes them
    "text": ("TEXT", "TEXT"),
}


APPLY_TIMEOUT_MS = 900_000
"""PostgreSQL: how long one statement of a staged import may run. The session's 30 s
(``db.engine.STATEMENT_TIMEOUT_MS``) guards a desk's ordinary statements; applying 1.6 M
staged rows with one ``INSERT … SELECT`` takes longer on a busy server. Waiting for a lock
is still cut short by the session's ``lock_timeout``."""


class Staging:
    """A temporary table ``name`` with ``columns`` (name, one of ``_TYPES``), on the
    session's connection. ``add`` writes rows, ``run`` executes a statement on the same
    connection and returns its rowcount, ``rows`` returns a query's rows."""

    def __init__(self, s: Session, name: str, columns: Sequence[tuple[str, str]]) -> None:
        connection = s.connection()
        self.postgres = connection.dialect.name == "postgresql"
        self.raw: Any = connection.connection.driver_connection
        self.name = name
        self.columns = [column for column, _ in columns]
        self.count = 0  # rows staged
        self._dates: dict[date, Any] = {}
        which = 1 if self.postgres else 0
        spec = ", ".join(f"{column} {_TYPES[kind][which]}" for column, kind in columns)
        if self.postgres:  # for the rest of the import's transaction only
            self.run(f"SET LOCAL statement_timeout = {APPLY_TIMEOUT_MS}")
        self.drop()
        self.run(
            f"CREATE TEMPORARY TABLE {name} ({spec})" + (" ON COMMIT DROP" if self.postgres else "")
        )
        self._insert = (
            f"INSERT INTO {name} ({', '.join(self.columns)}) "
            f"VALUES ({', '.join('?' * len(self.columns))})"
        )

    def add(self, rows: Sequence[tuple[Any, ...]]) -> None:
        """Stage ``rows``: tuples in the columns' order (dates as ``date_value`` gives them)."""
        if not rows:
            return
        cursor = self.raw.cursor()
        try:
            if self.postgres:
                with cursor.copy(
                    f"COPY {self.name} ({', '.join(self.columns)}) FROM STDIN"
                ) as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                cursor.executemany(self._insert, rows)
        finally:
            cursor.close()
        self.count += len(rows)

    def analyze(self) -> None:
        """PostgreSQL: the table's statistics, for the plans of the statements that read it
        (autovacuum never analyzes a temporary table)."""
        if self.postgres:
            self.run(f"ANALYZE {self.name}")

    def run(self, sql: str) -> int:
        """Execute ``sql`` (no parameters); the rows it changed."""
        cursor = self.raw.cursor()
        try:
            cursor.execute(sql)
            return int(cursor.rowcount)
        finally:
            cursor.close()

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        """The rows of the query ``sql`` (no parameters)."""
        cursor = self.raw.cursor()
        try:
            cursor.execute(sql)
            return list(cursor.fetchall())
        finally:
            cursor.close()

    def drop(self) -> None:
        """Remove the table now (SQLite keeps a temporary table for the connection's life)."""
        self.run(f"DROP TABLE IF EXISTS {'pg_temp' if self.postgres else 'temp'}.{self.name}")

    def differs(self, left: str, right: str) -> str:
        """SQL that is true where two nullable values differ (NULL against a value too)."""
        return f"{left} IS DISTINCT FROM {right}" if self.postgres else f"{left} IS NOT {right}"

    def date_value(self, day: date | None) -> Any:
        """A date as this table takes it (remembered: a file has a few dates, many times)."""
        if day is None or self.postgres:
            return day
        try:
            return self._dates[day]
        except KeyError:
            if len(self._dates) > 4096:
                self._dates.clear()
            text = self._dates[day] = day.isoformat()
            return text

    def day(self, value: Any) -> date:
        """A date column's value as a query returned it (SQLite: ISO text)."""
        return value if isinstance(value, date) else date.fromisoformat(value)
