"""Sign-in, registration, reset and staff users, on both databases, with a real SMTP server."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from db.engine import Database
from db.models import (
    Account,
    AuditEntry,
    Channel,
    LoginThrottle,
    OutboxMessage,
    ResidentCredential,
    StaffRole,
    StaffUser,
)
from desktop import passwords
from desktop.actors import SYSTEM, Actor
from desktop.app import build_services
from desktop.auth import (
    MAX_DELAY,
    AuthService,
    LoginError,
    LoginThrottled,
    ResetCodeError,
    codes,
    delay_after,
    normalize_phone,
)
from desktop.clock import FixedClock
from desktop.common.problems import ProblemError
from desktop.errors import AccessDeniedError, UserError, ValidationError
from desktop.mail import OutboxService, SmtpMailer, normalize_email
from desktop.mail_queue import MAX_ATTEMPTS, MailSender
from desktop.passwords import needs_rehash
from desktop.settings import Settings, SmtpSettings
from tests.desktop.test_mail import SmtpServer, add_account, free_port

NEW_PASSWORD = "Садовая-12-весна"
OTHER_PASSWORD = "tr4in-Bl0ck-orange"
RECEIPT_CODE = "KXR7-MP3Q"


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2id with small parameters: the same code paths at a fraction of the time. Hashing
    with the production parameters is tested in test_passwords."""
    hasher = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)
    monkeypatch.setattr(passwords, "_hasher", hasher)
    monkeypatch.setattr(passwords, "DUMMY_HASH", hasher.hash("not a password"))


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


def auth_service(
    database: Database, clock: FixedClock, settings: Settings, device: str = "desk-1"
) -> AuthService:
    """Wired by desktop.app as the application wires it: the session check at every call,
    a device id, and queued mail delivered in the test's thread right after each commit
    (the application's background sender is tested in test_mail_queue)."""
    return build_services(database, settings, clock, inline_mail=True, device=device).auth


@pytest.fixture
def auth(database: Database, clock: FixedClock, smtp: SmtpServer) -> AuthService:
    add_account(database)
    return auth_service(database, clock, smtp.settings())


def field_of(error: pytest.ExceptionInfo[ProblemError]) -> str | None:
    [problem] = error.value.problems
    return problem.field


def last_mail_secret(smtp: SmtpServer, label: str) -> str:
    body = smtp.messages[-1].get_content()
    found = re.search(rf"{label}: (\S+)", body)
    assert found, body
    return found.group(1)


def code_for(auth: AuthService, number: str = "3492") -> str:
    """A fresh registration code for the account, as its newest receipt would carry."""
    with auth.db.unit_of_work() as s:
        account_id = s.scalar(select(Account.id).where(Account.number == number))
        assert account_id is not None
        codes.set_code(s, account_id, RECEIPT_CODE, auth.clock.now(), "test")
    return RECEIPT_CODE


def register(auth: AuthService, smtp: SmtpServer, email: str = "ivanov@mail.ru") -> str:
    """Register account 3492 and return the one-time password from the e-mail."""
    auth.register("Иванов И.И.", "3492", "+7 915 123-45-67", email, code_for(auth))
    return last_mail_secret(smtp, "Одноразовый пароль")


def registered(auth: AuthService, smtp: SmtpServer) -> None:
    """Account 3492 with the resident's own password NEW_PASSWORD."""
    otp = register(auth, smtp)
    auth.change_password(auth.login("3492", otp).actor, otp, NEW_PASSWORD)


def audit_rows(database: Database, action: str) -> list[AuditEntry]:
    with database.unit_of_work() as s:
        return list(
            s.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id))
        )


def credential(database: Database) -> ResidentCredential | None:
    with database.unit_of_work() as s:
        return s.scalars(select(ResidentCredential)).one_or_none()


def error_of(call: object, *args: object) -> UserError:
    with pytest.raises(UserError) as caught:
        call(*args)  # type: ignore[operator]
    return caught.value


# --- registration and the one-time password ----------------------------------------------


def test_registration_mails_a_one_time_password_that_forces_a_new_one(
    auth: AuthService, smtp: SmtpServer, database: Database
) -> None:
    result = auth.register(
        "Иванов И.И.", "3492", "8 (915) 123-45-67", "Ivanov@Mail.RU", code_for(auth)
    )
    assert result.delivery == "email"
    assert result.message.startswith("Если данные совпали с данными квитанции")
    [mail] = smtp.messages
    assert mail["To"] == "Ivanov@mail.ru"
    assert mail["Subject"] == "Пароль для входа в личный кабинет"
    otp = last_mail_secret(smtp, "Одноразовый пароль")
    stored = credential(database)
    assert stored is not None
    assert stored.email == "Ivanov@mail.ru" and stored.phone == "+79151234567"
    assert stored.must_change and stored.password_hash and otp not in stored.password_hash
    assert stored.password_expires_at == auth.clock.now() + timedelta(hours=24)

    session = auth.login("3492", otp)
    assert session.must_change_password
    assert (session.account_number, session.fio) == ("3492", "Иванов И.И.")
    assert session.address.startswith("г. Подольск")
    assert session.actor == Actor.resident(
        session.account_id or 0, "3492", session_id=session.actor.session_id, one_time=True
    )

    auth.change_password(session.actor, otp, NEW_PASSWORD)
    with pytest.raises(LoginError):
        auth.login("3492", otp)
    session = auth.login("3492", NEW_PASSWORD)
    assert not session.must_change_password
    stored = credential(database)
    assert stored is not None and stored.password_expires_at is None and not stored.must_change


def test_a_one_time_password_expires_after_24_hours(
    auth: AuthService, smtp: SmtpServer, clock: FixedClock
) -> None:
    otp = register(auth, smtp)
    clock.advance(hours=23, minutes=59)
    assert auth.login("3492", otp).must_change_password
    clock.advance(minutes=1)
    with pytest.raises(LoginError, match="Неверный номер лицевого счета или пароль"):
        auth.login("3492", otp)


def test_a_one_time_password_signs_in_once_only(
    auth: AuthService, smtp: SmtpServer, clock: FixedClock
) -> None:
    """Signing in uses the one-time password up: a slip or e-mail found later, or a second
    try a minute later, is worthless; the session it opened may still choose a password."""
    otp = register(auth, smtp)
    session = auth.login("3492", otp)
    assert session.must_change_password and session.actor.one_time
    with pytest.raises(LoginError):
        auth.login("3492", otp)
    clock.advance(minutes=1)
    with pytest.raises(LoginError):
        auth.login("3492", otp)
    actor = auth.change_password(session.actor, otp, NEW_PASSWORD)
    assert not actor.one_time and actor.session_id == session.actor.session_id
    assert not auth.login("3492", NEW_PASSWORD).must_change_password


def test_a_one_time_session_must_choose_its_password_within_15_minutes(
    auth: AuthService, smtp: SmtpServer, clock: FixedClock
) -> None:
    otp = register(auth, smtp)
    session = auth.login("3492", otp)
    clock.advance(minutes=16)
    with pytest.raises(ProblemError, match="Срок действия одноразового пароля истёк"):
        auth.change_password(session.actor, otp, NEW_PASSWORD)
    with pytest.raises(UserError, match="Сеанс завершён"):
        auth.change_password(session.actor, otp, NEW_PASSWORD)


def test_fio_is_compared_as_on_the_receipt(
    database: Database, clock: FixedClock, smtp: SmtpServer
) -> None:
    add_account(database, "100", "Семёнов П.П.")
    auth = auth_service(database, clock, smtp.settings())
    for variant in ("семенов п. п.", "  СЕМЁНОВ  П.П. ", "Семенов П.П."):
        code = code_for(auth, "100")
        assert auth.register(variant, " 100 ", "9151234567", "p@mail.ru", code).delivery == "email"
    assert len(smtp.messages) == 3  # a pending one-time password may be replaced
    assert auth.register("Семёнов Пётр Петрович", "100", "9151234567", "p@mail.ru").delivery is None
    assert len(smtp.messages) == 3


def test_a_new_registration_replaces_a_pending_one_time_password(
    auth: AuthService, smtp: SmtpServer
) -> None:
    first = register(auth, smtp)
    second = register(auth, smtp, "other@mail.ru")
    assert first != second
    with pytest.raises(LoginError):
        auth.login("3492", first)
    assert auth.login("3492", second).must_change_password


def test_a_new_registration_signs_out_the_earlier_registrants_one_time_session(
    auth: AuthService, smtp: SmtpServer
) -> None:
    """Whoever registered first (a code from someone else's receipt) and signed in with the
    one-time password cannot set the password once the account is registered again."""
    first = register(auth, smtp, "stranger@mail.ru")
    stranger = auth.login("3492", first).actor
    second = register(auth, smtp)
    with pytest.raises(UserError, match="Сеанс завершён"):
        auth.change_password(stranger, first, NEW_PASSWORD)
    assert auth.login("3492", second).must_change_password


def test_registration_answers_the_same_whatever_happened(
    auth: AuthService, smtp: SmtpServer, database: Database
) -> None:
    success = auth.register("Иванов И.И.", "3492", "+79151234567", "ivanov@mail.ru", code_for(auth))
    auth.change_password(
        auth.login("3492", last_mail_secret(smtp, "Одноразовый пароль")).actor,
        last_mail_secret(smtp, "Одноразовый пароль"),
        NEW_PASSWORD,
    )
    before = credential(database)
    unknown = auth.register("Иванов И.И.", "9999", "+79151234567", "x@mail.ru")
    wrong_fio = auth.register("Петров П.П.", "3492", "+79151234567", "x@mail.ru")
    again = auth.register("Иванов И.И.", "3492", "+79151234567", "x@mail.ru")
    assert unknown.message == wrong_fio.message == again.message == success.message
    assert unknown.delivery is wrong_fio.delivery is again.delivery is None
    assert len(smtp.messages) == 1
    after = credential(database)
    assert before is not None and after is not None
    assert after.password_hash == before.password_hash and after.email == "ivanov@mail.ru"
    assert auth.login("3492", NEW_PASSWORD)
    reasons = [
        json.loads(e.details).get("reason") for e in audit_rows(database, "resident.register")
    ]
    assert reasons == [None, "unknown_account", "fio_mismatch", "already_registered"]


@pytest.mark.parametrize(
    ("fio", "number", "phone", "email", "message", "field"),
    [
        ("", "3492", "+79151234567", "a@mail.ru", "Укажите ФИО", "fio"),
        ("Иванов И.И.", " ", "+79151234567", "a@mail.ru", "номер лицевого счета", "account"),
        ("Иванов И.И.", "3492", "", "a@mail.ru", "Укажите телефон", "phone"),
        ("Иванов И.И.", "3492", "12345", "a@mail.ru", "Телефон указан неверно", "phone"),
        ("Иванов И.И.", "3492", "+79151234567", "", "Укажите адрес электронной почты", "email"),
        ("Иванов И.И.", "3492", "+7915123456", "ivanov.mail.ru", "Телефон указан", "phone"),
        ("Иванов И.И.", "3492", "+79151234567", "ivanov.mail.ru", "почты указан неверно", "email"),
        ("Иванов И.И.", "3492", "+79151234567", "иванов@mail.ru", "почты указан неверно", "email"),
    ],
)
def test_registration_input_is_checked_with_specific_messages(
    auth: AuthService,
    smtp: SmtpServer,
    database: Database,
    fio: str,
    number: str,
    phone: str,
    email: str,
    message: str,
    field: str,
) -> None:
    """Checked in the form's order; the first problem names its field for the screen."""
    with pytest.raises(ProblemError, match=message) as refused:
        auth.register(fio, number, phone, email)
    assert field_of(refused) == field
    assert smtp.messages == [] and credential(database) is None


def test_when_mail_fails_the_answer_is_the_same_and_the_office_gets_the_slip_in_the_end(
    database: Database, clock: FixedClock
) -> None:
    """An error shown only when the data matched would tell that they did: a failing mail
    server changes nothing a resident sees. The letter is tried again later and, after the
    last try, waits in the outbox for the office."""
    add_account(database)
    unreachable = Settings(
        smtp=SmtpSettings(
            host="127.0.0.1", port=free_port(), security="none", sender="c@example.ru", timeout=2
        )
    )
    auth = auth_service(database, clock, unreachable)
    miss = auth.register("Никто Н.Н.", "3492", "+79151234567", "ivanov@mail.ru")
    hit = auth.register("Иванов И.И.", "3492", "+79151234567", "ivanov@mail.ru", code_for(auth))
    assert hit.message == miss.message and "на указанную почту" in hit.message
    assert (miss.delivery, hit.delivery) == (None, "email")  # for clerks only: queued
    clerk = Actor.staff(1, "petrova", StaffRole.CLERK)
    outbox = OutboxService(database, clock, unreachable)
    assert outbox.pending(clerk) == []  # not a slip yet: it will be tried again
    sender = MailSender(database, clock, SmtpMailer(unreachable.smtp, clock))
    for _ in range(MAX_ATTEMPTS - 2):  # the first try was right after the commit
        clock.advance(hours=1)
        assert sender.send_due().failed == 1
    clock.advance(hours=1)
    assert sender.send_due().to_slips == 1
    [slip] = outbox.pending(clerk)
    otp = re.search(r"Одноразовый пароль: (\S+)", slip.body)
    assert otp is not None and auth.login("3492", otp.group(1)).must_change_password


def test_without_smtp_the_password_waits_in_the_outbox(
    database: Database, clock: FixedClock
) -> None:
    add_account(database)
    auth = auth_service(database, clock, Settings())
    result = auth.register("Иванов И.И.", "3492", "+79151234567", "ivanov@mail.ru", code_for(auth))
    assert result.delivery == "outbox"
    assert "у сотрудника офиса" in result.message
    assert auth.register("Никто Н.Н.", "3492", "+79151234567", "x@mail.ru").message == (
        result.message
    )
    result = auth.register("Иванов И.И.", "3492", "+79151234567", "ivanov@mail.ru", code_for(auth))
    clerk = Actor.staff(1, "petrova", StaffRole.CLERK)
    [slip] = OutboxService(database, clock, Settings()).pending(clerk)  # the first was voided
    assert (slip.account_number, slip.recipient) == ("3492", "ivanov@mail.ru")
    otp = re.search(r"Одноразовый пароль: (\S+)", slip.body)
    assert otp is not None
    assert auth.login("3492", otp.group(1)).must_change_password

    code_result = auth.request_reset("3492", "ivanov@mail.ru")
    assert code_result.delivery == "outbox" and "у сотрудника офиса" in code_result.message
    slips = OutboxService(database, clock, Settings()).pending(clerk)
    assert [s.subject for s in slips] == [
        "Пароль для входа в личный кабинет",
        "Код для восстановления пароля",
    ]
    code = re.search(r"Код: (\d{6})", slips[1].body)
    assert code is not None
    auth.complete_reset("3492", code.group(1), NEW_PASSWORD)
    assert not auth.login("3492", NEW_PASSWORD).must_change_password
    with database.unit_of_work() as s:
        assert len(s.scalars(select(OutboxMessage)).all()) == 2


def test_a_clerk_registering_at_the_counter_is_the_audited_actor(
    auth: AuthService, smtp: SmtpServer, database: Database
) -> None:
    clerk = Actor.staff(7, "petrova", StaffRole.CLERK)
    auth.register("Иванов И.И.", "3492", "+79151234567", "ivanov@mail.ru", actor=clerk)
    [entry] = audit_rows(database, "resident.register")
    assert entry.actor == "staff:petrova" and entry.ok


# --- sign-in: failures, the growing delay, no enumeration --------------------------------


def test_wrong_then_right_password(auth: AuthService, smtp: SmtpServer) -> None:
    registered(auth, smtp)
    with pytest.raises(LoginError):
        auth.login("3492", "wrong password")
    assert auth.login(" 3492 ", NEW_PASSWORD).account_number == "3492"


def test_the_delay_grows_and_success_resets_it(
    auth: AuthService, smtp: SmtpServer, clock: FixedClock, database: Database
) -> None:
    registered(auth, smtp)
    for _ in range(3):
        with pytest.raises(LoginError):
            auth.login("3492", "wrong")
    with pytest.raises(LoginError):
        auth.login("3492", "wrong")  # the 4th failure starts the delay
    waits = []
    for _ in range(4):
        with pytest.raises(LoginThrottled) as throttled:
            auth.login("3492", NEW_PASSWORD)  # even the right password must wait
        waits.append(throttled.value.seconds)
        assert f"Подождите {throttled.value.seconds} секунд" in str(throttled.value)
        clock.advance(seconds=throttled.value.seconds)
        with pytest.raises(LoginError):
            auth.login("3492", "wrong")
    assert waits == [2, 4, 8, 16]
    clock.advance(seconds=32)
    assert auth.login("3492", NEW_PASSWORD)
    with database.read() as s:
        rows = s.scalars(select(LoginThrottle)).all()
    # The number's counters are gone; the device's own (leaking over time) remain.
    assert len(rows) == 1 and rows[0].next_attempt_at is None
    with pytest.raises(LoginError):
        auth.login("3492", "wrong")  # counting starts over: no delay
    with pytest.raises(LoginError):
        auth.login("3492", "wrong")


def test_the_delay_never_exceeds_five_minutes(
    auth: AuthService, smtp: SmtpServer, clock: FixedClock
) -> None:
    registered(auth, smtp)
    for _ in range(14):
        with pytest.raises(LoginError):
            auth.login("3492", "wrong")
        clock.advance(minutes=5)
    with pytest.raises(LoginError):
        auth.login("3492", "wrong")
    with pytest.raises(LoginThrottled) as throttled:
        auth.login("3492", "wrong")
    assert throttled.value.seconds == 300
    clock.advance(minutes=5)
    assert auth.login("3492", NEW_PASSWORD)  # never locked out


def test_unknown_and_known_accounts_answer_identically(
    database: Database, clock: FixedClock, smtp: SmtpServer
) -> None:
    add_account(database, "5000", "Петров П.П.")  # exists, never registered
    auth = auth_service(database, clock, smtp.settings())
    add_account(database)
    registered(auth, smtp)
    answers: dict[str, list[tuple[str, str, str | None]]] = {}
    for number in ("3492", "5000", "77777"):
        seen = []
        for _ in range(6):
            error = error_of(auth.login, number, "wrong")
            assert isinstance(error, ProblemError)
            seen.append((type(error).__name__, str(error), error.problems[0].field))
        answers[number] = seen
    assert answers["3492"] == answers["5000"] == answers["77777"]
    assert answers["3492"][:5] == [("LoginError", answers["3492"][0][1], "password")] * 4 + [
        (
            "LoginThrottled",
            "Слишком много неудачных попыток. Подождите 2 секунды и попробуйте снова.",
            "password",
        )
    ]
    assert answers["3492"][0][1].startswith("Неверный номер лицевого счета или пароль")


def test_a_restart_or_another_desk_keeps_the_delay_on_any_number(
    auth: AuthService, smtp: SmtpServer, database: Database, clock: FixedClock
) -> None:
    """The delay of a registered number and of one that does not exist both live in the
    database, so a new AuthService (a restart) shows them alike; another desk shows neither
    (a name's delay is its device's, tests/desktop/test_throttle_devices.py)."""
    registered(auth, smtp)
    for number in ("3492", "77777"):
        for _ in range(4):
            with pytest.raises(LoginError):
                auth.login(number, "wrong")
    restarted = auth_service(database, clock, smtp.settings())
    for number in ("3492", "77777"):
        with pytest.raises(LoginThrottled) as throttled:
            restarted.login(number, "wrong")
        assert throttled.value.seconds == 2
    elsewhere = auth_service(database, clock, smtp.settings(), device="kiosk-2")
    for number in ("3492", "77777"):
        with pytest.raises(LoginError) as failed:
            elsewhere.login(number, "wrong")
        assert type(failed.value) is LoginError
    with database.read() as s:  # keyed hashes only: no number is stored
        keys = s.scalars(select(LoginThrottle.key_hash)).all()
    # Per number: on each device and over all; per device: one each.
    assert len(keys) == 8 and all(re.fullmatch(r"[0-9a-f]{64}", key) for key in keys)


def test_every_attempt_is_audited_without_the_password(
    auth: AuthService, smtp: SmtpServer, database: Database
) -> None:
    registered(auth, smtp)
    with pytest.raises(LoginError):
        auth.login("3492", "secret-wrong-1")
    with pytest.raises(LoginError):
        auth.login("0001", "secret-wrong-2")
    with pytest.raises(LoginError):
        auth.login("x" * 40, "secret-wrong-3")  # a password typed into the number field
    auth.login("3492", NEW_PASSWORD, kiosk=True)
    entries = audit_rows(database, "resident.sign_in")
    summary = [(e.actor, e.ok, json.loads(e.details).get("reason")) for e in entries]
    assert summary == [
        ("resident:3492", True, None),  # the one-time password, in registered()
        ("resident:3492", False, "wrong_password"),
        ("resident:unknown", False, "unknown_account"),
        ("resident:malformed", False, "unknown_account"),
        ("resident:3492", True, None),
    ]
    assert json.loads(entries[-1].details)["channel"] == "kiosk"
    with database.unit_of_work() as s:
        everything = " ".join(e.details + e.actor for e in s.scalars(select(AuditEntry)))
    for secret in ("secret-wrong", NEW_PASSWORD, "x" * 40):
        assert secret not in everything


def test_kiosk_sessions_say_so(auth: AuthService, smtp: SmtpServer) -> None:
    registered(auth, smtp)
    assert auth.login("3492", NEW_PASSWORD, kiosk=True).actor.channel == Channel.KIOSK
    assert auth.login("3492", NEW_PASSWORD).actor.channel == Channel.RESIDENT


def test_an_old_hash_is_upgraded_at_sign_in(
    auth: AuthService, smtp: SmtpServer, database: Database
) -> None:
    registered(auth, smtp)
    weak = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(NEW_PASSWORD)
    with database.unit_of_work() as s:
        s.scalars(select(ResidentCredential)).one().password_hash = weak
    auth.login("3492", NEW_PASSWORD)
    stored = credential(database)
    assert stored is not None and stored.password_hash and stored.password_hash != weak
    assert not needs_rehash(stored.password_hash)
    assert auth.login("3492", NEW_PASSWORD)


# --- password reset ----------------------------------------------------------------------


def test_a_reset_code_works_once(auth: AuthService, smtp: SmtpServer, database: Database) -> None:
    registered(auth, smtp)
    mismatch = auth.request_reset("3492", "someone@mail.ru")
    unknown = auth.request_reset("9999", "ivanov@mail.ru")
    assert len(smtp.messages) == 1  # the registration and nothing more
    result = auth.request_reset("3492", " IVANOV@mail.ru ")
    assert result.message == mismatch.message == unknown.message
    assert (result.delivery, mismatch.delivery, unknown.delivery) == ("email", None, None)
    mail = smtp.messages[-1]
    assert mail["Subject"] == "Код для восстановления пароля" and mail["To"] == "ivanov@mail.ru"
    code = last_mail_secret(smtp, "Код")
    assert re.fullmatch(r"\d{6}", code)

    wrong = "000000" if code != "000000" else "111111"
    with pytest.raises(ResetCodeError) as refused:
        auth.complete_reset("3492", wrong, OTHER_PASSWORD)
    assert field_of(refused) == "code"
    with pytest.raises(ProblemError, match="распространён") as refused:
        auth.complete_reset("3492", code, "password")  # the policy first; the code survives
    assert field_of(refused) == "new_password"
    auth.complete_reset("3492", code, OTHER_PASSWORD)
    with pytest.raises(ResetCodeError):
        auth.complete_reset("3492", code, "another-Strong-one")
    with pytest.raises(LoginError):
        auth.login("3492", NEW_PASSWORD)
    assert not auth.login("3492", OTHER_PASSWORD).must_change_password
    stored = credential(database)
    assert stored is not None and stored.reset_code_hash is None
    requests = [
        (e.ok, json.loads(e.details).get("reason"))
        for e in audit_rows(database, "password.request_reset")
    ]
    assert requests == [(False, "email_mismatch"), (False, "unknown_account"), (True, None)]
    reasons = [
        (e.ok, json.loads(e.details).get("reason")) for e in audit_rows(database, "password.reset")
    ]
    assert reasons == [(False, "wrong_code"), (True, None), (False, "wrong_code")]


def test_a_reset_code_expires_after_ten_minutes(
    auth: AuthService, smtp: SmtpServer, clock: FixedClock
) -> None:
    registered(auth, smtp)
    auth.request_reset("3492", "ivanov@mail.ru")
    code = last_mail_secret(smtp, "Код")
    clock.advance(minutes=10)
    with pytest.raises(ResetCodeError, match="истёк"):
        auth.complete_reset("3492", code, OTHER_PASSWORD)
    assert auth.login("3492", NEW_PASSWORD)

    auth.request_reset("3492", "ivanov@mail.ru")
    code = last_mail_secret(smtp, "Код")
    clock.advance(minutes=9, seconds=59)
    auth.complete_reset("3492", code, OTHER_PASSWORD)
    assert auth.login("3492", OTHER_PASSWORD)


def test_a_new_code_is_not_mailed_within_a_minute(
    auth: AuthService, smtp: SmtpServer, clock: FixedClock
) -> None:
    registered(auth, smtp)
    auth.request_reset("3492", "ivanov@mail.ru")
    first = last_mail_secret(smtp, "Код")
    count = len(smtp.messages)
    assert auth.request_reset("3492", "ivanov@mail.ru").delivery is None
    assert len(smtp.messages) == count
    clock.advance(minutes=1)
    assert auth.request_reset("3492", "ivanov@mail.ru").delivery == "email"
    second = last_mail_secret(smtp, "Код")
    if first != second:
        with pytest.raises(ResetCodeError):
            auth.complete_reset("3492", first, OTHER_PASSWORD)
    auth.complete_reset("3492", second, OTHER_PASSWORD)


def test_a_reset_also_replaces_a_pending_one_time_password(
    auth: AuthService, smtp: SmtpServer
) -> None:
    otp = register(auth, smtp)
    auth.request_reset("3492", "ivanov@mail.ru")
    auth.complete_reset("3492", last_mail_secret(smtp, "Код"), OTHER_PASSWORD)
    with pytest.raises(LoginError):
        auth.login("3492", otp)
    assert not auth.login("3492", OTHER_PASSWORD).must_change_password


def test_wrong_codes_slow_down_like_wrong_passwords(
    auth: AuthService, smtp: SmtpServer, clock: FixedClock
) -> None:
    registered(auth, smtp)
    auth.request_reset("3492", "ivanov@mail.ru")
    code = last_mail_secret(smtp, "Код")
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(4):
        with pytest.raises(ResetCodeError):
            auth.complete_reset("3492", wrong, OTHER_PASSWORD)
    with pytest.raises(LoginThrottled) as throttled:
        auth.complete_reset("3492", code, OTHER_PASSWORD)
    assert field_of(throttled) == "code"  # where the resident waits to type it again
    with pytest.raises(LoginThrottled):
        auth.login("3492", NEW_PASSWORD)  # one counter per account
    clock.advance(seconds=2)
    auth.complete_reset("3492", code, OTHER_PASSWORD)
    # Unknown accounts are slowed down the same way.
    for _ in range(4):
        with pytest.raises(ResetCodeError):
            auth.complete_reset("8888", wrong, OTHER_PASSWORD)
    with pytest.raises(LoginThrottled):
        auth.complete_reset("8888", wrong, OTHER_PASSWORD)


# --- change password ---------------------------------------------------------------------


def test_change_password_rules(auth: AuthService, smtp: SmtpServer, database: Database) -> None:
    registered(auth, smtp)
    actor = auth.login("3492", NEW_PASSWORD).actor
    refusals = [
        ("not it", OTHER_PASSWORD, "Текущий пароль введён неверно", "current_password"),
        (NEW_PASSWORD, NEW_PASSWORD, "совпадает с текущим", "new_password"),
        (NEW_PASSWORD, "34923492", "номер лицевого счета", "new_password"),
        (NEW_PASSWORD, "short", "короткий", "new_password"),
    ]
    for current, new, message, field in refusals:
        with pytest.raises(ProblemError, match=message) as refused:
            auth.change_password(actor, current, new)
        assert field_of(refused) == field
    auth.change_password(actor, NEW_PASSWORD, OTHER_PASSWORD)
    assert auth.login("3492", OTHER_PASSWORD)
    changes = [(e.ok, e.actor) for e in audit_rows(database, "password.change")]
    assert changes == [(True, "resident:3492"), (False, "resident:3492"), (True, "resident:3492")]
    with pytest.raises(AccessDeniedError):
        auth.change_password(SYSTEM, OTHER_PASSWORD, NEW_PASSWORD)


def test_an_expired_one_time_password_cannot_be_changed(
    auth: AuthService, smtp: SmtpServer, clock: FixedClock
) -> None:
    otp = register(auth, smtp)
    actor = auth.login("3492", otp).actor
    clock.advance(hours=24)
    with pytest.raises(ProblemError, match="истёк") as refused:
        auth.change_password(actor, otp, NEW_PASSWORD)
    assert field_of(refused) == "current_password"


# --- staff -------------------------------------------------------------------------------


def test_staff_accounts(auth: AuthService, database: Database, clock: FixedClock) -> None:
    admin = auth.create_staff(" Admin ", "Соколова  Анна Сергеевна", "admin", NEW_PASSWORD)
    assert (admin.login, admin.full_name, admin.role) == (
        "admin",
        "Соколова Анна Сергеевна",
        StaffRole.ADMIN,
    )
    assert not admin.must_change_password  # the first administrator, set up by the system
    session = auth.staff_login("ADMIN", NEW_PASSWORD)
    assert session.actor == Actor.staff(
        admin.id, "admin", StaffRole.ADMIN, session_id=session.actor.session_id
    )
    assert session.account_id is None and session.fio == "Соколова Анна Сергеевна"

    clerk = auth.create_staff(
        "petrova", "Петрова О.В.", StaffRole.CLERK, OTHER_PASSWORD, by=session.actor
    )
    assert clerk.must_change_password  # an administrator chose it
    clerk_session = auth.staff_login("petrova", OTHER_PASSWORD)
    assert clerk_session.must_change_password and clerk_session.actor.channel == Channel.CLERK
    auth.change_password(clerk_session.actor, OTHER_PASSWORD, "Петрова-своя-2017")
    assert not auth.staff_login("petrova", "Петрова-своя-2017").must_change_password

    with pytest.raises(AccessDeniedError):
        auth.create_staff("ivanov", "Иванов", "clerk", OTHER_PASSWORD, by=clerk_session.actor)
    with pytest.raises(AccessDeniedError):
        auth.create_staff("ivanov", "Иванов", "clerk", OTHER_PASSWORD, by=Actor.resident(1, "3492"))
    refusals = [
        (("PETROVA", "Другая", "clerk", OTHER_PASSWORD), "уже есть", "login"),
        (("a b", "Новый", "clerk", OTHER_PASSWORD), "латинские буквы", "login"),
        (("new", "  ", "clerk", OTHER_PASSWORD), "Укажите фамилию", "full_name"),
        (("new", "Новый", "boss", OTHER_PASSWORD), "роль", "role"),
        (("new", "Новый", "clerk", "password1"), "распространён", "password"),
    ]
    for args, message, field in refusals:
        with pytest.raises(ProblemError, match=message) as refused:
            auth.create_staff(*args)
        assert field_of(refused) == field
    with pytest.raises(ProblemError, match="уже есть") as refused:
        auth.check_new_staff("petrova", "Другая", "clerk")
    assert field_of(refused) == "login"

    listed = auth.list_staff(session.actor)
    assert [(i.login, i.role, i.active) for i in listed] == [
        ("admin", StaffRole.ADMIN, True),
        ("petrova", StaffRole.CLERK, True),
    ]
    assert listed == auth.list_staff()  # the system (the command line) may list them too
    with pytest.raises(AccessDeniedError):
        auth.list_staff(clerk_session.actor)

    wrong = error_of(auth.staff_login, "admin", "wrong")
    unknown = error_of(auth.staff_login, "nobody", "wrong")
    assert type(wrong) is type(unknown) is LoginError
    assert str(wrong) == str(unknown) == "Неверный логин или пароль."

    with database.unit_of_work() as s:
        s.scalars(select(StaffUser).where(StaffUser.login == "petrova")).one().active = False
    with pytest.raises(LoginError):
        auth.staff_login("petrova", "Петрова-своя-2017")
    actions = [(e.action, e.actor, e.ok) for e in audit_rows(database, "staff.create")]
    assert actions == [("staff.create", "system", True), ("staff.create", "staff:admin", True)]
    reasons = [json.loads(e.details).get("reason") for e in audit_rows(database, "staff.sign_in")]
    assert reasons == [None, None, None, "wrong_password", "unknown_login", "inactive"]


def test_staff_sign_in_slows_down_too(auth: AuthService, clock: FixedClock) -> None:
    auth.create_staff("admin", "Соколова А.С.", "admin", NEW_PASSWORD)
    for login in ("admin", "ghost"):
        for _ in range(4):
            with pytest.raises(LoginError):
                auth.staff_login(login, "wrong")
        with pytest.raises(LoginThrottled) as throttled:
            auth.staff_login(login, NEW_PASSWORD)
        assert throttled.value.seconds == 2
    clock.advance(seconds=2)
    assert auth.staff_login("admin", NEW_PASSWORD)


# --- pure rules --------------------------------------------------------------------------


def test_delay_schedule() -> None:
    assert [delay_after(n).total_seconds() for n in range(13)] == [
        0,
        0,
        0,
        0,
        2,
        4,
        8,
        16,
        32,
        64,
        128,
        256,
        300,
    ]


@pytest.mark.parametrize(
    ("seconds", "wait"),
    [
        (1, "1 секунду"),
        (3, "3 секунды"),
        (11, "11 секунд"),
        (21, "21 секунду"),
        (300, "300 секунд"),
    ],
)
def test_the_wait_is_said_in_russian(seconds: int, wait: str) -> None:
    error = LoginThrottled(seconds)
    assert str(error) == f"Слишком много неудачных попыток. Подождите {wait} и попробуйте снова."
    assert error.seconds == seconds and error.problems[0].field == "password"


@settings(max_examples=60)
@given(st.integers(min_value=0, max_value=10**6))
def test_the_delay_grows_and_is_capped(failures: int) -> None:
    assert timedelta(0) <= delay_after(failures) <= delay_after(failures + 1) <= MAX_DELAY


@settings(max_examples=60)
@given(
    digits=st.from_regex(r"\A9[0-9]{9}\Z"),
    prefix=st.sampled_from(["+7", "8", "7", "", "+7 "]),
    style=st.sampled_from(["plain", "dashed", "spaced"]),
)
def test_phone_formats(digits: str, prefix: str, style: str) -> None:
    if style == "dashed":
        body = f"({digits[:3]}) {digits[3:6]}-{digits[6:8]}-{digits[8:]}"
    elif style == "spaced":
        body = f"{digits[:3]} {digits[3:6]} {digits[6:8]} {digits[8:]}"
    else:
        body = digits
    assert normalize_phone(prefix + body) == "+7" + digits


@pytest.mark.parametrize(
    "phone",
    ["123", "+1 202 555 0100", "8 915 123 45", "телефон", "+7 915 123 45 678", "٩١٥١٢٣٤٥٦٧"],
)
def test_bad_phones(phone: str) -> None:
    with pytest.raises(ProblemError, match="Телефон указан неверно") as refused:
        normalize_phone(phone)
    assert field_of(refused) == "phone"


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("Ivanov@Mail.Ru", "Ivanov@mail.ru"),
        (" i.ivanov+kv12@yandex.ru ", "i.ivanov+kv12@yandex.ru"),
        ("info@домжилсервис.рф", "info@xn--b1adddkcsfrzje.xn--p1ai"),
    ],
)
def test_email_formats(raw: str, normal: str) -> None:
    assert normalize_email(raw) == normal


@pytest.mark.parametrize(
    "raw",
    [
        "ivanov",
        "ivanov@",
        "@mail.ru",
        "ivanov@mail",
        "iva nov@mail.ru",
        "a..b@mail.ru",
        "ivanov@mail..ru",
        "ivanov@-mail.ru",
        "иванов@mail.ru",
        "a@b@mail.ru",
        "ivanov\n@mail.ru",  # a line break would reach the letter's To: header
        "ivanov@mail\n.ru",
        "ivanov\x00@mail.ru",
    ],
)
def test_bad_emails(raw: str) -> None:
    with pytest.raises(ValidationError, match="почты указан неверно"):
        normalize_email(raw)
