"""The kiosk administrator's PIN: set from the command line as an Argon2 hash in the
organisation's settings, audited, checked by every kiosk on the database, never shown."""

from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import select

from db.engine import Database
from db.models import AuditEntry, OrganisationSetting, StaffRole
from desktop.actors import Actor
from desktop.clock import FixedClock
from desktop.errors import AccessDeniedError, ValidationError
from desktop.kiosk_pin import KEY, KioskPin, check_pin

ADMIN = Actor.staff(1, "admin", StaffRole.ADMIN)
CLERK = Actor.staff(2, "operator", StaffRole.CLERK)


def stored(db: Database) -> str | None:
    with db.read() as s:
        return s.scalar(select(OrganisationSetting.value).where(OrganisationSetting.key == KEY))


def test_a_pin_is_stored_hashed_checked_and_audited(database: Database, clock: FixedClock):
    pins = KioskPin(database, clock)
    assert not pins.is_set() and not pins.verify("")  # nothing set: nothing opens
    pins.change(ADMIN, "482915")
    assert pins.is_set()
    assert "482915" not in (stored(database) or "") and "$argon2id$" in (stored(database) or "")
    assert pins.verify("482915") and not pins.verify("482916") and not pins.verify("")
    pins.change(ADMIN, "7305918")
    assert pins.verify("7305918") and not pins.verify("482915")
    pins.change(ADMIN, None)
    assert not pins.is_set() and not pins.verify("7305918")
    with database.read() as s:
        entries = s.scalars(
            select(AuditEntry).where(AuditEntry.action == "settings.change").order_by(AuditEntry.id)
        ).all()
    shown = [(json.loads(e.details)["old"], json.loads(e.details)["new"]) for e in entries]
    assert shown == [("не задан", "задан"), ("задан", "задан"), ("задан", "не задан")]
    assert all("482915" not in str(e.details) for e in entries)


@pytest.mark.parametrize(
    "pin", ["", "12345", "1234567890123", "12a456", "１２３４５６", "111111", "123456", "987654"]
)
def test_a_short_odd_or_guessable_pin_is_refused_and_changes_nothing(
    database: Database, clock: FixedClock, pin: str
):
    pins = KioskPin(database, clock)
    with pytest.raises(ValidationError, match="ПИН"):
        pins.change(ADMIN, pin)
    assert stored(database) is None


def test_only_an_administrator_sets_it(database: Database, clock: FixedClock):
    with pytest.raises(AccessDeniedError):
        KioskPin(database, clock).change(CLERK, "482915")
    assert stored(database) is None


def test_the_command_line_sets_it_and_the_list_never_shows_it(
    database_url: str, clock: FixedClock, monkeypatch, capsys
):
    from desktop.cli import main

    assert main(["demo", "--database-url", database_url]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("482915\n"))
    assert main(["settings", "kiosk-pin", "--database-url", database_url]) == 0
    assert "ПИН администратора киоска задан" in capsys.readouterr().out
    assert main(["settings", "list", "--database-url", database_url]) == 0
    listing = capsys.readouterr().out
    assert KEY not in listing and "argon2" not in listing
    monkeypatch.setattr("sys.stdin", io.StringIO("1234\n"))
    assert main(["settings", "kiosk-pin", "--database-url", database_url]) == 1
    assert "от 6 до 12 цифр" in capsys.readouterr().err
    db = Database(database_url)
    try:
        assert KioskPin(db, clock).verify("482915")
    finally:
        db.dispose()
    assert main(["settings", "kiosk-pin", "--clear", "--database-url", database_url]) == 0
    assert "убран" in capsys.readouterr().out


def test_the_rule_alone():
    check_pin("482915")
    check_pin("730591826401")
