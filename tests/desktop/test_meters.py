"""The meters' consumption history (the chart's data) and the verification reminders, on a
real SQLite file and on PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from db.engine import Database
from db.models import Confirmation, Meter, MeterKind, Reading, StaffRole
from desktop.actors import Actor
from desktop.clock import FixedClock
from desktop.errors import AccessDeniedError, ValidationError
from desktop.meters import MeterService
from desktop.months import add_months
from desktop.organisation import OrganisationSettings
from desktop.readings import ReadingService, ReadingsRefused
from desktop.readings.history import HISTORY_MONTHS
from desktop.readings.queries import averages
from desktop.settings import ReadingSettings, Settings
from desktop.verification import summary
from tests.factories import make_account, make_meter, make_period

D = Decimal
TODAY = date(2026, 12, 1)


def service(db: Database, today: date = TODAY, days: int = 60) -> MeterService:
    return MeterService(
        db, FixedClock(today), Settings(readings=ReadingSettings(verification_notice_days=days))
    )


@pytest.fixture
def old_flat(database: Database):
    """Like the seed's 3492: readings of November 2015 – June 2017 only, years before today;
    a two-zone electricity meter and cold water whose May value was a replacement."""
    account = make_account(database, "3492")
    water = make_meter(database, account, "ХВС 21883-12")
    power = make_meter(database, account, "Эл.эн. №12765948", kind=MeterKind.ELECTRICITY,
                       unit="кВт.ч", zones=2, digits=6, display_order=1)  # fmt: skip
    month, cold, t1, t2 = date(2015, 11, 1), D(100), D(5000), D(2000)
    while month <= date(2017, 6, 1):
        used = D(month.month)  # 1…12 m³: the month's number
        make_period(
            database,
            account,
            month,
            {
                (water, 1): (str(cold), str(cold + used)),
                (power, 1): (str(t1), str(t1 + 150 + month.month)),
                (power, 2): (str(t2), None if month == date(2016, 8, 1) else str(t2 + 70)),
            },
        )
        cold, t1, t2 = cold + used, t1 + 150 + month.month, t2 + 70
        month = add_months(month, 1)
    resident = Actor.resident(account, "3492")
    return account, water, power, resident


def test_the_history_is_the_24_months_up_to_the_newest_reading(database: Database, old_flat):
    account, water, power, resident = old_flat
    histories = service(database).histories(resident, account)
    assert [h.meter_id for h in histories] == [water, power]
    cold = histories[0]
    assert len(cold.months) == HISTORY_MONTHS
    assert cold.months[0] == date(2015, 7, 1) and cold.months[-1] == date(2017, 6, 1)
    (zone,) = cold.zones
    # Before November 2015 nothing was read: those months are empty, not zero.
    assert zone.values[:4] == (None,) * 4
    assert zone.values[4:] == tuple(D(m.month).quantize(D("0.001")) for m in cold.months[4:])
    assert all(isinstance(v, Decimal) for v in zone.values[4:])
    t1, t2 = histories[1].zones
    assert (t1.label, t2.label) == ("T1", "T2")
    assert t2.values[histories[1].months.index(date(2016, 8, 1))] is None  # not filled
    assert t1.values[-1] == D("156.000")


def test_the_average_line_is_the_jump_checks_own(database: Database, old_flat):
    """The chart's average is what the jump check compares this month's value with: the
    last twelve filled readings, however long ago (the seed's 3492 stops in 2017)."""
    account, water, power, resident = old_flat
    with database.read() as s:
        checked = averages(s, account, TODAY)
    histories = service(database).histories(resident, account)
    assert histories[0].zones[0].average == checked[(water, 1)]
    # July 2016 – June 2017: the months' numbers 7…12, 1…6 → 6,5 m³ on average.
    assert checked[(water, 1)] == D("6.5")
    assert [z.average for z in histories[1].zones] == [checked[(power, 1)], checked[(power, 2)]]
    assert histories[0].summary == (
        "ХВС 21883-12, расход за июль 2015 — июнь 2017:\n"
        "в среднем 6,5\u00a0м³ в месяц; за июнь 2017 — 6,0\u00a0м³"
    )
    assert histories[1].zone_summary(histories[1].zones[1]) == (
        "T2: в среднем 70,0\u00a0кВт·ч в месяц; за июнь 2017 — 70,0\u00a0кВт·ч"
    )
    # The jump check lets through three times the chart's average and stops anything above.
    readings = ReadingService(database, FixedClock(date(2017, 7, 20)), Settings())
    readings.create_period(resident, account)
    july = date(2017, 7, 1)
    (row,) = [r for r in readings.readings(resident, account, july) if r.meter_id == water]
    limit = row.previous + 3 * histories[0].zones[0].average
    with pytest.raises(ReadingsRefused, match="в среднем 6,500"):
        readings.submit(resident, account, july, {(water, 1): limit + D("0.001")})
    assert readings.submit(resident, account, july, {(water, 1): limit}).changed == 1


def test_a_roll_over_counts_past_the_dial_and_a_replacement_from_zero(database: Database):
    account = make_account(database, "77")
    meter = make_meter(database, account, "ХВС 1", digits=3)
    make_period(database, account, date(2026, 9, 1), {(meter, 1): ("995", "3")})
    make_period(database, account, date(2026, 10, 1), {(meter, 1): ("3", "1")})
    with database.unit_of_work() as s:
        readings = s.query(Reading).order_by(Reading.id).all()
        readings[0].confirmation = Confirmation.ROLLOVER
        readings[1].confirmation = Confirmation.REPLACEMENT
    (history,) = service(database).histories(Actor.resident(account, "77"), account)
    assert history.zones[0].values[-2:] == (D("8.000"), D("1.000"))


def test_a_meter_without_readings_has_an_empty_history(database: Database):
    account = make_account(database, "78")
    make_meter(database, account, "ГВС 59537062")
    (history,) = service(database).histories(Actor.resident(account, "78"), account)
    assert history.empty and history.zones[0].values == ()
    assert history.summary == "ГВС 59537062: показаний пока нет."


def test_another_residents_meters_are_refused(database: Database, old_flat):
    account, *_rest = old_flat
    other = make_account(database, "9999")
    stranger = Actor.resident(other, "9999")
    with pytest.raises(AccessDeniedError):
        service(database).histories(stranger, account)
    with pytest.raises(AccessDeniedError):
        service(database).reminders(stranger, account)


# -- verification reminders -----------------------------------------------------------------


@pytest.fixture
def home(database: Database):
    account = make_account(database, "3493")
    return account, Actor.resident(account, "3493")


def _meter(db: Database, account: int, title: str, due: date | None, **fields) -> int:
    return make_meter(db, account, title, next_verification_on=due, **fields)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(days_left=st.integers(-400, 400), notice=st.integers(0, 120))
def test_a_reminder_comes_from_the_notice_days_before_the_date_on(
    database: Database, home, days_left: int, notice: int
):
    account, resident = home
    with database.unit_of_work() as s:
        s.query(Meter).delete()
    due = TODAY + timedelta(days=days_left)
    meter = _meter(database, account, "ХВС 1", due)
    found = service(database, days=notice).reminders(resident, account)
    if days_left > notice:
        assert found == []
        return
    (reminder,) = found
    assert (reminder.meter_id, reminder.due_on, reminder.days_left) == (meter, due, days_left)
    assert reminder.overdue == (days_left < 0)
    assert "Закажите поверку в аккредитованной организации" in reminder.message
    assert due.strftime("%d.%m.%Y") in reminder.message


@pytest.mark.parametrize(
    ("days_left", "expected"),
    [
        (61, None),
        (60, "истекает 30.01.2027 (через 60 дней)."),
        (1, "истекает 02.12.2026 (через 1 день)."),
        (0, "истекает сегодня, 01.12.2026."),
        (-1, "истёк 30.11.2026."),
    ],
)
def test_the_sixty_day_boundary(database: Database, home, days_left: int, expected: str | None):
    account, resident = home
    _meter(database, account, "ГВС 2", TODAY + timedelta(days=days_left))
    found = service(database).reminders(resident, account)
    if expected is None:
        assert found == []
    else:
        assert found[0].headline == f"Срок поверки счетчика «ГВС 2» {expected}"


def test_retired_and_undated_meters_need_no_reminder(database: Database, home):
    account, resident = home
    _meter(database, account, "ХВС старый", date(2026, 11, 1), retired_on=date(2026, 11, 1))
    _meter(database, account, "ХВС без даты", None)
    overdue = _meter(database, account, "ГВС 3", date(2023, 6, 1))
    due = _meter(database, account, "Эл.эн. 4", date(2027, 1, 10), retired_on=date(2027, 1, 10))
    found = service(database).reminders(resident, account)
    assert [r.meter_id for r in found] == [overdue, due]  # the most urgent first
    text = summary(found)
    assert text == (
        "Поверка счетчиков: «ГВС 3» — срок истёк 01.06.2023, показания не принимаются к "
        "расчету; «Эл.эн. 4» — срок истекает 10.01.2027 (через 40 дней). Закажите поверку в "
        "аккредитованной организации и передайте свидетельство о поверке в офис."
    )
    assert found[0].message == (
        "Срок поверки счетчика «ГВС 3» истёк 01.06.2023: его показания не принимаются к "
        "расчету. Закажите поверку в аккредитованной организации и передайте свидетельство о "
        "поверке в офис."
    )


def test_the_notice_days_are_an_organisation_setting(database: Database, home):
    """An administrator sets how early residents are reminded; every desk applies it."""
    account, resident = home
    _meter(database, account, "ГВС 5", TODAY + timedelta(days=45))
    organisation = OrganisationSettings(database, FixedClock(TODAY))
    admin = Actor.staff(1, "admin", StaffRole.ADMIN)
    key = "readings.verification_notice_days"
    with pytest.raises(ValidationError, match="от 0 до 365"):
        organisation.change(admin, key, "400", Settings())
    organisation.change(admin, key, "30", Settings())
    applied = organisation.apply(Settings())
    assert applied.readings.verification_notice_days == 30
    meters = MeterService(database, FixedClock(TODAY), applied)
    assert meters.reminders(resident, account) == []  # 45 days away: not yet
    assert len(service(database).reminders(resident, account)) == 1  # with the default 60
