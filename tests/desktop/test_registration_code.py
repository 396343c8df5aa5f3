"""Registration codes: the takeover through re-registration is closed (issue 10), on both
databases, with a real SMTP server."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from db.engine import Database
from db.models import Account, LoginThrottle, RegistrationCode, ResidentCredential, StaffRole
from desktop.actors import SYSTEM, Actor
from desktop.auth import AuthService, LoginThrottled, code_issue, codes, residents
from desktop.clock import FixedClock
from desktop.common.problems import ProblemError
from desktop.errors import AccessDeniedError, ValidationError
from desktop.organisation import OrganisationSettings
from desktop.settings import Settings
from tests.desktop.test_auth import (  # noqa: F401 (cheap_hashing: an autouse fixture)
    NEW_PASSWORD,
    audit_rows,
    auth_service,
    cheap_hashing,
    last_mail_secret,
)
from tests.desktop.test_mail import SmtpServer, add_account

FIO, NUMBER, PHONE = "Иванов И.И.", "3492", "+79151234567"
OWNER, STRANGER = "ivanov@mail.ru", "thief@mail.ru"
CLERK = Actor.staff(7, "petrova", StaffRole.CLERK)


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


@pytest.fixture
def auth(database: Database, clock: FixedClock, smtp: SmtpServer) -> AuthService:
    add_account(database)
    return auth_service(database, clock, smtp.settings())


def account_id(database: Database, number: str = NUMBER) -> int:
    with database.read() as s:
        found = s.scalar(select(Account.id).where(Account.number == number))
    assert found is not None
    return found


def reissue(auth: AuthService, number: str = NUMBER) -> str:
    """A new code as the office prints it on a slip."""
    issued = code_issue.RegistrationCodes(auth.db, auth.clock).reissue(
        CLERK, account_id(auth.db, number)
    )
    return issued.code


def stored(database: Database) -> ResidentCredential:
    with database.unit_of_work() as s:
        return s.scalars(select(ResidentCredential)).one()


def last_reason(database: Database) -> str | None:
    entry = audit_rows(database, "resident.register")[-1]
    reason: str | None = json.loads(entry.details).get("reason")
    return reason


def owner_registers(auth: AuthService, smtp: SmtpServer) -> str:
    """The owner registers with the code from the receipt; the one-time password mailed."""
    auth.register(FIO, NUMBER, PHONE, OWNER, reissue(auth))
    return last_mail_secret(smtp, "Одноразовый пароль")


def require_code(database: Database, clock: FixedClock, on: bool) -> None:
    OrganisationSettings(database, clock).change(
        SYSTEM, "registration.require_code", "да" if on else "нет", Settings()
    )


# --- the takeover from the issue ---------------------------------------------------------


def test_a_stranger_without_the_code_cannot_take_over_a_pending_registration(
    auth: AuthService, smtp: SmtpServer, database: Database
) -> None:
    otp = owner_registers(auth, smtp)
    before = stored(database)
    answer = auth.register(FIO, NUMBER, PHONE, STRANGER)  # ФИО and number from a receipt
    wrong = auth.register(FIO, NUMBER, PHONE, STRANGER, "ABCD-EFGH")
    assert answer.delivery is None and wrong.delivery is None
    assert answer.message == wrong.message == auth.residents.mail.registration_answer()
    assert [m["To"] for m in smtp.messages] == [OWNER]
    after = stored(database)
    assert (after.email, after.password_hash) == (OWNER, before.password_hash)
    assert last_reason(database) == "code_mismatch"
    assert auth.login(NUMBER, otp).must_change_password  # the owner is still the one in


def test_nor_an_account_signed_in_once_that_never_chose_a_password(
    auth: AuthService, smtp: SmtpServer, database: Database
) -> None:
    otp = owner_registers(auth, smtp)
    assert auth.login(NUMBER, otp).must_change_password  # signed in once, no own password
    before = stored(database)
    auth.register(FIO, NUMBER, PHONE, STRANGER, "")
    after = stored(database)
    assert (after.email, after.password_hash) == (OWNER, before.password_hash)
    assert last_reason(database) == "code_mismatch"


def test_the_right_code_works_once(auth: AuthService, smtp: SmtpServer, database: Database) -> None:
    code = reissue(auth)
    typed = code.lower().replace("-", " ")  # typed in lower case with a space: the same
    assert auth.register(FIO, NUMBER, PHONE, OWNER, typed).delivery == "email"
    assert auth.register(FIO, NUMBER, PHONE, STRANGER, code).delivery is None
    assert stored(database).email == OWNER
    assert last_reason(database) == "code_mismatch"
    with database.read() as s:
        row = s.get(RegistrationCode, account_id(database))
        assert row is not None and row.code_hash is None  # void, not kept in any form


def test_with_the_code_a_resident_takes_back_a_registration_a_stranger_started(
    auth: AuthService, smtp: SmtpServer, database: Database
) -> None:
    """The office's slip or the newest receipt overrides a pending registration: the
    holder of the code is the one the office sent it to."""
    owner_registers(auth, smtp)
    auth.register(FIO, NUMBER, PHONE, "new@mail.ru", reissue(auth))
    assert stored(database).email == "new@mail.ru"


def test_a_reissued_code_voids_the_old_one(
    auth: AuthService, smtp: SmtpServer, database: Database
) -> None:
    old = reissue(auth)
    new = reissue(auth)
    assert old != new and len(new) == 9 and new[4] == "-"
    assert auth.register(FIO, NUMBER, PHONE, OWNER, old).delivery is None
    assert auth.register(FIO, NUMBER, PHONE, OWNER, new).delivery == "email"
    issued = audit_rows(database, "registration_code.issue")
    assert [(e.actor, e.account_id) for e in issued] == [
        ("staff:petrova", account_id(database))
    ] * 2
    assert all(old.replace("-", "") not in e.details for e in issued)


def test_only_the_office_reissues_codes(auth: AuthService, database: Database) -> None:
    resident = Actor.resident(account_id(database), NUMBER)
    with pytest.raises(AccessDeniedError):
        code_issue.RegistrationCodes(auth.db, auth.clock).reissue(resident, account_id(database))


def test_a_clerk_registers_without_a_code_and_that_voids_it(
    auth: AuthService, smtp: SmtpServer, database: Database
) -> None:
    code = reissue(auth)
    owner_registers(auth, smtp)
    result = auth.register(FIO, NUMBER, PHONE, "at-counter@mail.ru", actor=CLERK)
    assert result.delivery == "email" and stored(database).email == "at-counter@mail.ru"
    entry = audit_rows(database, "resident.register")[-1]
    assert entry.actor == "staff:petrova" and entry.ok
    assert auth.register(FIO, NUMBER, PHONE, OWNER, code).delivery is None  # the last was used


def test_wrong_codes_slow_down_like_wrong_passwords(
    auth: AuthService, smtp: SmtpServer, database: Database, clock: FixedClock
) -> None:
    """Known and unknown accounts alike: the delay does not tell which exist."""
    add_account(database, "5000", "Петров П.П.")
    reissue(auth)
    reissue(auth, "5000")
    for number in (NUMBER, "5000", "77777"):
        for _ in range(3):
            auth.register(FIO, number, PHONE, STRANGER, "ABCD-EFGH")
        auth.register(FIO, number, PHONE, STRANGER, "ABCD-EFGH")  # the 4th: 2 s from now
        with pytest.raises(LoginThrottled) as caught:
            auth.register(FIO, number, PHONE, STRANGER, "ABCD-EFGH")
        assert caught.value.seconds == 2 and caught.value.problems[0].field == "code"
    assert last_reason(database) == "throttled"
    clock.advance(seconds=2)
    auth.register(FIO, NUMBER, PHONE, STRANGER, "ABCD-EFGH")  # the 5th: 4 s from now
    code = reissue(auth)  # the office's new code does not lift the delay a stranger caused…
    with pytest.raises(LoginThrottled):
        auth.register(FIO, NUMBER, PHONE, OWNER, code)
    clock.advance(seconds=4)  # …which is short and never a lock-out
    assert auth.register(FIO, NUMBER, PHONE, OWNER, code).delivery == "email"


# --- the setting -----------------------------------------------------------------------------


def test_with_codes_off_the_seed_form_works_but_never_redirects_a_pending_one(
    auth: AuthService, smtp: SmtpServer, database: Database, clock: FixedClock
) -> None:
    require_code(database, clock, False)
    assert auth.register(FIO, NUMBER, PHONE, OWNER).delivery == "email"
    otp = last_mail_secret(smtp, "Одноразовый пароль")
    assert auth.register(FIO, NUMBER, PHONE, STRANGER).delivery is None
    assert last_reason(database) == "pending_elsewhere"
    assert stored(database).email == OWNER and auth.login(NUMBER, otp).must_change_password
    # The same address may ask again (the letter got lost): it goes to the owner.
    assert auth.register(FIO, NUMBER, PHONE, OWNER.upper()).delivery == "email"
    assert [m["To"].lower() for m in smtp.messages] == [OWNER, OWNER]
    # The office may redirect it, and so may the holder of a code.
    assert auth.register(FIO, NUMBER, PHONE, "other@mail.ru", actor=CLERK).delivery == "email"
    assert auth.register(FIO, NUMBER, PHONE, "third@mail.ru", reissue(auth)).delivery == "email"
    assert stored(database).email == "third@mail.ru"
    # Typed, a wrong code is refused even with the setting off.
    assert auth.register(FIO, NUMBER, PHONE, "third@mail.ru", "ABCD-EFGH").delivery is None

    require_code(database, clock, True)  # every desk follows at once: read per registration
    assert auth.register(FIO, NUMBER, PHONE, "third@mail.ru").delivery is None
    assert last_reason(database) == "code_mismatch"


# --- issuing ---------------------------------------------------------------------------------


def test_codes_are_issued_for_accounts_not_registered_with_their_own_password(
    auth: AuthService, smtp: SmtpServer, database: Database, clock: FixedClock
) -> None:
    add_account(database, "5000", "Петров П.П.")
    otp = owner_registers(auth, smtp)
    auth.change_password(auth.login(NUMBER, otp).actor, otp, NEW_PASSWORD)
    add_account(database, "6000", "Сидоров С.С.")
    ids = [account_id(database, n) for n in (NUMBER, "5000", "6000")]
    with database.unit_of_work() as s:
        issued = code_issue.issue(s, b"k" * 32, ids, clock.now(), "system")
    assert sorted(issued) == ids[1:]
    with database.read() as s:
        hashes = {r.account_id: r.code_hash for r in s.scalars(select(RegistrationCode))}
    for account, code in issued.items():
        assert code not in (hashes[account] or "") and codes.code_matches(hashes[account], code)


# --- what may be typed -----------------------------------------------------------------------

_CYRILLIC = str.maketrans("ABEKMHPCTXY3", "АВЕКМНРСТХУЗ")


@given(st.text(alphabet=codes.ALPHABET, min_size=8, max_size=8), st.booleans(), st.booleans())
def test_a_code_is_read_however_it_is_typed(code: str, lower: bool, cyrillic: bool) -> None:
    typed = f" {codes.display(code)} "
    if cyrillic:
        typed = typed.translate(_CYRILLIC)
    if lower:
        typed = typed.lower()
    assert codes.normalize_code(typed) == code


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("ABCD-EFG0", "не бывает букв O, I, L и цифр 0, 1"),
        ("abcd-efgl", "не бывает букв O, I, L"),
        ("ФИСВ-УАПР", "переключите раскладку"),
        ("ABC-EFGH", "8 латинских букв и цифр"),
        ("ABCD-EFGH-J", "8 латинских букв и цифр"),
        ("ABCD-EFG#", "8 латинских букв и цифр"),
        ("ABCD\x00EFGH", "8 латинских букв и цифр"),
    ],
)
def test_what_cannot_be_a_code_is_refused_on_its_field(
    auth: AuthService, smtp: SmtpServer, database: Database, typed: str, message: str
) -> None:
    with pytest.raises(ProblemError, match=message) as refused:
        auth.register(FIO, NUMBER, PHONE, OWNER, typed)
    assert refused.value.problems[0].field == "code"
    assert smtp.messages == [] and audit_rows(database, "resident.register") == []


def test_a_missing_code_is_neither_a_crash_nor_a_match() -> None:
    assert codes.normalize_code("  - ") == ""
    assert not codes.code_matches(None, "")
    assert not codes.code_matches(codes.hash_code("ABCDEFGH"), "")
    assert not codes.code_matches("garbage", "ABCDEFGH")


def test_the_setting_takes_yes_or_no_in_russian(database: Database, clock: FixedClock) -> None:
    organisation = OrganisationSettings(database, clock)
    with pytest.raises(ValidationError, match="ответьте «да» или «нет»"):
        organisation.change(SYSTEM, "registration.require_code", "может быть", Settings())
    changed = organisation.change(SYSTEM, "registration.require_code", "Нет", Settings())
    assert changed.registration.require_code is False
    [view] = [v for v in organisation.describe(Settings()) if v.key == "registration.require_code"]
    assert view.text == "нет"


def test_hashing_the_one_time_password_holds_no_write_lock(
    auth: AuthService, smtp: SmtpServer, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Argon2 is slow on purpose: while it runs, another desk can still write (on SQLite a
    held write lock would make this write wait out the busy timeout and fail)."""
    real = residents.hash_password
    writes: list[int] = []

    def hash_while_another_desk_writes(secret: str) -> str:
        writes.append(add_account(database, str(6000 + len(writes)), "Сидоров С.С."))
        return real(secret)

    monkeypatch.setattr(residents, "hash_password", hash_while_another_desk_writes)
    auth.register(FIO, NUMBER, PHONE, OWNER, reissue(auth))
    assert isinstance(auth.clock, FixedClock)
    auth.clock.advance(minutes=1)
    auth.request_reset(NUMBER, OWNER)
    assert len(writes) == 1  # a reset code is an HMAC (db.roles_resident): no Argon2 there


# --- hostile input and the persisted throttle (after the merge with H4's sessions) ----------


@pytest.mark.parametrize("typed", ["34\x0092", "\x00", "3492\x00", "9" * 10_000, "34\u202e92"])
def test_nul_bytes_and_absurd_numbers_get_the_neutral_answer(
    auth: AuthService, smtp: SmtpServer, database: Database, typed: str
) -> None:
    """PostgreSQL refuses a NUL byte in text: registration and the reset request look such a
    number up nowhere and answer as for any account that does not exist."""
    owner_registers(auth, smtp)
    code = reissue(auth)
    answer = auth.register(FIO, typed, PHONE, STRANGER, code)
    assert answer.delivery is None and answer.message == auth.residents.mail.registration_answer()
    reset = auth.request_reset(typed, OWNER)
    assert reset.delivery is None and reset.message == auth.residents.mail.reset_answer()
    assert last_reason(database) == "unknown_account"
    entries = audit_rows(database, "resident.register") + audit_rows(
        database, "password.request_reset"
    )
    assert {e.actor for e in entries if not e.ok} == {"resident:malformed"}
    assert [m["To"] for m in smtp.messages] == [OWNER]


@pytest.mark.parametrize(
    ("fio", "phone", "email", "field"),
    [
        (FIO, PHONE, "ivanov\x00@mail.ru", "email"),
        (FIO, PHONE, "ivanov@mail\x00.ru", "email"),
        (FIO, "+7915\x001234567", OWNER, "phone"),
    ],
)
def test_nul_bytes_in_the_other_fields_are_refused_in_russian(
    auth: AuthService,
    smtp: SmtpServer,
    database: Database,
    fio: str,
    phone: str,
    email: str,
    field: str,
) -> None:
    code = reissue(auth)
    with pytest.raises(ProblemError) as refused:
        auth.register(fio, NUMBER, phone, email, code)
    assert refused.value.problems[0].field == field
    if field == "email":
        with pytest.raises(ProblemError):
            auth.request_reset(NUMBER, email)
    assert smtp.messages == [] and audit_rows(database, "resident.register") == []
    assert auth.register(FIO + "\x00", NUMBER, PHONE, OWNER, code).delivery is None  # no match


def test_the_delay_on_wrong_codes_is_kept_in_the_database(
    auth: AuthService, smtp: SmtpServer, database: Database, clock: FixedClock
) -> None:
    """Known or unknown number, the delay survives a restart of the desk (H4's throttle,
    keyed by a keyed hash: the table holds no account number). Another desk does not share
    it: tests/desktop/test_throttle_devices.py."""
    for number in (NUMBER, "77777"):
        for _ in range(4):
            auth.register(FIO, number, PHONE, STRANGER, "ABCD-EFGH")
        restarted = auth_service(database, clock, smtp.settings())
        with pytest.raises(LoginThrottled) as caught:
            restarted.register(FIO, number, PHONE, STRANGER, "ABCD-EFGH")
        assert caught.value.seconds == 2
    with database.read() as s:
        keys = s.scalars(select(LoginThrottle.key_hash)).all()
    assert keys and not any(NUMBER in k or "77777" in k for k in keys)
