"""The kiosk's role before and after sign-in (issue 10): it cannot write a credential or a
registration code itself — only through the functions of ``db.roles_resident``, which demand
the proof — it sees no account, credential or code before sign-in and only its own after,
and the functions tell a stranger nothing the screens do not. On the real PostgreSQL, as a
member login role of ``cabinet_kiosk``; the real work goes through the services built on the
kiosk's engine.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, select, text

from db.models import Account, OrganisationSetting, ResidentCredential
from db.roles import KIOSK
from db.roles_outbox import MAILER
from desktop import passwords
from desktop.auth import LoginError, ResetCodeError, codes
from desktop.clock import FixedClock
from desktop.common.problems import ProblemError
from desktop.organisation import encode
from tests.db.test_roles import (  # noqa: F401 (fixtures)
    OWN_PASSWORD,
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

IVANOV_CODE, PETROV_CODE, SIDOROV_CODE = "KQ7R-M2XP", "HW4T-9ZNB", "PC3V-8GEJ"
PHONE = "+7 915 000-00-00"
_CREDENTIAL = "id, account_id, must_change, password_expires_at, created_at"


@pytest.fixture
def kiosk(cluster: Cluster) -> Iterator[Engine]:  # noqa: F811 (the fixture imported above)
    engine = cluster.engine(KIOSK)
    yield engine
    engine.dispose()


def ids(cluster: Cluster) -> dict[str, int]:  # noqa: F811
    with cluster.owner.read() as s:
        return {n: i for n, i in s.execute(select(Account.number, Account.id))}


def credentials(cluster: Cluster) -> dict[int, tuple[object, ...]]:  # noqa: F811
    """Every credential as the owner reads it, secrets and contacts included."""
    with cluster.owner.read() as s:
        return {
            c.account_id: (c.email, c.phone, c.password_hash, c.must_change, c.reset_code_hash)
            for c in s.scalars(select(ResidentCredential))
        }


def give_codes(cluster: Cluster, clock: FixedClock) -> None:  # noqa: F811
    accounts = ids(cluster)
    with cluster.owner.unit_of_work() as s:
        for number, code in (("3492", IVANOV_CODE), ("5210", PETROV_CODE), ("7001", SIDOROV_CODE)):
            codes.set_code(s, accounts[number], code, clock.now(), "test")


def code_hashes(cluster: Cluster) -> dict[int, str | None]:  # noqa: F811
    with cluster.owner.read() as s:
        return dict(s.execute(text("SELECT account_id, code_hash FROM registration_code")).all())


def ticket(kiosk: Engine, kind: str, number: str, candidate: str) -> int:
    """The attempt at ``candidate`` paid for as the kiosk's application pays it
    (``desktop.auth.throttle.reserve``): ``cabinet_throttle_attempt`` in a transaction of its
    own, committed, as the kiosk's login — only then will a function compare ``candidate``
    (``db.roles_throttle``). The wait: 0 when the ticket was given, the seconds left of a
    delay when it was refused."""
    with kiosk.begin() as conn:
        return int(
            conn.execute(
                text("SELECT cabinet_throttle_attempt(:k, :n, :c)"),
                {"k": kind, "n": number, "c": candidate},
            ).scalar_one()
        )


def paid(kiosk: Engine, kind: str, number: str, candidate: str) -> None:
    """A ticket for ``candidate``, given at once (no delay runs)."""
    assert ticket(kiosk, kind, number, candidate) == 0


def seen(engine: Engine, token: str | None) -> dict[str, list[int]]:
    """The accounts whose rows the kiosk sees, with ``token`` carried (as db.rls does)."""
    with engine.begin() as conn:
        if token is not None:
            conn.execute(text("SELECT set_config('cabinet.session', :t, true)"), {"t": token})
        return {
            "account": sorted(r[0] for r in conn.exec_driver_sql("SELECT id FROM account")),
            "credential": sorted(
                r[1] for r in conn.exec_driver_sql(f"SELECT {_CREDENTIAL} FROM resident_credential")
            ),
            "code": sorted(
                r[0] for r in conn.exec_driver_sql("SELECT account_id FROM registration_code")
            ),
        }


def test_the_kiosk_cannot_write_a_credential_or_a_code_itself(
    cluster: Cluster,  # noqa: F811
    clock: FixedClock,
    kiosk: Engine,
) -> None:
    give_codes(cluster, clock)
    before, codes_before = credentials(cluster), code_hashes(cluster)
    petrov = ids(cluster)["5210"]
    stolen = passwords.hash_password("thief-password-1")
    for sql in (
        "UPDATE resident_credential SET email = 'thief@mail.ru'",
        f"UPDATE resident_credential SET password_hash = '{stolen}', must_change = false",
        "UPDATE resident_credential SET reset_code_hash = 'x', reset_code_expires_at = now()",
        "UPDATE resident_credential SET phone = '+70000000000'",
        "UPDATE resident_credential SET password_expires_at = NULL, updated_at = now()",
        "UPDATE resident_credential SET failed_attempts = 0, next_attempt_at = NULL",
        "INSERT INTO resident_credential (account_id, email, phone, password_hash, must_change,"
        f" failed_attempts, created_at, updated_at) VALUES ({petrov}, 'thief@mail.ru', '',"
        f" '{stolen}', false, 0, now(), now())",
        "UPDATE registration_code SET code_hash = NULL",
        "UPDATE registration_code SET code_hash = 'hmac-sha256$00$00'",
        "INSERT INTO registration_code (account_id, code_hash, issued_at, issued_by)"
        f" VALUES ({petrov}, NULL, now(), 'x')",
        "DELETE FROM registration_code",
        "SELECT account_id FROM resident_credential FOR UPDATE",
    ):
        refused(kiosk, sql)
    assert credentials(cluster) == before and code_hashes(cluster) == codes_before


def test_before_sign_in_the_kiosk_sees_nothing_and_after_only_its_own(
    cluster: Cluster,  # noqa: F811
    clock: FixedClock,
    kiosk: Engine,
) -> None:
    give_codes(cluster, clock)
    accounts = ids(cluster)
    own = accounts["3492"]
    assert seen(kiosk, None) == {"account": [], "credential": [], "code": []}
    assert seen(kiosk, "forged-token-" + "x" * 40) == {"account": [], "credential": [], "code": []}
    services = services_as(cluster, KIOSK, clock)
    try:
        resident = services.auth.login("3492", OWN_PASSWORD, kiosk=True).actor
        assert seen(kiosk, resident.session_token) == {
            "account": [own],
            "credential": [own],
            "code": [own],
        }
        # The office's groups still see every row.
        clerk = cluster.engine("clerk")
        try:
            assert len(rows(clerk, "SELECT id FROM account")) == len(accounts) == 3
            assert len(rows(clerk, "SELECT account_id FROM registration_code")) == 3
            assert len(rows(clerk, "SELECT email FROM resident_credential")) == 2
        finally:
            clerk.dispose()
        services.auth.logout(resident)
        assert seen(kiosk, resident.session_token) == {"account": [], "credential": [], "code": []}
    finally:
        services.close()


def test_the_functions_tell_a_stranger_nothing_and_write_nothing_without_the_proof(
    cluster: Cluster,  # noqa: F811
    clock: FixedClock,
    kiosk: Engine,
) -> None:
    """What a holder of the kiosk's database login gets by calling them by hand: the same
    answer for a number that does not exist, one that is registered, and one that is not,
    whatever the ФИО; and no write."""
    give_codes(cluster, clock)
    before, codes_before = credentials(cluster), code_hashes(cluster)
    new_hash = passwords.hash_password("thief-password-1")
    answers = {}
    for number, fio in (("9999", "Никто Н.Н."), ("3492", "иванови.и."), ("5210", "петровп.п.")):
        # Each guess paid for, as the kiosk pays (db.roles_throttle): the functions compare.
        paid(kiosk, "registration", number, "hmac-sha256$00$00")
        paid(kiosk, "email", number, "thief@mail.ru")
        paid(kiosk, "resident", number, new_hash)
        answers[number] = (
            rows(
                kiosk,
                "SELECT account_id, reason, code_ok FROM cabinet_register("
                f"'{number}', '{fio}', 'hmac-sha256$00$00', 'thief@mail.ru', '', '{new_hash}',"
                " now(), now() + interval '1 day')",
            )
            + rows(
                kiosk,
                "SELECT account_id, reason FROM cabinet_request_reset("
                f"'{number}', 'thief@mail.ru', now(), '10 minutes', '1 minute', 'email', 'Код',"
                " 'Код: {code}')",
            )
            + rows(
                kiosk,
                "SELECT account_id, reason FROM cabinet_complete_reset("
                f"'{number}', '{new_hash}', '{new_hash}', now())",
            )
            + rows(kiosk, f"SELECT cabinet_secret_present('password', '{number}')")
        )
    assert answers["9999"] == answers["3492"] == answers["5210"]
    assert answers["3492"] == [
        (None, "code_mismatch", False),
        (None, "email_mismatch"),
        (None, "wrong_code"),
        (False,),
    ]
    assert rows(kiosk, f"SELECT cabinet_change_password(NULL, '{new_hash}', now(), '1 day')") == [
        ("no_session",)
    ]
    paid(kiosk, "resident", "3492", "guess")
    assert rows(
        kiosk,
        "SELECT id FROM cabinet_open_session('kiosk', '3492', 'guess', '"
        + "t" * 43
        + "', now(), NULL)",
    ) == [(None,)]
    # The old oracle of e-mails is gone.
    refused_or_missing = rows(
        cluster.owner.engine,
        "SELECT count(*) FROM pg_proc WHERE proname = 'cabinet_email_matches'",
    )
    assert refused_or_missing == [(0,)]
    assert credentials(cluster) == before and code_hashes(cluster) == codes_before


def test_the_kiosk_still_registers_resets_changes_and_signs_in(
    cluster: Cluster,  # noqa: F811
    clock: FixedClock,
    smtp: SmtpServer,  # noqa: F811
) -> None:
    give_codes(cluster, clock)
    petrov = ids(cluster)["5210"]
    kiosk = services_as(cluster, KIOSK, clock, smtp.settings())
    office = services_as(cluster, MAILER, clock, smtp.settings())  # the desk that sends
    assert office.mail_sender is not None
    try:
        # Registration with the code from the receipt; the code is void once used.
        kiosk.auth.register("Петров П.П.", "5210", "+7 915 000-00-00", "p@mail.ru", IVANOV_CODE)
        kiosk.auth.register("Сидоров С.С.", "5210", "+7 915 000-00-00", "p@mail.ru", PETROV_CODE)
        assert petrov not in credentials(cluster)
        kiosk.auth.register("Петров П. П.", "5210", "+7 915 000-00-00", "p@mail.ru", PETROV_CODE)
        assert credentials(cluster)[petrov][:2] == ("p@mail.ru", "+79150000000")
        assert code_hashes(cluster)[petrov] is None
        office.mail_sender.send_due()
        one_time = last_mail_secret(smtp, "Одноразовый пароль")
        # The one-time password opens a session that only sets a password, once.
        signed = kiosk.auth.login("5210", one_time, kiosk=True)
        assert signed.must_change_password and signed.account_id == petrov
        with pytest.raises(LoginError):
            kiosk.auth.login("5210", one_time, kiosk=True)
        actor = kiosk.auth.change_password(signed.actor, one_time, NEW_PASSWORD)
        assert not actor.one_time
        assert kiosk.accounts.get(actor, "5210").registered
        # A change with the current password (a wrong one changes nothing).
        with pytest.raises(ProblemError, match="Текущий пароль"):
            kiosk.auth.change_password(actor, OTHER_PASSWORD, OWN_PASSWORD)
        actor = kiosk.auth.change_password(actor, NEW_PASSWORD, OTHER_PASSWORD)
        with pytest.raises(LoginError):
            kiosk.auth.login("5210", NEW_PASSWORD, kiosk=True)
        kiosk.auth.login("5210", OTHER_PASSWORD, kiosk=True)
        # «Забыли пароль?» and the reset with the mailed code.
        kiosk.auth.request_reset("5210", "P@mail.ru")
        office.mail_sender.send_due()
        kiosk.auth.complete_reset("5210", last_mail_secret(smtp, "Код"), OWN_PASSWORD)
        assert credentials(cluster)[petrov][4] is None  # the reset code is used up
        with pytest.raises(LoginError):
            kiosk.auth.login("5210", OTHER_PASSWORD, kiosk=True)
        signed = kiosk.auth.login("5210", OWN_PASSWORD, kiosk=True)
        assert not signed.must_change_password and signed.fio == "Петров П.П."
    finally:
        kiosk.close()
        office.close()


def test_a_number_postgresql_cannot_take_gets_the_neutral_answer_at_the_kiosk(
    cluster: Cluster,  # noqa: F811
    clock: FixedClock,
) -> None:
    """A typed number with a NUL byte or a lone surrogate (PostgreSQL takes neither in text):
    registration with a code answers as for a number that does not exist, where the sealed
    code check used to send it to the database raw and fail; the other screens too."""
    give_codes(cluster, clock)
    before, codes_before = credentials(cluster), code_hashes(cluster)
    kiosk = services_as(cluster, KIOSK, clock)
    try:
        nobody = kiosk.auth.register("Иванов И.И.", "9999", PHONE, "p@mail.ru", IVANOV_CODE)
        for number in ("34\x0092", "3492\ud800"):
            assert kiosk.auth.register("Иванов И.И.", number, PHONE, "p@mail.ru", IVANOV_CODE) == (
                nobody
            )
            assert kiosk.auth.request_reset(number, "p@mail.ru").delivery is None
            with pytest.raises(ResetCodeError):
                kiosk.auth.complete_reset(number, "123456", OTHER_PASSWORD)
            with pytest.raises(LoginError):
                kiosk.auth.login(number, OWN_PASSWORD, kiosk=True)
    finally:
        kiosk.close()
    assert credentials(cluster) == before and code_hashes(cluster) == codes_before


def test_without_codes_a_wrong_fio_reads_as_no_such_account(
    cluster: Cluster,  # noqa: F811
    clock: FixedClock,
    kiosk: Engine,
) -> None:
    """With ``registration.require_code`` off (read by the function, not passed in) the
    number and the ФИО are the proof: without both the answer is the same for a number that
    does not exist."""
    with cluster.owner.unit_of_work() as s:
        s.add(
            OrganisationSetting(
                key="registration.require_code",
                value=encode("registration.require_code", False),
                changed_at=clock.now(),
                changed_by="test",
            )
        )
    new_hash = passwords.hash_password("thief-password-1")

    def register(number: str, fio: str, email: str = "thief@mail.ru") -> list[tuple[object, ...]]:
        return rows(
            kiosk,
            "SELECT account_id, reason, code_ok FROM cabinet_register("
            f"'{number}', '{fio}', NULL, '{email}', '', '{new_hash}', now(),"
            " now() + interval '1 day')",
        )

    assert register("9999", "петровп.п.") == register("5210", "иванови.и.")
    assert register("5210", "иванови.и.") == [(None, "account_or_fio_mismatch", False)]
    # Registered already, or pending to another e-mail: told only with number and ФИО.
    assert register("3492", "иванови.и.") == [(ids(cluster)["3492"], "already_registered", False)]
    assert credentials(cluster).get(ids(cluster)["5210"]) is None
