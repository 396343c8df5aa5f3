"""Holes a second review proved in the kiosk's throttle and functions (issue 10), each closed:
a ticket forged through the throttle's separators, another kiosk's bucket filled, reset codes
compared outside their five tries, a registration code's row locked by a stranger, and a
throttled request answered as if nothing were wrong. On the real PostgreSQL, as member login
roles of the groups."""

from __future__ import annotations

import hashlib
import hmac
import re
import time

import psycopg.errors
import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError, OperationalError

from db.engine import Database
from db.models import ResidentCredential
from db.roles import KIOSK, group_name
from desktop import passwords
from desktop.app import build_services
from desktop.auth import LoginError, LoginThrottled
from desktop.auth.sealed import _hash_with
from desktop.auth.throttle import Throttle
from desktop.clock import FixedClock
from desktop.settings import Settings
from tests.db.clerk_desk import derived_hash, staff_token
from tests.db.test_roles import (  # noqa: F401 (fixtures)
    OWN_PASSWORD,
    Cluster,
    cheap_hashing,
    cluster,
    services_as,
)
from tests.desktop.test_mail import add_account


def ask(engine: Engine, sql: str, device: str = "d", **params: object) -> object:
    """One call as a kiosk's application makes it: a transaction of its own, committed,
    carrying its device id."""
    with engine.begin() as conn:
        conn.execute(text("SELECT set_config('cabinet.device', :d, true)"), {"d": device})
        return conn.execute(text(sql), params).scalar()


def refused_by_throttle(engine: Engine, sql: str, **params: str) -> None:
    with pytest.raises(DBAPIError) as raised:
        ask(engine, sql, **params)
    assert isinstance(raised.value.orig, psycopg.errors.InvalidParameterValue), raised.value


ATTEMPT = "SELECT cabinet_throttle_attempt(:k, :n, :c)"


def test_no_ticket_is_forged_through_the_separators(
    cluster: Cluster,  # noqa: F811 (the fixture imported above)
) -> None:
    """A name holding the throttle's separators made the key of another's ticket: the
    attempt «ticket», «resident␟3492␟<login>/d␟<hash>» minted the ticket of 3492's own
    password while 3492 was held back. Refused now, as any kind the kiosk has no use for."""
    kiosk = cluster.engine(KIOSK)
    login = cluster.logins[KIOSK]
    try:
        salt = ask(kiosk, "SELECT salt FROM cabinet_secret_salt('password', '3492', 'x', 32)")
        good = _hash_with(str(salt), OWN_PASSWORD, 32)
        for i in range(6):
            ask(kiosk, ATTEMPT, k="resident", n="3492", c=f"wrong{i}")
        assert int(str(ask(kiosk, ATTEMPT, k="resident", n="3492", c=good))) > 0  # held back
        forged = f"resident\x1f3492\x1f{login}/d\x1f{good}"
        refused_by_throttle(kiosk, ATTEMPT, k="ticket", n=forged, c="z")
        refused_by_throttle(kiosk, ATTEMPT, k="resident", n=forged, c="z")
        refused_by_throttle(kiosk, ATTEMPT, k="resident", n="3492", c=f"x\x1e{good}")
        matches = "SELECT cabinet_secret_matches('password', '3492', :c)"
        assert ask(kiosk, matches, c=good) is False  # no ticket: no compare
        # Nor is a name with a separator counted or asked about.
        refused_by_throttle(kiosk, "SELECT cabinet_throttle_failed('resident', :n)", n=forged)
        refused_by_throttle(kiosk, "SELECT cabinet_throttle_wait('resident', :n)", n=forged)
        # A device id holding one only makes a device id of its own.
        assert ask(kiosk, ATTEMPT, device=f"e\x1f{good}", k="resident", n="5210", c="x") == 0
    finally:
        kiosk.dispose()


def test_a_kiosk_cannot_fill_another_kiosks_bucket(
    cluster: Cluster,  # noqa: F811
) -> None:
    """The attempt of kind «device» named another kiosk's login and filled that kiosk's
    bucket: its first typo then waited. Only the application's kinds are taken."""
    other = cluster.prefix + "kiosk2_login"
    with cluster.owner.engine.begin() as conn:
        conn.exec_driver_sql(
            f'CREATE ROLE "{other}" LOGIN IN ROLE "{group_name(KIOSK, cluster.prefix)}"'
        )
    cluster.logins["kiosk2"] = other
    first, second = cluster.engine(KIOSK), cluster.engine("kiosk2")
    try:
        for kind in ("device", "ticket", "Resident", ""):
            refused_by_throttle(first, ATTEMPT, k=kind, n=other, c="x")
            refused_by_throttle(first, "SELECT cabinet_throttle_failed(:k, :n)", k=kind, n=other)
        for kind in ("resident", "registration", "email"):
            assert ask(first, ATTEMPT, k=kind, n="7001", c="x") == 0
        for kind in ("resident", "registration", "email", "staff"):
            assert ask(first, "SELECT cabinet_throttle_wait(:k, '7001')", k=kind) == 0
        refused_by_throttle(first, ATTEMPT, k="staff", n="boss", c="x")  # no staff ticket
        assert ask(second, ATTEMPT, k="resident", n="7001", c="typo") == 0
        assert ask(second, "SELECT cabinet_throttle_wait('resident', '7001')") == 0
    finally:
        first.dispose()
        second.dispose()
        with cluster.owner.engine.begin() as conn:
            conn.exec_driver_sql(f'DROP OWNED BY "{other}"')
            conn.exec_driver_sql(f'DROP ROLE "{other}"')


def test_reset_codes_are_not_compared_outside_their_tries(
    cluster: Cluster,  # noqa: F811
) -> None:
    """``cabinet_secret_matches('reset_code', …)`` compared a reset code with no count of
    its five tries: a kiosk tried codes across devices and kept the right one for
    ``cabinet_complete_reset``. It compares passwords only now."""
    kiosk = cluster.engine(KIOSK)
    try:
        ask(kiosk, ATTEMPT, k="email", n="3492", c="r3492@mail.ru")
        with kiosk.begin() as conn:
            conn.exec_driver_sql("SELECT set_config('cabinet.device', 'd', true)")
            now = conn.exec_driver_sql("SELECT now()").scalar()
            reason = conn.execute(
                text(
                    "SELECT reason FROM cabinet_request_reset('3492', 'r3492@mail.ru', :n,"
                    " interval '10 minutes', interval '1 minute', 'slip', 'Код', 'код {code}')"
                ),
                {"n": now},
            ).scalar()
        assert reason == ""
        with cluster.owner.engine.begin() as conn:
            body = conn.exec_driver_sql("SELECT body FROM outbox_message WHERE subject = 'Код'")
            found = re.search(r"\d{6}", str(body.scalar()))
        assert found is not None
        code = found.group(0)
        salt = str(ask(kiosk, "SELECT cabinet_reset_salt('3492')"))
        candidate = f"hmac-sha256${salt}$" + (
            hmac.new(bytes.fromhex(salt), code.encode(), hashlib.sha256).hexdigest()
        )
        matches = "SELECT cabinet_secret_matches('reset_code', '3492', :c)"
        assert ask(kiosk, ATTEMPT, device="w", k="resident", n="3492", c=candidate) == 0
        assert ask(kiosk, matches, device="w", c=candidate) is False  # ticket and right code
        # The code still works where its tries are counted.
        with kiosk.begin() as conn:
            conn.exec_driver_sql("SELECT set_config('cabinet.device', 'w', true)")
            done = conn.execute(
                text("SELECT reason FROM cabinet_complete_reset('3492', :c, :h, :n)"),
                {"c": candidate, "h": passwords.hash_password("new-pass-Sadovaya-9"), "n": now},
            ).scalar()
        assert done == ""
    finally:
        kiosk.dispose()


def _clerk_reissues_code(on: Cluster, account_id: int, token: str) -> bool:
    """Whether a clerk (signed in: ``token``) replaces the account's registration code
    within a second."""
    clerk = on.engine("clerk")
    try:
        with clerk.connect() as conn:
            conn.exec_driver_sql("SET lock_timeout = '1s'")
            conn.execute(text("SELECT set_config('cabinet.session', :t, true)"), {"t": token})
            try:
                # As the office's desk does (db.roles_clerk): the clerk writes no code itself.
                stored = conn.exec_driver_sql(
                    f"SELECT cabinet_store_codes(ARRAY[{account_id}]::bigint[], "
                    f"ARRAY['{derived_hash(on, account_id)}'], ARRAY[''], (SELECT "
                    f"array_agg(issued_at) FROM registration_code WHERE account_id = {account_id}),"
                    " now())"
                ).scalar()
                assert stored == 1
            except OperationalError as error:
                assert isinstance(error.orig, psycopg.errors.LockNotAvailable), error
                return False
            finally:
                conn.rollback()
        return True
    finally:
        clerk.dispose()


REGISTER = (
    "SELECT reason FROM cabinet_register('5210', 'ПетровП.П.', :c, 'a@b.ru', '', NULL,"
    " CAST(:now AS timestamptz), CAST(:now AS timestamptz))"
)


def test_a_stranger_holds_no_lock_on_a_registration_code(
    cluster: Cluster,  # noqa: F811
    clock: FixedClock,
) -> None:
    """``cabinet_register`` locked the account's code row before any proof: a kiosk holding
    its transaction open froze the office's code issuing for that account. The row is
    locked only for a code that matched, under a ticket."""
    with cluster.owner.engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO registration_code (account_id, code_hash, issued_at, issued_by) "
            "SELECT id, 'hmac-sha256$00$00', now(), 'x' FROM account WHERE number = '5210'"
        )
        account_id = int(
            conn.exec_driver_sql("SELECT id FROM account WHERE number = '5210'").scalar_one()
        )
        now = conn.exec_driver_sql("SELECT now()").scalar()
    token = staff_token(cluster, clock)
    kiosk = cluster.engine(KIOSK)
    try:
        assert ask(kiosk, ATTEMPT, k="registration", n="5210", c="hmac-sha256$00$01") == 0
        for candidate in ("x", "hmac-sha256$00$01"):  # no ticket; a ticket, a wrong code
            with kiosk.connect() as conn:
                conn.exec_driver_sql("SELECT set_config('cabinet.device', 'd', false)")
                reason = conn.execute(text(REGISTER), {"c": candidate, "now": now}).scalar()
                assert reason == "code_mismatch"
                started = time.monotonic()
                assert _clerk_reissues_code(
                    cluster, account_id, token
                )  # the transaction still open
                assert time.monotonic() - started < 1
                conn.rollback()
    finally:
        kiosk.dispose()


def test_a_throttled_kiosk_says_so(
    cluster: Cluster,  # noqa: F811
    clock: FixedClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``reserve`` threw the database's wait away: a throttled reset request was answered
    as if a code had gone out (none had), a throttled code or password as a wrong one. The
    wait the database tells is now told as the sign-in tells it — here with the screen's
    own check of the wait made blind, so that only the database's refusal is left."""
    kiosk = services_as(cluster, KIOSK, clock)
    engine = cluster.engine(KIOSK)
    try:
        actor = kiosk.auth.login("3492", OWN_PASSWORD, kiosk=True).actor
        for kind in ("resident", "registration", "email"):
            for i in range(7):  # 2, 4, 8, 16 s: still running when the kiosk asks
                ask(engine, ATTEMPT, device=KIOSK, k=kind, n="3492", c=f"wrong{i}")
        monkeypatch.setattr(Throttle, "wait", lambda *args: 0)
        calls = (
            lambda: kiosk.auth.request_reset("3492", "r3492@mail.ru"),
            lambda: kiosk.auth.login("3492", OWN_PASSWORD, kiosk=True),
            lambda: kiosk.auth.complete_reset("3492", "123456", "new-pass-Sadovaya-9"),
            lambda: kiosk.auth.register(
                "Иванов И.И.", "3492", "+7 915 000-00-00", "r3492@mail.ru", "KQ7R-M2XQ"
            ),
            lambda: kiosk.auth.change_password(actor, OWN_PASSWORD, "new-pass-Sadovaya-9"),
        )
        for call in calls:
            with pytest.raises(LoginThrottled) as throttled:
                call()
            assert throttled.value.seconds > 0
        with cluster.owner.engine.begin() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM outbox_message").scalar() == 0
            reasons = conn.exec_driver_sql(
                "SELECT details::json ->> 'reason' FROM audit_log WHERE action IN "
                "('password.request_reset', 'resident.sign_in', 'password.reset', "
                "'resident.register') AND NOT ok ORDER BY id"
            ).scalars()
            assert list(reasons) == ["throttled"] * 4
    finally:
        kiosk.close()
        engine.dispose()


def test_reset_requests_count_in_the_throttle_on_every_path(
    database: Database, clock: FixedClock
) -> None:
    """At an office desk (SQLite, or PostgreSQL as the owner) wrong e-mails were never
    counted: a stranger could try addresses for an account without end, as at no kiosk.
    They count now, under their own kind, as the kiosk's database counts them."""
    account_id = add_account(database)
    auth = build_services(database, Settings(), clock, device="desk").auth
    with database.unit_of_work() as s:
        s.add(
            ResidentCredential(
                account_id=account_id, email="ivanov@mail.ru", phone="", must_change=False,
                password_hash=passwords.hash_password(OWN_PASSWORD), failed_attempts=0,
                created_at=clock.now(), updated_at=clock.now(),
            )
        )  # fmt: skip
    for i in range(4):
        assert auth.request_reset("3492", f"guess{i}@mail.ru").delivery is None
    with pytest.raises(LoginThrottled) as throttled:
        auth.request_reset("3492", "ivanov@mail.ru")  # the right one, but too soon
    assert throttled.value.seconds == 2
    assert [p.field for p in throttled.value.problems] == ["email"]
    with pytest.raises(LoginThrottled):
        auth.request_reset("3492", "guess@mail.ru")
    clock.advance(seconds=2)
    assert auth.request_reset("3492", "ivanov@mail.ru").delivery is not None
    # The right e-mail cleared the name: the next mistakes are free again.
    clock.advance(minutes=2)
    assert auth.request_reset("3492", "guess@mail.ru").delivery is None
    with database.unit_of_work() as s:
        reasons = s.scalars(
            text(
                "SELECT details FROM audit_log WHERE action = 'password.request_reset' ORDER BY id"
            )
        ).all()
    assert ['"throttled"' in r for r in reasons] == [False] * 4 + [True, True, False, False]


def test_a_separator_typed_at_the_kiosk_is_a_wrong_number(
    cluster: Cluster,  # noqa: F811
    clock: FixedClock,
) -> None:
    """The throttle's functions refuse a name holding its separators; the kiosk sends such a
    typed number as it sends one with a NUL byte (hex), and answers as for any wrong one."""
    kiosk = services_as(cluster, KIOSK, clock)
    try:
        for number in ("34\x1f92", "3492\x1e1"):
            with pytest.raises(LoginError):
                kiosk.auth.login(number, OWN_PASSWORD, kiosk=True)
            assert kiosk.auth.request_reset(number, "r3492@mail.ru").delivery is None
    finally:
        kiosk.close()


def test_a_fake_salt_wears_the_stored_parameters_not_the_callers(
    cluster: Cluster,  # noqa: F811 (the fixture imported above)
) -> None:
    """Asked with odd Argon2 parameters, the database once echoed them for a number without
    a password and gave the stored ones for a registered number: whoever holds the kiosk's
    login told them apart. Now every answer wears the parameters of a stored hash."""
    weird = "$argon2id$v=19$m=1,t=1,p=1"
    kiosk, clerk = cluster.engine(KIOSK), cluster.engine("clerk")
    try:
        sql = "SELECT s::text FROM cabinet_secret_salt('password', :n, :p, 7) s"
        answers = {
            number: ask(kiosk, sql, n=number, p=weird) for number in ("3492", "5210", "9999")
        }
        with clerk.connect() as conn:
            staff = {
                login: conn.execute(
                    text("SELECT s::text FROM cabinet_staff_salt(:l, :p, 7) s"),
                    {"l": login, "p": weird},
                ).scalar()
                for login in ("boss", "nobody")
            }
    finally:
        kiosk.dispose()
        clerk.dispose()
    for found in (*answers.values(), *staff.values()):
        assert "m=1," not in str(found) and not str(found).endswith(",7)"), found
