"""The audit log is append-only against everything the application's connections can do, and
tamper-evident: a row changed or removed behind its back is named by ``audit verify``."""

from __future__ import annotations

import itertools
import sqlite3
import threading

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DatabaseError

from db.engine import Database
from db.migrate import upgrade
from db.models import AuditEntry
from desktop import audit
from desktop.actors import SYSTEM, Actor
from desktop.audit import AuditAction
from desktop.cli import main
from desktop.clock import FixedClock
from desktop.errors import AccessDeniedError

ROW = (
    "INTO audit_log (id, at, actor, action, account_id, ok, details) "
    "VALUES (1, '2017-06-20 09:00:00', 'staff:forger', 'demo.build', NULL, 1, '')"
)


def _fill(database: Database, clock: FixedClock, count: int = 5) -> None:
    for n in range(count):
        clock.advance(minutes=1)
        with database.unit_of_work() as s:
            audit.record(s, clock.now(), f"staff:clerk{n}", AuditAction.READINGS_SUBMIT, n=n)


def _rows(database: Database) -> list[tuple[object, ...]]:
    with database.read() as s:
        return [tuple(r) for r in s.execute(select(AuditEntry.__table__).order_by(AuditEntry.id))]


def _verify(url: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["audit", "verify", "--database-url", url])
    out, err = capsys.readouterr()
    return code, out, err


# -- append-only --------------------------------------------------------------------------------


SQLITE_REFUSED = [
    "INSERT OR REPLACE " + ROW,
    "REPLACE " + ROW,
    "INSERT " + ROW + " ON CONFLICT(id) DO UPDATE SET actor = excluded.actor",
    "INSERT " + ROW + " ON CONFLICT DO NOTHING",
    "UPDATE OR REPLACE audit_log SET actor = 'staff:forger'",
    "DELETE FROM audit_log",
    "DROP TRIGGER audit_log_no_update",
    "DROP TRIGGER audit_log_no_delete",
    "DROP TRIGGER audit_log_no_replace",
    "DROP TRIGGER IF EXISTS main.audit_log_no_update",
    "DROP TABLE audit_log",
    "DROP TABLE IF EXISTS main.AUDIT_LOG",
    "ALTER TABLE audit_log RENAME TO audit_old",
    "ALTER TABLE audit_log ADD COLUMN note TEXT",
    "ALTER TABLE audit_log DROP COLUMN row_hash",
    "ALTER TABLE audit_log RENAME COLUMN actor TO who",
    "CREATE TRIGGER audit_log_silence BEFORE INSERT ON audit_log BEGIN SELECT 1; END",
    "CREATE TEMP TRIGGER audit_log_silence AFTER INSERT ON main.audit_log BEGIN SELECT 1; END",
    "PRAGMA writable_schema = ON",
]


def _refused() -> pytest.RaisesExc[DatabaseError]:
    return pytest.raises(DatabaseError, match="append-only|not authorized")


def test_nothing_the_application_runs_on_sqlite_rewrites_the_log(
    sqlite_url: str, clock: FixedClock
) -> None:
    database = Database(sqlite_url)
    upgrade(database.engine)
    try:
        _fill(database, clock, 2)
        before = _rows(database)
        for statement in SQLITE_REFUSED:
            with _refused(), database.unit_of_work() as s:
                s.execute(text(statement))
            # the engine for reading is a connection of ours too
            with _refused(), database._read_engine.begin() as conn:  # type: ignore[union-attr]
                conn.exec_driver_sql(statement)
        assert _rows(database) == before
        assert audit.verify(database, SYSTEM).describe() == "Журнал аудита цел: 2 записи"
        # Other tables stay the application's to change.
        with database.unit_of_work() as s:
            s.execute(text("CREATE TABLE scratch (x INTEGER)"))
            s.execute(text("ALTER TABLE scratch ADD COLUMN y INTEGER"))
            s.execute(text("DROP TABLE scratch"))
    finally:
        database.dispose()


def test_postgresql_refuses_update_delete_and_truncate(pg_url: str, clock: FixedClock) -> None:
    database = Database(pg_url)
    upgrade(database.engine)
    try:
        _fill(database, clock, 2)
        before = _rows(database)
        for statement in (
            "UPDATE audit_log SET actor = 'staff:forger'",
            "DELETE FROM audit_log",
            "TRUNCATE audit_log",
            "TRUNCATE audit_log CASCADE",
            "TRUNCATE account CASCADE",  # the log refers to accounts: it would go with them
            "INSERT " + ROW.replace(", 1, '')", ", true, '')") + " ON CONFLICT (id) DO UPDATE "
            "SET actor = excluded.actor",
        ):
            with pytest.raises(DatabaseError, match="append-only"), database.unit_of_work() as s:
                s.execute(text(statement))
        assert _rows(database) == before
    finally:
        database.dispose()


# -- tamper-evident -----------------------------------------------------------------------------


def _forge(url: str, *statements: str) -> None:
    """Run statements with the triggers out of the way, as someone with the file or the
    superuser's password could: not through the application."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        raw = sqlite3.connect(parsed.database or "")
        try:
            raw.execute("DROP TRIGGER audit_log_no_update")
            raw.execute("DROP TRIGGER audit_log_no_delete")
            raw.execute("DROP TRIGGER audit_log_next_row")
            for statement in statements:
                raw.execute(statement)
            raw.commit()
        finally:
            raw.close()
        return
    engine = create_engine(parsed.set(drivername="postgresql+psycopg"))
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
            for statement in statements:
                conn.exec_driver_sql(statement)
    finally:
        engine.dispose()


def _at(database: Database, entry_id: int) -> str:
    from desktop.formatting import ru_datetime

    with database.read() as s:
        return ru_datetime(s.get_one(AuditEntry, entry_id).at)


@pytest.fixture
def logged(database: Database, clock: FixedClock, database_url: str) -> Database:
    """Five chained rows."""
    _fill(database, clock)
    return database


def test_an_intact_log_verifies(logged: Database, database_url: str, capsys) -> None:
    assert _verify(database_url, capsys) == (0, "Журнал аудита цел: 5 записей\n", "")


def test_a_row_changed_behind_the_applications_back_is_named(
    logged: Database, database_url: str, capsys
) -> None:
    _forge(database_url, "UPDATE audit_log SET actor = 'staff:nobody' WHERE id = 3")
    code, out, err = _verify(database_url, capsys)
    assert (code, out) == (1, "")
    assert err.startswith(f"Запись №3 от {_at(logged, 3)} изменена или удалена: ")
    assert "содержимое" in err


def test_a_forged_row_with_a_recomputed_hash_is_caught_at_the_link(
    logged: Database, database_url: str, capsys
) -> None:
    with logged.read() as s:
        row = s.get_one(AuditEntry, 3)
        forged = audit.chain_hash(
            row.prev_hash, 3, row.at, "staff:nobody", row.action, row.account_id, row.ok,
            row.details, row.db_role,
        )  # fmt: skip
    _forge(
        database_url,
        f"UPDATE audit_log SET actor = 'staff:nobody', row_hash = '{forged}' WHERE id = 3",
    )
    code, _, err = _verify(database_url, capsys)
    assert code == 1
    assert err.startswith(f"Запись №4 от {_at(logged, 4)} изменена или удалена: ")
    assert "запись №3 подделана" in err


def test_a_deleted_middle_row_is_detected(logged: Database, database_url: str, capsys) -> None:
    _forge(database_url, "DELETE FROM audit_log WHERE id = 3")
    code, _, err = _verify(database_url, capsys)
    assert code == 1
    assert err.startswith(f"Запись №4 от {_at(logged, 4)} изменена или удалена: ")
    assert "записи между №2 и №4 удалены" in err


def test_a_deleted_first_row_is_detected(logged: Database, database_url: str, capsys) -> None:
    _forge(database_url, "DELETE FROM audit_log WHERE id = 1")
    code, _, err = _verify(database_url, capsys)
    assert code == 1
    assert err.startswith("Запись №2 от ") and "начало журнала удалено" in err


def test_a_row_inserted_around_the_application_is_detected(
    logged: Database, database_url: str, capsys
) -> None:
    _forge(
        database_url,
        "INSERT INTO audit_log (id, at, actor, action, ok, details) VALUES "
        "(100, '2017-06-20 10:00:00', 'staff:nobody', 'demo.build', true, '')",
    )
    code, _, err = _verify(database_url, capsys)
    assert code == 1 and err.startswith("Запись №100 от ")


def test_the_chain_goes_on_after_entries_in_one_transaction(
    database: Database, clock: FixedClock
) -> None:
    with database.unit_of_work() as s:
        for n in range(3):
            audit.record(s, clock.now(), SYSTEM, AuditAction.DEMO_BUILD, n=n)
    _fill(database, clock, 2)
    with database.read() as s:
        rows = list(s.scalars(select(AuditEntry).order_by(AuditEntry.id)))
    assert [r.id for r in rows] == [1, 2, 3, 4, 5]
    assert rows[0].prev_hash == audit.GENESIS
    assert all(a.row_hash == b.prev_hash for a, b in itertools.pairwise(rows))
    assert audit.verify(database, SYSTEM).intact


def test_writers_at_once_keep_one_chain(database: Database, clock: FixedClock) -> None:
    """Desks writing at the same moment: on PostgreSQL the advisory lock orders them, on
    SQLite the write lock; without it two rows would link to the same predecessor."""
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def desk(n: int) -> None:
        try:
            start.wait()
            for i in range(15):
                with database.unit_of_work() as s:
                    audit.record(s, clock.now(), f"staff:desk{n}", AuditAction.READINGS_SUBMIT, i=i)
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=desk, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    report = audit.verify(database, SYSTEM)
    assert (report.intact, report.checked) == (True, 60)


def test_only_who_may_see_the_log_verifies_it(database: Database) -> None:
    resident = Actor.resident(1, "3492")
    with pytest.raises(AccessDeniedError):
        audit.verify(database, resident)


def test_verify_reads_in_batches(database: Database, clock: FixedClock) -> None:
    """Rows are streamed, not loaded at once: a small batch sees the same chain."""
    _fill(database, clock, 7)
    assert audit.verify(database, SYSTEM, batch=2) == audit.ChainReport(7, None)
    assert audit.verify(database, SYSTEM, batch=1000) == audit.ChainReport(7, None)


# -- the migration ------------------------------------------------------------------------------


def test_the_migration_chains_the_rows_already_there(database: Database, clock: FixedClock) -> None:
    from alembic import command

    from db.migrate import alembic_config, current_revision
    from desktop.demo import build_demo

    build_demo(database, clock)
    _fill(database, clock, 3)
    config = alembic_config()
    with database.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0003")
    assert current_revision(database.engine) == "0003"
    with database.engine.begin() as conn:  # rows written by the version before the chain
        for n in range(1200):  # more than one batch of the migration
            conn.execute(
                text(
                    "INSERT INTO audit_log (at, actor, action, ok, details) "
                    "VALUES (:at, 'system', 'demo.build', :ok, :details)"
                ),
                {
                    "at": clock.now().replace(tzinfo=None),
                    "ok": n % 2 == 0,
                    "details": f'{{"n": {n}}}',
                },
            )
    with database.read() as s:
        count = s.scalar(select(text("count(*)")).select_from(text("audit_log")))

    upgrade(database.engine)
    with database.read() as s:
        first = s.scalars(select(AuditEntry).order_by(AuditEntry.id).limit(1)).one()
    assert first.prev_hash == audit.GENESIS and len(first.row_hash) == 64
    assert count == 1204
    assert audit.verify(database, SYSTEM).describe() == "Журнал аудита цел: 1204 записи"
    # New rows go on from the chain the migration made; the log stays append-only.
    _fill(database, clock, 1)
    assert audit.verify(database, SYSTEM) == audit.ChainReport(count + 1, None)
    with pytest.raises(DatabaseError, match="append-only"), database.unit_of_work() as s:
        s.execute(text("DELETE FROM audit_log"))
