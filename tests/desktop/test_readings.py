from __future__ import annotations

import itertools
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from db.engine import Database
from db.models import AuditEntry, Channel, MeterKind, Reading, StaffRole
from desktop.actors import Actor
from desktop.clock import FixedClock
from desktop.errors import AccessDeniedError, UserError, ValidationError
from desktop.months import add_months
from desktop.readings import (
    Confirmation,
    ReadingService,
    ReadingsRefused,
    consumption,
    parse_value,
)
from desktop.readings.queries import AVERAGE_OVER, averages
from desktop.settings import Settings
from tests.factories import make_account, make_meter, make_period

D = Decimal
JUNE, MAY, APRIL = date(2017, 6, 1), date(2017, 5, 1), date(2017, 4, 1)
CLERK = Actor.staff(1, "operator", StaffRole.CLERK)
NUMBERS = itertools.count(10_000)


def service(db: Database, day: date | datetime) -> ReadingService:
    return ReadingService(db, FixedClock(day), Settings())


@pytest.fixture
def flat(database: Database):
    """An account with cold water, two-zone electricity and a meter retired on 31 May."""
    account = make_account(database, "3492")
    water = make_meter(database, account, "ХВС 21883-12", digits=5, retired_on=date(2017, 6, 30))
    power = make_meter(database, account, "Эл.эн. №12765948", kind=MeterKind.ELECTRICITY,
                       unit="кВт.ч", zones=2, digits=6, display_order=1)  # fmt: skip
    old = make_meter(database, account, "ГВС 168500-12", retired_on=date(2017, 5, 31),
                     display_order=-1)  # fmt: skip
    make_period(
        database,
        account,
        APRIL,
        {
            (water, 1): ("246", "249"),
            (power, 1): ("9550", "9640"),
            (power, 2): ("3310", "3345"),
            (old, 1): ("125", "126"),
        },
    )
    make_period(
        database,
        account,
        MAY,
        {
            (water, 1): ("249", "252"),
            (power, 1): ("9640", "9723.46"),
            (power, 2): ("3345", "3383.57"),
            (old, 1): ("126", "126"),
        },
    )
    resident = Actor.resident(account, "3492")
    return account, water, power, old, resident


# -- the window ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "is_open", "days_left", "next_start"),
    [
        (date(2017, 6, 15), True, 11, date(2017, 6, 15)),
        (date(2017, 6, 20), True, 6, date(2017, 6, 15)),
        (date(2017, 6, 25), True, 1, date(2017, 6, 15)),
        (date(2017, 6, 14), False, 0, date(2017, 6, 15)),
        (date(2017, 6, 26), False, 0, date(2017, 7, 15)),
        (date(2017, 12, 31), False, 0, date(2018, 1, 15)),
    ],
)
def test_window(today, is_open, days_left, next_start):
    window = ReadingService(None, FixedClock(today), Settings()).window()  # type: ignore[arg-type]
    assert (window.is_open, window.days_left, window.next_start) == (is_open, days_left, next_start)
    assert ("Осталось дней" in window.message) is is_open
    if not is_open:
        assert next_start.strftime("%d.%m.%Y") in window.message


def test_window_end_beyond_a_short_month_is_its_last_day():
    from desktop.settings import ReadingSettings

    settings = Settings(readings=ReadingSettings(window_start=20, window_end=31))
    window = ReadingService(None, FixedClock(date(2017, 2, 28)), settings).window()  # type: ignore[arg-type]
    assert window.is_open and window.end == date(2017, 2, 28) and window.days_left == 1


# -- periods -----------------------------------------------------------------------------------


def test_create_period_fills_previous_values(database: Database, flat):
    account, water, power, old, resident = flat
    readings = service(database, date(2017, 6, 20))
    period = readings.create_period(resident, account)
    assert period.month == JUNE and not period.accepted and period.title == "Июнь 2017"
    rows = readings.readings(resident, account, JUNE)
    assert [(r.title, r.previous, r.current) for r in rows] == [
        ("ГВС 168500-12", D("126.000"), D("126.000")),  # retired in May: carried, read-only
        ("ХВС 21883-12", D("252.000"), None),
        ("Эл.эн. №12765948 T1", D("9723.460"), None),
        ("Эл.эн. №12765948 T2", D("3383.570"), None),
    ]
    assert "31.05.2017" in rows[0].locked_reason and not rows[1].locked_reason
    assert [p.month for p in readings.periods(resident, account)] == [JUNE, MAY, APRIL]


def test_create_period_outside_the_window_says_when_it_opens(database: Database, flat):
    account, *_, resident = flat
    with pytest.raises(UserError, match="15.07.2017"):
        service(database, date(2017, 6, 27)).create_period(resident, account)
    assert [p.month for p in service(database, date(2017, 6, 27)).periods(resident, account)] == [
        MAY, APRIL,
    ]  # fmt: skip


def test_create_period_twice_is_refused(database: Database, flat):
    account, *_, resident = flat
    readings = service(database, date(2017, 6, 20))
    readings.create_period(resident, account)
    with pytest.raises(UserError, match="уже создан"):
        readings.create_period(resident, account)


def test_a_resident_cannot_touch_another_account(database: Database, flat):
    account, *_ = flat
    stranger = Actor.resident(account + 1000, "9999")
    with pytest.raises(AccessDeniedError):
        service(database, date(2017, 6, 20)).periods(stranger, account)


# -- submitting --------------------------------------------------------------------------------


def test_submit_stores_values_and_differences(database: Database, flat):
    account, water, power, old, resident = flat
    readings = service(database, datetime(2017, 6, 20, 10, 30, tzinfo=UTC))
    readings.create_period(resident, account)
    result = readings.submit(
        resident, account, JUNE,
        {(water, 1): "255", (power, 1): "9897,29", (power, 2): "3456.850"},
    )  # fmt: skip
    assert result.changed == 3 and result.message.startswith("Показания переданы 20.06.2017")
    stored = {
        r.title: (r.current, r.difference) for r in readings.readings(resident, account, JUNE)
    }
    assert stored["ХВС 21883-12"] == (D("255.000"), D("3.000"))
    assert stored["Эл.эн. №12765948 T1"] == (D("9897.290"), D("173.830"))
    assert stored["Эл.эн. №12765948 T2"] == (D("3456.850"), D("73.280"))
    with database.unit_of_work() as s:
        reading = s.scalar(
            select(Reading)
            .where(Reading.meter_id == water, Reading.current.is_not(None))
            .order_by(Reading.id.desc())
        )
        assert (reading.channel, reading.entered_by) == (Channel.RESIDENT, "3492")
        entry = s.scalar(select(AuditEntry).where(AuditEntry.action == "readings.submit"))
        assert entry.actor == "resident:3492" and "9897.290" in entry.details


def test_zero_consumption_is_allowed(database: Database, flat):
    account, water, *_, resident = flat
    readings = service(database, date(2017, 6, 20))
    readings.create_period(resident, account)
    readings.submit(resident, account, JUNE, {(water, 1): "252"})
    assert readings.readings(resident, account, JUNE)[1].difference == D("0.000")


def test_a_value_below_the_previous_is_refused_and_nothing_is_saved(database: Database, flat):
    account, water, power, _old, resident = flat
    readings = service(database, date(2017, 6, 20))
    readings.create_period(resident, account)
    with pytest.raises(ReadingsRefused) as refused:
        readings.submit(resident, account, JUNE, {(power, 1): "9900", (water, 1): "251,5"})
    # Line 1 of June: the retired hot-water meter comes first, then the cold water.
    [problem] = refused.value.problems
    assert (problem.row, problem.column, problem.place) == (1, "Текущее значение", "ХВС 21883-12")
    assert problem.needs is None  # a resident cannot confirm this away
    assert problem.message == (
        "Значение 251,500 меньше предыдущего 252,000. Проверьте показание; если счетчик "
        "заменили, обратитесь в офис."
    )
    assert str(refused.value) == (
        "Показания не сохранены.\nХВС 21883-12: значение 251,500 меньше предыдущего 252,000. "
        "Проверьте показание; если счетчик заменили, обратитесь в офис."
    )
    assert all(r.current is None for r in readings.readings(resident, account, JUNE)[1:])


def test_a_clerk_confirms_a_replacement_with_a_reason(database: Database, flat):
    account, water, *_ = flat
    readings = service(database, date(2017, 6, 28))  # outside the window
    readings.create_period(CLERK, account)
    with pytest.raises(ValidationError, match="причину"):
        readings.submit(CLERK, account, JUNE, {(water, 1): "3"})
    with pytest.raises(ReadingsRefused) as refused:
        readings.submit(CLERK, account, JUNE, {(water, 1): "3"}, reason="замена")
    assert refused.value.needs_confirmation_only
    assert [(p.row, p.needs) for p in refused.value.problems] == [(1, Confirmation.REPLACEMENT)]
    readings.submit(CLERK, account, JUNE, {(water, 1): "3"}, reason="замена счетчика",
                    confirmed={(water, 1): Confirmation.REPLACEMENT})  # fmt: skip
    row = readings.readings(CLERK, account, JUNE)[1]
    assert (row.current, row.difference) == (D("3.000"), D("3.000"))
    assert (row.confirmation, row.reason) == (Confirmation.REPLACEMENT, "замена счетчика")


def test_a_roll_over_counts_past_the_dials_maximum(database: Database):
    account = make_account(database)
    meter = make_meter(database, account, "ХВС", digits=5)
    make_period(database, account, MAY, {(meter, 1): ("99990", "99998")})
    readings = service(database, date(2017, 6, 20))
    readings.create_period(CLERK, account)
    readings.submit(CLERK, account, JUNE, {(meter, 1): "4"},
                    confirmed={(meter, 1): Confirmation.ROLLOVER})  # fmt: skip
    assert readings.readings(CLERK, account, JUNE)[0].difference == D("6.000")


def test_a_big_jump_needs_confirmation(database: Database, flat):
    account, water, *_, resident = flat
    readings = service(database, date(2017, 6, 20))
    readings.create_period(resident, account)
    with pytest.raises(ReadingsRefused) as refused:  # average 3 m³ a month; 10 is > 3×
        readings.submit(resident, account, JUNE, {(water, 1): "262"})
    [problem] = refused.value.problems
    assert problem.needs == Confirmation.JUMP and "намного больше обычного" in problem.message
    assert problem.row == 1 and problem.message.startswith("Расход 10,000 м³")
    readings.submit(resident, account, JUNE, {(water, 1): "262"},
                    confirmed={(water, 1): Confirmation.JUMP})  # fmt: skip
    assert readings.readings(resident, account, JUNE)[1].current == D("262.000")


def test_a_big_jump_is_questioned_after_years_without_readings(database: Database, flat):
    """3492's history ends in 2017: its average is still there two years later."""
    account, _water, power, *_, resident = flat
    readings = service(database, date(2019, 6, 20))
    readings.create_period(resident, account)
    with pytest.raises(ReadingsRefused) as refused:  # 86,73 kWh a month in 2017, then 300
        readings.submit(resident, account, date(2019, 6, 1), {(power, 1): "10023.46"})
    [problem] = refused.value.problems
    assert problem.needs == Confirmation.JUMP and "в среднем 86,730 в месяц" in problem.message


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(
    history=st.lists(
        st.tuples(st.integers(1, 30), st.integers(0, 500), st.booleans()), min_size=1, max_size=16
    )
)
def test_the_average_is_that_of_the_last_twelve_filled_periods_whenever_they_were(
    database: Database, history: list[tuple[int, int, bool]]
):
    """Periods months or years apart (gap), each with a consumption, some never filled:
    the average is the mean of the last twelve filled ones with a consumption ≥ 0."""
    account = make_account(database, number=str(next(NUMBERS)))
    meter = make_meter(database, account, "ХВС", digits=6)
    month, value, used = date(2000, 1, 1), D(1000), []
    for gap, consumption_, filled in history:
        month = add_months(month, gap)
        current = value + consumption_
        make_period(
            database, account, month, {(meter, 1): (str(value), str(current) if filled else None)}
        )
        if filled:
            used.append(D(consumption_))
            value = current
    with database.read() as s:
        average = averages(s, account, add_months(month, 1)).get((meter, 1))
    last = used[-AVERAGE_OVER:]
    assert average == (sum(last, D(0)) / len(last) if last else None)


def test_a_retired_meter_takes_nothing_and_says_when(database: Database, flat):
    account, _water, _power, old, resident = flat
    readings = service(database, date(2017, 6, 20))
    readings.create_period(resident, account)
    with pytest.raises(ReadingsRefused, match="выбыл 31.05.2017"):
        readings.submit(resident, account, JUNE, {(old, 1): "127"})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("-1", "отрицательным"),
        ("12,3456", "трёх знаков"),
        ("123456", "не больше 5 цифр"),
        ("abc", "не число"),
        ("", "не число"),
    ],
)
def test_malformed_values_are_refused(database: Database, flat, text, message):
    account, water, *_, resident = flat
    readings = service(database, date(2017, 6, 20))
    readings.create_period(resident, account)
    with pytest.raises(ReadingsRefused, match=message):
        readings.submit(resident, account, JUNE, {(water, 1): text})


def test_an_accepted_period_is_read_only_for_residents(database: Database, flat):
    account, water, *_, resident = flat
    readings = service(database, date(2017, 5, 20))
    with pytest.raises(AccessDeniedError, match="принят в 1С"):
        readings.submit(resident, account, MAY, {(water, 1): "253"})
    with pytest.raises(AccessDeniedError, match="принят в 1С"):
        readings.delete_period(resident, account, MAY)


def test_residents_edit_only_inside_the_window(database: Database, flat):
    account, water, *_, resident = flat
    service(database, date(2017, 6, 20)).create_period(resident, account)
    with pytest.raises(AccessDeniedError, match="15.07.2017"):
        service(database, date(2017, 6, 26)).submit(resident, account, JUNE, {(water, 1): "253"})


def test_delete_a_period_not_yet_accepted(database: Database, flat):
    account, *_, resident = flat
    readings = service(database, date(2017, 6, 20))
    readings.create_period(resident, account)
    readings.delete_period(resident, account, JUNE)
    assert [p.month for p in readings.periods(resident, account)] == [MAY, APRIL]
    with database.unit_of_work() as s:
        actions = list(s.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions == ["period.create", "period.delete"]


# -- the rules, over many values -----------------------------------------------------------------


@given(st.decimals(min_value=0, max_value=10**7, places=4, allow_nan=False))
def test_parse_value_accepts_exactly_the_valid_numbers(value: Decimal):
    text = f"{value:f}".replace(".", ",")
    valid = value == value.quantize(D("0.001")) and value < 10**6
    if valid:
        assert parse_value(text, digits=6) == value.quantize(D("0.001"))
    else:
        with pytest.raises(ValidationError):
            parse_value(text, digits=6)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(current=st.decimals(min_value=0, max_value=99999, places=3, allow_nan=False))
def test_a_resident_value_is_saved_iff_not_below_previous(database: Database, current: Decimal):
    with database.unit_of_work() as s:
        s.query(Reading).delete()
    account = make_account(database, number=str(next(NUMBERS)))
    meter = make_meter(database, account, "ХВС", digits=5)
    make_period(database, account, MAY, {(meter, 1): ("500", "500")})  # no average: no jump check
    resident = Actor.resident(account, "x")
    readings = service(database, date(2017, 6, 20))
    readings.create_period(resident, account)
    if current >= 500:
        readings.submit(resident, account, JUNE, {(meter, 1): current})
        assert readings.readings(resident, account, JUNE)[0].difference == current - 500
    else:
        with pytest.raises(ReadingsRefused):
            readings.submit(resident, account, JUNE, {(meter, 1): current})
        assert readings.readings(resident, account, JUNE)[0].current is None


def test_a_clerk_corrects_a_past_month_of_a_meter_retired_since(database: Database, flat):
    """The old hot-water meter was retired on 31 May; May's reading can still be corrected."""
    account, _water, _power, old, _resident = flat
    readings = service(database, date(2017, 6, 20))
    rows = {r.title: r for r in readings.readings(CLERK, account, MAY)}
    assert rows["ГВС 168500-12"].locked_reason == ""
    readings.submit(CLERK, account, MAY, {(old, 1): "126,5"}, reason="ошибка в мае")
    rows = {r.title: r for r in readings.readings(CLERK, account, MAY)}
    assert rows["ГВС 168500-12"].current == D("126.500")


def test_open_for_edit_says_why_not_and_changes_nothing(database: Database, flat):
    account, *_, resident = flat
    readings = service(database, date(2017, 6, 20))
    with pytest.raises(AccessDeniedError, match="принят в 1С"):
        readings.open_for_edit(resident, account, MAY)
    readings.create_period(resident, account)
    period, rows = readings.open_for_edit(resident, account, JUNE)
    assert period.month == JUNE and [r.title for r in rows][1] == "ХВС 21883-12"
    with database.unit_of_work() as s:
        assert s.scalar(select(AuditEntry.action).order_by(AuditEntry.id.desc())) == "period.create"


# -- one home for consumption ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("previous", "current", "confirmation", "expected"),
    [
        ("252", "255", None, "3"),
        ("252", "252", Confirmation.JUMP, "0"),
        ("99990", "4", Confirmation.ROLLOVER, "14"),  # 5 digits: past 99999 to 4
        ("3456", "3", Confirmation.REPLACEMENT, "3"),  # a new meter counts from zero
    ],
)
def test_consumption_is_the_same_for_a_check_and_a_stored_row(
    previous, current, confirmation, expected
):
    assert consumption(D(previous), D(current), confirmation, 5) == D(expected)


def test_a_problem_names_each_refused_line_top_to_bottom(database: Database, flat):
    account, water, power, old, resident = flat
    readings = service(database, date(2017, 6, 20))
    readings.create_period(resident, account)
    with pytest.raises(ReadingsRefused) as refused:
        readings.submit(resident, account, JUNE, {(power, 2): "abc", (old, 1): "127"})
    problems = refused.value.problems
    assert [(p.row, p.place, p.needs) for p in problems] == [
        (0, "ГВС 168500-12", None),
        (3, "Эл.эн. №12765948 T2", None),
    ]
    assert problems[0].message.startswith("Прибор выбыл 31.05.2017")
    assert problems[1].message.startswith("«abc» — не число.")
    assert refused.value.lines[0].startswith("ГВС 168500-12: прибор выбыл 31.05.2017")
