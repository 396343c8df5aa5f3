"""Exporting a month's readings for 1C and ГИС ЖКХ, on both databases, driven as the office
would: the files read back (CSV in cp1251, XLSX with openpyxl), the export marked and audited,
exporting again telling what changed since, and 1C's answer (``accepted``) marking the periods."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, update

from db.engine import Database
from db.models import Account, AuditEntry, Meter, Period, Reading, ReadingsExport, StaffRole
from desktop.actors import Actor
from desktop.clock import FixedClock
from desktop.common.tasks import Cancelled, TaskState
from desktop.demo import build_demo
from desktop.errors import AccessDeniedError, UserError
from desktop.exchange.export_files import GIS_COLUMNS, GIS_SHEET, ONE_C_COLUMNS
from desktop.exchange.export_service import ReadingsExportService
from desktop.exchange.report import ImportRefused
from desktop.exchange.service import ImportService
from desktop.readings import ReadingService
from desktop.settings import Settings

JUNE = date(2017, 6, 1)
ADMIN = Actor.staff(1, "admin", StaffRole.ADMIN)
CLERK = Actor.staff(2, "operator", StaffRole.CLERK)


@pytest.fixture
def demo(database: Database, clock: FixedClock) -> Database:
    """The demo with June 2017 not yet answered by 1C (the demo accepts some of it)."""
    build_demo(database, clock)
    with database.unit_of_work() as s:
        s.execute(update(Period).where(Period.month == JUNE).values(accepted_at=None))
    return database


def read_csv(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_bytes().decode("cp1251")), delimiter=";"))


def answer(export: Path, target: Path, status: dict[str, tuple[str, str]]) -> None:
    """1C's answer as it may come: the export's own rows with «Статус» and «Причина» added."""
    rows = read_csv(export)
    rows[0] += ["Статус", "Причина"]
    for row in rows[1:]:
        row += list(status.get(row[0], ("Принято", "")))
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerows(rows)
    target.write_bytes(out.getvalue().encode("cp1251"))


def periods(db: Database) -> dict[str, tuple[bool, str | None]]:
    with db.read() as s:
        rows = s.execute(
            select(Account.number, Period.accepted_at, Period.declined_reason)
            .join(Period, Period.account_id == Account.id)
            .where(Period.month == JUNE)
        ).all()
    return {number: (accepted is not None, reason) for number, accepted, reason in rows}


def hot_water_value(db: Database, account_id: int, meter_id: int) -> Decimal:
    """A new June value for the meter: its previous one and a little more."""
    with db.read() as s:
        previous = s.scalar(
            select(Reading.previous)
            .join(Period, Period.id == Reading.period_id)
            .where(Period.account_id == account_id, Period.month == JUNE)
            .where(Reading.meter_id == meter_id)
        )
    assert previous is not None
    return previous + Decimal("1.100")


def test_the_1c_csv_carries_every_submitted_value_with_its_channel_and_time(
    demo: Database, clock: FixedClock, tmp_path: Path
):
    exports = ReadingsExportService(demo, clock)
    seen: list[tuple[int, int]] = []
    report = exports.export(
        CLERK, JUNE, "csv", tmp_path / "june.csv", state=TaskState(lambda *p: seen.append(p))
    )
    assert seen == [(0, 25), (25, 25)]
    rows = read_csv(tmp_path / "june.csv")
    assert tuple(rows[0]) == ONE_C_COLUMNS
    assert report.rows == len(rows) - 1 == 25 and report.periods == 6
    first = dict(zip(rows[0], rows[3], strict=True))
    assert first["Лицевой счет"] == "3492" and first["Период"] == "06.2017"
    assert (first["Вид прибора"], first["Тариф"]) == ("Электрическая энергия", "1")
    assert (first["Предыдущее показание"], first["Текущее показание"], first["Расход"]) == (
        "9723,460",
        "9897,290",
        "173,830",
    )
    assert first["Способ передачи"] == "Житель (кабинет)" and first["Передал"] == "3492"
    assert first["Дата передачи"].startswith("16.06.2017")
    channels = {row[12] for row in rows[1:]}
    assert channels == {"Житель (кабинет)", "Офис"}
    assert "За этот месяц для 1С выгружено впервые." in report.text()
    with demo.read() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "readings.export")).one()
        assert entry.actor == "staff:operator" and '"periods": 6' in entry.details
        assert s.scalars(select(ReadingsExport.target)).all() == ["1c"]

    # Nothing changed: the second export says so; a clerk's correction is named next time.
    clock.advance(hours=1)
    again = exports.export(CLERK, JUNE, "xlsx", tmp_path / "june.xlsx")
    assert "С тех пор показания не менялись." in again.text()
    sheet = load_workbook(tmp_path / "june.xlsx").active
    assert sheet is not None and sheet.title == "Показания"
    cells = list(sheet.iter_rows(values_only=True))
    assert tuple(cells[0]) == ONE_C_COLUMNS and len(cells) == 26
    assert cells[3][9] == pytest.approx(9897.29)
    clock.advance(hours=1)
    with demo.read() as s:
        account = s.scalars(select(Account).where(Account.number == "3493")).one()
        # ГВС: 3493's ХВС is past its verification, so it takes no value (desktop.readings)
        meter = s.scalars(
            select(Meter).where(Meter.account_id == account.id, Meter.title.startswith("ГВС"))
        ).one()
    value = hot_water_value(demo, account.id, meter.id)
    ReadingService(demo, clock, Settings()).submit(CLERK, account.id, JUNE, {(meter.id, 1): value})
    clock.advance(hours=1)
    third = exports.export(CLERK, JUNE, "csv", tmp_path / "june2.csv")
    assert "С тех пор: новых 0, изменено 1, удалено или опустело 0." in third.text()
    assert "  Изменены: 3493." in third.text()
    assert format(value, "f").replace(".", ",") in (tmp_path / "june2.csv").read_bytes().decode(
        "cp1251"
    )


def test_the_gis_file_has_the_template_s_sheet_headers_and_values(
    demo: Database, clock: FixedClock, tmp_path: Path
):
    with demo.unit_of_work() as s:
        s.execute(update(Meter).where(Meter.title == "ХВС 3493018").values(gis_number="111-1"))
        s.execute(update(Meter).where(Meter.title == "Эл.эн. №12559207").values(gis_number="222-3"))
    exports = ReadingsExportService(demo, clock)
    report = exports.export(ADMIN, JUNE, "gis", tmp_path / "gis.xlsx")
    book = load_workbook(tmp_path / "gis.xlsx")
    assert book.sheetnames == [GIS_SHEET] == ["Импорт показаний ИПУ"]
    rows = list(book[GIS_SHEET].iter_rows())
    assert tuple(c.value for c in rows[0]) == GIS_COLUMNS
    assert GIS_COLUMNS[2:5] == (
        "Коммунальный ресурс",
        "Период, за который передаются показания",
        "Значение показания (Т1)",
    )
    data = [[c.value for c in row] for row in rows[1:]]
    assert data == [
        ["Московская обл., г. Королёв, ул. Садовая, д. 7", "111-1", "Холодная вода", "06.2017",
         303.6, None, None, "20.06.2017"],
        ["Московская обл., г. Королёв, ул. Садовая, д. 7", "222-3", "Электрическая энергия",
         "06.2017", 7364.67, 7617.07, 8558.22, "20.06.2017"],
    ]  # fmt: skip
    assert rows[2][6].number_format == "0.0000000"  # 7 decimals, as the template has them
    assert (report.rows, report.periods) == (2, 2)
    text = report.text()
    assert "Не выгружены 16 приборов без номера в ГИС ЖКХ" in text
    assert "  лицевой счет 3492: ГВС 59537062, заводской № 59537062" in text
    assert "  лицевой счет 3493: ГВС 3493019, заводской № 3493019" in text
    assert "3493018" not in text


def test_no_readings_or_no_right_means_no_file(demo: Database, clock: FixedClock, tmp_path: Path):
    exports = ReadingsExportService(demo, clock)
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(UserError, match="За январь 2030 показаний нет: выгружать нечего"):
        exports.export(ADMIN, date(2030, 1, 1), "csv", out / "may.csv")
    with pytest.raises(UserError, match="ни у одного прибора"):
        exports.export(ADMIN, JUNE, "gis", out / "gis.xlsx")
    state = TaskState()
    state.cancel()
    with pytest.raises(Cancelled):
        exports.export(ADMIN, JUNE, "xlsx", out / "june.xlsx", state=state)
    resident = Actor.resident(1, "3492")
    with pytest.raises(AccessDeniedError):
        exports.export(resident, JUNE, "csv", out / "june.csv")
    assert list(out.iterdir()) == []
    with demo.read() as s:
        assert s.scalars(select(ReadingsExport)).all() == []


def test_round_trip_export_then_1c_s_answer_marks_the_periods(
    demo: Database, clock: FixedClock, tmp_path: Path
):
    ReadingsExportService(demo, clock).export(CLERK, JUNE, "csv", tmp_path / "june.csv")
    assert not any(accepted for accepted, _ in periods(demo).values())
    answer(tmp_path / "june.csv", tmp_path / "answer.csv",
           {"4105": ("Отклонено", "Расход ГВС втрое выше среднего")})  # fmt: skip
    clock.advance(days=2)
    importer = ImportService(demo, clock)
    report = importer.import_file(ADMIN, tmp_path / "answer.csv")
    assert report.kind == "accepted"  # not «meters», though the export's columns are there
    assert [(t.updated, t.unchanged) for t in report.tallies] == [(6, 0)]
    marks = periods(demo)
    assert marks["3492"] == (True, None) and marks["5210"] == (True, None)
    assert marks["4105"] == (False, "Расход ГВС втрое выше среднего")
    with demo.read() as s:
        account_id = s.scalar(select(Account.id).where(Account.number == "3492"))
    assert account_id is not None
    readings = ReadingService(demo, clock, Settings())
    shown = readings.periods(CLERK, account_id)[0]
    assert shown.month == JUNE and shown.accepted_at == clock.now()
    with demo.read() as s:
        refused_id = s.scalar(select(Account.id).where(Account.number == "4105"))
    assert refused_id is not None
    refused = readings.periods(CLERK, refused_id)[0]
    assert refused.month == JUNE and not refused.accepted
    assert refused.declined_reason == "Расход ГВС втрое выше среднего"

    # 1C now accepts 4105 too: the refusal is cleared; the rest are found as they were.
    again = tmp_path / "again.csv"
    again.write_bytes("Лицевой счет;Период;Статус\r\n4105;06.2017;Принято\r\n3492;06.2017;Да\r\n"
                      .encode("cp1251"))  # fmt: skip
    report = importer.import_file(ADMIN, again)
    assert [(t.updated, t.unchanged) for t in report.tallies] == [(1, 1)]
    assert periods(demo)["4105"] == (True, None)


def test_an_answer_to_values_changed_since_the_export_is_refused(
    demo: Database, clock: FixedClock, tmp_path: Path
):
    ReadingsExportService(demo, clock).export(CLERK, JUNE, "csv", tmp_path / "june.csv")
    answer(tmp_path / "june.csv", tmp_path / "answer.csv", {})
    clock.advance(hours=1)
    with demo.read() as s:
        account = s.scalars(select(Account).where(Account.number == "3493")).one()
        # ГВС: 3493's ХВС is past its verification, so it takes no value (desktop.readings)
        meter = s.scalars(
            select(Meter).where(Meter.account_id == account.id, Meter.title.startswith("ГВС"))
        ).one()
    value = hot_water_value(demo, account.id, meter.id)
    ReadingService(demo, clock, Settings()).submit(CLERK, account.id, JUNE, {(meter.id, 1): value})
    with pytest.raises(ImportRefused) as refused:
        ImportService(demo, clock).import_file(ADMIN, tmp_path / "answer.csv")
    problems = refused.value.report.problems
    assert {p.row for p in problems} == {7, 8, 9, 10}  # 3493's four rows
    assert problems[0].column == "Статус"
    assert "после выгрузки в 1С" in problems[0].message
    assert not any(accepted for accepted, _ in periods(demo).values())


def test_bad_answers_name_their_row_and_column(demo: Database, clock: FixedClock, tmp_path: Path):
    path = tmp_path / "bad.csv"
    path.write_bytes(
        "Лицевой счет;Период;Статус;Причина\r\n"
        "3492;06.2017;Отклонено;\r\n"
        "3492;13.2017;Принято;\r\n"
        "3492;06.2017;Может быть;\r\n"
        "9999;06.2017;Принято;\r\n".encode("cp1251")
    )
    with pytest.raises(ImportRefused) as refused:
        ImportService(demo, clock).import_file(ADMIN, path)
    assert [(p.row, p.column) for p in refused.value.report.problems] == [
        (2, "Причина"),
        (3, "Период"),
        (4, "Статус"),
        (5, "Период"),
    ]
    assert not any(accepted for accepted, _ in periods(demo).values())
