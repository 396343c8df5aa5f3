"""Least privilege on PostgreSQL, continued (``db.roles_staff``): a clerk's role reads and
writes no staff password, yet its desk signs in and changes passwords; a kiosk's role sees
no one else's sessions, letters or support requests, before or after a sign-in, yet
registers, signs in and writes to the office — on the real server, as member login roles."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg.errors
import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import DBAPIError

from db import roles, roles_staff
from db.models import Account, OutboxMessage, StaffUser, SupportRequest, UserSession
from db.roles import CLERK, KIOSK
from db.roles_outbox import MAILER
from desktop import audit
from desktop.actors import SYSTEM, Actor
from desktop.app import build_services
from desktop.auth import LoginError, codes
from desktop.auth.sealed_staff import is_staff_sealed
from desktop.clock import FixedClock
from desktop.common.problems import ProblemError
from desktop.sessions import PASSWORD_CHANGED, PASSWORD_RESET, SessionEndedError
from desktop.settings import Settings
from tests.db.test_roles import (  # noqa: F401 (fixtures)
    ADMIN_PASSWORD,
    CLERK_PASSWORD,
    OWN_PASSWORD,
    PETROV_CODE,
    Cluster,
    cheap_hashing,
    cluster,
    refused,
    rows,
    services_as,
    smtp,
)
from tests.desktop.test_auth import NEW_PASSWORD, OTHER_PASSWORD, last_mail_secret
from tests.desktop.test_mail import SmtpServer

PARAMS = "$argon2id$v=19$m=8192,t=1,p=1"


@pytest.fixture
def clerk_engine(cluster: Cluster) -> Iterator[Engine]:  # noqa: F811 (the fixture above)
    engine = cluster.engine(CLERK)
    yield engine
    engine.dispose()


@pytest.fixture
def kiosk_engine(cluster: Cluster) -> Iterator[Engine]:  # noqa: F811
    engine = cluster.engine(KIOSK)
    yield engine
    engine.dispose()


def _stored_hash(cluster: Cluster, login: str) -> str:  # noqa: F811
    with cluster.owner.read() as s:
        return s.scalars(select(StaffUser.password_hash).where(StaffUser.login == login)).one()


def test_the_constants_shared_with_db_roles_agree() -> None:
    assert (roles_staff.KIOSK, roles_staff.CLERK, roles_staff.ADMIN) == roles.GROUPS
    assert roles_staff.SEALED_SECRET == roles.SEALED_SECRET


def test_the_clerk_reads_and_writes_no_staff_password(
    cluster: Cluster,  # noqa: F811
    clerk_engine: Engine,
    kiosk_engine: Engine,
) -> None:
    for sql in (
        "SELECT * FROM staff_user",
        "SELECT password_hash FROM staff_user",
        "SELECT count(*) FROM staff_user WHERE left(password_hash, 7) = '$argon2'",
        "UPDATE staff_user SET password_hash = 'x'",
        "UPDATE staff_user SET password_hash = password_hash WHERE login = 'desk'",
        "UPDATE staff_user SET must_change = true",
    ):
        refused(clerk_engine, sql)
    # What the office's screens need of a staff member is still there.
    assert sorted(rows(clerk_engine, "SELECT login, role, active FROM staff_user")) == [
        ("boss", "admin", True),
        ("desk", "clerk", True),
    ]
    # The functions give a salt, never a hash, the same shape for an unknown login.
    salt_of = "SELECT salt FROM cabinet_staff_salt('{}', '" + PARAMS + "', 32)"
    stored = _stored_hash(cluster, "boss")
    (real,) = rows(clerk_engine, salt_of.format("boss"))
    fake = rows(clerk_engine, salt_of.format("nobody"))
    assert fake == rows(clerk_engine, salt_of.format("nobody")) and [real] != fake
    assert str(real[0]).count("$") == 4 and str(fake[0][0]).count("$") == 4
    assert stored.startswith(f"{real[0]}$") and stored != real[0]
    assert rows(clerk_engine, "SELECT cabinet_staff_matches('boss', 'guess')") == [(False,)]
    opening = (
        "SELECT id FROM cabinet_open_staff_session('boss', 'guess', '" + "t" * 43 + "', now())"
    )
    assert rows(clerk_engine, opening) == [(None,)]
    # A new password only with the current one's hash (or a live one-time session's token).
    new_hash = f"{PARAMS}$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g"
    forced = "SELECT cabinet_staff_set_password('boss', '{}', '{}', '" + new_hash + "', now())"
    assert rows(clerk_engine, forced.format("guess", "t" * 43)) == [(False,)]
    assert _stored_hash(cluster, "boss") == stored
    # The kiosk may not even ask.
    refused(kiosk_engine, salt_of.format("boss"))
    refused(kiosk_engine, "SELECT cabinet_staff_matches('boss', 'guess')")


def test_a_clerk_desk_signs_in_and_changes_passwords_without_the_hash(
    cluster: Cluster,  # noqa: F811
    clock: FixedClock,
) -> None:
    clerk = services_as(cluster, CLERK, clock)
    admin = services_as(cluster, roles.ADMIN, clock)
    try:
        with clerk.db.read() as s:
            assert is_staff_sealed(s)
        with admin.db.read() as s:
            assert not is_staff_sealed(s)
        for login, password in (("desk", ADMIN_PASSWORD), ("nobody", CLERK_PASSWORD)):
            with pytest.raises(LoginError):
                clerk.auth.staff_login(login, password)
        desk = clerk.auth.staff_login("desk", CLERK_PASSWORD).actor
        elsewhere = clerk.auth.staff_login("desk", CLERK_PASSWORD).actor
        assert desk.session_id and not desk.one_time
        assert [a.number for a in clerk.accounts.search(desk, "Иванов")] == ["3492"]
        with pytest.raises(ProblemError, match="Текущий пароль введён неверно"):
            clerk.auth.change_password(desk, OTHER_PASSWORD, NEW_PASSWORD)
        desk = clerk.auth.change_password(desk, CLERK_PASSWORD, NEW_PASSWORD)
        with pytest.raises(LoginError):
            clerk.auth.staff_login("desk", CLERK_PASSWORD)
        clerk.auth.staff_login("desk", NEW_PASSWORD)
        assert clerk.accounts.search(desk, "Иванов")  # the changing session goes on
        with pytest.raises(SessionEndedError):  # the other one ended
            clerk.accounts.search(elsewhere, "Иванов")
        # The one-time path: a password the administrator chose, changed at a clerk's desk.
        boss = admin.auth.staff_login("boss", ADMIN_PASSWORD).actor
        admin.auth.create_staff("desk2", "Новый Н.Н.", "clerk", OTHER_PASSWORD, by=boss)
        signed = clerk.auth.staff_login("desk2", OTHER_PASSWORD)
        assert signed.must_change_password and signed.actor.one_time
        first = clerk.auth.change_password(signed.actor, "", NEW_PASSWORD)
        assert not first.one_time
        with pytest.raises(ProblemError):  # the one-time session proves nothing any more
            clerk.auth.change_password(signed.actor, "", ADMIN_PASSWORD)
        again = clerk.auth.staff_login("desk2", NEW_PASSWORD)
        assert not again.must_change_password
        with pytest.raises(LoginError):
            clerk.auth.staff_login("desk2", OTHER_PASSWORD)
        with cluster.owner.read() as s:
            desk2 = s.scalars(select(StaffUser).where(StaffUser.login == "desk2")).one()
            assert not desk2.must_change
            ended = s.scalars(
                select(UserSession.end_reason).where(UserSession.staff_id != desk2.id)
            ).all()
        assert PASSWORD_CHANGED in ended
        # The administrator signs in at a clerk's desk too (the hash is compared there).
        assert clerk.auth.staff_login("boss", ADMIN_PASSWORD).actor.staff_id == boss.staff_id
        assert audit.verify(cluster.owner, SYSTEM).intact
    finally:
        clerk.close()
        admin.close()


def _seen(engine: Engine, token: str | None) -> dict[str, list[int]]:
    """The ids of sessions, letters and requests the kiosk's role sees with ``token``."""
    with engine.begin() as conn:
        if token is not None:
            conn.execute(text("SELECT set_config('cabinet.session', :t, true)"), {"t": token})
        return {
            table: sorted(r[0] for r in conn.exec_driver_sql(f"SELECT id FROM {table}"))
            for table in ("user_session", "outbox_message", "support_request")
        }


def _all(cluster: Cluster) -> dict[str, list[int]]:  # noqa: F811
    with cluster.owner.read() as s:
        return {
            "user_session": sorted(s.scalars(select(UserSession.id))),
            "outbox_message": sorted(s.scalars(select(OutboxMessage.id))),
            "support_request": sorted(s.scalars(select(SupportRequest.id))),
        }


def test_the_kiosk_sees_no_one_elses_sessions_letters_or_requests(
    cluster: Cluster,  # noqa: F811
    clock: FixedClock,
    kiosk_engine: Engine,
) -> None:
    owner = build_services(cluster.owner, Settings(), clock, inline_mail=True, device="owner")
    kiosk = services_as(cluster, KIOSK, clock)
    try:
        # Someone else's: a session, a letter with a one-time password, two requests.
        other = owner.auth.login("7001", OWN_PASSWORD, kiosk=True).actor
        owner.support.create(other, "Протечка", "Течёт кран", "+79150000001")
        owner.support.create(None, "Не пришёл пароль", "Помогите", "neighbour@mail.ru")
        desk = owner.auth.staff_login("desk", CLERK_PASSWORD).actor
        owner.auth.register("Петров П.П.", "5210", "+79150000000", "p@mail.ru", actor=desk)
        everyone = _all(cluster)
        assert all(everyone.values()), everyone
        nothing: dict[str, list[int]] = {t: [] for t in everyone}
        assert _seen(kiosk_engine, None) == nothing
        with kiosk_engine.begin() as conn:
            for sql in (
                "DELETE FROM outbox_message",
                "UPDATE user_session SET ended_at = now(), end_reason = 'x'",
            ):
                assert conn.exec_driver_sql(sql).rowcount == 0, sql
            # Only a transaction that has just written the account's credential may.
            ending = f"SELECT cabinet_end_account_sessions({other.account_id}, now(), 'x', NULL)"
            assert conn.exec_driver_sql(ending).scalar() == 0
        assert _all(cluster) == everyone
        with cluster.owner.read() as s:
            assert s.get_one(UserSession, other.session_id).ended_at is None
        # Before anyone signs in the kiosk writes a request and registers (a letter queued).
        anonymous = kiosk.support.create(None, "Вопрос", "Как войти?", "me@mail.ru")
        with cluster.owner.unit_of_work() as s:
            petrov = s.scalars(select(Account.id).where(Account.number == "5210")).one()
            codes.set_code(s, petrov, PETROV_CODE, clock.now(), "test")
        kiosk.auth.register("Петров П.П.", "5210", "+79150000000", "p2@mail.ru", PETROV_CODE)
        now_all = _all(cluster)
        assert anonymous.id in now_all["support_request"]
        with cluster.owner.read() as s:
            letters = s.execute(
                select(OutboxMessage.recipient).where(OutboxMessage.account_id == petrov)
            ).scalars()
            assert list(letters) == ["p2@mail.ru"]  # the office's pending slip replaced
        assert _seen(kiosk_engine, None) == nothing
        # Signed in: its own session and requests, no one else's, no letters.
        resident = kiosk.auth.login("3492", OWN_PASSWORD, kiosk=True).actor
        mine = kiosk.support.create(resident, "Счетчик", "Пломба", "r3492@mail.ru")
        assert [r.id for r in kiosk.support.list_for(resident)] == [mine.id]
        # The contacts a resident registered with are not the kiosk's to read: none offered.
        assert kiosk.support.contact_of(resident) == ""
        assert build_services(cluster.owner, Settings(), clock).support.contact_of(resident) != ""
        seen = _seen(kiosk_engine, resident.session_token)
        assert seen == {
            "user_session": [resident.session_id],
            "outbox_message": [],
            "support_request": [mine.id],
        }
        with kiosk_engine.begin() as conn:
            conn.execute(
                text("SELECT set_config('cabinet.session', :t, true)"),
                {"t": resident.session_token},
            )
            for sql in (
                "INSERT INTO support_request (account_id, topic, message, contact, status,"
                f" created_at) VALUES ({other.account_id}, 'x', 'x', 'x', 'open', now())",
                "INSERT INTO outbox_message (account_id, recipient, subject, body, created_at)"
                f" VALUES ({other.account_id}, 'x', 'x', 'x', now())",
            ):
                with pytest.raises(DBAPIError) as refusal, conn.begin_nested():
                    conn.exec_driver_sql(sql)
                assert isinstance(refusal.value.orig, psycopg.errors.InsufficientPrivilege)
        kiosk.auth.logout(resident)
        assert _seen(kiosk_engine, resident.session_token)["support_request"] == []
    finally:
        kiosk.close()
        owner.close()


def test_a_password_change_or_reset_at_the_kiosk_ends_the_accounts_other_sessions(
    cluster: Cluster,  # noqa: F811
    clock: FixedClock,
    kiosk_engine: Engine,
    smtp: SmtpServer,  # noqa: F811
) -> None:
    kiosk = services_as(cluster, KIOSK, clock, smtp.settings())
    office = services_as(cluster, MAILER, clock, smtp.settings())  # the desk that sends
    try:
        here = kiosk.auth.login("3492", OWN_PASSWORD, kiosk=True).actor
        there = kiosk.auth.login("3492", OWN_PASSWORD, kiosk=True).actor
        assert _seen(kiosk_engine, here.session_token)["user_session"] == [here.session_id]

        def ended(actor: Actor) -> str | None:
            with cluster.owner.read() as s:
                return s.get_one(UserSession, actor.session_id).end_reason

        here = kiosk.auth.change_password(here, OWN_PASSWORD, NEW_PASSWORD)
        assert ended(there) == PASSWORD_CHANGED and ended(here) is None
        with pytest.raises(SessionEndedError):
            kiosk.statements.debt(there, there.account_id or 0)
        kiosk.auth.request_reset("3492", "r3492@mail.ru")
        assert office.mail_sender is not None and office.mail_sender.send_due().sent == 1
        kiosk.auth.complete_reset("3492", last_mail_secret(smtp, "Код"), OTHER_PASSWORD)
        assert ended(here) == PASSWORD_RESET
        kiosk.auth.login("3492", OTHER_PASSWORD, kiosk=True)
    finally:
        kiosk.close()
        office.close()
