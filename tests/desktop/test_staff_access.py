"""An administrator disables a staff member (their sessions end at every desk at once) and lets
them work again; a staff session lasts a working day at most — on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from db.engine import Database
from db.models import AuditEntry, StaffUser, UserSession
from desktop.actors import SYSTEM
from desktop.auth import AuthService, LoginError, LoginThrottled
from desktop.auth.throttle import FREE_ATTEMPTS
from desktop.clock import FixedClock
from desktop.common.problems import ProblemError
from desktop.errors import AccessDeniedError
from desktop.sessions import SessionEndedError
from tests.desktop.test_auth import NEW_PASSWORD, auth_service
from tests.desktop.test_mail import SmtpServer
from tests.desktop.test_sessions import cheap_hashing  # noqa: F401 - fixture

CLERK_PASSWORD = "Kassa-2026-okno"


@pytest.fixture
def auth(database: Database, clock: FixedClock) -> Iterator[AuthService]:
    with SmtpServer() as smtp:
        service = auth_service(database, clock, smtp.settings())
        service.create_staff("admin", "Соколова А.С.", "admin", NEW_PASSWORD)
        service.create_staff("kassa", "Петрова Е.В.", "clerk", CLERK_PASSWORD)
        yield service


def _sessions(database: Database, login: str) -> list[tuple[bool, str | None]]:
    with database.read() as s:
        query = (
            select(UserSession.ended_at.is_not(None), UserSession.end_reason)
            .join(StaffUser, StaffUser.id == UserSession.staff_id)
            .where(StaffUser.login == login)
            .order_by(UserSession.id)
        )
        return [tuple(row) for row in s.execute(query)]


def _audit(database: Database, action: str) -> list[tuple[str, dict]]:
    with database.read() as s:
        query = select(AuditEntry.actor, AuditEntry.details).where(AuditEntry.action == action)
        rows = s.execute(query.order_by(AuditEntry.id))
        return [(actor, json.loads(details)) for actor, details in rows]


def test_disabling_a_clerk_ends_their_sessions_at_every_desk_at_once(
    auth: AuthService, database: Database
) -> None:
    admin = auth.staff_login("admin", NEW_PASSWORD).actor
    counter = auth.staff_login("kassa", CLERK_PASSWORD).actor  # two desks
    window = auth.staff_login("kassa", CLERK_PASSWORD).actor
    assert _sessions(database, "kassa") == [(False, None), (False, None)]

    info = auth.set_staff_active(" Kassa ", False, by=admin)
    assert (info.login, info.active) == ("kassa", False)
    # Ended in the database at once, not at each desk's next call.
    assert _sessions(database, "kassa") == [(True, "staff_disabled")] * 2
    for desk in (counter, window):
        with pytest.raises(SessionEndedError, match="учетная запись отключена"):
            auth.list_staff(desk)
    with pytest.raises(LoginError):
        auth.staff_login("kassa", CLERK_PASSWORD)
    [(actor, details)] = _audit(database, "staff.disable")
    assert actor == "staff:admin" and details == {"login": "kassa", "sessions_ended": 2}
    assert [s.login for s in auth.list_staff(admin) if not s.active] == ["kassa"]

    assert auth.set_staff_active("kassa", True, by=admin).active
    again = auth.staff_login("kassa", CLERK_PASSWORD).actor
    with pytest.raises(AccessDeniedError):  # a clerk, signed in again: still no staff list
        auth.list_staff(again)
    assert _audit(database, "staff.enable") == [("staff:admin", {"login": "kassa"})]
    # Asking for what already is changes nothing and records nothing.
    auth.set_staff_active("kassa", True, by=admin)
    assert len(_audit(database, "staff.enable")) == 1


def test_only_an_administrator_disables_never_themselves_nor_the_last_one(
    auth: AuthService, database: Database
) -> None:
    admin = auth.staff_login("admin", NEW_PASSWORD).actor
    clerk = auth.staff_login("kassa", CLERK_PASSWORD).actor
    with pytest.raises(AccessDeniedError, match="только администратор"):
        auth.set_staff_active("admin", False, by=clerk)
    with pytest.raises(ProblemError, match="Свою учетную запись отключить нельзя"):
        auth.set_staff_active("admin", False, by=admin)
    with pytest.raises(ProblemError, match="единственный действующий администратор"):
        auth.set_staff_active("admin", False)  # the office's script (system)
    with pytest.raises(ProblemError, match="Сотрудника с логином «nobody» нет"):
        auth.set_staff_active("nobody", False, by=admin)
    with pytest.raises(ProblemError, match="Сотрудника с логином"):
        auth.set_staff_active("x\x00" * 40, False, by=admin)
    assert all(s.active for s in auth.list_staff(admin))
    assert _audit(database, "staff.disable") == []
    assert _sessions(database, "kassa") == [(False, None)]
    # With a second administrator the first may be disabled (by the second).
    auth.create_staff("deputy", "Иванов П.П.", "admin", NEW_PASSWORD)
    deputy = auth.staff_login("deputy", NEW_PASSWORD).actor
    assert not auth.set_staff_active("admin", False, by=deputy).active
    with pytest.raises(SessionEndedError):
        auth.list_staff(admin)


def test_a_staff_session_lasts_a_working_day_and_a_residents_is_not_cut(
    auth: AuthService, database: Database, clock: FixedClock
) -> None:
    admin = auth.staff_login("admin", NEW_PASSWORD).actor
    clock.advance(hours=11, minutes=59)
    assert [s.login for s in auth.list_staff(admin)] == ["admin", "kassa"]
    clock.advance(minutes=1)
    with pytest.raises(SessionEndedError, match="не больше 12 часов"):
        auth.list_staff(admin)
    assert _sessions(database, "admin") == [(True, "shift_over")]
    fresh = auth.staff_login("admin", NEW_PASSWORD).actor  # signing in again starts a new day
    assert len(auth.list_staff(fresh)) == 2


def test_a_locked_desk_is_unlocked_by_the_staff_members_own_password_only(
    auth: AuthService, database: Database, clock: FixedClock
) -> None:
    clerk = auth.staff_login("kassa", CLERK_PASSWORD).actor
    auth.unlock(clerk, CLERK_PASSWORD)
    with pytest.raises(LoginError, match="^Неверный пароль"):
        auth.unlock(clerk, NEW_PASSWORD)  # the administrator's: not this desk's staff member
    entries = _audit(database, "staff.unlock")
    assert [actor for actor, _ in entries] == ["staff:kassa", "staff:kassa"]
    assert entries[1][1] == {"reason": "wrong_password", "failures": 1}
    # Guessing is throttled as a sign-in is; the right password afterwards waits its turn.
    for _ in range(FREE_ATTEMPTS):
        with pytest.raises((LoginError, LoginThrottled)):
            auth.unlock(clerk, "wrong-password-1")
    with pytest.raises(LoginThrottled):
        auth.unlock(clerk, CLERK_PASSWORD)
    clock.advance(minutes=10)
    auth.unlock(clerk, CLERK_PASSWORD)
    assert auth.list_staff(auth.staff_login("admin", NEW_PASSWORD).actor)  # nothing else moved
    # A disabled staff member's locked desk opens no more: the session is over.
    admin = auth.staff_login("admin", NEW_PASSWORD).actor
    auth.set_staff_active("kassa", False, by=admin)
    with pytest.raises(SessionEndedError):
        auth.unlock(clerk, CLERK_PASSWORD)


def test_only_a_staff_member_unlocks(auth: AuthService, database: Database) -> None:
    with pytest.raises(AccessDeniedError):
        auth.unlock(SYSTEM, NEW_PASSWORD)
    assert _audit(database, "staff.unlock") == []


def test_an_administrator_resets_a_clerks_password_to_a_temporary_one_shown_once(
    auth: AuthService, database: Database
) -> None:
    admin = auth.staff_login("admin", NEW_PASSWORD).actor
    counter = auth.staff_login("kassa", CLERK_PASSWORD).actor
    with pytest.raises(AccessDeniedError):
        auth.reset_staff_password("admin", by=counter)
    with pytest.raises(ProblemError, match="меняют"):
        auth.reset_staff_password("admin", by=admin)
    with pytest.raises(ProblemError, match="нет"):
        auth.reset_staff_password("nobody", by=admin)
    assert _audit(database, "staff.password_reset") == []

    temporary = auth.reset_staff_password(" Kassa ", by=admin)

    assert _sessions(database, "kassa") == [(True, "password_reset")]
    with pytest.raises(SessionEndedError):
        auth.logout(counter)
    with pytest.raises(LoginError):
        auth.staff_login("kassa", CLERK_PASSWORD)
    signed = auth.staff_login("kassa", temporary)
    assert signed.must_change_password
    (kassa,) = [s for s in auth.list_staff(SYSTEM) if s.login == "kassa"]
    assert kassa.must_change_password
    assert _audit(database, "staff.password_reset") == [
        ("staff:admin", {"login": "kassa", "sessions_ended": 1})
    ]
