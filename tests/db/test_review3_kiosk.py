"""The third review's small holes at the kiosk's functions (issue 10), on the real
PostgreSQL as member login roles: a sign-in's «rehash» cannot weaken a stored password, and
the reset code's key looks the same whether or not a reset is pending."""

from __future__ import annotations

import secrets
from datetime import timedelta

from argon2 import PasswordHasher
from sqlalchemy import Engine

from desktop.clock import FixedClock
from tests.db.test_kiosk_proofs import TOKEN, opening, requesting, stored_hash
from tests.db.test_kiosk_writes import kiosk, paid  # noqa: F401 (fixture)
from tests.db.test_roles import (  # noqa: F401 (fixtures)
    OWN_PASSWORD,
    Cluster,
    cheap_hashing,
    cluster,
    rows,
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
