# ruff: noqa: F811  (pytest fixtures imported from the other modules)
"""Issue 10, a security review's findings, as regressions: each test failed before its fix.

- a kiosk that ends its own session in a transaction still names only that session's holder;
- a wrong reset code proves nothing (no audit entry naming the victim, no reading or deleting
  the victim's letters, no ending the victim's sessions): ``db.roles_proof``;
- a registration signs out whoever registered the account before (their one-time session).
"""

from __future__ import annotations

import secrets
from datetime import timedelta

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import ProgrammingError

from db.roles import ADMIN
from desktop.auth import codes
from desktop.clock import FixedClock
from tests.db.clerk_desk import staff_token
from tests.db.test_kiosk_proofs import one_time_password, opening, requesting, stored_hash
from tests.db.test_kiosk_writes import ids, kiosk, paid  # noqa: F401 (fixture)
from tests.db.test_roles import Cluster, cheap_hashing, cluster, rows  # noqa: F401
from tests.db.test_roles_staff import clerk_engine  # noqa: F401 (fixture)

_FORGED = (
    "INSERT INTO audit_pending (at, actor, action, account_id, ok, details)"
    " VALUES (now(), :actor, :action, :account, true, '{}')"
)
_WRONG = "hmac-sha256$00$00"
_ARGON = "$argon2id$v=19$m=8192,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$"


def _logged(cluster: Cluster, action: str) -> list[tuple[object, ...]]:
    return rows(
        cluster.owner.engine,
        f"SELECT actor, account_id FROM audit_pending WHERE action = '{action}' UNION ALL "
        f"SELECT actor, account_id FROM audit_log WHERE action = '{action}'",
    )


def _signed_in(cluster: Cluster, clock: FixedClock, kiosk: Engine, number: str) -> str:
    stored = stored_hash(cluster, number)
    token = secrets.token_urlsafe(32)
    paid(kiosk, "resident", number, stored)
    with kiosk.begin() as conn:
        assert conn.exec_driver_sql(
            opening(number, stored, f"'{clock.now().isoformat()}'").replace("t" * 43, token)
        ).scalar()
    return token


@pytest.mark.parametrize("actor", ["staff:boss", "resident:7001", "system"])
def test_a_kiosk_ending_its_own_session_names_no_one_else(
    cluster: Cluster,
    clock: FixedClock,
    kiosk: Engine,
    actor: str,
) -> None:
    token = _signed_in(cluster, clock, kiosk, "3492")
    victim = ids(cluster)["7001"]
    refused = pytest.raises(ProgrammingError, match="not the signed-in resident:3492")
    with refused, kiosk.begin() as conn:
        conn.execute(text("SELECT set_config('cabinet.session', :t, true)"), {"t": token})
        conn.execute(
            text(
                "UPDATE user_session SET ended_at = now(), end_reason = 'logout'"
                " WHERE ended_at IS NULL"
            )
        )
        conn.execute(text(_FORGED), {"actor": actor, "action": "forged", "account": victim})
    assert _logged(cluster, "forged") == []
    # Its own logout, in the same shape, is still recorded under its own name.
    with kiosk.begin() as conn:
        conn.execute(text("SELECT set_config('cabinet.session', :t, true)"), {"t": token})
        conn.execute(
            text(
                "UPDATE user_session SET ended_at = now(), end_reason = 'logout'"
                " WHERE ended_at IS NULL"
            )
        )
        conn.execute(text(_FORGED), {"actor": "resident:3492", "action": "bye", "account": None})
    assert _logged(cluster, "bye") == [("resident:3492", None)]


def _pending_reset(cluster: Cluster, clock: FixedClock, account: int) -> None:
    with cluster.owner.unit_of_work() as s:
        s.execute(
            text(
                "UPDATE resident_credential SET reset_code_hash = :h, reset_code_expires_at = :e"
                " WHERE account_id = :a"
            ),
            {
                "h": codes.hash_code("123456"),
                "e": clock.now() + timedelta(minutes=10),
                "a": account,
            },
        )


def test_a_wrong_reset_code_does_not_let_the_kiosk_name_the_victim(
    cluster: Cluster,
    clock: FixedClock,
    kiosk: Engine,
) -> None:
    victim = ids(cluster)["7001"]
    _pending_reset(cluster, clock, victim)
    paid(kiosk, "resident", "7001", _WRONG)
    with kiosk.begin() as conn:
        reason = conn.execute(
            text("SELECT reason FROM cabinet_complete_reset('7001', :c, :h, :n)"),
            {"c": _WRONG, "h": _ARGON + "aGFzaGhhc2hoYXNoaGFzaGhhc2g", "n": clock.now()},
        ).scalar()
        assert reason == "wrong_code"
        conn.execute(
            text(_FORGED), {"actor": "resident:7001", "action": "guess", "account": victim}
        )
    assert _logged(cluster, "guess") == [("resident:unknown", None)]


def test_a_wrong_reset_code_neither_deletes_the_letter_nor_ends_sessions(
    cluster: Cluster,
    clock: FixedClock,
    kiosk: Engine,
) -> None:
    victim = ids(cluster)["7001"]
    _signed_in(cluster, clock, kiosk, "7001")
    paid(kiosk, "email", "7001", "r7001@mail.ru")
    with kiosk.begin() as conn:
        assert (
            conn.exec_driver_sql(requesting("7001", f"'{clock.now().isoformat()}'")).one()[1] == ""
        )
    live = f"SELECT count(*) FROM user_session WHERE account_id = {victim} AND ended_at IS NULL"
    letters = f"SELECT count(*) FROM outbox_message WHERE account_id = {victim}"
    paid(kiosk, "resident", "7001", _WRONG)
    with kiosk.begin() as conn:
        conn.execute(
            text("SELECT reason FROM cabinet_complete_reset('7001', :c, :h, :n)"),
            {"c": _WRONG, "h": _ARGON + "aGFzaGhhc2hoYXNoaGFzaGhhc2g", "n": clock.now()},
        )
        seen = conn.execute(
            text("SELECT count(*) FROM outbox_message WHERE account_id = :a"), {"a": victim}
        ).scalar()
        conn.execute(text("DELETE FROM outbox_message WHERE account_id = :a"), {"a": victim})
        ended = conn.execute(
            text("SELECT cabinet_end_account_sessions(:a, :n, 'x', NULL)"),
            {"a": victim, "n": clock.now()},
        ).scalar()
    assert (seen, ended) == (0, 0)
    assert rows(cluster.owner.engine, live) == [(1,)]
    assert rows(cluster.owner.engine, letters) == [(1,)]


def test_the_kiosk_cannot_write_or_read_the_proofs(
    cluster: Cluster,
    kiosk: Engine,
) -> None:
    for statement in (
        "INSERT INTO cabinet_proof VALUES (pg_current_xact_id(), 1)",
        "SELECT count(*) FROM cabinet_proof",
        "SELECT cabinet_prove(1)",
        "SELECT cabinet_proven(1)",
    ):
        with pytest.raises(ProgrammingError, match="permission denied"), kiosk.begin() as conn:
            conn.execute(text(statement))


def test_the_office_registering_an_account_signs_out_the_earlier_registrant(
    cluster: Cluster,
    clock: FixedClock,
    kiosk: Engine,
    clerk_engine: Engine,
) -> None:
    one_time_password(cluster, clock)  # 5210 registered by a stranger, one-time password unused
    token = _signed_in(cluster, clock, kiosk, "5210")
    office = _ARGON + "b2ZmaWNlb2ZmaWNlb2ZmaWNlb2ZmaWNl"
    desk = staff_token(cluster, clock)  # the office registers with a clerk signed in
    with clerk_engine.begin() as conn:
        conn.execute(text("SELECT set_config('cabinet.session', :t, true)"), {"t": desk})
        fio = conn.execute(
            text("SELECT replace(fio_norm, ' ', '') FROM account WHERE number = '5210'")
        ).scalar()
        assert (
            conn.execute(
                text(
                    "SELECT reason FROM cabinet_office_register('5210', :f, 'real@mail.ru', '', :h,"
                    " :n, :x)"
                ),
                {"f": fio, "h": office, "n": clock.now(), "x": clock.now()},
            ).scalar()
            == ""
        )
    with kiosk.begin() as conn:
        conn.execute(text("SELECT set_config('cabinet.session', :t, true)"), {"t": token})
        assert conn.execute(
            text("SELECT reason FROM cabinet_change_password(NULL, :h, :n, '1 hour')"),
            {"h": _ARGON + "c3RyYW5nZXJzdHJhbmdlcnN0cmFuZ2Vy", "n": clock.now()},
        ).scalar() == ("no_session")
    assert stored_hash(cluster, "5210") == office
    assert rows(
        cluster.owner.engine,
        "SELECT end_reason FROM user_session s JOIN account a ON a.id = s.account_id"
        " WHERE a.number = '5210'",
    ) == [("registered_again",)]


@pytest.mark.parametrize("actor", ["staff:boss", "system", "cli:root", "somebody"])
def test_a_clerk_login_without_a_session_names_no_staff_nor_the_system(
    cluster: Cluster, clerk_engine: Engine, actor: str
) -> None:
    victim = ids(cluster)["7001"]
    refused = pytest.raises(ProgrammingError, match="without a session may not write")
    with refused, clerk_engine.begin() as conn:
        conn.execute(text(_FORGED), {"actor": actor, "action": "forged", "account": victim})
    assert _logged(cluster, "forged") == []


def test_a_clerk_login_names_a_resident_only_on_their_proof(
    cluster: Cluster, clerk_engine: Engine
) -> None:
    victim = ids(cluster)["7001"]
    with clerk_engine.begin() as conn:
        conn.execute(
            text(_FORGED), {"actor": "resident:7001", "action": "forged", "account": victim}
        )
    assert _logged(cluster, "forged") == [("resident:unknown", None)]
    # A failed staff sign-in names the login typed (as the desk records it).
    with clerk_engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO audit_pending (at, actor, action, account_id, ok, details)"
                " VALUES (now(), 'staff:boss', 'staff.sign_in', NULL, false, '{}')"
            )
        )
    assert _logged(cluster, "staff.sign_in")[-1] == ("staff:boss", None)


def test_an_administrators_login_may_write_as_the_system(cluster: Cluster) -> None:
    admin = cluster.engine(ADMIN)
    try:
        with admin.begin() as conn:
            conn.execute(text(_FORGED), {"actor": "cli:root", "action": "script", "account": None})
        refused = pytest.raises(ProgrammingError, match="without a session may not write")
        with refused, admin.begin() as conn:
            conn.execute(
                text(_FORGED), {"actor": "staff:boss", "action": "forged", "account": None}
            )
    finally:
        admin.dispose()
    assert _logged(cluster, "script") == [("cli:root", None)]
    assert _logged(cluster, "forged") == []
