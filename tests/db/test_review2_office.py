"""The second security review's office-side and session holes (issue 10), on the real
PostgreSQL as member login roles: a kiosk cannot revive its ended session, a clerk cannot
forge a one-time session and take the administrator's password, the staff functions refuse
a clock far from the server's, and the kiosk cannot relay mail to strangers."""

from __future__ import annotations

from datetime import timedelta

import psycopg.errors
import pytest
from sqlalchemy import Connection, Engine, select, text
from sqlalchemy.exc import DBAPIError

from db.models import OutboxMessage, StaffUser, UserSession
from db.roles_clock import CLOCK_SKEW_SECRET
from desktop import passwords
from desktop.auth.sealed import _hash_with
from desktop.clock import FixedClock
from desktop.sessions import token_hash
from tests.db.test_roles import (  # noqa: F401 (fixtures)
    CLERK_PASSWORD,
    OWN_PASSWORD,
    Cluster,
    cheap_hashing,
    cluster,
)
from tests.db.test_roles_staff import (  # noqa: F401 (fixtures)
    PARAMS,
    clerk_engine,
    kiosk_engine,
)


def _carry(conn: Connection, token: str) -> None:
    conn.execute(text("SELECT set_config('cabinet.session', :t, true)"), {"t": token})


def _kiosk_password(kiosk: Engine) -> str:
    """Resident 3492's password hashed with the stored salt, its attempt counted (the
    throttle admits only a candidate counted in an earlier transaction)."""
    with kiosk.begin() as conn:
        salt = conn.execute(
            text("SELECT salt FROM cabinet_secret_salt('password', '3492', :p, 32)"),
            {"p": PARAMS},
        ).scalar_one()
    candidate = _hash_with(salt, OWN_PASSWORD, 32)
    with kiosk.begin() as conn:
        conn.execute(
            text("SELECT cabinet_throttle_attempt('resident', '3492', :c)"), {"c": candidate}
        )
    return candidate


def _open_kiosk_session(kiosk: Engine, conn: Connection, token: str) -> int:
    """A resident's session opened by the database, in ``conn``'s transaction."""
    candidate = _kiosk_password(kiosk)
    now = conn.exec_driver_sql("SELECT now()").scalar()
    opened = conn.execute(
        text("SELECT id FROM cabinet_open_session('kiosk', '3492', :c, :t, :now, NULL)"),
        {"c": candidate, "t": token, "now": now},
    ).scalar()
    assert opened is not None
    return int(opened)


def _refused(conn: Connection, sql: str, params: dict[str, object] | None = None) -> None:
    with pytest.raises(DBAPIError) as refusal, conn.begin_nested():
        conn.execute(text(sql), params or {})
    assert isinstance(refusal.value.orig, psycopg.errors.InsufficientPrivilege), refusal.value


def test_a_kiosk_ends_its_session_but_never_revives_an_ended_one(
    cluster: Cluster,  # noqa: F811
    kiosk_engine: Engine,  # noqa: F811
) -> None:
    token = "R" * 40
    with kiosk_engine.begin() as conn:
        session_id = _open_kiosk_session(kiosk_engine, conn, token)
    # A password change elsewhere ends it.
    with cluster.owner.engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE user_session SET ended_at = now(), end_reason = 'password_changed'"
                " WHERE id = :i"
            ),
            {"i": session_id},
        )
    with kiosk_engine.begin() as conn:
        _carry(conn, token)
        assert conn.execute(text("SELECT cabinet_session_account()")).scalar() is None
        revived = conn.exec_driver_sql("UPDATE user_session SET ended_at = NULL, end_reason = NULL")
        assert revived.rowcount == 0
    with kiosk_engine.begin() as conn:
        _carry(conn, token)
        assert conn.execute(text("SELECT cabinet_session_account()")).scalar() is None
    with cluster.owner.read() as s:
        assert s.get_one(UserSession, session_id).ended_at is not None
    # A live one the kiosk still marks seen and ends (a logout), as the desktop does.
    live = "L" * 40
    with kiosk_engine.begin() as conn:
        live_id = _open_kiosk_session(kiosk_engine, conn, live)
    with kiosk_engine.begin() as conn:
        _carry(conn, live)
        seen = conn.execute(
            text("UPDATE user_session SET last_seen_at = now() WHERE id = :i"), {"i": live_id}
        )
        assert seen.rowcount == 1
        ended = conn.execute(
            text(
                "UPDATE user_session SET ended_at = now(), end_reason = 'logout'"
                " WHERE id = :i AND ended_at IS NULL"
            ),
            {"i": live_id},
        )
        assert ended.rowcount == 1
    with kiosk_engine.begin() as conn:
        _carry(conn, live)
        assert conn.exec_driver_sql("UPDATE user_session SET ended_at = NULL").rowcount == 0
    with cluster.owner.read() as s:
        assert s.get_one(UserSession, live_id).end_reason == "logout"


def test_a_clerk_cannot_forge_a_one_time_session_and_take_the_admins_password(
    cluster: Cluster,  # noqa: F811
    clerk_engine: Engine,  # noqa: F811
) -> None:
    new_hash = passwords.hash_password("attacker-chosen-pass1")
    with cluster.owner.engine.begin() as conn:
        # As for any staff member an administrator created, until their first change.
        conn.exec_driver_sql("UPDATE staff_user SET must_change = true WHERE login = 'boss'")
    with cluster.owner.read() as s:
        before = s.scalars(select(StaffUser.password_hash).where(StaffUser.login == "boss")).one()
        boss_id = s.scalars(select(StaffUser.id).where(StaffUser.login == "boss")).one()
    token = "X" * 40
    forged = {"s": boss_id, "h": token_hash(token)}
    with clerk_engine.begin() as conn:
        _refused(
            conn,
            "INSERT INTO user_session (kind, account_id, staff_id, one_time, created_at,"
            " last_seen_at, token_hash) VALUES ('admin', NULL, :s, true, now(), now(), :h)",
            forged,
        )
    # Nor turns a session it holds (its own desk's) into the administrator's.
    with clerk_engine.begin() as conn:
        candidate = _staff_candidate(conn, "desk", CLERK_PASSWORD)
        now = conn.exec_driver_sql("SELECT now()").scalar()
        own = conn.execute(
            text("SELECT id FROM cabinet_open_staff_session('desk', :c, :t, :now)"),
            {"c": candidate, "t": token, "now": now},
        ).scalar()
        assert own is not None
        for column in ("staff_id = :s", "token_hash = :h", "kind = 'admin'", "created_at = now()"):
            _refused(conn, f"UPDATE user_session SET {column} WHERE id = {own}", forged)
        changed = conn.execute(
            text("SELECT cabinet_staff_set_password('boss', NULL, :t, :h, now())"),
            {"t": token, "h": new_hash},
        ).scalar()
        assert changed is False
    with cluster.owner.read() as s:
        after = s.scalars(select(StaffUser.password_hash).where(StaffUser.login == "boss")).one()
    assert after == before


def _staff_candidate(conn: Connection, login: str, password: str) -> str:
    """The typed password's hash with the stored salt, its attempt paid for in a transaction
    of its own (the database compares only a candidate with a ticket: db.roles_throttle)."""
    row = conn.execute(
        text("SELECT salt, hash_len FROM cabinet_staff_salt(:l, :p, 32)"), {"l": login, "p": PARAMS}
    ).one()
    candidate = _hash_with(row.salt, password, int(row.hash_len))
    with conn.engine.begin() as other:
        other.execute(
            text("SELECT cabinet_throttle_attempt('staff', :l, :c)"), {"l": login, "c": candidate}
        )
    return candidate


@pytest.mark.parametrize(
    "call",
    [
        "SELECT id FROM cabinet_open_staff_session('desk', :c, :t, :now)",
        "SELECT cabinet_staff_set_password('desk', :c, NULL, :h, :now)",
    ],
)
def test_the_staff_functions_refuse_a_clock_far_from_the_servers(
    cluster: Cluster,  # noqa: F811
    clerk_engine: Engine,  # noqa: F811
    call: str,
) -> None:
    with cluster.owner.engine.begin() as conn:  # the fixture widened it for the 2017 clock
        conn.execute(
            text("UPDATE auth_secret SET value = '5 minutes' WHERE name = :n"),
            {"n": CLOCK_SKEW_SECRET},
        )
    new_hash = passwords.hash_password("new-desk-pass-Sadovaya")
    with cluster.owner.read() as s:
        before = s.scalars(select(StaffUser.password_hash).where(StaffUser.login == "desk")).one()
    for shift in (timedelta(hours=-1), timedelta(days=3)):
        with clerk_engine.connect() as conn:
            candidate = _staff_candidate(conn, "desk", CLERK_PASSWORD)
            now = conn.exec_driver_sql("SELECT now()").scalar()
            with pytest.raises(DBAPIError) as refusal:
                conn.execute(
                    text(call), {"c": candidate, "t": "T" * 40, "h": new_hash, "now": now + shift}
                )
            assert refusal.value.orig is not None
            assert refusal.value.orig.sqlstate == "CB001"
            conn.rollback()
    with cluster.owner.read() as s:
        assert not s.scalars(select(UserSession.id).where(UserSession.staff_id.is_not(None))).all()
        after = s.scalars(select(StaffUser.password_hash).where(StaffUser.login == "desk")).one()
    assert after == before


def test_ending_an_accounts_sessions_refuses_a_clock_far_from_the_servers(
    cluster: Cluster,  # noqa: F811
    kiosk_engine: Engine,  # noqa: F811
    clock: FixedClock,
) -> None:
    with cluster.owner.engine.begin() as conn:
        conn.execute(
            text("UPDATE auth_secret SET value = '5 minutes' WHERE name = :n"),
            {"n": CLOCK_SKEW_SECRET},
        )
    with kiosk_engine.connect() as conn:
        with pytest.raises(DBAPIError) as refusal:
            conn.execute(
                text("SELECT cabinet_end_account_sessions(1, :now, 'x', NULL)"),
                {"now": clock.now()},  # 2017
            )
        assert refusal.value.orig is not None
        assert refusal.value.orig.sqlstate == "CB001"


def test_the_kiosk_queues_letters_only_to_the_accounts_own_address(
    cluster: Cluster,  # noqa: F811
    kiosk_engine: Engine,  # noqa: F811
) -> None:
    token = "T" * 40
    letter = (
        "INSERT INTO outbox_message (account_id, recipient, subject, body, created_at, channel,"
        " status, attempts, next_attempt_at, expires_at, last_error) VALUES (:a, :r, 'Оплата',"
        " 'Срочно оплатите на http://evil', now(), 'email', 'queued', 0, now(),"
        " now() + interval '1 day', '')"
    )
    with kiosk_engine.begin() as conn:
        _open_kiosk_session(kiosk_engine, conn, token)  # writes the credential
        _carry(conn, token)
        account = conn.execute(text("SELECT cabinet_session_account()")).scalar()
        assert account is not None
        for stranger in ("victim@example.org", "R3492@MAIL.RU", "r3492@mail.ru "):
            _refused(conn, letter, {"a": account, "r": stranger})
        conn.execute(text(letter), {"a": account, "r": "r3492@mail.ru"})  # its own: allowed
    with cluster.owner.read() as s:
        queued = s.scalars(
            select(OutboxMessage.recipient).where(OutboxMessage.body.like("%evil%"))
        ).all()
    assert queued == ["r3492@mail.ru"]
