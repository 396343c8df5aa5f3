"""Sessions that end, a throttle no desk can read around, sign-ins that never hold the write
lock while Argon2 runs, and hostile typed names — on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import hashlib
import threading
from collections.abc import Callable, Iterator
from datetime import timedelta
from decimal import Decimal

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select, update

from db.engine import Database
from db.models import Account, AuditEntry, OrganisationSetting, StaffUser, UserSession
from db.search import normalize
from desktop import passwords
from desktop.auth import AuthService, LoginError, LoginThrottled, ResetCodeError
from desktop.clock import FixedClock
from desktop.common.problems import ProblemError
from desktop.sessions import ENDED_BY_PASSWORD, SessionEndedError
from tests.desktop.test_auth import (
    NEW_PASSWORD,
    OTHER_PASSWORD,
    auth_service,
    last_mail_secret,
    registered,
)
from tests.desktop.test_mail import SmtpServer, add_account


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2id with small parameters, as in test_auth."""
    hasher = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)
    monkeypatch.setattr(passwords, "_hasher", hasher)
    monkeypatch.setattr(passwords, "DUMMY_HASH", hasher.hash("not a password"))


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


@pytest.fixture
def auth(database: Database, clock: FixedClock, smtp: SmtpServer) -> AuthService:
    add_account(database)
    return auth_service(database, clock, smtp.settings())


def _account_id(database: Database, number: str = "3492") -> int:
    with database.read() as s:
        found = s.scalar(select(Account.id).where(Account.number == number))
        assert found is not None
        return found


# --- sessions --------------------------------------------------------------------------------


def test_a_password_change_elsewhere_ends_the_old_session_but_not_the_changers(
    auth: AuthService, smtp: SmtpServer, database: Database, clock: FixedClock
) -> None:
    """At home and at the kiosk: the kiosk changes the password, the home session is over
    at its next call (readings, the account…); the kiosk's own goes on."""
    registered(auth, smtp)
    services = auth_service(database, clock, smtp.settings(), device="home")
    home = services.login("3492", NEW_PASSWORD).actor
    kiosk = auth.login("3492", NEW_PASSWORD, kiosk=True).actor
    own = _account_id(database)
    accounts = _accounts(database, clock, smtp)
    assert accounts.get_by_id(home, own).number == "3492"

    kept = auth.change_password(kiosk, NEW_PASSWORD, OTHER_PASSWORD)
    assert kept == kiosk
    with pytest.raises(SessionEndedError) as ended:
        accounts.get_by_id(home, own)
    assert (
        str(ended.value)
        == ENDED_BY_PASSWORD
        == ("Сеанс завершён: пароль был изменён. Войдите снова.")
    )
    with pytest.raises(SessionEndedError):
        services.change_password(home, NEW_PASSWORD, "Ещё-один-пароль-42")  # not even this
    assert accounts.get_by_id(kiosk, own).number == "3492"
    with database.read() as s:
        reasons = dict(s.execute(select(UserSession.id, UserSession.end_reason)).all())
    assert reasons[home.session_id] == "password_changed" and reasons[kiosk.session_id] is None


def test_a_reset_ends_every_session_and_logout_ends_one(
    auth: AuthService, smtp: SmtpServer, database: Database, clock: FixedClock
) -> None:
    registered(auth, smtp)
    accounts = _accounts(database, clock, smtp)
    own = _account_id(database)
    first = auth.login("3492", NEW_PASSWORD).actor
    second = auth.login("3492", NEW_PASSWORD).actor
    auth.logout(first)
    with pytest.raises(SessionEndedError, match="^Сеанс завершён. Войдите снова.$"):
        accounts.get_by_id(first, own)
    assert accounts.get_by_id(second, own).id == own

    auth.request_reset("3492", "ivanov@mail.ru")
    code = last_mail_secret(smtp, "Код")
    auth.complete_reset("3492", code, OTHER_PASSWORD)
    with pytest.raises(SessionEndedError, match="пароль был изменён"):
        accounts.get_by_id(second, own)


def test_a_disabled_staff_member_is_signed_out_at_the_next_call(
    auth: AuthService, database: Database
) -> None:
    auth.create_staff("admin", "Соколова А.С.", "admin", NEW_PASSWORD)
    admin = auth.staff_login("admin", NEW_PASSWORD).actor
    assert [s.login for s in auth.list_staff(admin)] == ["admin"]
    with database.unit_of_work() as s:
        s.execute(update(StaffUser).values(active=False))
    with pytest.raises(SessionEndedError, match="учетная запись отключена"):
        auth.list_staff(admin)
    with pytest.raises(SessionEndedError):  # a part of the service is guarded as it is
        auth.codes.reissue(admin, _account_id(database))
    with database.read() as s:
        assert s.scalar(select(UserSession.end_reason)) == "staff_disabled"


def test_a_session_is_honoured_only_with_its_token_which_is_stored_only_hashed(
    auth: AuthService, smtp: SmtpServer, database: Database, clock: FixedClock
) -> None:
    """The ids are sequential: knowing one (or guessing it) is not signing in. The token is
    random, kept only in the process; the table and the audit log hold its SHA-256 at most."""
    registered(auth, smtp)
    accounts = _accounts(database, clock, smtp)
    own = _account_id(database)
    actor = auth.login("3492", NEW_PASSWORD, kiosk=True).actor
    token = actor.session_token
    assert token is not None and len(token) >= 43 and token not in repr(actor)
    assert accounts.get_by_id(actor, own).id == own
    with database.read() as s:
        row = s.get_one(UserSession, actor.session_id)
        assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
        logged = " ".join(str(d) for d in s.scalars(select(AuditEntry.details)))
        assert token not in logged and str(row.token_hash) not in logged
    for forged in (None, "", token[:-1] + ("A" if token[-1] != "A" else "B"), row.token_hash):
        with pytest.raises(SessionEndedError):
            accounts.get_by_id(dataclasses.replace(actor, session_token=forged), own)
    staff = auth.create_staff("admin", "Соколова А.С.", "admin", OTHER_PASSWORD)
    admin = auth.staff_login("admin", OTHER_PASSWORD).actor
    assert admin.session_id != actor.session_id and admin.session_token not in (None, token)
    with pytest.raises(SessionEndedError):
        auth.list_staff(dataclasses.replace(admin, session_token=token))
    assert [u.login for u in auth.list_staff(admin)] == [staff.login]


def _accounts(database: Database, clock: FixedClock, smtp: SmtpServer):
    from desktop.app import build_services

    return build_services(database, smtp.settings(), clock, device="desk-2").accounts


# --- the per-device limit --------------------------------------------------------------------


def test_one_device_spraying_300_accounts_slows_down_and_no_account_is_locked(
    auth: AuthService, smtp: SmtpServer, database: Database, clock: FixedClock
) -> None:
    """One kiosk tries a password on each of 300 accounts: after 20 failures it waits, and
    the wait grows until it may guess about once per 30 s (20 per 10 minutes); meanwhile
    the residents sign in from other devices at once."""
    registered(auth, smtp)
    with database.unit_of_work() as s:
        for n in range(300):
            fio = f"Житель {n}"
            address = f"ул. Лесная, д. {n}"
            s.add(
                Account(
                    number=f"7{n:04d}",
                    fio=fio,
                    fio_norm=normalize(fio),
                    address=address,
                    address_norm=normalize(address),
                    area=Decimal("40.00"),
                )
            )
    sprayer = auth_service(database, clock, smtp.settings(), device="kiosk-hall")
    start = clock.now()
    waits: list[int] = []
    failures = 0
    for n in range(300):
        while True:
            try:
                sprayer.login(f"7{n:04d}", "demo2017pass", kiosk=True)
            except LoginThrottled as throttled:
                waits.append(throttled.seconds)
                clock.advance(seconds=throttled.seconds)
                continue
            except LoginError:
                failures += 1
                break
            pytest.fail("a wrong password was accepted")
        # Never more than the window's 20 (plus one) and one for each 30 s that passed.
        elapsed = (clock.now() - start).total_seconds()
        assert failures <= 26 + elapsed // 30  # the growing delay lets a few more by
        if n == 19:
            assert waits == []  # the first 20 failures pass freely
    assert waits[:5] == [2, 4, 8, 16, 32]
    assert clock.now() - start > timedelta(minutes=120)  # 300 guesses took hours, not 30 s
    # The same numbers from another device are not delayed (no name failed twice)…
    other = auth_service(database, clock, smtp.settings(), device="desk-1")
    with pytest.raises(LoginError):
        other.login("70001", "wrong")
    # …and the resident whose own account sits among them signs in at once.
    assert other.login("3492", NEW_PASSWORD).account_number == "3492"


# --- Argon2 outside the write lock -----------------------------------------------------------


@pytest.fixture
def other_desk(database: Database) -> Iterator[Database]:
    """The same database opened by a second workstation."""
    db = Database(database.url)
    yield db
    db.dispose()


def _during_verify(
    monkeypatch: pytest.MonkeyPatch, database: Database, other_desk: Database, clock: FixedClock
) -> list[str]:
    """While a password is being verified: another desk's write must go through, and the
    signing-in desk holds no connection at all (no transaction, no lock)."""
    seen: list[str] = []
    real = passwords.verify_password

    def verify(password_hash: str | None, password: str) -> bool:
        seen.append(f"connections held: {database.engine.pool.checkedout()}")  # type: ignore[attr-defined]
        errors: list[BaseException] = []

        def write() -> None:
            try:
                with other_desk.unit_of_work() as s:
                    s.merge(
                        OrganisationSetting(
                            key=f"probe.{len(seen)}",
                            value=None,
                            changed_at=clock.now(),
                            changed_by="other desk",
                        )
                    )
            except BaseException as error:  # reported below, on the test's thread
                errors.append(error)

        writer = threading.Thread(target=write)
        writer.start()
        writer.join()
        seen.append(f"other desk wrote: {not errors}")
        return real(password_hash, password)

    monkeypatch.setattr(passwords, "verify_password", verify)
    return seen


@pytest.mark.parametrize("who", ["resident", "staff", "change", "reset"])
def test_verifying_a_password_holds_no_lock(
    auth: AuthService,
    smtp: SmtpServer,
    database: Database,
    clock: FixedClock,
    monkeypatch: pytest.MonkeyPatch,
    other_desk: Database,
    who: str,
) -> None:
    registered(auth, smtp)
    auth.create_staff("admin", "Соколова А.С.", "admin", NEW_PASSWORD)
    actor = auth.login("3492", NEW_PASSWORD).actor
    if who == "reset":
        auth.request_reset("3492", "ivanov@mail.ru")
        code = last_mail_secret(smtp, "Код")
    calls: dict[str, Callable[[], object]] = {
        "resident": lambda: auth.login("3492", NEW_PASSWORD),
        "staff": lambda: auth.staff_login("admin", NEW_PASSWORD),
        "change": lambda: auth.change_password(actor, NEW_PASSWORD, OTHER_PASSWORD),
        "reset": lambda: auth.complete_reset("3492", code, OTHER_PASSWORD),
    }
    seen = _during_verify(monkeypatch, database, other_desk, clock)
    calls[who]()
    assert seen == ["connections held: 0", "other desk wrote: True"]


# --- hostile typed names ---------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["34\x0092", "\x00", "3492\x00", "9" * 10_000, "34\u202e92"])
def test_nul_bytes_and_absurd_lengths_get_the_neutral_refusal(
    auth: AuthService, smtp: SmtpServer, database: Database, typed: str
) -> None:
    """A NUL byte crashed five sign-in functions on PostgreSQL: now it is a name like any
    other that does not exist."""
    registered(auth, smtp)
    with pytest.raises(LoginError):
        auth.login(typed, NEW_PASSWORD)
    with pytest.raises(LoginError):
        auth.login(typed, NEW_PASSWORD, kiosk=True)
    with pytest.raises(LoginError):
        auth.staff_login(typed, NEW_PASSWORD)
    with pytest.raises(ResetCodeError):
        auth.complete_reset(typed, "123456", OTHER_PASSWORD)
    assert auth.login("3492", NEW_PASSWORD).account_number == "3492"


@pytest.mark.parametrize(
    ("login", "full_name", "field", "message"),
    [
        ("pet\x00rova", "Петрова О.В.", "login", "Логин должен быть от 2 до 50 символов"),
        ("petrova", "Петрова\x00О.В.", "full_name", "ФИО сотрудника пишется буквами"),
        ("petrova", "П" * 10_000, "full_name", "ФИО сотрудника слишком длинное"),
        ("petrova", "П" * 201, "full_name", "не больше 200 символов"),
    ],
)
def test_staff_names_are_refused_in_russian(
    auth: AuthService, database: Database, login: str, full_name: str, field: str, message: str
) -> None:
    with pytest.raises(ProblemError, match=message) as refused:
        auth.check_new_staff(login, full_name, "clerk")
    assert refused.value.problems[0].field == field
    with pytest.raises(ProblemError, match=message) as refused:
        auth.create_staff(login, full_name, "clerk", NEW_PASSWORD)
    assert refused.value.problems[0].field == field
    with database.read() as s:
        assert s.scalars(select(StaffUser)).all() == []
    assert auth.create_staff("petrova", "П" * 200, "clerk", NEW_PASSWORD).full_name == "П" * 200
