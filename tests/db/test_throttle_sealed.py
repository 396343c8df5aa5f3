"""The sign-in throttle enforced by PostgreSQL for the kiosk's role (issue 10): a kiosk's
credentials cannot clear, rewrite or skip the delays, nor read the throttle's key; a loop
around the compare functions meets the same growing delay as the sign-in screen; the real
sign-in still works once the delay has passed; and the database's rule is the Python one.
On the real server, connected as a member login role of the kiosk's group."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, Engine, text

from db.engine import Database
from db.migrate import upgrade
from db.roles import KIOSK
from db.roles_reset import RESET_CODE_PLACEHOLDER
from db.roles_throttle import THROTTLE_SECRET
from desktop.auth import LoginError, LoginThrottled, codes
from desktop.auth.db_secret import load_or_make
from desktop.auth.sealed import _hash_with
from desktop.auth.throttle import Throttle
from desktop.clock import FixedClock
from tests.db.test_roles import (  # noqa: F401 (fixtures)
    OWN_PASSWORD,
    Cluster,
    cheap_hashing,
    cluster,
    refused,
    rows,
    services_as,
)

KIOSK_MAY_NOT = (
    "DELETE FROM login_throttle",
    "UPDATE login_throttle SET next_attempt_at = NULL, failed_attempts = 0",
    "INSERT INTO login_throttle VALUES ('x', 0, NULL, now())",
    "SELECT * FROM login_throttle",
    "TRUNCATE login_throttle",
    "INSERT INTO auth_secret VALUES ('throttle2', 'x')",
    "SELECT cabinet_throttle_succeeded_at('resident', '3492', 'kiosk')",
    "SELECT cabinet_throttle_wait_at('resident', '3492', 'd', 'd', now() + interval '1 day')",
    "SELECT cabinet_throttle_failed_at('resident', '3492', 'd', 'd', now())",
    "SELECT cabinet_throttle_matched('resident', '3492')",
    "SELECT cabinet_throttle_admits('resident', '3492', 'x')",
    "SELECT cabinet_throttle_mac('resident')",
)


def test_the_kiosk_cannot_touch_the_throttle_or_read_its_key(
    cluster: Cluster,  # noqa: F811 (the fixture imported above)
) -> None:
    kiosk = cluster.engine(KIOSK)
    office = cluster.engine("clerk")
    try:
        for sql in KIOSK_MAY_NOT:
            refused(kiosk, sql)
        # The key registration codes are derived from, made when the office prints them:
        # with it and a code's salt the kiosk could work out any printed code.
        load_or_make(cluster.owner, codes.SECRET_NAME)
        assert rows(kiosk, "SELECT * FROM auth_secret") == []
        # The office's desks run the Python throttle: they read its key, neither the sealed
        # one nor the codes' (a clerk's desk gets its codes from the database, db.roles_codes).
        assert rows(office, "SELECT name FROM auth_secret") == [(THROTTLE_SECRET,)]
    finally:
        kiosk.dispose()
        office.dispose()


def candidate(conn: Connection, number: str, password: str) -> str:
    """The typed password's hash as the kiosk computes it (desktop.auth.sealed)."""
    from desktop import passwords

    hasher = passwords._hasher
    params = f"$argon2id$v=19$m={hasher.memory_cost},t={hasher.time_cost},p={hasher.parallelism}"
    salt, hash_len = conn.execute(
        text("SELECT salt, hash_len FROM cabinet_secret_salt('password', :n, :p, :l)"),
        {"n": number, "p": params, "l": hasher.hash_len},
    ).one()
    hashed = _hash_with(salt, password, int(hash_len))
    assert hashed is not None
    return hashed


def attempt(engine: Engine, kind: str, number: str, candidate: str, device: str) -> int:
    """The attempt paid for in a transaction of its own, committed: the wait (0: a ticket)."""
    with engine.begin() as conn:
        conn.execute(text("SELECT set_config('cabinet.device', :d, true)"), {"d": device})
        return int(
            conn.execute(
                text("SELECT cabinet_throttle_attempt(:k, :n, :c)"),
                {"k": kind, "n": number, "c": candidate},
            ).scalar_one()
        )


def ask(engine: Engine, sql: str, device: str = "loop", **params: str) -> object:
    """One call as the kiosk's application makes it: in a transaction carrying its device."""
    with engine.begin() as conn:
        conn.execute(text("SELECT set_config('cabinet.device', :d, true)"), {"d": device})
        return conn.execute(text(sql), params).scalar()


MATCHES = "SELECT cabinet_secret_matches('password', :n, :c)"
# The kiosk's «Забыли пароль?» for 3492: the function compares the e-mail (db.roles_resident).
RESET = (
    "SELECT reason FROM cabinet_request_reset('3492', :e, now(), interval '10 minutes',"
    " interval '1 minute', 'email', 'Код для восстановления пароля',"
    f" 'Код: {RESET_CODE_PLACEHOLDER}')"
)


def guess(engine: Engine, number: str, hashed: str, device: str = "loop") -> bool:
    """A guess as the kiosk's application makes one: paid for, then compared."""
    attempt(engine, "resident", number, hashed, device)
    return bool(ask(engine, MATCHES, device, n=number, c=hashed))


def test_a_loop_around_the_compare_function_is_delayed(
    cluster: Cluster,  # noqa: F811 (the fixture imported above)
) -> None:
    kiosk = cluster.engine(KIOSK)
    try:
        with kiosk.connect() as conn:
            right = candidate(conn, "3492", OWN_PASSWORD)
            wrong = [candidate(conn, "3492", f"guess-{i}") for i in range(4)]
        # Unpaid, paid in the same transaction, or paid and rolled back: no compare at all.
        assert not ask(kiosk, MATCHES, n="3492", c=right)
        with kiosk.connect() as conn:  # a ticket of this transaction is not one …
            conn.execute(text("SELECT set_config('cabinet.device', 'loop', true)"))
            conn.execute(
                text("SELECT cabinet_throttle_attempt('resident', '3492', :c)"), {"c": right}
            )
            assert not conn.execute(text(MATCHES), {"n": "3492", "c": right}).scalar()
            conn.rollback()
        assert not ask(kiosk, MATCHES, n="3492", c=right)  # … nor, rolled back, afterwards
        for hashed in wrong:
            assert not guess(kiosk, "3492", hashed)
        # Four misses: the fourth started a 2-second delay, in which no attempt is sold, so
        # even the right hash is not compared; nothing the kiosk may do shortens it.
        assert attempt(kiosk, "resident", "3492", right, "loop") in (
            1,
            2,
        )  # the database's clock runs
        assert not ask(kiosk, MATCHES, n="3492", c=right)
        assert ask(kiosk, "SELECT cabinet_throttle_wait('resident', '3492')") in (1, 2)
        # E-mails (compared by cabinet_request_reset) and registration codes are guarded the
        # same way, under their own kinds.
        for i in range(4):
            email = f"x{i}@mail.ru"
            assert attempt(kiosk, "email", "3492", email, "loop") == 0
            assert ask(kiosk, RESET, e=email) == "email_mismatch"
            assert attempt(kiosk, "registration", "5210", f"code-{i}", "loop") == 0
            assert not ask(kiosk, "SELECT cabinet_code_matches('5210', :c)", c=f"code-{i}")
        assert attempt(kiosk, "email", "3492", "r3492@mail.ru", "loop") in (1, 2)
        assert ask(kiosk, RESET, e="r3492@mail.ru") == "email_mismatch"  # the right one
        assert ask(kiosk, "SELECT cabinet_throttle_wait('registration', '5210')") in (1, 2)
        time.sleep(2.1)
        assert guess(kiosk, "3492", right)  # paid for and committed: compared
        assert attempt(kiosk, "email", "3492", "r3492@mail.ru", "loop") == 0
        assert ask(kiosk, RESET, e="r3492@mail.ru") == ""  # the code made and mailed
        # Inventing a device id per call does not escape the login role's bucket (20 free
        # failures over all names): past it no attempt is sold on any device id.
        for i in range(21):
            guess(kiosk, "7001", wrong[0], device=f"invented-{i}")
        with kiosk.connect() as conn:
            right_7001 = candidate(conn, "7001", OWN_PASSWORD)
        assert attempt(kiosk, "resident", "7001", right_7001, "invented-new") > 0
        assert not ask(kiosk, MATCHES, "invented-new", n="7001", c=right_7001)
    finally:
        kiosk.dispose()


def name_row_failures(owner: Database, kind: str, name: str, device: str) -> int | None:
    with owner.engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT failed_attempts FROM login_throttle WHERE key_hash = "
                "cabinet_throttle_mac(:k || chr(31) || :n || chr(31) || :d)"
            ),
            {"k": kind, "n": name, "d": device},
        ).scalar()


def test_the_kiosks_sign_in_counts_once_and_works_after_the_delay(
    cluster: Cluster,  # noqa: F811 (the fixture imported above)
    clock: FixedClock,
) -> None:
    kiosk = services_as(cluster, KIOSK, clock)
    device = f"{cluster.logins[KIOSK]}/{KIOSK}"  # the login role and the kiosk's device id
    try:
        for number in ("3492", "9999"):  # registered or not, counted alike: once each
            for _ in range(4):
                with pytest.raises(LoginError):
                    kiosk.auth.login(number, "wrong-password", kiosk=True)
            assert name_row_failures(cluster.owner, "resident", number, device) == 4
        with pytest.raises(LoginThrottled) as throttled:
            kiosk.auth.login("3492", OWN_PASSWORD, kiosk=True)
        assert throttled.value.seconds in (1, 2)  # the database's clock runs
        time.sleep(throttled.value.seconds + 0.1)
        signed = kiosk.auth.login("3492", OWN_PASSWORD, kiosk=True)
        assert signed.account_id is not None
        assert name_row_failures(cluster.owner, "resident", "3492", device) is None  # cleared
        # A wrong registration code and a wrong e-mail count once too, under their kinds.
        kiosk.auth.register("Петров П.П.", "5210", "+7 915 000-00-00", "p@mail.ru", "KQ7R-M2XQ")
        assert name_row_failures(cluster.owner, "registration", "5210", device) == 1
        kiosk.auth.request_reset("3492", "wrong@mail.ru")
        assert name_row_failures(cluster.owner, "email", "3492", device) == 1
    finally:
        kiosk.close()


# --- parity: the database's rule is desktop.auth.throttle's -------------------------------

KINDS = ("resident", "registration")
NAMES = ("3492",)  # one name and two kinds: bursts reach the ceiling
DEVICES = ("hall", "home", "desk")
STEPS = st.lists(
    st.tuples(
        st.sampled_from(("fail", "succeed", "wait")),
        st.sampled_from(KINDS),
        st.sampled_from(NAMES),
        st.sampled_from(DEVICES),
        st.one_of(
            st.sampled_from((0, 1, 2, 29, 30, 31, 60, 119, 120, 121, 300, 3600, 90_000)),
            st.integers(0, 400),
        ),
        st.sampled_from((0, 1, 500_000, 999_999)),
        st.integers(1, 40),  # a burst: the step repeated (a failure thirty times over…)
    ),
    max_size=40,
)
START = datetime(2017, 6, 20, 9, 0, tzinfo=UTC)


def test_the_database_and_python_apply_the_same_rule(
    cluster: Cluster,  # noqa: F811 (the fixture imported above)
    sqlite_url: str,
) -> None:
    local = Database(sqlite_url)
    upgrade(local.engine)
    throttles = {d: Throttle(local, d) for d in DEVICES}
    owner = cluster.owner.engine

    def step(action: str, kind: str, name: str, device: str, now: datetime) -> None:
        keys = throttles[device].keys(kind, name)
        args = {"k": kind, "n": name, "d": device, "now": now}
        with local.unit_of_work() as s, owner.begin() as conn:
            if action == "fail":
                mine = throttles[device].failed(s, keys, now)
                theirs = conn.execute(
                    text("SELECT cabinet_throttle_failed_at(:k, :n, :d, :d, :now)"), args
                ).scalar()
            elif action == "succeed":
                throttles[device].succeeded(s, keys)
                conn.execute(text("SELECT cabinet_throttle_succeeded_at(:k, :n, :d)"), args)
                mine = theirs = 0
            else:
                mine = throttles[device].wait(s, keys, now)
                theirs = conn.execute(
                    text("SELECT cabinet_throttle_wait_at(:k, :n, :d, :d, :now)"), args
                ).scalar()
        assert mine == theirs, (action, kind, name, device, now)
        for other in DEVICES:  # every device's view of the name agrees, too
            with local.read() as s:
                mine = throttles[other].wait(s, throttles[other].keys(kind, name), now)
            with owner.connect() as conn:
                theirs = conn.execute(
                    text("SELECT cabinet_throttle_wait_at(:k, :n, :d, :d, :now)"),
                    {**args, "d": other},
                ).scalar()
            assert mine == theirs, ("wait", kind, name, other, now)

    @settings(
        max_examples=30,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(STEPS)
    @example([("fail", "resident", "3492", d, 1, 0, 12) for d in DEVICES])  # the ceiling
    @example(  # the ceiling's and the device's leak, at and around their periods
        [
            ("fail", "resident", "3492", "hall", 0, 0, 40),
            ("fail", "registration", "3492", "hall", 0, 0, 5),
            ("fail", "resident", "3492", "home", 119, 999_999, 3),
            ("fail", "resident", "3492", "desk", 120, 0, 3),
            ("wait", "resident", "3492", "desk", 30, 1, 2),
        ]
    )
    def same(steps: list[tuple[str, str, str, str, int, int, int]]) -> None:
        with local.unit_of_work() as s:
            s.execute(text("DELETE FROM login_throttle"))
        with owner.begin() as conn:
            conn.execute(text("DELETE FROM login_throttle"))
        now = START
        for action, kind, name, device, seconds, micro, times in steps:
            for _ in range(times):
                now += timedelta(seconds=seconds, microseconds=micro)
                step(action, kind, name, device, now)

    try:
        same()
    finally:
        local.dispose()
