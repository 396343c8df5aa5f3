"""Least privilege for the clerk (``db.roles_clerk``): a clerk's database login reads no
resident's password hash, reset code's hash or registration code's hash and writes no
credential or code — yet its desk does every office action it did before: registration at
the counter with a one-time password it never sees, a reset asked for at the counter, a
code reissued for a slip, a month's receipts printed (twice: the same codes), the account
list's «зарегистрирован», and a resident's own sign-in at the office's desk."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import date

import pytest
from sqlalchemy import Engine, select, text

from db.models import Account, OutboxMessage, RegistrationCode, ResidentCredential, Service
from db.roles import CLERK
from desktop.auth import codes
from desktop.auth.sealed import is_sealed
from desktop.clock import FixedClock
from desktop.common.tasks import TaskState
from tests.db.clerk_desk import staff_token
from tests.db.test_roles import (  # noqa: F401 (fixtures)
    CLERK_PASSWORD,
    OWN_PASSWORD,
    Cluster,
    cheap_hashing,
    cluster,
    refused,
    rows,
    services_as,
)
from tests.db.test_roles_staff import clerk_engine  # noqa: F401 (fixture)
from tests.desktop.test_receipt_pdf import pdf_text
from tests.factories import add_statement

MAY = date(2017, 5, 1)
_ARGON2 = "$argon2id$v=19$m=8192,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2g"


def test_a_clerk_login_reads_no_resident_secret_and_writes_no_credential_or_code(
    cluster: Cluster,  # noqa: F811
    clock: FixedClock,
    clerk_engine: Engine,  # noqa: F811
) -> None:
    for sql in (
        "SELECT * FROM resident_credential",
        "SELECT password_hash FROM resident_credential",
        "SELECT reset_code_hash FROM resident_credential",
        "SELECT count(*) FROM resident_credential WHERE left(password_hash, 7) = '$argon2'",
        "SELECT * FROM registration_code",
        "SELECT code_hash FROM registration_code",
        f"UPDATE resident_credential SET password_hash = '{_ARGON2}'",
        "UPDATE resident_credential SET email = 'thief@mail.ru'",
        "UPDATE resident_credential SET must_change = true",
        "INSERT INTO resident_credential (account_id, email, phone, password_hash, must_change,"
        " failed_attempts, created_at, updated_at)"
        " SELECT id, 'x@mail.ru', '', 'x', false, 0, now(), now() FROM account",
        "UPDATE registration_code SET code_hash = NULL",
        "INSERT INTO registration_code (account_id, code_hash, issued_at, issued_by)"
        " SELECT id, 'x', now(), 'x' FROM account",
        "DELETE FROM registration_code",
    ):
        refused(clerk_engine, sql)
    # What the office's screens read is still there: the contacts and the plain columns.
    assert sorted(rows(clerk_engine, "SELECT email, must_change FROM resident_credential")) == [
        ("r3492@mail.ru", False),
        ("r7001@mail.ru", False),
    ]
    assert rows(clerk_engine, "SELECT cabinet_has_password(id) FROM account ORDER BY number") == [
        (True,),
        (False,),
        (True,),
    ]
    # The code functions take only a code's shape and give a salt, never a hash.
    store = (
        "SELECT cabinet_store_codes(ARRAY[1]::bigint[], ARRAY['x'], ARRAY[''],"
        " ARRAY[NULL]::timestamptz[], now())"
    )
    with pytest.raises(Exception, match="no live staff session"):
        rows(clerk_engine, store)  # nor does anything without a signed-in clerk
    token = staff_token(cluster, clock)
    malformed = pytest.raises(Exception, match="malformed registration codes")
    with malformed, clerk_engine.begin() as conn:
        conn.execute(text("SELECT set_config('cabinet.session', :t, true)"), {"t": token})
        conn.execute(text(store))


def _code_hash(cluster: Cluster, number: str) -> str | None:  # noqa: F811
    with cluster.owner.read() as s:
        return s.scalar(
            select(RegistrationCode.code_hash)
            .join(Account, Account.id == RegistrationCode.account_id)
            .where(Account.number == number)
        )


def _credential(cluster: Cluster, number: str) -> ResidentCredential | None:  # noqa: F811
    with cluster.owner.read() as s:
        return s.scalar(
            select(ResidentCredential)
            .join(Account, Account.id == ResidentCredential.account_id)
            .where(Account.number == number)
        )


def test_a_clerk_desk_does_every_office_action_without_the_hashes(
    cluster: Cluster,  # noqa: F811
    clock: FixedClock,
) -> None:
    owner = cluster.owner
    with owner.read() as s:
        petrov = s.scalars(select(Account.id).where(Account.number == "5210")).one()
        water = s.scalars(select(Service.id).where(Service.name == "Холодная вода")).one()
    add_statement(owner, petrov, water, MAY, "0", "120.00", "0")
    clerk = services_as(cluster, CLERK, clock)
    try:
        with clerk.db.read() as s:
            assert is_sealed(s)
        desk = clerk.auth.staff_login("desk", CLERK_PASSWORD).actor
        registered = {n: clerk.accounts.get(desk, n).registered for n in ("3492", "5210", "7001")}
        assert registered == {"3492": True, "5210": False, "7001": True}

        # A month's receipts: Петров's carries a new code, stored by hash; printed again,
        # the same code and nothing new stored.
        def printed() -> tuple[list[str], int]:
            out = io.BytesIO()
            result = clerk.documents.write_receipts(desk, MAY, out)
            found = re.findall(
                r"Код регистрации в личном кабинете:\s*(\S{4}-\S{4})",
                "\n".join(pdf_text(out.getvalue())),
            )
            return found, result.registration_codes

        first, made = printed()
        assert made == 1 and len(first) == 1
        stored = _code_hash(cluster, "5210")
        assert stored is not None
        assert printed() == (first, 0) and _code_hash(cluster, "5210") == stored

        # A code reissued at the counter replaces it; the next batch prints the new one.
        slip = clerk.auth.reissue_code(desk, petrov)
        assert slip.code != first[0] and _code_hash(cluster, "5210") not in (None, stored)
        assert printed() == ([slip.code], 0)

        # Registration at the counter: no code asked, the one-time password goes to the
        # slip (no mail server), the code is void; again to another e-mail while pending.
        result = clerk.auth.register("Петров П.П.", "5210", "+79150000000", "p@mail.ru", actor=desk)
        assert result.delivery == "outbox"
        credential = _credential(cluster, "5210")
        assert credential is not None and credential.must_change
        assert credential.email == "p@mail.ru" and credential.password_hash.startswith("$argon2")
        assert _code_hash(cluster, "5210") is None
        first_hash = credential.password_hash
        clerk.auth.register("Петров П.П.", "5210", "+79150000000", "p2@mail.ru", actor=desk)
        credential = _credential(cluster, "5210")
        assert credential is not None and credential.email == "p2@mail.ru"
        assert credential.password_hash != first_hash
        # A registered resident's own password is left alone; a wrong ФИО changes nothing.
        before = _credential(cluster, "3492")
        assert before is not None
        clerk.auth.register("Иванов И.И.", "3492", "+79150000000", "x@mail.ru", actor=desk)
        clerk.auth.register("Сидоров С.С.", "5210", "+79150000000", "y@mail.ru", actor=desk)
        after = _credential(cluster, "3492")
        assert after is not None and after.password_hash == before.password_hash
        assert after.email == "r3492@mail.ru"
        petrov_now = _credential(cluster, "5210")
        assert petrov_now is not None and petrov_now.email == "p2@mail.ru"

        # The one-time password went into the slip the office prints.
        with owner.read() as s:
            body = s.scalars(
                select(OutboxMessage.body)
                .where(OutboxMessage.account_id == petrov)
                .order_by(OutboxMessage.id.desc())
            ).first()
        assert body is not None
        one_time = re.search(r"Одноразовый пароль: (\S+)", body)
        assert one_time, body

        # A resident signs in at the office's desk (the kiosk's functions) and sets a password.
        signed = clerk.auth.login("5210", one_time.group(1))
        assert signed.must_change_password
        clerk.auth.change_password(signed.actor, one_time.group(1), OWN_PASSWORD)
        assert clerk.auth.login("5210", OWN_PASSWORD).account_id == petrov
        assert clerk.accounts.get(desk, "5210").registered

        # A reset asked for at the counter: the database makes the code and queues it.
        clerk.auth.request_reset("5210", "P2@mail.ru", actor=desk)
        reset = _credential(cluster, "5210")
        assert reset is not None and (reset.reset_code_hash or "").startswith("hmac-sha256$")
    finally:
        clerk.close()


def test_two_clerk_batches_at_once_print_the_same_code_that_stands(
    cluster: Cluster,  # noqa: F811
    clock: FixedClock,
) -> None:
    """The sealed path of desktop.auth.code_issue: the database stores a new code only where
    the account's code is still the one it was derived from."""
    owner = cluster.owner
    with owner.read() as s:
        petrov = s.scalars(select(Account.id).where(Account.number == "5210")).one()
        water = s.scalars(select(Service.id).where(Service.name == "Холодная вода")).one()
    add_statement(owner, petrov, water, MAY, "0", "120.00", "0")
    clerk = services_as(cluster, CLERK, clock)
    try:
        desk = clerk.auth.staff_login("desk", CLERK_PASSWORD).actor

        def batch(meanwhile: Callable[[], object] | None = None) -> str:
            calls: list[object] = []

            def progress(done: int, total: int) -> None:
                if meanwhile is not None and not calls:
                    calls.append(meanwhile())

            out = io.BytesIO()
            clerk.documents.write_receipts(desk, MAY, out, state=TaskState(progress))
            [code] = re.findall(
                r"Код регистрации в личном кабинете:\s*(\S{4}-\S{4})",
                "\n".join(pdf_text(out.getvalue())),
            )
            return str(code)

        inner: list[str] = []
        outer = batch(lambda: inner.append(batch()))
        assert inner == [outer]
        assert codes.code_matches(_code_hash(cluster, "5210"), codes.normalize_code(outer))

        # A reissue at the counter while a batch prints that code again: the batch says its
        # receipt's code is void (the database tells, the hashes unread).
        slips: list[object] = []

        def reissue(done: int, total: int) -> None:
            if not slips:
                slips.append(clerk.auth.reissue_code(desk, petrov))

        result = clerk.documents.write_receipts(desk, MAY, io.BytesIO(), state=TaskState(reissue))
        assert result.void_codes == ("5210",)
    finally:
        clerk.close()
