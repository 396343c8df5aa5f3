"""Readings the payer typed at the bank (``CounterVal_N:`` in a Sberbank registry's line),
on both databases: stored as the account's readings of the line's month with the channel
«банк», audited; a value a rule refuses (window, digits, below the previous, a jump, out of
verification, an accepted month, a value already there) is a line of the report and the
payment is loaded all the same."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal as D
from pathlib import Path

import pytest
from sqlalchemy import select

from db.engine import Database
from db.models import AuditEntry, Channel, Meter, MeterKind, Payment, Period, Reading
from desktop.clock import FixedClock
from desktop.exchange.service import ImportService
from tests.desktop.test_account_summary import check
from tests.desktop.test_exchange_payments import ADDRESS, ADMIN, count, registry
from tests.factories import make_account, make_meter, make_period

# Imported after the window (15–25 September): the rules look at the payment's day.
CLOCK = FixedClock(datetime(2017, 9, 28, 9, 0, tzinfo=UTC))


def line(day: str, operation: str, *counters: str, period: str = "0917", extra: str = "") -> str:
    """A Sberbank registry line of account 100 paying 100,00 (fee 1,00) with ``counters``
    (CounterVal_1, _2, … in order) after the commission, as Sberbank appends them."""
    values = "".join(f";CounterVal_{n}:{v}" for n, v in enumerate(counters, 1) if v)
    return (
        f"{day};10-31-25;9040;9040/1234;{operation};100;ПЕТРОВ П П;{ADDRESS};{period};"
        f"100,00;99,00;1,00{values}{extra}"
    )


def totals(lines: int) -> str:
    return f"={lines};{100 * lines},00;{99 * lines},00;{lines},00"


@pytest.fixture
def meters(database: Database) -> dict[str, int]:
    """Account 100: ХВС, ГВС and a two-zone electricity meter (the registry's CounterVal_1–4
    in this order), August 2017 accepted with 110, 55, 1100/550 — 10, 5, 100/50 a month."""
    account = make_account(database, "100")
    ids = {
        "cold": make_meter(database, account, "ХВС 111", serial="ХВ-111", display_order=1),
        "hot": make_meter(database, account, "ГВС 222", serial="ГВ-222", display_order=2,
                          kind=MeterKind.HOT_WATER),
        "power": make_meter(database, account, "Эл.эн. №333", serial="333", display_order=3,
                            kind=MeterKind.ELECTRICITY, unit="кВт.ч", zones=2, digits=6),
    }  # fmt: skip
    make_period(database, account, date(2017, 7, 1), {
        (ids["cold"], 1): ("90", "100"), (ids["hot"], 1): ("45", "50"),
        (ids["power"], 1): ("900", "1000"), (ids["power"], 2): ("450", "500"),
    })  # fmt: skip
    make_period(database, account, date(2017, 8, 1), {
        (ids["cold"], 1): ("100", "110"), (ids["hot"], 1): ("50", "55"),
        (ids["power"], 1): ("1000", "1100"), (ids["power"], 2): ("500", "550"),
    })  # fmt: skip
    ids["account"] = account
    return ids


def september(database: Database, account: int) -> dict[tuple[int, int], tuple]:
    with database.read() as s:
        period = s.scalar(
            select(Period).where(Period.account_id == account, Period.month == date(2017, 9, 1))
        )
        if period is None:
            return {}
        return {
            (r.meter_id, r.zone): (r.previous, r.current, r.channel, r.entered_by)
            for r in s.scalars(select(Reading).where(Reading.period_id == period.id))
        }


def test_the_readings_of_a_registry_are_stored_with_the_channel_bank(
    database: Database, tmp_path: Path, meters: dict[str, int]
):
    path = registry(tmp_path, [line("18-09-2017", "1", "115,5", "57", "1180", "560"), totals(1)])
    report = ImportService(database, CLOCK).import_file(ADMIN, path)
    assert [(t.title, t.created, t.unchanged) for t in report.tallies] == [
        ("Платежи", 1, 0),
        ("Показания из банка", 4, 0),
    ]
    assert report.notes == []
    bank = (Channel.BANK, "ПАО Сбербанк")
    assert september(database, meters["account"]) == {
        (meters["cold"], 1): (D("110.000"), D("115.500"), *bank),
        (meters["hot"], 1): (D("55.000"), D("57.000"), *bank),
        (meters["power"], 1): (D("1100.000"), D("1180.000"), *bank),
        (meters["power"], 2): (D("550.000"), D("560.000"), *bank),
    }
    with database.read() as s:
        entries = {
            e.action: e
            for e in s.scalars(select(AuditEntry).where(AuditEntry.account_id.is_not(None)))
        }
    assert set(entries) == {"period.create", "readings.submit"}
    details = json.loads(entries["readings.submit"].details)
    assert (details["channel"], details["bank"], details["operation"]) == (
        "bank",
        "ПАО Сбербанк",
        "1",
    )
    assert entries["readings.submit"].actor == ADMIN.label
    assert [c["new"] for c in details["changes"]] == ["115.500", "57.000", "1180.000", "560.000"]
    # The search's columns (account_summary): the balance and the latest reading, as new.
    assert check(database, CLOCK) > 0

    # The export for 1C names their channel and who passed them.
    from desktop.exchange.export_service import ReadingsExportService

    out = tmp_path / "september.csv"
    ReadingsExportService(database, CLOCK).export(ADMIN, date(2017, 9, 1), "csv", out)
    exported = out.read_bytes().decode("cp1251").splitlines()
    assert len(exported) == 5 and all(row.endswith(";ПАО Сбербанк") for row in exported[1:])
    assert all(";Банк;" in row for row in exported[1:])

    # The same values again in another registry's new payment: found, nothing changed.
    again = registry(
        tmp_path, [line("19-09-2017", "2", "115,500", "", "", "560"), totals(1)], name="b.txt"
    )
    report = ImportService(database, CLOCK).import_file(ADMIN, again)
    assert [(t.title, t.created, t.unchanged) for t in report.tallies] == [
        ("Платежи", 1, 0),
        ("Показания из банка", 0, 2),
    ]


def test_a_value_a_rule_refuses_is_a_line_of_the_report_and_the_payment_is_loaded(
    database: Database, tmp_path: Path, meters: dict[str, int]
):
    path = registry(
        tmp_path,
        [
            line("10-09-2017", "1", "115"),  # before the window
            line("19-09-2017", "2", "109", "1234567", "9000", "560", extra=";CounterVal_5:1"),
            line("20-09-2017", "3", "116", period="0817"),  # paid for August in September
            totals(3),
        ],
    )
    report = ImportService(database, CLOCK).import_file(ADMIN, path)
    assert [(t.title, t.created) for t in report.tallies] == [
        ("Платежи", 3),
        ("Показания из банка", 1),
    ]
    assert report.notes == [
        "строка 1, ЛС 100: показания (CounterVal_1) не приняты — переданы 10.09.2017, а "
        "показания за сентябрь 2017 принимаются с 15 по 25 число того же месяца.",
        "строка 2, ЛС 100: ХВС 111 (CounterVal_1) 109 не принято — значение меньше "
        "предыдущего 110,000. Если счетчик заменили, показание вносит офис.",
        "строка 2, ЛС 100: ГВС 222 (CounterVal_2) 1234567 не принято — В целой части не "
        "больше 5 цифр — столько, сколько на счетчике.",
        "строка 2, ЛС 100: Эл.эн. №333 T1 (CounterVal_3) 9000 не принято — расход 7900,000 "
        "кВт·ч намного больше обычного (в среднем 100,000 в месяц), а подтвердить его в банке "
        "нельзя. Проверьте показание с жителем.",
        "строка 2, ЛС 100: CounterVal_5 1 не принято — у счета 4 строки приборов за сентябрь "
        "2017, прибора № 5 нет.",
        "строка 3, ЛС 100: показания (CounterVal_1) не приняты — переданы 20.09.2017, а "
        "показания за август 2017 принимаются с 15 по 25 число того же месяца.",
    ]
    text = report.text()
    assert "Не принято (6), остальное загружено:" in text
    assert count(database, Payment) == 3
    stored = september(database, meters["account"])
    assert stored[(meters["power"], 2)][1:3] == (D("560.000"), Channel.BANK)
    assert [stored[(meters[k], 1)][1] for k in ("cold", "hot", "power")] == [None, None, None]


def test_a_value_already_given_an_accepted_month_and_a_lapsed_meter_are_left_alone(
    database: Database, tmp_path: Path, meters: dict[str, int]
):
    account = meters["account"]
    make_period(database, account, date(2017, 9, 1), {
        (meters["cold"], 1): ("110", "112"), (meters["hot"], 1): ("55", None),
        (meters["power"], 1): ("1100", None), (meters["power"], 2): ("550", None),
    }, accepted=False)  # fmt: skip
    with database.unit_of_work() as s:
        s.get(Meter, meters["hot"]).next_verification_on = date(2017, 9, 1)
        resident = s.scalar(
            select(Reading).where(Reading.meter_id == meters["cold"], Reading.current == D("112"))
        )
        resident.channel, resident.entered_by = Channel.RESIDENT, "100"
    path = registry(
        tmp_path,
        [line("18-09-2017", "1", "115", "57"), line("19-09-2017", "2", "112"), totals(2)],
    )
    report = ImportService(database, CLOCK).import_file(ADMIN, path)
    assert [(t.title, t.created, t.unchanged) for t in report.tallies] == [
        ("Платежи", 2, 0),
        ("Показания из банка", 0, 1),
    ]
    assert report.notes[0] == (
        "строка 1, ЛС 100: ХВС 111 (CounterVal_1) 115 не принято — за этот месяц уже передано "
        "112,000 (жителем); оно оставлено."
    )
    assert report.notes[1].startswith(
        "строка 1, ЛС 100: ГВС 222 (CounterVal_2) 57 не принято — срок поверки прибора истёк "
        "01.09.2017"
    )
    assert september(database, account)[(meters["cold"], 1)][1:3] == (
        D("112.000"),
        Channel.RESIDENT,
    )
    # 1C accepted September: the bank's values for it are all refused.
    with database.unit_of_work() as s:
        s.scalar(select(Period).where(Period.month == date(2017, 9, 1))).accepted_at = CLOCK.now()
    late = registry(tmp_path, [line("20-09-2017", "3", "", "", "1150"), totals(1)], "c.txt")
    report = ImportService(database, CLOCK).import_file(ADMIN, late)
    assert report.notes == [
        "строка 1, ЛС 100: показания (CounterVal_3) не приняты — показания за сентябрь 2017 "
        "уже приняты в 1С."
    ]


def test_counter_cells_may_stand_anywhere_and_a_dry_run_changes_nothing(
    database: Database, tmp_path: Path, meters: dict[str, int]
):
    """Sberbank's extra attributes (``NAME:value``) between the columns, and a
    ``Counter_N`` name that must match the meter at that place."""
    middle = (
        f"18-09-2017;10-31-25;9040;9040/1234;1;100;ПЕТРОВ П П;{ADDRESS};CounterVal_1:115;"
        "Counter_1:ХВ-111;Counter_2:ХВ-111;CounterVal_2:57;CLIENTDOCNO:77;0917;100,00;99,00;1,00"
    )
    path = registry(tmp_path, [middle, totals(1)])
    report = ImportService(database, CLOCK).import_file(ADMIN, path, dry_run=True)
    assert report.kind_title == "реестр платежей банка (Сбербанк)"
    assert [(t.title, t.created) for t in report.tallies] == [
        ("Платежи", 1),
        ("Показания из банка", 1),
    ]
    assert report.notes == [
        "строка 1, ЛС 100: ГВС 222 (CounterVal_2) 57 не принято — в реестре прибор «ХВ-111», "
        "а на этом месте у счета «ГВС 222»: проверьте порядок приборов."
    ]
    assert "Проверка без записи" in report.text()
    assert "Не принято (1), остальное было бы загружено:" in report.text()
    assert september(database, meters["account"]) == {}
    assert count(database, Payment) == 0


def test_two_desks_bringing_readings_for_the_same_new_month(
    database: Database, database_url: str, tmp_path: Path, meters: dict[str, int]
):
    """Desk A's registry has made September's period of account 100 and not yet committed
    when desk B's, another payment with a reading of the same month, is loaded on another
    connection: B waits, then meets A's period instead of a database error, and fills it.
    (PostgreSQL: SQLite lets one writer in at a time.)"""
    if database.is_sqlite:
        pytest.skip("SQLite serializes writers: the second import finds the first's period")
    import threading
    import time

    from sqlalchemy import text

    from desktop.common.tasks import TaskState

    a = registry(tmp_path, [line("18-09-2017", "1", "115,5"), totals(1)], name="a.txt")
    b = registry(tmp_path, [line("19-09-2017", "2", "115,5", "57"), totals(1)], name="b.txt")
    other = Database(database_url)  # desk B: its own engine and connection
    outcome: list[object] = []

    def desk_b() -> None:
        try:
            outcome.append(ImportService(other, CLOCK).import_file(ADMIN, b))
        except BaseException as error:  # handed to the test's thread
            outcome.append(error)

    thread = threading.Thread(target=desk_b)

    def desk_a_written(done: int, total: int) -> None:
        if done != total or thread.is_alive() or outcome:
            return
        thread.start()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with other.read() as s:
                if s.scalar(text("SELECT count(*) FROM pg_locks WHERE NOT granted")):
                    return
            time.sleep(0.05)
        raise AssertionError("desk B never waited for desk A")

    try:
        ImportService(database, CLOCK).import_file(ADMIN, a, state=TaskState(desk_a_written))
        thread.join(30)
    finally:
        other.dispose()
    [report] = outcome
    assert not isinstance(report, BaseException), report
    assert [(t.title, t.created, t.unchanged) for t in report.tallies] == [  # type: ignore[attr-defined]
        ("Платежи", 1, 0),
        ("Показания из банка", 1, 1),
    ]
    stored = september(database, meters["account"])
    assert (stored[(meters["cold"], 1)][1], stored[(meters["hot"], 1)][1]) == (
        D("115.500"),
        D("57.000"),
    )
    with database.read() as s:
        made = s.scalars(select(AuditEntry.action).where(AuditEntry.action == "period.create"))
        assert list(made) == ["period.create"]
