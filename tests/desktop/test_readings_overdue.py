"""A meter past its verification (поверка) date takes no readings — from a resident, a kiosk
or the office alike — until the office records its new date (Постановление № 354: after the
date its readings are not used for billing)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from db.engine import Database
from db.models import AuditEntry, Meter, MeterKind, Period, StaffRole
from desktop.actors import Actor
from desktop.cli import main
from desktop.clock import FixedClock
from desktop.errors import AccessDeniedError, NotFoundError, ValidationError
from desktop.meters import MeterService
from desktop.readings import ReadingService, ReadingsRefused
from desktop.settings import Settings
from tests.desktop.test_cli import audit_count, run
from tests.factories import make_account, make_meter, make_period

D = Decimal
MAY, JUNE = date(2017, 5, 1), date(2017, 6, 1)
TODAY = date(2017, 6, 20)  # inside the reading window (15–25)
RAN_OUT = date(2017, 6, 10)
CLERK = Actor.staff(1, "operator", StaffRole.CLERK)


@pytest.fixture
def flat(database: Database):
    """Cold water whose verification ran out on 10 June, hot water whose runs out today,
    and electricity without a date; May accepted."""
    account = make_account(database, "3492")
    cold = make_meter(database, account, "ХВС 21883-12", next_verification_on=RAN_OUT)
    hot = make_meter(database, account, "ГВС 59537062", next_verification_on=TODAY,
                     display_order=1)  # fmt: skip
    power = make_meter(database, account, "Эл.эн. №12765948", kind=MeterKind.ELECTRICITY,
                       unit="кВт.ч", digits=6, display_order=2)  # fmt: skip
    make_period(
        database,
        account,
        MAY,
        {(cold, 1): ("249", "252"), (hot, 1): ("120", "122"), (power, 1): ("9640", "9723")},
    )
    return account, cold, hot, power


def readings(database: Database) -> ReadingService:
    return ReadingService(database, FixedClock(TODAY), Settings())


def audit_rows(database: Database) -> int:
    with database.read() as s:
        return s.scalar(select(func.count()).select_from(AuditEntry)) or 0


def test_the_new_period_leaves_an_overdue_meter_empty_and_says_why(database, flat):
    account, cold, hot, power = flat
    service = readings(database)
    resident = Actor.resident(account, "3492")
    service.create_period(resident, account)
    rows = {row.meter_id: row for row in service.readings(resident, account, JUNE)}
    assert rows[cold].current is None and rows[cold].previous == D("252.000")  # not carried
    assert rows[cold].locked_reason.startswith("срок поверки прибора истёк 10.06.2017")
    assert "показания не принимаются к расчету" in rows[cold].locked_reason
    assert "офис внесёт новую дату поверки" in rows[cold].locked_reason
    assert rows[hot].locked_reason == ""  # its date is today: still in order
    assert rows[power].locked_reason == ""


@pytest.mark.parametrize("channel", ["resident", "kiosk", "clerk"])
def test_every_channel_is_refused_and_nothing_changes(database, flat, channel):
    account, cold, hot, power = flat
    service = readings(database)
    who = CLERK if channel == "clerk" else Actor.resident(account, "3492", kiosk=channel == "kiosk")
    service.create_period(who, account)
    before = service.readings(who, account, JUNE), audit_rows(database)
    with pytest.raises(ReadingsRefused) as refused:
        service.submit(
            who,
            account,
            JUNE,
            {(cold, 1): "255", (hot, 1): "124", (power, 1): "9800"},
            reason="показания со слов жителя по телефону",
        )
    [problem] = refused.value.problems
    assert problem.place == "ХВС 21883-12"
    assert problem.message.startswith("Срок поверки прибора истёк 10.06.2017")
    assert "Закажите поверку" in problem.message
    assert (service.readings(who, account, JUNE), audit_rows(database)) == before

    # Without the overdue meter the others are taken.
    service.submit(who, account, JUNE, {(hot, 1): "124", (power, 1): "9800"},
                   reason="показания со слов жителя по телефону")  # fmt: skip
    stored = {row.meter_id: row.current for row in service.readings(who, account, JUNE)}
    assert stored == {cold: None, hot: D("124.000"), power: D("9800.000")}


def test_after_the_office_records_the_new_date_the_meter_takes_readings(database, flat):
    account, cold, _hot, _power = flat
    service = readings(database)
    resident = Actor.resident(account, "3492")
    service.create_period(resident, account)
    meters = MeterService(database, FixedClock(TODAY), Settings())
    with pytest.raises(AccessDeniedError):  # the resident's word is not a certificate
        meters.record_verification(resident, account, "ХВС 21883-12", date(2023, 6, 15))
    before = audit_rows(database)
    with pytest.raises(ValidationError, match="уже прошла"):
        meters.record_verification(CLERK, account, "ХВС 21883-12", TODAY)
    with pytest.raises(NotFoundError, match="Прибора «ХВС 1» в работе на этом лицевом счете нет"):
        meters.record_verification(CLERK, account, "ХВС 1", date(2023, 6, 15))
    assert audit_rows(database) == before
    said = meters.record_verification(CLERK, account, "ХВС 21883-12", date(2023, 6, 15))
    assert said == (
        "Прибор «ХВС 21883-12»: следующая поверка 15.06.2023. Показания по нему снова принимаются."
    )
    assert audit_rows(database) == before + 1
    with database.read() as s:
        assert s.get(Meter, cold).next_verification_on == date(2023, 6, 15)
    [row] = [r for r in service.readings(resident, account, JUNE) if r.meter_id == cold]
    assert row.locked_reason == ""
    service.submit(resident, account, JUNE, {(cold, 1): "255"})
    [row] = [r for r in service.readings(resident, account, JUNE) if r.meter_id == cold]
    assert row.current == D("255.000")


def test_a_month_read_before_the_date_can_still_be_corrected(database, flat):
    """May's readings were taken while the meter was in order: the office may correct them."""
    account, cold, _hot, _power = flat
    service = readings(database)
    with database.unit_of_work() as s:
        period = s.scalar(select(Period).where(Period.month == MAY))
        period.accepted_at = None
    service.submit(CLERK, account, MAY, {(cold, 1): "253"}, reason="опечатка в квитанции")
    [row] = [r for r in service.readings(CLERK, account, MAY) if r.meter_id == cold]
    assert row.current == D("253.000") and row.locked_reason == ""


def test_the_office_records_the_new_date_from_the_command_line(database_url, capsys):
    """3492's ГВС 59537062 ran out in 2023 (the demo, on today's date): the certificate's
    next date goes in with ``meters verified``; a wrong one changes nothing."""
    assert main(["demo", "--database-url", database_url]) == 0
    capsys.readouterr()
    before = audit_count(database_url)
    code, out, err = run(capsys, "meters", "verified", "--account", "3492", "--meter",
                         "59537062", "--next", "2020-01-01", "--database-url", database_url)  # fmt: skip
    assert (code, out) == (1, "") and "Новая дата поверки 01.01.2020 уже прошла" in err
    code, out, err = run(capsys, "meters", "verified", "--account", "3492", "--meter",
                         "59537062", "--next", "01.06.2032", "--database-url", database_url)  # fmt: skip
    assert code == 2 and "ГГГГ-ММ-ДД" in err
    assert audit_count(database_url) == before
    code, out, err = run(capsys, "meters", "verified", "--account", "3492", "--meter",
                         "59537062", "--next", "2032-06-01", "--database-url", database_url)  # fmt: skip
    assert (code, err) == (0, "")
    assert out == (
        "Прибор «ГВС 59537062»: следующая поверка 01.06.2032. Показания по нему снова "
        "принимаются.\n"
    )
    assert audit_count(database_url) == before + 1
