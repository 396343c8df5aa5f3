"""The audit log takes only the chain's next row (migration 0009), whoever inserts it: a row far
ahead or a fork is refused on both databases and the office's next write goes on; on
PostgreSQL every row names the database login that wrote it, whatever the client sent."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import psycopg.errors
import pytest
from alembic import command
from sqlalchemy import Connection, func, insert, inspect, literal_column, null, select, text
from sqlalchemy.exc import DatabaseError, DBAPIError

from db.engine import Database
from db.migrate import alembic_config, current_revision, upgrade
from db.migrations import HEAD
from db.models import AuditEntry, AuditPending
from db.roles import ADMIN, CLERK, KIOSK
from desktop import audit
from desktop.actors import SYSTEM
from desktop.audit import AuditAction
from desktop.cli import main
from desktop.clock import FixedClock
from tests.db.test_roles import (  # noqa: F401 (fixtures)
    CLERK_PASSWORD,
    OWN_PASSWORD,
    Cluster,
    cheap_hashing,
    cluster,
    services_as,
)
from tests.desktop.test_audit_chain import _fill

WHEN = datetime(2017, 6, 20, 12, 0, tzinfo=UTC)
LOG = AuditEntry.__table__


def _refused() -> pytest.RaisesExc[DatabaseError]:
    return pytest.raises(DatabaseError, match="only the chain's next row")


def _last(conn: Connection) -> tuple[int, str]:
    """The chain's last (id, row_hash): what a writing role may read."""
    row = conn.execute(
        select(AuditEntry.id, AuditEntry.row_hash).order_by(AuditEntry.id.desc()).limit(1)
    ).first()
    return (row.id, row.row_hash) if row is not None else (0, audit.GENESIS)


def _login(conn: Connection) -> str | None:
    """What the trigger stamps: the session's login on PostgreSQL, nothing on SQLite."""
    if conn.dialect.name != "postgresql":
        return None
    return str(conn.execute(select(literal_column("session_user"))).scalar_one())


def _row(
    entry_id: int,
    prev_hash: str,
    *,
    actor: str = "staff:forger",
    db_role: str | None = None,
    hashed_role: str | None = None,
) -> dict[str, Any]:
    """A row's values with a hash over them (and over ``hashed_role``, if given, else
    ``db_role``), as a client writing the log by hand would send them."""
    values = {
        "id": entry_id,
        "at": WHEN,
        "actor": actor,
        "action": str(AuditAction.SETTINGS_CHANGE),
        "account_id": None,
        "ok": True,
        "details": "{}",
    }
    role = hashed_role if hashed_role is not None else db_role
    row_hash = audit.chain_hash(prev_hash, *values.values(), role)  # type: ignore[arg-type]
    return {**values, "prev_hash": prev_hash, "row_hash": row_hash, "db_role": db_role}


def _ids(database: Database) -> list[int]:
    with database.read() as s:
        return list(s.scalars(select(AuditEntry.id).order_by(AuditEntry.id)))


def test_a_row_far_ahead_is_refused_and_the_next_write_goes_on(
    database: Database, clock: FixedClock
) -> None:
    """One statement no longer stops the office: before 0009 the row went in, and every
    later write failed (an id past the column's range, or taken)."""
    _fill(database, clock, 2)
    huge = 2**63 - 1 if database.is_sqlite else 2**31 - 1
    for ahead in (huge, 4):  # the last id + 2 is a gap, refused too
        with _refused(), database.unit_of_work() as s:
            conn = s.connection()
            _, last_hash = _last(conn)
            s.execute(insert(LOG).values(_row(ahead, last_hash, db_role=_login(conn))))
    _fill(database, clock, 1)
    assert _ids(database) == [1, 2, 3]
    assert audit.verify(database, SYSTEM) == audit.ChainReport(3, None)


def test_a_fork_is_refused_and_only_the_next_row_taken(
    database: Database, clock: FixedClock
) -> None:
    with database.unit_of_work() as s:  # an empty log starts at GENESIS and id 1
        conn = s.connection()
        with _refused(), conn.begin_nested():
            conn.execute(insert(LOG).values(_row(1, "f" * 64, db_role=_login(conn))))
    _fill(database, clock, 3)
    with database.read() as s:
        second = s.get_one(AuditEntry, 2)
    for entry_id, prev_hash in (
        (4, second.row_hash),  # the next id, linked to an older row: a fork
        (3, second.row_hash),  # a second row 3
        (4, ""),
        (4, audit.GENESIS),
    ):
        with _refused(), database.unit_of_work() as s:
            conn = s.connection()
            s.execute(insert(LOG).values(_row(entry_id, prev_hash, db_role=_login(conn))))
    assert _ids(database) == [1, 2, 3]
    # The chain's next row goes in, from whoever sends it.
    with database.unit_of_work() as s:
        conn = s.connection()
        last_id, last_hash = _last(conn)
        s.execute(insert(LOG).values(_row(last_id + 1, last_hash, db_role=_login(conn))))
    assert audit.verify(database, SYSTEM) == audit.ChainReport(4, None)


def test_sqlite_refuses_a_row_that_names_a_login(sqlite_url: str, clock: FixedClock) -> None:
    """SQLite has no logins: the column stays empty, so no row can name one it did not have."""
    database = Database(sqlite_url)
    upgrade(database.engine)
    try:
        _fill(database, clock, 1)
        with _refused(), database.unit_of_work() as s:
            last_id, last_hash = _last(s.connection())
            s.execute(insert(LOG).values(_row(last_id + 1, last_hash, db_role="boss")))
        assert _ids(database) == [1]
    finally:
        database.dispose()


# -- PostgreSQL: the login that wrote a row -------------------------------------------------


def test_a_clerks_login_writes_the_log_only_through_the_chain_and_its_rows_name_it(
    cluster: Cluster,  # noqa: F811 (the fixture imported above)
    clock: FixedClock,
) -> None:
    """Since 0012 no application role inserts into the log itself, not even the next row:
    it appends to ``audit_pending`` and the owner's ``audit_chain()`` chains it."""
    engine = cluster.engine(CLERK)
    clerk = services_as(cluster, CLERK, clock)
    try:
        with cluster.owner.engine.connect() as conn:
            last_id, last_hash = _last(conn)
        with engine.connect() as conn:
            for entry_id in (2**31 - 1, last_id + 1):
                with pytest.raises(DBAPIError) as refusal:
                    conn.execute(insert(LOG).values(_row(entry_id, last_hash)))
                assert isinstance(refusal.value.orig, psycopg.errors.InsufficientPrivilege)
                conn.rollback()
        clerk.auth.staff_login("desk", CLERK_PASSWORD)  # audited, as the clerk's login
        with cluster.owner.read() as s:
            newest = audit.entries(s, limit=1)[0]
        assert (newest.actor, newest.db_role) == ("staff:desk", cluster.logins[CLERK])
        assert audit.verify(cluster.owner, SYSTEM).intact
    finally:
        clerk.close()
        engine.dispose()


def _pending(actor: str, db_role: str | None = None) -> dict[str, Any]:
    """An entry as a writer appends it to ``audit_pending`` (a login only if named)."""
    entry: dict[str, Any] = {
        "at": WHEN,
        "actor": actor,
        "action": str(AuditAction.SETTINGS_CHANGE),
        "account_id": None,
        "ok": True,
        "details": "{}",
    }
    return entry if db_role is None else {**entry, "db_role": db_role}


def test_the_login_is_stamped_whatever_the_client_sends(
    cluster: Cluster,  # noqa: F811 (the fixture imported above)
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A clerk's login writes «the boss changed settings», naming the boss's login: it may
    not send a login at all, nor, without the boss's session, name the boss; what it may
    write names the clerk's login, and the hash the database computes covers it."""
    clerk_login, boss_login = cluster.logins[CLERK], cluster.logins[ADMIN]
    engine = cluster.engine(CLERK)
    try:
        with engine.connect() as conn:
            with pytest.raises(DBAPIError) as named:
                conn.execute(
                    insert(AuditPending).inline().values(_pending("staff:boss", boss_login))
                )
            conn.rollback()
        assert isinstance(named.value.orig, psycopg.errors.InsufficientPrivilege)
        with engine.connect() as conn:  # nor name the boss without the boss's session
            with pytest.raises(DBAPIError) as unsigned:
                conn.execute(insert(AuditPending).inline().values(_pending("staff:boss")))
            conn.rollback()
        assert isinstance(unsigned.value.orig, psycopg.errors.InsufficientPrivilege)
        with engine.begin() as conn:
            conn.execute(insert(AuditPending).inline().values(_pending("staff:unknown")))
            conn.execute(select(func.audit_chain()))
    finally:
        engine.dispose()
    with cluster.owner.read() as s:
        newest = audit.entries(s, limit=1)[0]
    assert (newest.actor, newest.db_role) == ("staff:unknown", clerk_login)
    assert main(["audit", "verify", "--database-url", cluster.url]) == 0
    assert boss_login not in capsys.readouterr().out


def test_a_transaction_acting_for_a_sign_in_writes_only_that_persons_name(
    cluster: Cluster,  # noqa: F811 (the fixture imported above)
    clock: FixedClock,
) -> None:
    """With a live session's token in the transaction (``db.rls``), the row's actor must be
    that session's holder: the clerk's desk cannot write «staff:boss» while acting for desk."""
    clerk = services_as(cluster, CLERK, clock)
    kiosk = services_as(cluster, KIOSK, clock)
    engine = cluster.engine(CLERK)
    try:
        desk = clerk.auth.staff_login("desk", CLERK_PASSWORD).actor

        def insert_as(actor: str) -> None:
            with engine.begin() as conn:
                conn.execute(
                    text("SELECT set_config('cabinet.session', :t, true)"),
                    {"t": desk.session_token},
                )
                conn.execute(insert(AuditPending).inline().values(_pending(actor)))

        for someone_else in ("staff:boss", "resident:3492", "system"):
            with pytest.raises(DBAPIError, match="not the signed-in staff:desk") as refusal:
                insert_as(someone_else)
            assert isinstance(refusal.value.orig, psycopg.errors.InsufficientPrivilege)
        insert_as("staff:desk")
        # The application's calls for a sign-in carry its token and write its name.
        account = clerk.accounts.get(desk, "3492")
        clerk.readings.create_period(desk, account.id)
        resident = kiosk.auth.login("3492", OWN_PASSWORD, kiosk=True).actor
        kiosk.support.create(resident, "Счетчик", "Пломба", "r3492@mail.ru")
        with cluster.owner.read() as s:
            newest = [(e.actor, e.action, e.db_role) for e in audit.entries(s, limit=3)]
        assert newest == [
            ("resident:3492", "support.create", cluster.logins[KIOSK]),
            ("resident:3492", "resident.sign_in", cluster.logins[KIOSK]),
            ("staff:desk", "period.create", cluster.logins[CLERK]),
        ]
        assert audit.verify(cluster.owner, SYSTEM).intact
    finally:
        clerk.close()
        kiosk.close()
        engine.dispose()


# -- the migration --------------------------------------------------------------------------


def _downgrade(database: Database, revision: str) -> None:
    config = alembic_config()
    with database.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, revision)


def test_the_migration_keeps_the_entries_and_its_downgrade_keeps_the_chain(
    database: Database, clock: FixedClock
) -> None:
    _fill(database, clock, 3)  # on PostgreSQL with their login, which their hash covers
    _downgrade(database, "0008")
    assert current_revision(database.engine) == "0008"
    columns = {c["name"] for c in inspect(database.engine).get_columns("audit_log")}
    assert "db_role" not in columns
    # The version before verifies the log: the rows that had a login were chained again.
    without_role = [c for c in AuditEntry.__table__.c if c.name != "db_role"]
    with database.read() as s:
        rows = s.execute(select(*without_role, null().label("db_role")).order_by(AuditEntry.id))
        assert audit._walk(rows) == audit.ChainReport(3, None)

    upgrade(database.engine)
    assert current_revision(database.engine) == HEAD
    assert audit.verify(database, SYSTEM) == audit.ChainReport(3, None)
    with _refused(), database.unit_of_work() as s:
        s.execute(insert(LOG).values(_row(2**31 - 1, _last(s.connection())[1])))
    _fill(database, clock, 1)
    with database.read() as s:
        roles = list(s.scalars(select(AuditEntry.db_role).order_by(AuditEntry.id)))
    assert roles == [None, None, None, None if database.is_sqlite else "postgres"]
    assert audit.verify(database, SYSTEM) == audit.ChainReport(4, None)
