"""The audit chain's lock is no denial of service (issue 10, review 2 #2), as real login roles
on PostgreSQL: a login holding the old advisory lock, or an audited write left open, or the
chaining function's lock held, does not make the office's audited writes wait; their entries
are chained once it lets go, nothing lost. ``db roles`` gives every login role server-side
limits on idle transactions and lock waits."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import Engine, create_engine, func, select, text

from db.engine import Database
from db.roles import ADMIN, CLERK, GROUPS, KIOSK, apply_roles, group_name
from db.roles_audit import IDLE_IN_TRANSACTION, LOCK_TIMEOUT
from db.roles_outbox import MAILER
from desktop import audit
from desktop.actors import SYSTEM
from desktop.audit import AuditAction
from desktop.clock import FixedClock
from tests.db.test_roles import (  # noqa: F401 (fixtures)
    ADMIN_PASSWORD,
    CLERK_PASSWORD,
    OWN_PASSWORD,
    Cluster,
    cheap_hashing,
    cluster,
    refused,
    services_as,
)

OLD_CHAIN_LOCK = 0x61756469_74000001  # the advisory lock's key every writer took up to 0012
JUNE = date(2017, 6, 1)


@pytest.fixture
def kiosk_login(cluster: Cluster) -> Iterator[Engine]:  # noqa: F811 (the fixture above)
    engine = cluster.engine(KIOSK)
    yield engine
    engine.dispose()


def test_no_login_holding_the_chain_stalls_the_offices_audited_writes(
    cluster: Cluster,  # noqa: F811
    clock: FixedClock,
    kiosk_login: Engine,
) -> None:
    office = services_as(cluster, CLERK, clock)
    kiosk = services_as(cluster, KIOSK, clock)
    admin = services_as(cluster, ADMIN, clock)
    attacker = Database(cluster.url_of(CLERK))
    held = kiosk_login.connect()
    try:
        # A kiosk's login takes the old lock of the chain for its whole session …
        held.execute(select(func.pg_advisory_lock(OLD_CHAIN_LOCK)))
        held.commit()
        # … and may not lock what the chaining function locks, nor write the log itself.
        for group in GROUPS:
            engine = cluster.engine(group)
            try:
                for sql in (
                    "SELECT * FROM audit_chain FOR UPDATE",
                    "LOCK TABLE audit_chain IN ACCESS EXCLUSIVE MODE",
                    "LOCK TABLE audit_log IN SHARE ROW EXCLUSIVE MODE",
                    "LOCK TABLE audit_pending IN SHARE MODE",
                    "SELECT * FROM audit_pending",
                    "DELETE FROM audit_pending",
                    "UPDATE audit_pending SET actor = 'x'",
                ):
                    refused(engine, sql)
            finally:
                engine.dispose()
        # A clerk's login writes an audited entry the application's way and leaves its
        # transaction open: it holds whatever the chain's writer holds until its commit.
        with attacker.unit_of_work() as s:
            # (as no one: without a session it may not name a staff member, db.roles_audit)
            audit.record(s, clock.now(), "staff:unknown", AuditAction.SETTINGS_CHANGE, key="x")
            audit._seal(s)  # what the commit runs first; the commit waits below
            # Meanwhile the office and a kiosk work, and every step of theirs is audited.
            desk = office.auth.staff_login("desk", CLERK_PASSWORD).actor
            account = office.accounts.get(desk, "3492")
            office.readings.create_period(desk, account.id)
            water = office.readings.readings(desk, account.id, JUNE)[0]
            office.readings.submit(desk, account.id, JUNE, {water.key: Decimal("256")})
            kiosk.auth.login("3492", OWN_PASSWORD, kiosk=True)
        held.execute(select(func.pg_advisory_unlock(OLD_CHAIN_LOCK)))
        held.commit()
        # Once the open transaction ended, every entry is in the chain, which holds.
        boss = admin.auth.staff_login("boss", ADMIN_PASSWORD).actor
        report = audit.verify(admin.db, boss)
        assert report.intact
        with admin.db.read() as s:
            newest = [(e.actor, e.action) for e in audit.entries(s, limit=6)]
        assert sorted(newest[1:]) == sorted(
            [
                ("staff:unknown", str(AuditAction.SETTINGS_CHANGE)),
                ("staff:desk", str(AuditAction.STAFF_SIGN_IN)),
                ("staff:desk", str(AuditAction.PERIOD_CREATE)),
                ("staff:desk", str(AuditAction.READINGS_SUBMIT)),
                ("resident:3492", str(AuditAction.RESIDENT_SIGN_IN)),
            ]
        )
        assert newest[0] == ("staff:boss", str(AuditAction.STAFF_SIGN_IN))
        with cluster.owner.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM audit_pending")).scalar() == 0
    finally:
        held.close()
        attacker.dispose()
        for services in (office, kiosk, admin):
            services.close()


def test_a_login_holding_the_chaining_function_delays_only_the_chain(
    cluster: Cluster,  # noqa: F811
    clock: FixedClock,
    kiosk_login: Engine,
) -> None:
    """The chaining function's own lock, taken and kept: others skip it and leave their
    entries pending; the first chaining after it lets go takes them, in order."""
    office = services_as(cluster, CLERK, clock)
    try:
        with kiosk_login.connect() as conn:
            assert conn.execute(select(func.audit_chain())).scalar() is not None
            desk = office.auth.staff_login("desk", CLERK_PASSWORD).actor
            office.accounts.get(desk, "3492")
            office.readings.create_period(desk, office.accounts.get(desk, "3492").id)
            with cluster.owner.engine.connect() as owner:
                waiting = owner.execute(text("SELECT count(*) FROM audit_pending")).scalar()
            assert waiting == 2  # the sign-in and the new period
            conn.rollback()
        audit.chain_pending(cluster.owner)
        with cluster.owner.read() as s:
            newest = [e.action for e in audit.entries(s, limit=2)]
        assert newest == [str(AuditAction.PERIOD_CREATE), str(AuditAction.STAFF_SIGN_IN)]
        assert audit.verify(cluster.owner, SYSTEM).intact
    finally:
        office.close()


def test_db_roles_limits_idle_transactions_and_lock_waits_of_every_login(
    cluster: Cluster,  # noqa: F811
) -> None:
    """Set on the server for each login role (not only asked by the program): a desk that
    hangs mid-transaction is ended, a statement waits for a lock only so long. Login roles
    made after ``db roles`` get them at its next run."""
    # The desk that only sends mail: a login of the mailer's group alone.
    mail_only = f"{cluster.prefix}mail_only_login"
    with cluster.owner.engine.begin() as conn:
        conn.exec_driver_sql(
            f'CREATE ROLE "{mail_only}" LOGIN IN ROLE "{group_name(MAILER, cluster.prefix)}"'
        )
    cluster.logins["mail_only"] = mail_only  # dropped with the cluster's logins
    apply_roles(cluster.owner.engine, cluster.prefix)
    for group in (*GROUPS, "mail_only"):
        # A bare connection, without the program's own options.
        engine = create_engine(cluster.url_of(group))
        try:
            with engine.connect() as conn:
                idle = conn.exec_driver_sql("SHOW idle_in_transaction_session_timeout").scalar()
                lock = conn.exec_driver_sql("SHOW lock_timeout").scalar()
        finally:
            engine.dispose()
        assert (idle, lock) == ("1min", LOCK_TIMEOUT), group
    assert IDLE_IN_TRANSACTION == "60s"


def test_an_account_row_held_for_update_delays_no_ones_audited_write(
    cluster: Cluster,  # noqa: F811
    clock: FixedClock,
) -> None:
    """The log's foreign key to ``account`` makes the chaining wait for a lock a clerk's
    login may hold (SELECT … FOR UPDATE): the chaining gives up quickly instead, and the
    entries are chained once the row is free."""
    attacker = cluster.engine(CLERK)
    desk = Database(cluster.url_of(CLERK))
    held = attacker.connect()
    try:
        rows = held.execute(
            text("SELECT number, id FROM account WHERE number IN ('3492', '7001')")
        ).all()
        ids = {number: account_id for number, account_id in rows}
        held.execute(text("SELECT id FROM account WHERE number = '3492' FOR UPDATE"))
        for number in ("3492", "7001"):
            with desk.unit_of_work() as s:
                s.execute(text("SET LOCAL lock_timeout = '5s'"))  # a plain desk's wait
                audit.record(
                    s, clock.now(), "staff:unknown", AuditAction.SUPPORT_ANSWER,
                    account_id=ids[number],
                )  # fmt: skip
        held.rollback()
        audit.chain_pending(cluster.owner)
        with cluster.owner.read() as s:
            newest = [e.account_id for e in audit.entries(s, limit=2)]
        assert newest == [ids["7001"], ids["3492"]]
        assert audit.verify(cluster.owner, SYSTEM).intact
    finally:
        held.close()
        attacker.dispose()
        desk.dispose()


def test_no_pending_entry_a_login_writes_can_stop_the_chain(
    cluster: Cluster,  # noqa: F811
    clock: FixedClock,
    kiosk_login: Engine,
) -> None:
    """Review 3: a pending row naming no account made every later chaining fail on the log's
    foreign key; a row with a chosen id or login claimed keys ahead or hid its writer. The
    first is chained without the account, the others do not go in."""
    insert = (
        "INSERT INTO audit_pending (at, actor, action, account_id, ok, details) "
        "VALUES (now(), 'resident:3492', 'x', {account}, true, '{{}}')"
    )
    with kiosk_login.begin() as conn:
        conn.exec_driver_sql(insert.format(account=987654321))
    for sql in (
        "INSERT INTO audit_pending (id, at, actor, action, ok, details) "
        "VALUES (2000000000, now(), 'resident:3492', 'x', true, '{}')",
        "INSERT INTO audit_pending (at, actor, action, ok, details, db_role) "
        "VALUES (now(), 'resident:3492', 'x', true, '{}', 'postgres')",
    ):
        refused(kiosk_login, sql)
    office = services_as(cluster, CLERK, clock)
    try:
        office.auth.staff_login("desk", CLERK_PASSWORD)  # an audited write goes on
    finally:
        office.close()
    assert audit.verify(cluster.owner, SYSTEM).intact
    with cluster.owner.engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM audit_pending")) == 0
        assert (
            conn.execute(text("SELECT account_id FROM audit_log WHERE action = 'x'")).scalar_one()
            is None
        )


def test_a_flood_of_pending_entries_is_chained_a_batch_at_a_time(
    cluster: Cluster,  # noqa: F811
    clock: FixedClock,
    kiosk_login: Engine,
) -> None:
    """Review 3: any login may append pending entries; a million of them made the next
    chaining outlast the statement timeout, and every audited commit failed. A call chains
    a bounded batch: the office's writes go on, and the backlog drains."""
    with kiosk_login.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO audit_pending (at, actor, action, ok, details) "
            "SELECT now(), 'resident:3492', 'flood', true, '{}' FROM generate_series(1, 1200)"
        )
    office = services_as(cluster, CLERK, clock)
    try:
        office.auth.staff_login("desk", CLERK_PASSWORD)  # audited: its commit chains a batch
    finally:
        office.close()
    with cluster.owner.engine.connect() as conn:
        left = conn.scalar(text("SELECT count(*) FROM audit_pending"))
    assert 0 < left < 1200  # a batch went into the chain with the office's entry
    audit.chain_pending(cluster.owner)  # batch after batch, as before the log is read
    with cluster.owner.engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM audit_pending")) == 0
        assert conn.scalar(text("SELECT count(*) FROM audit_log WHERE action = 'flood'")) == 1200
    assert audit.verify(cluster.owner, SYSTEM).intact
