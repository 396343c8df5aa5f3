"""Several desks on one period: a stale form is refused and told who changed what, two saves at
the same moment never both succeed, two «Добавить» at once make one period."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from db.engine import Database
from db.models import AuditEntry, Period, StaffRole
from desktop.actors import Actor
from desktop.clock import FixedClock
from desktop.errors import UserError
from desktop.readings import ReadingsChanged, ReadingService
from desktop.settings import Settings
from tests.factories import make_account, make_meter, make_period

D = Decimal
JUNE, MAY = date(2017, 6, 1), date(2017, 5, 1)
IVANOVA = Actor.staff(7, "ivanova", StaffRole.CLERK)
ROUNDS = 100


def service(db: Database) -> ReadingService:
    return ReadingService(db, FixedClock(datetime(2017, 6, 20, 10, 42, tzinfo=UTC)), Settings())


@pytest.fixture
def flat(database: Database):
    account = make_account(database, "3492")
    water = make_meter(database, account, "ХВС 21883-12")
    hot = make_meter(database, account, "ГВС 168500-12", display_order=1)
    make_period(database, account, MAY, {(water, 1): ("249", "252"), (hot, 1): ("120", "122")})
    return account, water, hot, Actor.resident(account, "3492")


def submits(database: Database) -> int:
    with database.read() as s:
        return (
            s.scalar(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.action == "readings.submit")
            )
            or 0
        )


def test_a_stale_form_is_refused_told_who_changed_what_and_nothing_changes(
    database: Database, flat
):
    account, water, hot, resident = flat
    readings = service(database)
    readings.create_period(resident, account)
    form, _rows = readings.open_for_edit(resident, account, JUNE)  # the resident's form
    clerks, _rows = readings.open_for_edit(IVANOVA, account, JUNE)
    readings.submit(IVANOVA, account, JUNE, {(hot, 1): "123"}, version=clerks.version)

    with pytest.raises(ReadingsChanged) as changed:
        readings.submit(
            resident, account, JUNE, {(water, 1): "255", (hot, 1): "124"}, version=form.version
        )
    assert re.fullmatch(
        r"Показания за июнь 2017 изменил сотрудник ivanova в \d\d:42: ГВС 168500-12 — 123,000\. "
        r"Ваши значения не сохранены: проверьте их и сохраните ещё раз\.",
        str(changed.value),
    ), str(changed.value)
    stored = {r.title: r.current for r in readings.readings(resident, account, JUNE)}
    assert stored == {"ХВС 21883-12": None, "ГВС 168500-12": D("123.000")}
    assert submits(database) == 1
    # What is stored now comes with the refusal: saved against it, the values go through.
    assert changed.value.period.version > form.version
    assert [r.current for r in changed.value.rows] == [None, D("123.000")]
    readings.submit(resident, account, JUNE, {(water, 1): "255", (hot, 1): "124"},
                    version=changed.value.period.version)  # fmt: skip
    stored = {r.title: r.current for r in readings.readings(resident, account, JUNE)}
    assert stored == {"ХВС 21883-12": D("255.000"), "ГВС 168500-12": D("124.000")}


def test_saving_the_same_version_twice_is_refused_the_second_time(database: Database, flat):
    """A resident's own second window holds the same stale version as the first one."""
    account, water, _hot, resident = flat
    readings = service(database)
    created = readings.create_period(resident, account)
    readings.submit(resident, account, JUNE, {(water, 1): "255"}, version=created.version)
    with pytest.raises(ReadingsChanged, match=r"житель \(лицевой счет 3492\)"):
        readings.submit(resident, account, JUNE, {(water, 1): "256"}, version=created.version)
    assert readings.readings(resident, account, JUNE)[0].current == D("255.000")


def test_a_stale_delete_is_refused_and_the_period_stays(database: Database, flat):
    account, water, _hot, resident = flat
    readings = service(database)
    shown = readings.create_period(resident, account)
    readings.submit(IVANOVA, account, JUNE, {(water, 1): "255"}, version=shown.version)
    with pytest.raises(ReadingsChanged, match="изменил сотрудник ivanova"):
        readings.delete_period(resident, account, JUNE, version=shown.version)
    assert [p.month for p in readings.periods(resident, account)] == [JUNE, MAY]


def _race(rounds: int, desks: list[Callable[[int], Any]]) -> list[list[Any]]:
    """Run the desks side by side for ``rounds``: each prepares, all wait at a barrier, then
    all act at once. Returns each round's outcomes, one per desk."""
    barrier = threading.Barrier(len(desks), timeout=30)
    outcomes: list[list[Any]] = [[None] * len(desks) for _ in range(rounds)]
    failures: list[BaseException] = []

    def run(index: int) -> None:
        try:
            for number in range(rounds):
                act = desks[index](number)  # prepares and returns the action
                barrier.wait()
                try:
                    outcomes[number][index] = act()
                except (ReadingsChanged, UserError) as refused:
                    outcomes[number][index] = refused
                barrier.wait()  # the round is over for both before anyone looks
                barrier.wait()
        except BaseException as error:
            failures.append(error)
            barrier.abort()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(desks))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]
    return outcomes


def test_two_desks_saving_one_period_at_once_lose_nothing(database: Database, flat):
    """Both open the period, then both press «Сохранить» at the same moment, 100 times: one
    save goes through and the other is told — never two «saved» with one value gone."""
    account, water, _hot, resident = flat
    readings = service(database)
    readings.create_period(resident, account)
    key = (water, 1)
    saved_values: list[Decimal | None] = []

    def desk(actor: Actor, offset: int) -> Callable[[int], Any]:
        def prepare(number: int) -> Callable[[], Any]:
            opened, _rows = readings.open_for_edit(actor, account, JUNE)
            value = (D(253) + D(number) / 100 + D(offset) / 1000).quantize(D("0.001"))

            def act() -> Decimal:
                readings.submit(actor, account, JUNE, {key: value}, version=opened.version)
                return value

            return act

        return prepare

    outcomes = _race(ROUNDS, [desk(resident, 0), desk(IVANOVA, 1)])
    for number, (first, second) in enumerate(outcomes):
        saved = [o for o in (first, second) if isinstance(o, Decimal)]
        told = [o for o in (first, second) if isinstance(o, ReadingsChanged)]
        assert (len(saved), len(told)) == (1, 1), (number, first, second)
        assert "Ваши значения не сохранены" in str(told[0])
        saved_values.append(saved[0])
    # Every value reported as saved was the stored one, in turn: nothing vanished.
    assert readings.readings(resident, account, JUNE)[0].current == saved_values[-1]
    with database.read() as s:
        entries = list(
            s.scalars(
                select(AuditEntry.details)
                .where(AuditEntry.action == "readings.submit")
                .order_by(AuditEntry.id)
            )
        )
    assert len(entries) == ROUNDS
    assert all(str(value) in entry for value, entry in zip(saved_values, entries, strict=True))


def test_two_desks_creating_one_period_at_once_make_one(database: Database, flat):
    account, _water, _hot, resident = flat
    readings = service(database)

    def desk(actor: Actor) -> Callable[[int], Any]:
        def prepare(_number: int) -> Callable[[], Any]:
            return lambda: readings.create_period(actor, account)

        return prepare

    rounds = 30
    outcomes: list[list[Any]] = []
    for _ in range(rounds):  # a fresh period each round: delete what the race made
        outcomes += _race(1, [desk(resident), desk(IVANOVA)])
        with database.read() as s:
            assert s.scalar(select(func.count()).select_from(Period).where(
                Period.account_id == account, Period.month == JUNE)) == 1  # fmt: skip
        readings.delete_period(resident, account, JUNE)
    for first, second in outcomes:
        refused = [o for o in (first, second) if isinstance(o, UserError)]
        assert len(refused) == 1, (first, second)
        assert str(refused[0]) == (
            "Период «Июнь 2017» уже создан: выберите его в списке и нажмите «Редактировать»."
        )


def test_a_correction_racing_a_save_of_the_next_month_keeps_them_in_step(database: Database):
    """The office corrects May while the resident saves June, 30 times: June always starts
    from May's stored value, and the resident is told whenever the correction came first."""
    account = make_account(database, "3492")
    water = make_meter(database, account, "ХВС 21883-12")
    make_period(database, account, MAY, {(water, 1): ("249", "252")}, accepted=False)
    resident = Actor.resident(account, "3492")
    readings = service(database)
    readings.create_period(resident, account)
    key = (water, 1)

    def office(number: int) -> Callable[[], Any]:
        opened, _rows = readings.open_for_edit(IVANOVA, account, MAY, reason="ошибка в мае")
        value = D(252) + D(number + 1) / 100

        def act() -> Any:
            return readings.submit(IVANOVA, account, MAY, {key: value}, reason="ошибка в мае",
                                   version=opened.version)  # fmt: skip

        return act

    def home(number: int) -> Callable[[], Any]:
        opened, _rows = readings.open_for_edit(resident, account, JUNE)
        value = D(256) + D(number) / 100

        def act() -> Any:
            return readings.submit(resident, account, JUNE, {key: value}, version=opened.version)

        return act

    rounds = 30
    for number, (corrected, saved) in enumerate(_race(rounds, [office, home])):
        assert not isinstance(corrected, UserError), (number, corrected)
        assert not isinstance(saved, UserError) or isinstance(saved, ReadingsChanged)
    may = readings.readings(IVANOVA, account, MAY)[0]
    june = readings.readings(IVANOVA, account, JUNE)[0]
    assert may.current == D(252) + D(rounds) / 100
    assert june.previous == may.current


def test_a_correction_racing_the_creation_of_the_next_month_is_carried_into_it(
    database: Database,
):
    """The office corrects May while the resident opens June, 20 times: June always starts
    from May's value as it ends up, whichever desk came first."""
    account = make_account(database, "3492")
    water = make_meter(database, account, "ХВС 21883-12")
    make_period(database, account, MAY, {(water, 1): ("249", "252")}, accepted=False)
    resident = Actor.resident(account, "3492")
    readings = service(database)
    mismatches: list[tuple[Decimal, Decimal]] = []

    def office(number: int) -> Callable[[], Any]:
        opened, _rows = readings.open_for_edit(IVANOVA, account, MAY, reason="ошибка в мае")
        value = D(252) + D(number + 1) / 100
        return lambda: readings.submit(IVANOVA, account, MAY, {(water, 1): value},
                                       reason="ошибка в мае", version=opened.version)  # fmt: skip

    def home(number: int) -> Callable[[], Any]:
        if number:  # the round before is over: June must start where May ends
            may = readings.readings(IVANOVA, account, MAY)[0].current
            june = readings.readings(IVANOVA, account, JUNE)[0].previous
            if may != june:
                mismatches.append((may, june))
            readings.delete_period(resident, account, JUNE)
        return lambda: readings.create_period(resident, account)

    for corrected, created in _race(20, [office, home]):
        assert not isinstance(corrected, UserError) and not isinstance(created, UserError)
    home(1)  # the last round's check
    assert mismatches == []
