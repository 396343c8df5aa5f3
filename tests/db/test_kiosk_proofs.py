"""What a holder of a kiosk's database login could do by calling the resident functions by
hand (issue 10, the review on PostgreSQL 15), and that each is closed: the caller's clock
is trusted only within a skew of the server's, a one-time password opens one session, reset
codes cannot be guessed without end, and the first registration's race ends in the neutral
answer. On the real server, as member login roles of the application's groups.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from db.engine import Database
from db.models import OrganisationSetting, ResidentCredential
from db.roles import KIOSK
from db.roles_clock import CLOCK_SKEW_SECRET, DEFAULT_CLOCK_SKEW
from db.roles_reset import RESET_CODE_PLACEHOLDER, RESET_CODE_TRIES
from db.roles_throttle import FREE_ATTEMPTS
from desktop import passwords
from desktop.auth import AuthService, ResetCodeError, codes
from desktop.clock import FixedClock
from desktop.errors import DatabaseFailure
from desktop.failures import database_failure
from desktop.organisation import encode
from tests.db.test_kiosk_writes import (  # noqa: F401 (fixture)
    code_hashes,
    credentials,
    give_codes,
    ids,
    kiosk,
    paid,
    ticket,
)
from tests.db.test_roles import (  # noqa: F401 (fixtures)
    OWN_PASSWORD,
    Cluster,
    cheap_hashing,
    cluster,
    rows,
    services_as,
    smtp,
)
from tests.db.test_throttle_sealed import name_row_failures
from tests.desktop.test_auth import (  # noqa: F401 (fixture)
    NEW_PASSWORD,
    OTHER_PASSWORD,
    auth,
    credential,
    last_mail_secret,
    registered,
)
from tests.desktop.test_mail import SmtpServer

TOKEN = "t" * 43
OTP = "Kx7-pLm2-Qa9"


def stored_hash(cluster: Cluster, number: str, column: str = "password_hash") -> str:  # noqa: F811
    with cluster.owner.engine.connect() as conn:
        return str(
            conn.execute(
                text(
                    f"SELECT c.{column} FROM resident_credential c JOIN account a"
                    " ON a.id = c.account_id WHERE a.number = :n"
                ),
                {"n": number},
            ).scalar_one()
        )


def sessions(cluster: Cluster, number: str) -> int:  # noqa: F811
    return int(
        rows(
            cluster.owner.engine,
            "SELECT count(*) FROM user_session s JOIN account a ON a.id = s.account_id"
            f" WHERE a.number = '{number}'",
        )[0][0]
    )


def opening(number: str, candidate: str, now: str, rehashed: str = "NULL") -> str:
    return (
        f"SELECT id FROM cabinet_open_session('kiosk', '{number}', '{candidate}', '{TOKEN}',"
        f" {now}, {rehashed})"
    )


def requesting(number: str, now: str = "now()") -> str:
    """The kiosk's call for a reset code of ``number`` (its e-mail as the fixture has it)."""
    return (
        "SELECT account_id, reason FROM cabinet_request_reset("
        f"'{number}', 'r{number}@mail.ru', {now}, '10 minutes', '1 minute', 'email',"
        f" 'Код для восстановления пароля', 'Код: {RESET_CODE_PLACEHOLDER}')"
    )


def delay_cleared(cluster: Cluster, kind: str, number: str) -> None:  # noqa: F811
    """The owner clears ``number``'s delays on the tests' kiosk (its login role, no device
    id), as a valid match would (``cabinet_throttle_succeeded_at``): for a test that needs
    more wrong tries than the throttle lets through at once, having shown the delay."""
    device = f"{cluster.logins[KIOSK]}/-"
    with cluster.owner.engine.begin() as conn:
        conn.execute(
            text("SELECT cabinet_throttle_succeeded_at(:k, :n, :d)"),
            {"k": kind, "n": number, "d": device},
        )


def one_time_password(cluster: Cluster, clock: FixedClock) -> None:  # noqa: F811
    """Account 5210 registered, its one-time password OTP not yet used."""
    with cluster.owner.unit_of_work() as s:
        s.add(
            ResidentCredential(
                account_id=ids(cluster)["5210"],
                email="p@mail.ru",
                phone="",
                password_hash=passwords.hash_password(OTP),
                password_expires_at=clock.now() + timedelta(hours=24),
                must_change=True,
                failed_attempts=0,
                created_at=clock.now(),
                updated_at=clock.now(),
            )
        )


def in_thread(call: Callable[[], object]) -> tuple[threading.Thread, list[object]]:
    """``call`` started in its own thread; its result (or exception) lands in the list."""
    out: list[object] = []

    def run() -> None:
        try:
            out.append(call())
        except Exception as error:  # handed to the test to assert on
            out.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, out


# --- 1. the caller's clock -------------------------------------------------------------------


def test_with_the_default_skew_a_p_now_far_from_the_servers_time_is_refused(
    cluster: Cluster,  # noqa: F811
    clock: FixedClock,
    kiosk: Engine,  # noqa: F811
) -> None:
    with cluster.owner.engine.begin() as conn:
        conn.execute(
            text("UPDATE auth_secret SET value = :v WHERE name = :n"),
            {"v": DEFAULT_CLOCK_SKEW, "n": CLOCK_SKEW_SECRET},
        )
    # The group cannot read or widen it.
    assert rows(kiosk, f"SELECT * FROM auth_secret WHERE name = '{CLOCK_SKEW_SECRET}'") == []
    stored, new_hash = stored_hash(cluster, "3492"), passwords.hash_password("thief-password-1")
    with cluster.owner.engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE resident_credential SET reset_code_hash = :h,"
                " reset_code_expires_at = now() + interval '10 minutes'"
            ),
            {"h": new_hash},
        )
    before = credentials(cluster)
    far = "'2100-01-01 00:00+00'"
    # Each proof paid for (db.roles_throttle): what refuses the calls below is the clock.
    paid(kiosk, "resident", "3492", stored)
    paid(kiosk, "email", "3492", "r3492@mail.ru")
    paid(kiosk, "resident", "3492", new_hash)
    for sql in (
        opening("3492", stored, far),
        opening("3492", stored, "now() - interval '6 minutes'"),
        "SELECT * FROM cabinet_register('3492', 'иванови.и.', NULL, 'thief@mail.ru', '',"
        f" '{new_hash}', {far}, {far})",
        requesting("3492", far),
        f"SELECT * FROM cabinet_complete_reset('3492', '{new_hash}', '{new_hash}', {far})",
        f"SELECT cabinet_change_password(NULL, '{new_hash}', {far}, '1 hour')",
    ):
        with pytest.raises(DBAPIError) as refused:
            rows(kiosk, sql)
        assert getattr(refused.value.orig, "sqlstate", None) == "CB001", sql
        assert "Часы этого рабочего места" in str(refused.value.orig)
    # The kiosk's own sign-in with the tests' clock in 2017 is refused the same way.
    services = services_as(cluster, KIOSK, clock)
    try:
        with pytest.raises(DBAPIError) as refused:
            services.auth.login("3492", OWN_PASSWORD, kiosk=True)
        told = database_failure(refused.value)
        assert isinstance(told, DatabaseFailure)
        assert str(told).startswith("Часы этого рабочего места расходятся с часами сервера")
        assert "ничего не изменено. Сверьте дату, время и часовой пояс" in str(told)
    finally:
        services.close()
    assert credentials(cluster) == before and sessions(cluster, "3492") == 0
    # Within the skew it works.
    assert rows(kiosk, opening("3492", stored, "now() - interval '4 minutes'"))[0][0] is not None


def test_a_used_one_time_password_stays_used_whatever_p_now(
    cluster: Cluster,  # noqa: F811
    clock: FixedClock,
    kiosk: Engine,  # noqa: F811
) -> None:
    one_time_password(cluster, clock)
    services = services_as(cluster, KIOSK, clock)
    try:
        assert services.auth.login("5210", OTP, kiosk=True).must_change_password
    finally:
        services.close()
    stored, thief = stored_hash(cluster, "5210"), passwords.hash_password("thief-password-1")
    assert sessions(cluster, "5210") == 1
    paid(kiosk, "resident", "5210", stored)  # what refuses below is the used-up password
    # Far in the future: refused outright (the fixture allows only as far as 2017).
    with pytest.raises(DBAPIError):
        rows(kiosk, opening("5210", stored, "'2100-01-01 00:00+00'", f"'{thief}'"))
    # Any p_now the skew allows, even before the sign-in that used it up: no session.
    for moment in (clock.now() - timedelta(hours=1), clock.now(), clock.now() + timedelta(hours=1)):
        assert rows(kiosk, opening("5210", stored, f"'{moment.isoformat()}'", f"'{thief}'")) == [
            (None,)
        ]
    assert stored_hash(cluster, "5210") == stored and sessions(cluster, "5210") == 1
    # The old function that stored a «rehash» without checking expiry is gone.
    assert rows(
        cluster.owner.engine, "SELECT count(*) FROM pg_proc WHERE proname = 'cabinet_signed_in'"
    ) == [(0,)]


def test_a_rehash_is_stored_only_when_one_is_due(
    cluster: Cluster,  # noqa: F811
    clock: FixedClock,
    kiosk: Engine,  # noqa: F811
) -> None:
    """The resident's own password under the current parameters: a «rehash» passed along
    with the proof (another password's hash) is not stored."""
    stored, thief = stored_hash(cluster, "3492"), passwords.hash_password("thief-password-1")
    now = f"'{clock.now().isoformat()}'"
    paid(kiosk, "resident", "3492", stored)
    assert rows(kiosk, opening("3492", stored, now, f"'{thief}'"))[0][0] is not None
    assert stored_hash(cluster, "3492") == stored


# --- 2. one one-time password, one session ---------------------------------------------------


def test_two_kiosks_with_the_same_one_time_password_open_one_session(
    cluster: Cluster,  # noqa: F811
    clock: FixedClock,
    kiosk: Engine,  # noqa: F811
) -> None:
    one_time_password(cluster, clock)
    stored = stored_hash(cluster, "5210")
    sql = opening("5210", stored, f"'{clock.now().isoformat()}'")
    other = cluster.engine(KIOSK)
    try:
        # Each kiosk pays for its attempt first, as the application does (db.roles_throttle).
        paid(kiosk, "resident", "5210", stored)
        paid(other, "resident", "5210", stored)
        with kiosk.connect() as first:
            opened = first.exec_driver_sql(sql).scalar()
            assert opened is not None
            # The second kiosk, on its own connection, while the first has not committed.
            thread, out = in_thread(lambda: rows(other, sql))
            thread.join(0.5)
            first.commit()
        thread.join(10)
        assert out == [[(None,)]]
    finally:
        other.dispose()
    assert sessions(cluster, "5210") == 1


# --- 3. reset codes: five wrong tries, then the code is void -------------------------------


@pytest.mark.parametrize("then", ["commit", "rollback"])
def test_the_database_voids_a_reset_code_after_five_wrong_tries(
    cluster: Cluster,  # noqa: F811
    kiosk: Engine,  # noqa: F811
    then: str,
) -> None:
    """Whether the caller commits its tries (as the kiosk's service does) or rolls each back
    to try again with a clean slate: the sixth try, right or wrong, finds the code void. Each
    try is paid for in the throttle first (db.roles_throttle), which holds the fifth back for
    a while; a call it refused is no try at all."""
    new_hash = passwords.hash_password("thief-password-1")
    paid(kiosk, "email", "3492", "r3492@mail.ru")
    with kiosk.begin() as conn:
        assert conn.exec_driver_sql(requesting("3492")).one()[1] == ""
    code_hash = stored_hash(cluster, "3492", "reset_code_hash")
    password = stored_hash(cluster, "3492")

    def complete(candidate: str, ending: str = then) -> list[tuple[object, ...]]:
        with kiosk.connect() as conn:
            found = [
                tuple(r)
                for r in conn.exec_driver_sql(
                    "SELECT account_id, reason FROM cabinet_complete_reset("
                    f"'3492', '{candidate}', '{new_hash}', now())"
                )
            ]
            getattr(conn, ending)()
            return found

    # A different wrong code each time, as a guesser's would be: each needs its own ticket.
    wrong = [passwords.hash_password(f"65432{i}") for i in range(RESET_CODE_TRIES)]
    assert FREE_ATTEMPTS + 1 == RESET_CODE_TRIES - 1  # the numbers this test walks through
    for guess in wrong[:-1]:  # the throttle sells these at once: the fourth starts a delay
        paid(kiosk, "resident", "3492", guess)
        assert complete(guess) == [(None, "wrong_code")]
    assert stored_hash(cluster, "3492", "reset_code_hash") == code_hash  # still valid
    # The fourth miss started the throttle's delay: no ticket now, and unpaid the fifth guess
    # is not compared — nor counted against the code, which four tries leave valid.
    assert ticket(kiosk, "resident", "3492", wrong[-1]) in (1, 2)  # the database's clock runs
    assert complete(wrong[-1]) == [(None, "wrong_code")]
    assert stored_hash(cluster, "3492", "reset_code_hash") == code_hash
    # The code's own count must hold against a guesser the throttle only slows down (given
    # time it sells every ticket): rather than wait the delay out, the owner clears it.
    delay_cleared(cluster, "resident", "3492")
    paid(kiosk, "resident", "3492", wrong[-1])
    assert complete(wrong[-1]) == [(None, "wrong_code")]
    # Five wrong tries voided it: the right code, paid for, no longer works.
    paid(kiosk, "resident", "3492", code_hash)
    assert complete(code_hash, "commit") == [(None, "wrong_code")]
    assert stored_hash(cluster, "3492") == password
    assert stored_hash(cluster, "3492", "reset_code_hash") == "None"


def test_four_wrong_reset_codes_leave_the_right_one_working(
    cluster: Cluster,  # noqa: F811
    kiosk: Engine,  # noqa: F811
) -> None:
    new_hash = passwords.hash_password("thief-password-1")
    wrong = passwords.hash_password("654321")
    sql = (
        "SELECT account_id, reason FROM cabinet_complete_reset("
        "'3492', '{}', '" + new_hash + "', now())"
    )
    paid(kiosk, "email", "3492", "r3492@mail.ru")
    with kiosk.begin() as conn:
        conn.exec_driver_sql(requesting("3492"))
    code_hash = stored_hash(cluster, "3492", "reset_code_hash")
    for _ in range(RESET_CODE_TRIES - 1):
        paid(kiosk, "resident", "3492", wrong)  # each try paid for, as the kiosk's service does
        with kiosk.connect() as conn:
            conn.exec_driver_sql(sql.format(wrong))
            conn.rollback()
    # Four misses hold the name back a while (db.roles_throttle); what this test proves is
    # the code's count, so the owner clears the delay instead of the test waiting it out.
    assert ticket(kiosk, "resident", "3492", code_hash) in (1, 2)
    delay_cleared(cluster, "resident", "3492")
    paid(kiosk, "resident", "3492", code_hash)
    with kiosk.begin() as conn:
        assert conn.exec_driver_sql(sql.format(code_hash)).one()[1] == ""
    assert stored_hash(cluster, "3492") == new_hash
    # The code's counter goes with it.
    assert rows(
        cluster.owner.engine,
        "SELECT count(*) FROM pg_class WHERE starts_with(relname::text, 'cabinet_reset_tries')",
    ) == [(0,)]


def test_an_expired_reset_code_does_not_clear_the_throttle(
    cluster: Cluster,  # noqa: F811
    kiosk: Engine,  # noqa: F811
) -> None:
    """Only a valid proof clears a name's delays (db.roles_throttle): the right reset code
    past its expiry ends the code and leaves its attempt counted, as a wrong one would be."""
    device = f"{cluster.logins[KIOSK]}/-"  # the tests' kiosk: its login role, no device id
    paid(kiosk, "email", "3492", "r3492@mail.ru")
    with kiosk.begin() as conn:
        assert conn.exec_driver_sql(requesting("3492")).one()[1] == ""
    code_hash = stored_hash(cluster, "3492", "reset_code_hash")
    with cluster.owner.engine.begin() as conn:
        conn.exec_driver_sql(
            "UPDATE resident_credential SET reset_code_expires_at = now() - interval '1 minute'"
        )
    paid(kiosk, "resident", "3492", passwords.hash_password("654321"))  # a miss first
    paid(kiosk, "resident", "3492", code_hash)
    assert name_row_failures(cluster.owner, "resident", "3492", device) == 2
    new_hash = passwords.hash_password("thief-password-1")
    with kiosk.begin() as conn:
        assert conn.exec_driver_sql(
            f"SELECT reason FROM cabinet_complete_reset('3492', '{code_hash}', '{new_hash}', now())"
        ).one() == ("expired",)
    assert name_row_failures(cluster.owner, "resident", "3492", device) == 2
    assert stored_hash(cluster, "3492", "reset_code_hash") == "None"  # the code is over


def test_the_service_voids_a_reset_code_after_five_wrong_tries(
    auth: AuthService,  # noqa: F811
    smtp: SmtpServer,  # noqa: F811
    clock: FixedClock,
    database: Database,
) -> None:
    """The Python path (SQLite, the office's roles) counts the same."""
    registered(auth, smtp)
    auth.request_reset("3492", "ivanov@mail.ru")
    code = last_mail_secret(smtp, "Код")
    stored = credential(database)
    assert stored is not None and codes.code_matches(stored.reset_code_hash, code)  # HMAC
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(RESET_CODE_TRIES):
        clock.advance(seconds=50)  # past the throttle's delay, within the code's ten minutes
        with pytest.raises(ResetCodeError, match="запросите новый"):
            auth.complete_reset("3492", wrong, OTHER_PASSWORD)
    clock.advance(seconds=50)
    with pytest.raises(ResetCodeError, match="запросите новый"):
        auth.complete_reset("3492", code, OTHER_PASSWORD)
    stored = credential(database)
    assert stored is not None and stored.reset_code_hash is None
    clock.advance(minutes=1)  # the throttle's delay after six failures
    assert auth.login("3492", NEW_PASSWORD)
    # A new code starts a new count.
    clock.advance(minutes=1)
    auth.request_reset("3492", "ivanov@mail.ru")
    auth.complete_reset("3492", last_mail_secret(smtp, "Код"), OTHER_PASSWORD)
    assert auth.login("3492", OTHER_PASSWORD)


# --- 4. the first registration's race --------------------------------------------------------


@pytest.fixture
def codes_off(cluster: Cluster, clock: FixedClock) -> Iterator[int]:  # noqa: F811
    """Registration without codes (no registration_code row): account 5210's id."""
    with cluster.owner.unit_of_work() as s:
        s.add(
            OrganisationSetting(
                key="registration.require_code",
                value=encode("registration.require_code", False),
                changed_at=clock.now(),
                changed_by="test",
            )
        )
    yield ids(cluster)["5210"]


def first_desk_registers(cluster: Cluster, petrov: int) -> object:  # noqa: F811
    """An open transaction that has inserted 5210's credential, not yet committed."""
    conn = cluster.owner.engine.connect()
    conn.execute(
        text(
            "INSERT INTO resident_credential (account_id, email, phone, password_hash,"
            " must_change, failed_attempts, created_at, updated_at)"
            " VALUES (:a, 'first@mail.ru', '', :h, true, 0, now(), now())"
        ),
        {"a": petrov, "h": passwords.hash_password(OTP)},
    )
    return conn


@pytest.mark.parametrize("path", ["function", "service"])
def test_the_second_desk_of_a_first_registration_gets_the_neutral_answer(
    cluster: Cluster,  # noqa: F811
    clock: FixedClock,
    kiosk: Engine,  # noqa: F811
    codes_off: int,
    path: str,
) -> None:
    new_hash = passwords.hash_password("second-password-1")
    office = services_as(cluster, "clerk", clock)
    try:
        if path == "function":  # the kiosk's sealed way

            def second() -> object:
                return rows(
                    kiosk,
                    "SELECT account_id, reason, code_ok FROM cabinet_register('5210',"
                    f" 'петровп.п.', NULL, 'second@mail.ru', '', '{new_hash}', now(),"
                    " now() + interval '1 day')",
                )
        else:  # an office desk's (the services write themselves)

            def second() -> object:
                return office.auth.register(
                    "Петров П.П.", "5210", "+7 915 000-00-00", "second@mail.ru"
                ).delivery

        first = first_desk_registers(cluster, codes_off)
        try:
            thread, out = in_thread(second)
            thread.join(0.5)
            first.commit()  # type: ignore[attr-defined]
        finally:
            first.close()  # type: ignore[attr-defined]
        thread.join(10)
    finally:
        office.close()
    expected = [(codes_off, "changed_meanwhile", False)] if path == "function" else None
    assert out == [expected]
    assert credentials(cluster)[codes_off][0] == "first@mail.ru"


# --- 5. the reset code is the database's, and only the letter carries it ---------------------


def test_the_database_makes_the_reset_code_and_queues_the_letter_itself(
    cluster: Cluster,  # noqa: F811
    kiosk: Engine,  # noqa: F811
) -> None:
    ivanov = ids(cluster)["3492"]
    letters = f"SELECT recipient, subject, body FROM outbox_message WHERE account_id = {ivanov}"
    no_code = requesting("3492").replace(RESET_CODE_PLACEHOLDER, "без кода")
    paid(kiosk, "email", "3492", "r3492@mail.ru")  # each call paid for (db.roles_throttle)
    with kiosk.begin() as conn:
        assert conn.exec_driver_sql(no_code).one() == (ivanov, "malformed")
    assert rows(cluster.owner.engine, letters) == []
    paid(kiosk, "email", "3492", "r3492@mail.ru")
    with kiosk.begin() as conn:
        assert conn.exec_driver_sql(requesting("3492")).one() == (ivanov, "")  # no code here
    [(recipient, subject, body)] = rows(cluster.owner.engine, letters)
    assert (recipient, subject) == ("r3492@mail.ru", "Код для восстановления пароля")
    found = re.fullmatch(r"Код: (\d{6})", str(body))
    assert found is not None
    stored = stored_hash(cluster, "3492", "reset_code_hash")
    assert stored.startswith("hmac-sha256$") and codes.code_matches(stored, found.group(1))
    # The kiosk proves it knows the code with its HMAC under the key the database hands out.
    # A new code later: the earlier one's counter goes (one per account at most).
    paid(kiosk, "email", "3492", "r3492@mail.ru")
    with kiosk.begin() as conn:
        assert (
            conn.exec_driver_sql(requesting("3492", "now() + interval '2 minutes'")).one()[1] == ""
        )
    counters = "SELECT relname FROM pg_class WHERE starts_with(relname::text, 'cabinet_reset_t')"
    assert len(rows(cluster.owner.engine, counters)) == 1
    stored = stored_hash(cluster, "3492", "reset_code_hash")
    [(key,)] = rows(kiosk, "SELECT cabinet_reset_salt('3492')")
    assert stored.split("$")[1] == key != rows(kiosk, "SELECT cabinet_reset_salt('9999')")[0][0]


# --- 6. no compare without a ticket ----------------------------------------------------------


def test_every_resident_function_compares_only_a_paid_candidate(
    cluster: Cluster,  # noqa: F811
    clock: FixedClock,
    kiosk: Engine,  # noqa: F811
) -> None:
    """Each function of db.roles_resident that compares a secret — the registration code,
    the e-mail, the reset code, the current password, the sign-in's password — refuses the
    right one until the kiosk has paid for the attempt in an earlier, committed transaction
    (db.roles_throttle); paid for, the same call goes through."""
    give_codes(cluster, clock)
    accounts = ids(cluster)
    ivanov, petrov = accounts["3492"], accounts["5210"]
    petrov_code = str(code_hashes(cluster)[petrov])
    stored, new_hash = stored_hash(cluster, "3492"), passwords.hash_password("new-password-1")
    signed_in = "s" * 43  # the token of a session of 3492's (opening uses TOKEN)
    with cluster.owner.engine.begin() as conn:  # as the kiosk's sign-in would have opened it
        conn.execute(
            text(
                "INSERT INTO user_session (kind, account_id, one_time, created_at,"
                " last_seen_at, token_hash) VALUES ('kiosk', :a, false, now(), now(),"
                " encode(sha256(convert_to(:t, 'UTF8')), 'hex'))"
            ),
            {"a": ivanov, "t": signed_in},
        )

    def registering() -> list[tuple[object, ...]]:
        return rows(
            kiosk,
            "SELECT account_id, reason, code_ok FROM cabinet_register('5210', 'петровп.п.',"
            f" '{petrov_code}', 'p@mail.ru', '', '{new_hash}', now(),"
            " now() + interval '1 day')",
        )

    def changing() -> object:
        with kiosk.connect() as conn:
            conn.execute(text("SELECT set_config('cabinet.session', :t, true)"), {"t": signed_in})
            return conn.execute(
                text("SELECT cabinet_change_password(:c, :h, now(), '1 hour')"),
                {"c": stored, "h": new_hash},
            ).scalar()

    completing = (
        "SELECT account_id, reason FROM cabinet_complete_reset("
        "'3492', '{}', '" + new_hash + "', now())"
    )
    # Unpaid: no compare, and the same answer as a wrong secret.
    assert registering() == [(None, "code_mismatch", False)]
    assert rows(kiosk, requesting("3492")) == [(None, "email_mismatch")]
    assert changing() == "wrong_password"
    assert rows(kiosk, opening("3492", stored, "now()")) == [(None,)]
    # Paid for: each goes through (rolled back but the reset's request).
    paid(kiosk, "registration", "5210", petrov_code)
    assert registering() == [(petrov, "", True)]
    paid(kiosk, "email", "3492", "r3492@mail.ru")
    with kiosk.begin() as conn:
        assert conn.exec_driver_sql(requesting("3492")).one() == (ivanov, "")
    paid(kiosk, "resident", "3492", stored)
    assert changing() == ""
    assert rows(kiosk, opening("3492", stored, "now()"))[0][0] is not None
    # The reset code: unpaid no compare (nor a try counted against it), then paid.
    code_hash = stored_hash(cluster, "3492", "reset_code_hash")
    assert rows(kiosk, completing.format(code_hash)) == [(None, "wrong_code")]
    paid(kiosk, "resident", "3492", code_hash)
    assert rows(kiosk, completing.format(code_hash)) == [(ivanov, "")]
