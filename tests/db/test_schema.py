from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError

from db.engine import Database
from db.migrate import alembic_config, current_revision, upgrade
from db.migrations import HEAD
from db.models import Account, AuditEntry


def test_head_constant_matches_alembic():
    from alembic.script import ScriptDirectory

    assert ScriptDirectory.from_config(alembic_config()).get_current_head() == HEAD


def test_upgrade_is_idempotent(database: Database):
    assert current_revision(database.engine) == HEAD
    assert upgrade(database.engine) is False


def test_money_round_trips_exactly(database: Database):
    with database.unit_of_work() as s:
        s.add(
            Account(
                number="1",
                fio="Тест",
                fio_norm="тест",
                address="a",
                address_norm="a",
                area=Decimal("1234.10"),
                residents=1,
            )
        )
    with database.unit_of_work() as s:
        area = s.scalar(select(Account.area))
    assert area == Decimal("1234.10") and str(area) == "1234.10"


def test_money_refuses_float_and_extra_places(database: Database):
    with pytest.raises(Exception, match="Decimal|decimal places"), database.unit_of_work() as s:
        s.add(
            Account(
                number="2",
                fio="x",
                fio_norm="x",
                address="a",
                address_norm="a",
                area=Decimal("1.005"),
                residents=1,
            )
        )
        s.flush()


def test_audit_log_is_append_only(database: Database):
    with database.unit_of_work() as s:
        s.add(  # the chain's first row: its trigger (0009) refuses any other
            AuditEntry(
                id=1,
                at=datetime.now(UTC),
                actor="system",
                action="test",
                ok=True,
                details="",
                prev_hash="0" * 64,
            )
        )
    for statement in ("UPDATE audit_log SET action = 'forged'", "DELETE FROM audit_log"):
        with pytest.raises(DatabaseError, match="append-only"), database.unit_of_work() as s:
            s.execute(text(statement))
    with database.unit_of_work() as s:
        assert s.scalar(select(AuditEntry.action)) == "test"


def test_sqlite_pragmas(sqlite_url: str):
    db = Database(sqlite_url)
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10000
    db.dispose()


def test_sqlite_reads_do_not_wait_for_a_writer(sqlite_url: str):
    """A writer holds SQLite's write lock from BEGIN; a read sees the last commit meanwhile."""
    from sqlalchemy import func

    db = Database(sqlite_url)
    upgrade(db.engine)
    with db.unit_of_work() as writer:
        writer.add(
            Account(
                number="1",
                fio="x",
                fio_norm="x",
                address="a",
                address_norm="a",
                area=Decimal("1.00"),
                residents=1,
            )
        )
        writer.flush()
        with db.read() as reader:
            assert reader.scalar(select(func.count()).select_from(Account)) == 0
    with db.read() as reader:
        assert reader.scalar(select(func.count()).select_from(Account)) == 1
    db.dispose()
