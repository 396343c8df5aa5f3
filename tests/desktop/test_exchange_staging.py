"""The staging table of a big import: rows written through the driver come back as staged, a
date as the table keeps it; on PostgreSQL the import's transaction may run a statement
longer than a desk's 30 s, and only that transaction."""

from __future__ import annotations

from datetime import date

from sqlalchemy import text

from db.engine import Database
from desktop.exchange.staging import Staging


def test_rows_are_staged_and_applied_within_the_import_s_transaction(database: Database):
    with database.unit_of_work() as s:
        stage = Staging(s, "import_test", [("line", "line"), ("day", "date"), ("note", "text")])
        stage.add([(2, stage.date_value(date(2026, 11, 1)), "a\tb"), (3, None, None)])
        rows = stage.rows("SELECT line, day, note FROM import_test ORDER BY line")
        assert [(line, stage.day(day) if day else None, note) for line, day, note in rows] == [
            (2, date(2026, 11, 1), "a\tb"),
            (3, None, None),
        ]
        assert stage.count == 2
        if stage.postgres:
            assert s.execute(text("SHOW statement_timeout")).scalar_one() == "15min"
        stage.drop()
    with database.read() as s:
        if s.bind.dialect.name == "postgresql":
            assert s.execute(text("SHOW statement_timeout")).scalar_one() == "30s"


def test_a_staging_table_starts_empty_whatever_an_import_before_left(database: Database):
    class Undo(Exception):
        pass

    try:
        with database.unit_of_work() as s:
            Staging(s, "import_test", [("line", "line")]).add([(1,)])
            raise Undo
    except Undo:
        pass
    with database.unit_of_work() as s:  # made anew: nothing of the rolled back import
        stage = Staging(s, "import_test", [("line", "line")])
        assert stage.rows("SELECT COUNT(*) FROM import_test") == [(0,)]
        stage.drop()
