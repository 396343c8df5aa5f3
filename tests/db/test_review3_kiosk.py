"""The third review's small holes at the kiosk's functions (issue 10), on the real
PostgreSQL as member login roles: a sign-in's «rehash» cannot weaken a stored password, and
the reset code's key looks the same whether or not a reset is pending."""

from __future__ import annotations

import secrets
from datetime import timedelta

import psycopg.errors
import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from db.roles import KIOSK
from db.roles_support import ANONYMOUS_PER_HOUR
from desktop import audit
from desktop.actors import SYSTEM
from desktop.auth import codes
from desktop.clock import FixedClock
from desktop.errors import AccessDeniedError
from desktop.failures import database_failure
from tests.db.test_kiosk_proofs import TOKEN, opening, requesting, stored_hash
from tests.db.test_kiosk_writes import ids, kiosk, paid  # noqa: F401 (fixture)
from tests.db.test_roles import (  # noqa: F401 (fixtures)
    OWN_PASSWORD,
    Cluster,
    cheap_hashing,
    cluster,
    rows,
    services_as,
)


def _signed_in(kiosk: Engine, sql: str) -> bool:  # noqa: F811
    """Whether the call opened a session, committed (as the kiosk's service commits), under
    a token of its own."""
    with kiosk.begin() as conn:
        return (
            conn.exec_driver_sql(sql.replace(TOKEN, secrets.token_urlsafe(32))).scalar() is not None
        )


def test_a_rehash_under_weaker_parameters_is_not_stored(
    cluster: Cluster,  # noqa: F811
    clock: FixedClock,
    kiosk: Engine,  # noqa: F811
) -> None:
    """With the proof, a kiosk's login could pass the same password hashed under far weaker
    parameters (m=64 KiB, t=1, a 4-byte digest) as a «rehash», and the database stored it:
    a stolen copy of the table would then crack in no time. Only a hash that costs at least
    what the stored one does is stored."""
    stored = stored_hash(cluster, "3492")  # m=8192, t=1, p=1 (cheap_hashing)
    now = f"'{clock.now().isoformat()}'"
    weaker = (
        PasswordHasher(time_cost=1, memory_cost=64, parallelism=1, hash_len=4, salt_len=8).hash(
            OWN_PASSWORD
        ),
        PasswordHasher(time_cost=1, memory_cost=4096, parallelism=1).hash(OWN_PASSWORD),
        PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1, hash_len=16).hash(
            OWN_PASSWORD
        ),
        PasswordHasher(time_cost=1, memory_cost=8192, parallelism=2, salt_len=8).hash(OWN_PASSWORD),
    )
    for rehash in weaker:
        paid(kiosk, "resident", "3492", stored)
        assert _signed_in(kiosk, opening("3492", stored, now, f"'{rehash}'"))
        assert stored_hash(cluster, "3492") == stored, rehash
    # A stronger one (the office raised the parameters) is still stored.
    stronger = PasswordHasher(time_cost=2, memory_cost=16384, parallelism=1).hash(OWN_PASSWORD)
    paid(kiosk, "resident", "3492", stored)
    assert _signed_in(kiosk, opening("3492", stored, now, f"'{stronger}'"))
    assert stored_hash(cluster, "3492") == stronger


def test_a_pending_resets_key_looks_like_a_fake_one(
    cluster: Cluster,  # noqa: F811
    clock: FixedClock,
    kiosk: Engine,  # noqa: F811
) -> None:
    """``cabinet_reset_salt`` gives a pending reset code's key, or a fake one steady per
    number. The real key was a UUID's bytes: its version nibble always «4», its variant
    nibble one of «89ab» — which a fake one (a hash) has one time in 64. Whoever held the
    kiosk's login told a number with a reset under way from any other. Now both are
    uniform bytes."""
    salt_of = "SELECT cabinet_reset_salt('{}')"
    fakes = [rows(kiosk, salt_of.format(n))[0][0] for n in ("3492", "7001", "9999")]
    assert all(len(str(f)) == 32 for f in fakes)
    keys = []
    for minutes in range(0, 16, 2):  # a new code each time, past the resend interval
        paid(kiosk, "email", "3492", "r3492@mail.ru")
        moment = (clock.now() + timedelta(minutes=minutes)).isoformat()
        with kiosk.begin() as conn:
            assert conn.exec_driver_sql(requesting("3492", f"'{moment}'")).one()[1] == ""
        keys.append(str(rows(kiosk, salt_of.format("3492"))[0][0]))
    assert len(set(keys)) == len(keys) and all(len(k) == 32 for k in keys)
    assert not all(k[12] == "4" and k[16] in "89ab" for k in keys), keys


_FORGED = (
    "INSERT INTO audit_pending (at, actor, action, account_id, ok, details)"
    " VALUES (now(), :actor, :action, :account, true, '{}')"
)


def _logged(cluster: Cluster, action: str) -> list[tuple[object, ...]]:  # noqa: F811
    """The entries of ``action``, chained or not, as the owner reads them."""
    return rows(
        cluster.owner.engine,
        f"SELECT actor, account_id FROM audit_pending WHERE action = '{action}' UNION ALL "
        f"SELECT actor, account_id FROM audit_log WHERE action = '{action}'",
    )


def test_a_kiosk_without_a_session_names_no_one_in_the_audit_log(
    cluster: Cluster,  # noqa: F811
    clock: FixedClock,
    kiosk: Engine,  # noqa: F811
) -> None:
    """A kiosk's transaction carrying no session could append entries naming any actor —
    «staff:boss» or «system» did this, resident 3492 did that. Without a session it may name
    only no one («anonymous», «resident:unknown»…); a resident only once its own transaction
    wrote that resident's credential or code (a registration or a reset the database let
    through on its proof). Its real work still logs as before."""
    ivanov = ids(cluster)["3492"]
    for actor in ("staff:boss", "system", "admin:boss", "staff:desk"):
        with pytest.raises(DBAPIError) as refusal, kiosk.begin() as conn:
            conn.execute(text(_FORGED), {"actor": actor, "action": "forged", "account": ivanov})
        assert isinstance(refusal.value.orig, psycopg.errors.InsufficientPrivilege)
    assert _logged(cluster, "forged") == []
    for actor, action in (("resident:3492", "named"), ("anonymous", "anonymous")):
        with kiosk.begin() as conn:
            conn.execute(text(_FORGED), {"actor": actor, "action": action, "account": ivanov})
    assert _logged(cluster, "named") == [("resident:unknown", None)]
    assert _logged(cluster, "anonymous") == [("anonymous", None)]
    # The kiosk's own work: a sign-in (the session's holder), a reset asked for and done.
    app = services_as(cluster, KIOSK, clock)
    try:
        app.auth.login("3492", OWN_PASSWORD, kiosk=True)
        with cluster.owner.unit_of_work() as s:  # a code to reset with, known to the test
            code_hash = codes.hash_code("123456")
            s.execute(
                text(
                    "UPDATE resident_credential SET reset_code_hash = :h,"
                    " reset_code_expires_at = :e WHERE account_id = :a"
                ),
                {"h": code_hash, "e": clock.now() + timedelta(minutes=10), "a": ivanov},
            )
        app.auth.complete_reset("3492", "123456", "new-Sadovaya-pass-5")
    finally:
        app.close()
    assert _logged(cluster, "resident.sign_in")[-1] == ("resident:3492", ivanov)
    assert _logged(cluster, "password.reset") == [("resident:3492", ivanov)]
    assert audit.verify(cluster.owner, SYSTEM).intact


def test_a_kiosk_leaves_a_limited_number_of_requests_from_the_login_window(
    cluster: Cluster,  # noqa: F811
    clock: FixedClock,
) -> None:
    """A kiosk's login added requests with no account without end (the office's list
    drowned): now ten an hour per kiosk, counted by the database under the throttle's key;
    past them a Russian refusal and nothing added. A signed-in resident is not limited."""
    app = services_as(cluster, KIOSK, clock)
    try:
        for i in range(ANONYMOUS_PER_HOUR):
            app.support.create(None, f"Вопрос {i}", "Помогите.", "8 916 000-00-00")
        with pytest.raises(DBAPIError) as refusal:
            app.support.create(None, "Ещё вопрос", "Помогите.", "8 916 000-00-00")
        told = database_failure(refusal.value)
        assert isinstance(told, AccessDeniedError) and "через" in str(told), told
        resident = app.auth.login("3492", OWN_PASSWORD, kiosk=True).actor
        app.support.create(resident, "Счетчик", "Не могу найти пломбу", "r3492@mail.ru")
    finally:
        app.close()
    assert rows(
        cluster.owner.engine, "SELECT count(*) FROM support_request WHERE account_id IS NULL"
    ) == [(ANONYMOUS_PER_HOUR,)]
    assert rows(
        cluster.owner.engine, "SELECT count(*) FROM support_request WHERE account_id IS NOT NULL"
    ) == [(1,)]
