"""A past month and a meter's verification date: the office may correct a value taken before the
date (the meter was in verification that day), never give one for the days it was out of
verification — not even after the new date is recorded; residents are refused after the date."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from db.engine import Database
from db.models import AuditEntry, Meter, StaffRole
from desktop.actors import Actor
from desktop.clock import FixedClock
from desktop.errors import ValidationError
from desktop.exchange.service import ImportService
from desktop.meters import MeterService
from desktop.readings import ReadingService, ReadingsRefused
from desktop.settings import Settings
from tests.factories import make_account, make_meter, make_period

D = Decimal
MAY, JUNE, JULY = date(2017, 5, 1), date(2017, 6, 1), date(2017, 7, 1)
DUE = date(2017, 5, 10)
CLERK = Actor.staff(1, "operator", StaffRole.CLERK)
ADMIN = Actor.staff(2, "admin", StaffRole.ADMIN)
TYPO = "2520"


def on(database: Database, day: datetime) -> ReadingService:
    return ReadingService(database, FixedClock(day), Settings())


def at(day: int, month: int) -> datetime:
    return datetime(2017, month, day, 9, tzinfo=UTC)


@pytest.fixture
def flat(database: Database) -> tuple[int, int, int]:
    """Cold water due 10 May, its May value (a typo: 2520 for 252) given on 5 May; hot water
    due 10 May as well, its May value never given. June's period was made on 1 June."""
    account = make_account(database, "3492")
    cold = make_meter(database, account, "ХВС 21883-12", next_verification_on=DUE,
                      serial="21883-12")  # fmt: skip
    hot = make_meter(database, account, "ГВС 59537062", next_verification_on=DUE,
                     display_order=1)  # fmt: skip
    make_period(database, account, MAY, {(cold, 1): ("249", None), (hot, 1): ("120", None)},
                accepted=False)  # fmt: skip
    on(database, at(5, 5)).submit(CLERK, account, MAY, {(cold, 1): TYPO}, reason="со слов жителя")
    make_period(database, account, JUNE, {(cold, 1): (TYPO, None), (hot, 1): ("120", None)},
                accepted=False)  # fmt: skip
    return account, cold, hot


def stored(service: ReadingService, who: Actor, account: int, month: date) -> dict:
    return {r.meter_id: (r.current, r.locked_reason) for r in service.readings(who, account, month)}


def audit_rows(database: Database) -> int:
    with database.read() as s:
        return s.scalar(select(func.count()).select_from(AuditEntry)) or 0


def test_the_office_corrects_a_value_given_before_the_date(database, flat):
    """The reviewer's case: on 20 June the clerk fixes May's typo, and may fix it again."""
    account, cold, _hot = flat
    june = on(database, at(20, 6))
    assert stored(june, CLERK, account, MAY)[cold] == (D("2520.000"), "")  # editable for him
    june.submit(CLERK, account, MAY, {(cold, 1): "252"}, reason="опечатка")
    june.submit(CLERK, account, MAY, {(cold, 1): "253"}, reason="опечатка, снова")
    assert stored(june, CLERK, account, MAY)[cold] == (D("253.000"), "")


def test_a_value_never_given_before_the_date_stays_locked(database, flat):
    account, cold, hot = flat
    june = on(database, at(20, 6))
    before = stored(june, CLERK, account, MAY), audit_rows(database)
    assert before[0][hot][1].startswith("срок поверки прибора истёк 10.05.2017")
    with pytest.raises(ReadingsRefused, match="истёк 10.05.2017"):
        june.submit(CLERK, account, MAY, {(hot, 1): "125"}, reason="со слов жителя")
    with pytest.raises(ReadingsRefused, match="истёк 10.05.2017"):  # nor June's
        june.submit(CLERK, account, JUNE, {(cold, 1): "2530"}, reason="со слов жителя")
    assert (stored(june, CLERK, account, MAY), audit_rows(database)) == before


@pytest.mark.parametrize("kiosk", [False, True])
def test_the_resident_is_refused_after_the_date(database, flat, kiosk):
    """In May's window (after the date) the resident may not change the value given on the
    5th, though the office may."""
    account, cold, _hot = flat
    resident = Actor.resident(account, "3492", kiosk=kiosk)
    may20 = on(database, at(20, 5))
    assert stored(may20, resident, account, MAY)[cold][1].startswith("срок поверки прибора истёк")
    with pytest.raises(ReadingsRefused, match="истёк 10.05.2017"):
        may20.submit(resident, account, MAY, {(cold, 1): "252"})
    assert stored(may20, resident, account, MAY)[cold][0] == D("2520.000")
    may20.submit(CLERK, account, MAY, {(cold, 1): "252"})
    assert stored(may20, CLERK, account, MAY)[cold][0] == D("252.000")


def test_the_new_date_does_not_open_the_months_out_of_verification(database, flat):
    """On 15 July the office records the next date: from then on the meter takes values (July);
    May before the 10th stays correctable, and June and May's empty value stay locked."""
    account, cold, hot = flat
    july = on(database, at(15, 7))
    meters = MeterService(database, FixedClock(at(15, 7)), Settings())
    meters.record_verification(CLERK, account, "ХВС 21883-12", date(2023, 7, 1))
    meters.record_verification(CLERK, account, "ГВС 59537062", date(2023, 7, 1))
    with database.read() as s:
        meter = s.get(Meter, cold)
        assert (meter.lapsed_after, meter.verified_again_on) == (DUE, date(2017, 7, 15))
    june = stored(july, CLERK, account, JUNE)
    assert june[cold][1] == (
        "срок поверки прибора истёк 10.05.2017, новая дата поверки внесена 15.07.2017 — "
        "за этот месяц показания не принимаются к расчету."
    )
    with pytest.raises(ReadingsRefused, match="новая дата поверки внесена 15.07.2017"):
        july.submit(CLERK, account, JUNE, {(cold, 1): "2530"}, reason="со слов жителя")
    with pytest.raises(ReadingsRefused, match="новая дата поверки внесена 15.07.2017"):
        july.submit(CLERK, account, MAY, {(hot, 1): "125"}, reason="со слов жителя")
    july.submit(CLERK, account, MAY, {(cold, 1): "252"}, reason="опечатка")
    assert stored(july, CLERK, account, MAY)[cold][0] == D("252.000")
    # July, the month the date was recorded in: open from that day on, to the resident too.
    resident = Actor.resident(account, "3492")
    july20 = on(database, at(20, 7))
    july20.create_period(resident, account)
    july20.submit(resident, account, JULY, {(cold, 1): "255", (hot, 1): "130"})
    assert stored(july20, resident, account, JULY)[cold] == (D("255.000"), "")


def test_the_next_date_is_at_most_twenty_years_away(database, flat):
    account, cold, _hot = flat
    meters = MeterService(database, FixedClock(at(15, 7)), Settings())
    before = audit_rows(database)
    with pytest.raises(ValidationError) as refused:
        meters.record_verification(CLERK, account, "ХВС 21883-12", date(2037, 7, 16))
    assert str(refused.value) == (
        "Новая дата поверки 16.07.2037 позже 15.07.2037: межповерочный интервал не бывает "
        "длиннее 20 лет. Проверьте дату в свидетельстве."
    )
    with database.read() as s:
        assert s.get(Meter, cold).next_verification_on == DUE
    assert audit_rows(database) == before
    meters.record_verification(CLERK, account, "ХВС 21883-12", date(2037, 7, 15))
    with database.read() as s:
        assert s.get(Meter, cold).next_verification_on == date(2037, 7, 15)


def test_a_new_date_from_1c_keeps_the_months_out_of_verification_closed(database, flat, tmp_path):
    """1C's list of meters brings the next date on 15 July: as when the office records it."""
    account, cold, _hot = flat
    path = tmp_path / "meters.csv"
    path.write_text(
        "Лицевой счет;Вид прибора;Заводской номер;Дата следующей поверки\r\n"
        "3492;Холодная вода;21883-12;01.07.2023\r\n",
        encoding="cp1251",
    )
    ImportService(database, FixedClock(at(15, 7))).import_file(ADMIN, path)
    with database.read() as s:
        meter = s.get(Meter, cold)
        assert meter.next_verification_on == date(2023, 7, 1)
        assert (meter.lapsed_after, meter.verified_again_on) == (DUE, date(2017, 7, 15))
    july = on(database, at(15, 7))
    with pytest.raises(ReadingsRefused, match="новая дата поверки внесена 15.07.2017"):
        july.submit(CLERK, account, JUNE, {(cold, 1): "2530"}, reason="со слов жителя")
