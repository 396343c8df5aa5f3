"""A clerk's correction of a past month moves the next month's starting value (or flags a month
1C has accepted); a reason made of invisible characters is no reason."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from db.engine import Database
from db.models import AuditEntry, Reading, StaffRole
from desktop.actors import Actor
from desktop.clock import FixedClock
from desktop.errors import ValidationError
from desktop.readings import ReadingsChanged, ReadingService, reason_text
from desktop.settings import Settings
from tests.factories import make_account, make_meter, make_period

D = Decimal
JUNE, MAY, APRIL = date(2017, 6, 1), date(2017, 5, 1), date(2017, 4, 1)
CLERK = Actor.staff(7, "ivanova", StaffRole.CLERK)


def service(db: Database, day: date = date(2017, 6, 20)) -> ReadingService:
    return ReadingService(db, FixedClock(datetime(day.year, day.month, day.day, 10, tzinfo=UTC)),
                          Settings())  # fmt: skip


@pytest.fixture
def flat(database: Database):
    """April and May accepted by 1C; the hot-water meter was retired on 31 May."""
    account = make_account(database, "3492")
    water = make_meter(database, account, "ХВС 21883-12")
    old = make_meter(database, account, "ГВС 168500-12", retired_on=date(2017, 5, 31),
                     display_order=-1)  # fmt: skip
    make_period(database, account, APRIL, {(water, 1): ("246", "249"), (old, 1): ("125", "126")})
    make_period(database, account, MAY, {(water, 1): ("249", "252"), (old, 1): ("126", "126")})
    return account, water, old, Actor.resident(account, "3492")


def carried(database: Database) -> list[AuditEntry]:
    with database.read() as s:
        return list(
            s.scalars(
                select(AuditEntry)
                .where(AuditEntry.action == "readings.carry_forward")
                .order_by(AuditEntry.id)
            )
        )


def test_a_correction_of_may_moves_junes_previous_value(database: Database, flat):
    account, water, old, resident = flat
    readings = service(database)
    readings.create_period(resident, account)
    readings.submit(resident, account, JUNE, {(water, 1): "256"})
    result = readings.submit(
        CLERK, account, MAY, {(water, 1): "253", (old, 1): "126,5"}, reason="ошибка в мае"
    )
    june = {r.title: r for r in readings.readings(CLERK, account, JUNE)}
    assert (june["ХВС 21883-12"].previous, june["ХВС 21883-12"].difference) == (
        D("253.000"),
        D("3.000"),
    )  # fmt: skip — billed once: 252→253 in May, 253→256 in June
    # The retired meter's value is carried over in June, both sides.
    assert (june["ГВС 168500-12"].previous, june["ГВС 168500-12"].current) == (
        D("126.500"), D("126.500"),
    )  # fmt: skip
    assert result.message.endswith("Предыдущие значения за июнь 2017 исправлены по этой поправке.")
    [entry] = carried(database)
    details = json.loads(entry.details)
    assert (entry.ok, entry.actor, entry.account_id) == (True, "staff:ivanova", account)
    assert (details["from_month"], details["month"]) == ("2017-05-01", "2017-06-01")
    assert {(c["meter"], c["old"], c["new"]) for c in details["changes"]} == {
        ("ХВС 21883-12", "252.000", "253.000"),
        ("ГВС 168500-12", "126.000", "126.500"),
    }


def test_a_june_form_opened_before_the_correction_is_stale(database: Database, flat):
    """The resident's June form showed the old starting value: it must be looked at again."""
    account, water, _old, resident = flat
    readings = service(database)
    form = readings.create_period(resident, account)
    readings.submit(CLERK, account, MAY, {(water, 1): "253"}, reason="ошибка в мае")
    with pytest.raises(ReadingsChanged, match="уточнены предыдущие значения"):
        readings.submit(resident, account, JUNE, {(water, 1): "256"}, version=form.version)


def test_a_next_month_accepted_by_1c_is_flagged_not_changed(database: Database, flat):
    account, water, _old, _resident = flat
    readings = service(database)
    result = readings.submit(CLERK, account, APRIL, {(water, 1): "250"}, reason="ошибка в апреле")
    may = {r.title: r for r in readings.readings(CLERK, account, MAY)}
    assert may["ХВС 21883-12"].previous == D("249.000")  # accepted by 1C: left as it was
    assert result.message.endswith(
        "Показания за май 2017 уже приняты в 1С, и предыдущие значения в них не изменены. "
        "Пересчитайте май 2017 в бухгалтерии; новые предыдущие значения: ХВС 21883-12 — 250,000."
    )
    [entry] = carried(database)
    details = json.loads(entry.details)
    assert entry.ok is False and details["needs_attention"]
    assert details["changes"] == [{"meter": "ХВС 21883-12", "old": "249.000", "new": "250.000"}]


def test_a_june_value_now_below_its_new_start_is_pointed_out(database: Database, flat):
    account, water, _old, resident = flat
    readings = service(database)
    readings.create_period(resident, account)
    readings.submit(resident, account, JUNE, {(water, 1): "253"})
    result = readings.submit(CLERK, account, MAY, {(water, 1): "254"}, reason="ошибка в мае")
    assert result.message.endswith(
        "Предыдущие значения за июнь 2017 исправлены по этой поправке. Проверьте показания за "
        "июнь 2017: теперь они меньше предыдущих — ХВС 21883-12 — 253,000."
    )
    [entry] = carried(database)
    assert json.loads(entry.details)["below_previous"] == ["ХВС 21883-12 — 253,000"]


def test_the_same_value_again_carries_nothing(database: Database, flat):
    account, water, _old, resident = flat
    readings = service(database)
    readings.create_period(resident, account)
    result = readings.submit(CLERK, account, MAY, {(water, 1): "252"}, reason="проверка")
    assert result.changed == 0 and result.message.startswith("Показания переданы")
    assert carried(database) == []


# -- the reason ----------------------------------------------------------------------------------


INVISIBLE = ["\u200b", "\ufeff", " \u200b\u00a0\u2060 ", "\u200e\u200f", "\t\n", "..", "а 1"]


@pytest.mark.parametrize("reason", INVISIBLE, ids=[repr(r) for r in INVISIBLE])
def test_a_reason_of_invisible_characters_is_refused_like_none(
    database: Database, flat, reason: str
):
    account, water, *_ = flat
    readings = service(database, date(2017, 6, 28))  # outside the window: a reason is required
    with pytest.raises(ValidationError, match="укажите причину"):
        readings.submit(CLERK, account, MAY, {(water, 1): "253"}, reason=reason)
    with database.read() as s:
        assert s.scalar(select(Reading.current).where(Reading.meter_id == water).order_by(
            Reading.id.desc())) == D("252.000")  # fmt: skip


def test_a_reason_is_stored_without_its_invisible_characters(database: Database, flat):
    account, water, *_ = flat
    readings = service(database, date(2017, 6, 28))
    readings.submit(CLERK, account, MAY, {(water, 1): "253"}, reason="\u200bпо\u200b  звонку\ufeff")
    rows = {r.title: r for r in readings.readings(CLERK, account, MAY)}
    assert rows["ХВС 21883-12"].reason == "по звонку"


def test_a_reason_longer_than_the_column_is_refused(database: Database, flat):
    account, water, *_ = flat
    with pytest.raises(ValidationError, match="не больше 300"):
        service(database, date(2017, 6, 28)).submit(
            CLERK, account, MAY, {(water, 1): "253"}, reason="я" * 301
        )


@given(st.text(st.characters(categories=["Cf", "Zs", "Cc", "Zl", "Zp", "P"]), max_size=30))
def test_no_letters_no_reason(text: str):
    assert reason_text(text) == ""
