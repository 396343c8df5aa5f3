"""Issue 10 (review proof «clerk takeover»): a clerk's database login, with no staff member
signed in, must not take an account over. The office's writes to credentials and codes
(``db.roles_clerk``) demand the live session of a signed-in clerk or administrator carried
in the transaction (``db.rls``), name that member as the actor and write their own audit
entry; and a clerk's login reads no e-mail letter's text (``db.roles_outbox``)."""

from __future__ import annotations

import pytest
from sqlalchemy import Connection, Engine, create_engine, make_url, text
from sqlalchemy.exc import DBAPIError

from db.roles import CLERK, group_name, may_read_outbox
from db.roles_clock import CLOCK_SKEW_SECRET, DEFAULT_CLOCK_SKEW
from db.roles_outbox import MAILER
from desktop.auth import LoginError
from desktop.clock import FixedClock
from tests.db.clerk_desk import carry, derived_hash, reset_letters, staff_token, store_code
from tests.db.test_roles import (  # noqa: F401 (fixtures)
    CLERK_PASSWORD,
    Cluster,
    cheap_hashing,
    cluster,
    refused,
    rows,
    services_as,
)
from tests.db.test_roles_staff import clerk_engine  # noqa: F401 (fixture)

_ARGON = "$argon2id$v=19$m=8192,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$"
THIEF = _ARGON + "dGhpZWZ0aGllZnRoaWVmdGhpZWZ0aGllZg"
_CODE = "hmac-sha256$" + "0" * 32 + "$" + "1" * 64


def _audit_count(cluster: Cluster) -> int:  # noqa: F811
    found = rows(
        cluster.owner.engine,
        "SELECT (SELECT count(*) FROM audit_log) + (SELECT count(*) FROM audit_pending)",
    )
    return int(found[0][0])  # type: ignore[call-overload]


def _register(conn: Connection, clock: FixedClock, number: str) -> str:
    fio = conn.execute(
        text("SELECT replace(fio_norm, ' ', '') FROM account WHERE number = :n"), {"n": number}
    ).scalar()
    return str(
        conn.execute(
            text(
                "SELECT reason FROM cabinet_office_register(:num, :f, 'thief@mail.ru', '', :h,"
                " :n, :x)"
            ),
            {"num": number, "f": fio, "h": THIEF, "n": clock.now(), "x": clock.now()},
        ).scalar()
    )


def test_a_clerk_login_without_a_staff_session_registers_no_one_and_stores_no_code(
    cluster: Cluster,  # noqa: F811
    clock: FixedClock,
    clerk_engine: Engine,  # noqa: F811
) -> None:
    before = _audit_count(cluster)
    account = rows(cluster.owner.engine, "SELECT id FROM account WHERE number = '5210'")[0][0]
    for token in (None, "forged-token-" + "x" * 40):
        with pytest.raises(DBAPIError, match="no live staff session"), clerk_engine.begin() as c:
            if token:
                carry(c, token)
            _register(c, clock, "5210")
        with pytest.raises(DBAPIError, match="no live staff session"), clerk_engine.begin() as c:
            store_code(c, clock, int(account), _CODE)  # type: ignore[call-overload]
    assert rows(cluster.owner.engine, "SELECT count(*) FROM resident_credential") == [(2,)]
    assert rows(cluster.owner.engine, "SELECT count(*) FROM registration_code") == [(0,)]
    assert _audit_count(cluster) == before


def test_the_office_register_and_codes_name_the_signed_in_clerk_and_are_audited(
    cluster: Cluster,  # noqa: F811
    clock: FixedClock,
    clerk_engine: Engine,  # noqa: F811
) -> None:
    token = staff_token(cluster, clock)
    account = rows(cluster.owner.engine, "SELECT id FROM account WHERE number = '5210'")[0][0]
    with clerk_engine.begin() as conn:
        carry(conn, token)
        assert _register(conn, clock, "5210") == ""
        code_hash = derived_hash(cluster, int(account))  # type: ignore[call-overload]
        assert store_code(conn, clock, int(account), code_hash) == 1  # type: ignore[call-overload]
    logged = rows(
        cluster.owner.engine,
        "SELECT actor, action, account_id FROM audit_pending"
        " WHERE strpos(details, 'database') > 0 UNION ALL "
        "SELECT actor, action, account_id FROM audit_log WHERE strpos(details, 'database') > 0",
    )
    assert sorted(logged) == [  # type: ignore[type-var]
        ("staff:desk", "registration_code.issue", account),
        ("staff:desk", "resident.register", account),
    ]
    assert rows(
        cluster.owner.engine,
        f"SELECT issued_by FROM registration_code WHERE account_id = {account}",
    ) == [("staff:desk",)]


def test_a_clerk_login_reads_no_letter_and_only_a_signed_in_desk_a_slip(
    cluster: Cluster,  # noqa: F811
    clock: FixedClock,
    clerk_engine: Engine,  # noqa: F811
) -> None:
    """The review's proof, step by step: the reset it may still ask for (a resident's own
    way in at an office desk) puts a code in a letter the clerk's login cannot read."""

    def unread(conn: Connection) -> None:  # not even in the transaction that queued it
        with pytest.raises(DBAPIError, match="permission denied"), conn.begin_nested():
            conn.execute(text("SELECT body FROM outbox_message"))

    letters = reset_letters(clerk_engine, clock, unread)
    assert set(letters) == {"email", "slip"}
    for sql in (
        "SELECT body FROM outbox_message",
        "SELECT * FROM outbox_message",
        "SELECT count(*) FROM outbox_message WHERE strpos(body, '1') > 0",
        "UPDATE outbox_message SET channel = 'slip'",
        "UPDATE outbox_message SET recipient = 'thief@mail.ru'",
        "DELETE FROM outbox_message WHERE body <> ''",
        "UPDATE outbox_message SET handed_out_at = now() RETURNING body",
        f"SELECT * FROM cabinet_slip_bodies(ARRAY[{letters['slip']}]::bigint[], now())",  # no staff
    ):
        refused(clerk_engine, sql)
    assert not may_read_outbox(clerk_engine)
    # A signed-in clerk's desk reads the slip it prints, and still no e-mail letter.
    token = staff_token(cluster, clock)
    with clerk_engine.begin() as conn:
        carry(conn, token)
        bodies = conn.execute(
            text("SELECT id, body FROM cabinet_slip_bodies(CAST(:ids AS bigint[]), :n)"),
            {"ids": list(letters.values()), "n": clock.now()},
        ).all()
    assert [(i, "CODE=" in b) for i, b in bodies] == [(letters["slip"], True)]
    # The mailer's login (the desk that sends the mail) reads the letters to send them.
    mailer = f"{cluster.prefix}mailer_desk"
    with cluster.owner.engine.begin() as conn:
        conn.exec_driver_sql(
            f'CREATE ROLE "{mailer}" LOGIN IN ROLE "{group_name(CLERK, cluster.prefix)}",'
            f' "{group_name(MAILER, cluster.prefix)}"'
        )
    engine = create_engine(make_url(cluster.url).set(username=mailer))
    try:
        assert may_read_outbox(engine)
        assert sorted(
            rows(engine, "SELECT channel, strpos(body, 'CODE=') = 1 FROM outbox_message")
        ) == [
            ("email", True),
            ("slip", True),
        ]
    finally:
        engine.dispose()
        with cluster.owner.engine.begin() as conn:
            conn.exec_driver_sql(f'DROP OWNED BY "{mailer}"')
            conn.exec_driver_sql(f'DROP ROLE "{mailer}"')


def test_a_staff_session_older_than_a_working_day_is_no_staff_actor_to_the_database(
    cluster: Cluster,  # noqa: F811
    clock: FixedClock,
) -> None:
    """The database's own check (``cabinet_staff_actor``, behind every sealed clerk function)
    ends a staff session after 12 hours by the server's clock, as ``desktop.sessions`` does."""
    token = staff_token(cluster, clock)
    with cluster.owner.engine.begin() as conn:
        conn.execute(
            text("UPDATE auth_secret SET value = :v WHERE name = :n"),
            {"v": DEFAULT_CLOCK_SKEW, "n": CLOCK_SKEW_SECRET},
        )

    def actor_after(hours: float) -> str | None:
        with cluster.owner.engine.begin() as conn:
            conn.execute(
                text("UPDATE user_session SET created_at = now() - make_interval(secs => :s)"),
                {"s": hours * 3600},
            )
            conn.execute(text("SELECT set_config('cabinet.session', :t, true)"), {"t": token})
            return conn.scalar(text("SELECT cabinet_staff_actor()"))

    assert actor_after(11.9) == "staff:desk"
    assert actor_after(12 + 5 / 60 - 0.01) == "staff:desk"  # within the allowed skew
    assert actor_after(12.1) is None


def test_a_clerks_desk_locked_after_idle_opens_with_the_clerks_password(
    cluster: Cluster,  # noqa: F811
    clock: FixedClock,
) -> None:
    """The clerk's role reads no staff hash: the unlock compares in the database, as the
    sign-in does (``db.roles_staff``), and writes its audit entry in the clerk's name."""
    clerk = services_as(cluster, "clerk", clock)
    try:
        desk = clerk.auth.staff_login("desk", CLERK_PASSWORD).actor
        clerk.auth.unlock(desk, CLERK_PASSWORD)
        with pytest.raises(LoginError, match="Неверный пароль"):
            clerk.auth.unlock(desk, CLERK_PASSWORD + "x")
    finally:
        clerk.close()
    assert rows(
        cluster.owner.engine,
        "SELECT actor, ok FROM audit_log WHERE action = 'staff.unlock' ORDER BY id",
    ) == [("staff:desk", True), ("staff:desk", False)]
