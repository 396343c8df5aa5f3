"""What a stranger types at sign-in reaches the audit log only if it has the shape of an
identifier: a password typed into the account-number or login field is never stored."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from db.engine import Database
from db.models import AuditEntry
from desktop.auth.model import ACCOUNT_NUMBER_LIMIT, LOGIN_LIMIT, typed_name
from desktop.clock import FixedClock
from desktop.common.problems import ProblemError
from desktop.settings import Settings
from tests.desktop.test_auth import auth_service, cheap_hashing  # noqa: F401 (a fixture)
from tests.desktop.test_mail import add_account

PASSWORDS = [
    "demo2017pass",  # the issue's own example: the demo's password in the number field
    "20172017",  # digits only: the shape of an account number, but no such account
    "Садовая-12-весна",
    "3492 demo2017pass",
    "tr4in-Bl0ck-orange!",
    "1234567890123456789012",  # digits, but longer than any account number
    "3492-",
    "<b>x</b>' OR 1=1 --",
    "x" * 400,
]
STAFF_PASSWORDS = [
    "demo2017pass",  # the shape of a login, but no such staff member
    "Секрет-2017",
    "demo admin 2017",
    "p@ssw0rd!",
    "tr4in-Bl0ck-orange!",
    "a" * 51,  # latin, but longer than any login
    "x" * 400,
]


def _audit_text(database: Database) -> tuple[list[str], str]:
    with database.read() as s:
        rows = list(s.scalars(select(AuditEntry).order_by(AuditEntry.id)))
    return [r.actor for r in rows], " ".join(f"{r.actor} {r.details}" for r in rows)


def test_a_password_typed_as_an_account_number_or_login_is_not_stored(
    database: Database, clock: FixedClock
) -> None:
    add_account(database)
    auth = auth_service(database, clock, Settings())
    for typed in PASSWORDS:
        with contextlib.suppress(ProblemError):
            auth.login(typed, "wrong-password")
        auth.register("Иванов И.И.", typed, "+7 915 123-45-67", "a@mail.ru")
        auth.request_reset(typed, "a@mail.ru")
        with contextlib.suppress(ProblemError):
            auth.complete_reset(typed, "123456", "Садовая-12-весна-новая")
        clock.advance(hours=1)
    for typed in STAFF_PASSWORDS:
        with pytest.raises(ProblemError):
            auth.staff_login(typed, "wrong-password")
    actors, everything = _audit_text(database)
    assert len(actors) == 4 * len(PASSWORDS) + len(STAFF_PASSWORDS)
    assert set(actors) <= {"resident:malformed", "resident:unknown", "staff:malformed",
                           "staff:unknown"}  # fmt: skip
    for secret in PASSWORDS + STAFF_PASSWORDS:
        for part in (secret, secret.casefold(), secret[:6], secret.split()[0]):
            assert part not in everything, part


def test_only_names_that_exist_are_recorded_as_typed(database: Database, clock: FixedClock) -> None:
    for number in ("0001", "77-12345", "12345678901234567890"):
        add_account(database, number)
    auth = auth_service(database, clock, Settings())
    auth.create_staff("i.ivanova_2-x", "Иванова И.И.", "clerk", "Садовая-12-весна")
    for number in ("0001", "77-12345", "12345678901234567890", "0002"):
        with pytest.raises(ProblemError):
            auth.login(number, "wrong-password")
    for login in ("I.Ivanova_2-x", "i.petrova"):
        with pytest.raises(ProblemError):
            auth.staff_login(login, "wrong-password")
    actors, _ = _audit_text(database)
    assert [a for a in actors if a != "system"] == [
        "resident:0001",
        "resident:77-12345",
        "resident:12345678901234567890",
        "resident:unknown",
        "staff:i.ivanova_2-x",
        "staff:unknown",
    ]


@given(st.text(max_size=80))
def test_typed_names_are_an_identifier_or_malformed(typed: str) -> None:
    for kind, limit, allowed in (
        ("resident", ACCOUNT_NUMBER_LIMIT, set("0123456789-")),
        ("staff", LOGIN_LIMIT, set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")),
    ):  # fmt: skip
        assert typed_name(kind, typed, limit, known=False) in (f"{kind}:malformed",
                                                               f"{kind}:unknown")  # fmt: skip
        name = typed_name(kind, typed, limit, known=True)
        assert name.startswith(f"{kind}:")
        shown = name.removeprefix(f"{kind}:")
        if shown != "malformed":
            assert shown == typed and 0 < len(typed) <= limit and set(typed) <= allowed
