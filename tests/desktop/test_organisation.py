"""Organisation settings live in the database: every desk sharing it agrees, every change is
checked and audited, and a value left in an old settings file seeds the database once."""

from __future__ import annotations

import json
import logging
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from db.engine import Database
from db.models import AuditEntry, OrganisationSetting, StaffRole
from desktop.actors import SYSTEM, Actor
from desktop.app import open_services
from desktop.clock import FixedClock
from desktop.errors import AccessDeniedError, NotFoundError, ValidationError
from desktop.organisation import (
    BY_KEY as DECLARED_BY_KEY,
)
from desktop.organisation import (
    DECLARED,
    OrganisationSettings,
    as_text,
    decode,
    encode,
    parse,
    store_defaults,
)
from desktop.settings import Settings

ADMIN = Actor.staff(1, "admin", StaffRole.ADMIN)
CLERK = Actor.staff(2, "operator", StaffRole.CLERK)
RESIDENT = Actor.resident(1, "3492")


def stored_rows(db: Database) -> dict[str, str | None]:
    with db.read() as s:
        return dict(s.execute(select(OrganisationSetting.key, OrganisationSetting.value)).all())


def audit_rows(db: Database, action: str) -> list[AuditEntry]:
    with db.read() as s:
        return list(s.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_a_change_at_one_desk_is_what_the_next_desk_opens_with(
    database_url: str, clock: FixedClock
):
    first = open_services(database_url, settings=Settings(), clock=clock)
    try:
        assert first.settings.readings.window_start == 15
        applied = first.organisation.change(ADMIN, "readings.window_start", "12", first.settings)
        assert applied.readings.window_start == 12
        first.organisation.change(ADMIN, "office_phone", " 8 800 555 35 35 ", first.settings)
    finally:
        first.close()

    second = open_services(database_url, settings=Settings(), clock=clock)
    try:
        assert second.settings.readings.window_start == 12
        assert second.settings.office_phone == "8 800 555 35 35"
        window = second.readings.window()
        assert (window.start.day, window.end.day) == (12, 25)
        (entry,) = [e for e in audit_rows(second.db, "settings.change") if "window" in e.details]
        assert entry.actor == ADMIN.label
        assert json.loads(entry.details) == {
            "setting": "readings.window_start",
            "old": "15",
            "new": "12",
        }
    finally:
        second.close()


@pytest.mark.parametrize(
    ("actor", "error"),
    [(CLERK, AccessDeniedError), (RESIDENT, AccessDeniedError)],
)
def test_only_an_administrator_changes_them(database: Database, clock, actor, error):
    organisation = OrganisationSettings(database, clock)
    with pytest.raises(error, match="только администратор"):
        organisation.change(actor, "readings.window_end", "20", Settings())
    assert stored_rows(database) == {}
    assert audit_rows(database, "settings.change") == []


@pytest.mark.parametrize(
    ("key", "text", "message"),
    [
        ("readings.window_start", "26", "Окно приёма показаний"),  # after the window's end
        ("readings.window_start", "пятнадцать", "целое число"),
        ("readings.jump_factor", "1", "больше 1"),
        ("readings.jump_factor", "три", "введите число"),
        ("debt.payment_due_day", "31", "от 1 до 28"),
        ("debt.arrears_months", "0", "от 1 до 36"),
        ("debt.arrears_months", "-3", "целое число"),
        ("debt.arrears_months", "37", "от 1 до 36"),
        ("debt.payment_due_day", "0", "от 1 до 28"),
        ("debt.payment_due_day", "-1", "целое число"),
        ("debt.payment_due_day", "45", "от 1 до 28"),
        ("readings.jump_factor", "NaN", "введите число"),
        ("readings.jump_factor", "inf", "введите число"),
        ("readings.jump_factor", "-1", "больше 1"),
        ("readings.jump_factor", "0", "больше 1"),
        ("readings.jump_factor", "1e999999", "не больше 100"),
        ("readings.window_start", "1,5", "целое число"),
        ("readings.window_end", "32", "Окно приёма показаний"),
        ("readings.window_end", "0", "Окно приёма показаний"),
        ("debt.key_rates", "01.01.2020 -5", "не понятно"),
        ("debt.key_rates", "01.01.2020 0", "больше 0"),
        ("debt.key_rates", "01.01.2020 5; 01.01.2020 6", "две разные ставки"),
        ("debt.key_rates", ";;", "хотя бы одна"),
        ("kiosk.idle_seconds", "999999", "≤ 3600"),
        ("kiosk.idle_seconds", "-90", "целое число"),
        ("debt.key_rates", "вчера 5", "не понятно «вчера 5»"),
        ("debt.key_rates", "01.01.2020 150", "меньше 100"),
        ("kiosk.countdown_seconds", "95", "countdown_seconds < kiosk.idle_seconds"),
        ("office_phone", "   ", "не может быть пустым"),
    ],
)
def test_a_bad_value_is_explained_and_changes_nothing(
    database: Database, clock, key, text, message
):
    organisation = OrganisationSettings(database, clock)
    organisation.change(ADMIN, "readings.window_end", "24", Settings())
    before = stored_rows(database)
    with pytest.raises(ValidationError, match=message):
        organisation.change(ADMIN, key, text, Settings())
    assert stored_rows(database) == before
    assert len(audit_rows(database, "settings.change")) == 1


def test_an_unknown_setting_names_the_known_ones(database: Database, clock):
    with pytest.raises(NotFoundError, match="readings.window_start"):
        OrganisationSettings(database, clock).change(ADMIN, "readings.colour", "1", Settings())


@pytest.mark.parametrize(
    ("key", "hint"),
    [
        ("readings.windw_start", "Возможно, имелась в виду «readings.window_start»"),
        ("kiosk.idle_second", "Возможно, имелась в виду «kiosk.idle_seconds»"),
        ("smtp.host", "в файле настроек этого компьютера"),
    ],
)
def test_a_misspelt_setting_names_the_closest_one(database: Database, clock, key, hint):
    with pytest.raises(NotFoundError, match=hint):
        OrganisationSettings(database, clock).change(ADMIN, key, "10", Settings())
    assert stored_rows(database) == {}


@pytest.mark.parametrize(
    ("key", "stored"),
    [
        ("readings.jump_factor", '"NaN"'),
        ("readings.jump_factor", '"Infinity"'),
        ("readings.jump_factor", '"-1"'),
        ("readings.jump_factor", "true"),
        ("readings.window_start", "1.5"),
        ("debt.payment_due_day", "45"),
        ("debt.arrears_months", "-3"),
        ("debt.key_rates", '[["2017-01-01", "NaN"]]'),
        ("debt.key_rates", '[["2018-01-01", "9"], ["2017-01-01", "8"]]'),
        ("debt.key_rates", '[["2017-01-01", "9"], ["2017-01-01", "8"]]'),
        ("debt.key_rates", '{"2017-01-01": "9"}'),
        ("debt.key_rates", '[["вчера", "9"]]'),
        ("debt.key_rates", "[]"),
        ("kiosk.idle_seconds", "-5"),
        ("office_phone", '"\\u0000"'),
        ("office_phone", "{"),
    ],
)
def test_a_bad_value_stored_by_an_older_version_falls_back_to_the_default(
    database: Database, clock, caplog: pytest.LogCaptureFixture, key, stored
):
    """It is skipped with a warning on every load, and saving another setting still works."""
    with database.unit_of_work() as s:
        s.add(OrganisationSetting(key=key, value=stored, changed_at=clock.now(), changed_by="old"))
    organisation = OrganisationSettings(database, clock)
    with caplog.at_level(logging.WARNING, logger="desktop.organisation"):
        applied = organisation.apply(Settings())
    assert applied == Settings()
    assert key in caplog.text
    applied = organisation.change(ADMIN, "office_hours", "пн–пт 9–18", Settings())
    assert applied.office_hours == "пн–пт 9–18"
    assert applied.readings == Settings().readings and applied.debt == Settings().debt
    view = {v.key: v for v in organisation.describe(Settings())}[key]
    assert view.text == as_text(key, DECLARED_BY_KEY[key].get(Settings()))


def test_back_to_the_default(database: Database, clock):
    organisation = OrganisationSettings(database, clock)
    organisation.change(SYSTEM, "kiosk.idle_seconds", "120", Settings())
    assert organisation.apply(Settings()).kiosk.idle_seconds == 120
    organisation.change(ADMIN, "kiosk.idle_seconds", None, Settings())
    assert organisation.apply(Settings()).kiosk.idle_seconds == 90
    view = {v.key: v for v in organisation.describe(Settings())}["kiosk.idle_seconds"]
    assert view.is_default and view.text == "90" and view.changed_by == ADMIN.label


def test_key_rates_are_typed_as_an_office_writes_them(database: Database, clock):
    organisation = OrganisationSettings(database, clock)
    applied = organisation.change(
        ADMIN, "debt.key_rates", "19.09.2016 10,00; 2017-03-27=9.75\n02.05.2017 9,25 %", Settings()
    )
    assert applied.debt.key_rates == (
        (date(2016, 9, 19), Decimal("10.00")),
        (date(2017, 3, 27), Decimal("9.75")),
        (date(2017, 5, 2), Decimal("9.25")),
    )
    assert applied.debt.key_rate_on(date(2017, 4, 1)) == Decimal("9.75")
    text = {v.key: v.text for v in organisation.describe(Settings())}["debt.key_rates"]
    assert text == "19.09.2016 10,00; 27.03.2017 9,75; 02.05.2017 9,25"


def test_an_old_settings_file_seeds_the_database_once(
    database_url: str, clock, tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    path = tmp_path / "settings.toml"
    path.write_text(
        '[readings]\nwindow_start = 16\n[kiosk]\nidle_seconds = 100\n[smtp]\nhost = "mail"\n',
        encoding="utf-8",
    )
    with caplog.at_level(logging.INFO, logger="desktop.organisation"):
        services = open_services(database_url, settings=Settings(), clock=clock, settings_file=path)
    try:
        assert services.settings.readings.window_start == 16
        assert services.settings.kiosk.idle_seconds == 100
        assert set(stored_rows(services.db)) == {"readings.window_start", "kiosk.idle_seconds"}
        assert "moved from" in caplog.text and "readings.window_start" in caplog.text
        (entry,) = audit_rows(services.db, "settings.adopt")
        assert str(path) in entry.details
    finally:
        services.close()

    # The file still says 16; an administrator changes it to 14 in the database. The next
    # start keeps 14: the file seeded the database once and no longer counts.
    path.write_text("[readings]\nwindow_start = 17\n", encoding="utf-8")
    services = open_services(database_url, settings=Settings(), clock=clock, settings_file=path)
    try:
        services.organisation.change(ADMIN, "readings.window_start", "14", services.settings)
    finally:
        services.close()
    services = open_services(database_url, settings=Settings(), clock=clock, settings_file=path)
    try:
        assert services.settings.readings.window_start == 14
        assert len(audit_rows(services.db, "settings.adopt")) == 1
    finally:
        services.close()


def test_every_declared_default_survives_the_database(database: Database, clock):
    organisation = OrganisationSettings(database, clock)
    with database.unit_of_work() as s:
        store_defaults(s, clock.now(), SYSTEM)
    assert len(stored_rows(database)) == len(DECLARED)
    assert organisation.apply(Settings()) == Settings()


@given(st.integers(min_value=30, max_value=3600))
def test_whole_numbers_round_trip(value: int):
    key = "kiosk.idle_seconds"
    assert parse(key, as_text(key, value)) == value
    assert decode(key, encode(key, value)) == value


@given(st.decimals(min_value=Decimal("1.01"), max_value=Decimal(100), places=2))
def test_decimals_round_trip(value: Decimal):
    key = "readings.jump_factor"
    assert parse(key, as_text(key, value)) == value
    assert decode(key, encode(key, value)) == value


@given(
    st.dictionaries(
        st.dates(min_value=date(1992, 1, 1), max_value=date(2099, 12, 31)),
        st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99.99"), places=2),
        min_size=1,
        max_size=8,
    )
)
def test_key_rates_round_trip(rates: dict[date, Decimal]):
    key = "debt.key_rates"
    value = tuple(sorted(rates.items()))
    assert parse(key, as_text(key, value)) == value
    assert decode(key, encode(key, value)) == value


def test_a_machine_value_never_overrides_the_organisation(database: Database, clock):
    """A desk whose own file or environment still says 10 reads what the database says."""
    from desktop.settings import ReadingSettings

    machine = Settings(readings=ReadingSettings(window_start=10), office_phone="000")
    organisation = OrganisationSettings(database, clock)
    assert organisation.apply(machine).readings.window_start == 15  # the default: nothing stored
    assert organisation.apply(machine).office_phone == Settings().office_phone
    organisation.change(ADMIN, "readings.window_start", "13", machine)
    assert organisation.apply(machine).readings.window_start == 13
    assert organisation.apply(machine).database_url == machine.database_url


def test_the_command_line_lists_and_changes_them(database_url: str, capsys):
    from desktop.cli import main

    assert main(["demo", "--database-url", database_url]) == 0
    assert (
        main(["settings", "set", "readings.jump_factor", "2,5", "--database-url", database_url])
        == 0
    )
    assert "теперь: 2,5" in capsys.readouterr().out
    assert (
        main(["settings", "set", "readings.window_end", "10", "--database-url", database_url]) == 1
    )
    assert "Окно приёма показаний" in capsys.readouterr().err
    assert main(["settings", "list", "--database-url", database_url]) == 0
    listing = capsys.readouterr().out
    assert "readings.jump_factor" in listing and "2,5" in listing
    window_end = next(
        line for line in listing.splitlines() if line.startswith("readings.window_end")
    )
    assert "25" in window_end
    assert main(["settings", "reset", "readings.jump_factor", "--database-url", database_url]) == 0
    assert "теперь: 3" in capsys.readouterr().out
