"""Importing accounts and meters from 1C's files, on both databases: all or nothing, the same
file twice, a dry run, every bad row named, the batch and its audit entry."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from db.engine import Database
from db.models import (
    Account,
    AuditEntry,
    Building,
    Company,
    ImportBatch,
    Meter,
    MeterKind,
    Premises,
    StaffRole,
)
from db.search import normalize
from desktop.actors import Actor
from desktop.clock import FixedClock
from desktop.common.tasks import Cancelled, TaskState
from desktop.errors import AccessDeniedError
from desktop.exchange.report import ImportRefused
from desktop.exchange.service import ImportService
from tests.factories import make_meter, make_period

ADMIN = Actor.staff(1, "admin", StaffRole.ADMIN)
CLERK = Actor.staff(2, "petrova", StaffRole.CLERK)
BUILDING = "г. Подольск, ул. Мира, д. 1"

ACCOUNTS = f"""\
Лицевой счет;ФИО;Адрес дома;Квартира;Площадь, м2;Кол-во проживающих
7001;Сидоров С.С.;{BUILDING};1;54,30;2
7002;Петрова А.А.;{BUILDING};2;61,00;3
7003;Кузнецов К.К.;г. Подольск, ул. Мира, д. 2;15;40.5;1
"""


@pytest.fixture
def company(database: Database) -> int:
    with database.unit_of_work() as s:
        company = Company(
            name="ООО «УК Тест»", inn="5000000000", bank_name="Банк", bic="044525225",
            settlement_account="40702810000000000001",
            correspondent_account="30101810400000000225",
        )  # fmt: skip
        s.add(company)
        s.flush()
        return company.id


@pytest.fixture
def service(database: Database, clock: FixedClock, company: int) -> ImportService:
    return ImportService(database, clock)


def write(tmp_path: Path, text: str, name: str = "file.csv", encoding: str = "cp1251") -> Path:
    path = tmp_path / name
    path.write_bytes(text.replace("\n", "\r\n").encode(encoding))
    return path


def accounts(db: Database) -> dict[str, tuple]:
    with db.read() as s:
        rows = s.execute(
            select(Account.number, Account.fio, Account.fio_norm, Account.address,
                   Account.address_norm, Account.area, Account.residents, Premises.number,
                   Building.address)
            .outerjoin(Premises, Premises.id == Account.premises_id)
            .outerjoin(Building, Building.id == Premises.building_id)
        )  # fmt: skip
        return {row[0]: tuple(row[1:]) for row in rows}


def count(db: Database, table) -> int:
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(table)) or 0


def test_accounts_with_their_buildings_and_premises_are_created(
    service: ImportService, database: Database, tmp_path: Path
):
    report = service.import_file(ADMIN, write(tmp_path, ACCOUNTS))
    assert report.kind == "accounts"
    assert report.file_format == "CSV, Windows-1251"
    assert [(t.title, t.created, t.updated, t.unchanged) for t in report.tallies] == [
        ("Лицевые счета", 3, 0, 0),
        ("Дома", 2, 0, 0),
        ("Помещения", 3, 0, 0),
    ]
    assert accounts(database)["7001"] == (
        "Сидоров С.С.", "сидоров с.с.", f"{BUILDING}, кв. 1", normalize(f"{BUILDING}, кв. 1"),
        Decimal("54.30"), 2, "1", BUILDING,
    )  # fmt: skip
    assert accounts(database)["7003"][4:6] == (Decimal("40.50"), 1)
    with database.read() as s:
        batch = s.scalars(select(ImportBatch)).one()
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "exchange.import")).one()
    assert (batch.kind, batch.file_name, batch.rows, batch.imported_by) == (
        "accounts",
        "file.csv",
        3,
        "staff:admin",
    )
    assert entry.actor == "staff:admin"
    details = json.loads(entry.details)
    assert details["batch"] == batch.id == report.batch_id
    assert details["counts"]["Лицевые счета"] == {"created": 3, "updated": 0, "unchanged": 0}


def test_the_same_file_twice_changes_nothing_and_says_so(
    service: ImportService, database: Database, tmp_path: Path
):
    path = write(tmp_path, ACCOUNTS)
    first = service.import_file(ADMIN, path)
    before = accounts(database)
    again = service.import_file(ADMIN, path)
    assert again.earlier is not None and again.earlier.id == first.batch_id
    assert "уже загружен" in again.text()
    # The same rows in another file (UTF-8 with a BOM now): every record found unchanged.
    other = service.import_file(ADMIN, write(tmp_path, ACCOUNTS, "other.csv", "utf-8-sig"))
    assert other.file_format == "CSV, UTF-8 с BOM"
    assert [(t.created, t.updated, t.unchanged) for t in other.tallies] == [
        (0, 0, 3), (0, 0, 2), (0, 0, 3)
    ]  # fmt: skip
    assert "ничего не изменилось" in other.text()
    assert accounts(database) == before
    assert count(database, ImportBatch) == 2


def test_changed_rows_update_only_what_differs(
    service: ImportService, database: Database, tmp_path: Path
):
    service.import_file(ADMIN, write(tmp_path, ACCOUNTS))
    changed = (
        "Лицевой счет;ФИО;Адрес;Площадь\n"
        f"7001;Сидорова Ё.С.;{BUILDING}, кв. 1;54,30\n"  # a new name; residents not in the file
        f"7002;Петрова А.А.;{BUILDING}, кв. 5;61\n"  # moved to another flat of the building
        f"7003;Кузнецов К.К.;г. Подольск, ул. Мира, д. 2, кв. 15;40,5\n"
    )
    report = service.import_file(ADMIN, write(tmp_path, changed, "changed.csv"))
    assert [(t.created, t.updated, t.unchanged) for t in report.tallies] == [
        (0, 2, 1), (0, 0, 2), (1, 0, 2)
    ]  # fmt: skip
    after = accounts(database)
    assert after["7001"][:2] == ("Сидорова Ё.С.", "сидорова е.с.")  # the search column follows
    assert after["7001"][5] == 2  # kept
    assert after["7002"][6:] == ("5", BUILDING)


def test_a_file_with_bad_rows_changes_nothing_and_names_each_row_and_column(
    service: ImportService, database: Database, tmp_path: Path
):
    service.import_file(ADMIN, write(tmp_path, ACCOUNTS))
    before = accounts(database)
    bad = (
        "Лицевой счет;ФИО;Адрес;Площадь;Проживающих\n"
        f"7001;Новое Имя;{BUILDING}, кв. 1;54,30;2\n"  # fine, but not applied
        f"70x2;Петрова А.А.;{BUILDING}, кв. 2;61,001;3\n"
        f"7010;;{BUILDING}, кв. 9;-4;200\n"
        f"7001;Сидоров С.С.;{BUILDING}, кв. 1;54,30;2\n"
    )
    with pytest.raises(ImportRefused) as refused:
        service.import_file(ADMIN, write(tmp_path, bad, "bad.csv"))
    places = [(p.row, p.column) for p in refused.value.problems]
    assert places == [
        (3, "Лицевой счет"), (3, "Площадь"), (4, "ФИО"), (4, "Площадь"), (4, "Проживающих"),
        (5, None),
    ]  # fmt: skip
    text = str(refused.value)
    assert "Файл не загружен: 6 ошибок. Ничего не изменено." in text
    assert "строка 5: Лицевой счет 7001 уже был в строке 2" in text
    assert "строка 4, столбец «Проживающих»: Число проживающих: 200" in text
    assert accounts(database) == before
    assert count(database, ImportBatch) == 1


def test_a_dry_run_reports_what_would_change_and_writes_nothing(
    service: ImportService, database: Database, tmp_path: Path
):
    path = write(tmp_path, ACCOUNTS)
    report = service.import_file(ADMIN, path, dry_run=True)
    assert report.dry_run and report.batch_id is None
    assert [t.created for t in report.tallies] == [3, 2, 3]
    assert "ничего не изменено" in report.text()
    assert (count(database, Account), count(database, Building), count(database, ImportBatch)) == (
        0, 0, 0
    )  # fmt: skip
    assert count(database, AuditEntry) == 0
    assert service.import_file(ADMIN, path).batch_id is not None  # the file itself is fine


def test_a_file_of_headers_only_is_refused(service: ImportService, tmp_path: Path):
    with pytest.raises(ImportRefused, match="строк с данными нет"):
        service.import_file(ADMIN, write(tmp_path, ACCOUNTS.splitlines()[0] + "\n;;\n"))


def test_only_an_administrator_imports(service: ImportService, tmp_path: Path):
    with pytest.raises(AccessDeniedError, match="только администратор"):
        service.import_file(CLERK, write(tmp_path, ACCOUNTS))


def test_new_buildings_need_the_database_s_one_company(
    database: Database, clock: FixedClock, tmp_path: Path
):
    with pytest.raises(ImportRefused, match="нет управляющей компании") as refused:
        ImportService(database, clock).import_file(ADMIN, write(tmp_path, ACCOUNTS))
    assert [p.row for p in refused.value.problems] == [2]  # said once, where it first matters
    # Accounts whose address names no flat need no building: they import without one.
    plain = "Лицевой счет;ФИО;Адрес;Площадь\n7001;Сидоров С.С.;г. Подольск, Мира 1;54,3\n"
    report = ImportService(database, clock).import_file(ADMIN, write(tmp_path, plain, "p.csv"))
    assert report.tallies[0].created == 1
    assert accounts(database)["7001"][6:] == (None, None)


def test_cancelling_applies_nothing(service: ImportService, database: Database, tmp_path: Path):
    rows = "".join(f"{8000 + i};Житель {i};{BUILDING};{i};50;1\n" for i in range(1000))
    path = write(tmp_path, "Лицевой счет;ФИО;Адрес дома;Квартира;Площадь\n" + rows)
    seen: list[tuple[int, int]] = []

    def cancel_midway(done: int, total: int) -> None:
        seen.append((done, total))
        if len(seen) == 2:
            state.cancel()

    state = TaskState(cancel_midway)
    with pytest.raises(Cancelled):
        service.import_file(ADMIN, path, state=state)
    assert count(database, Account) == 0 and count(database, ImportBatch) == 0
    assert 0 < seen[0][0] < seen[0][1] == path.stat().st_size


def test_a_few_thousand_rows_stream_through_in_batches(
    service: ImportService, database: Database, tmp_path: Path
):
    rows = "".join(
        f"{10000 + i};Житель {i};г. Подольск, ул. Длинная, д. {i // 100};{i % 100 + 1};"
        f"{30 + i % 50},{i % 100:02d};{i % 5}\n"
        for i in range(3000)
    )
    path = write(tmp_path, "Лицевой счет;ФИО;Адрес дома;Квартира;Площадь;Проживающих\n" + rows)
    progress: list[int] = []
    report = service.import_file(ADMIN, path, state=TaskState(lambda d, t: progress.append(d)))
    assert [t.created for t in report.tallies] == [3000, 30, 3000]
    assert progress == sorted(progress) and progress[-1] == path.stat().st_size
    assert count(database, Premises) == 3000
    assert accounts(database)["12999"][4:] == (
        Decimal("79.99"),
        4,
        "100",
        "г. Подольск, ул. Длинная, д. 29",
    )
    again = service.import_file(ADMIN, write(tmp_path, "\n" + path.read_text("cp1251"), "2.csv"))
    assert [t.unchanged for t in again.tallies] == [3000, 30, 3000]


# -- meters

METERS = """\
Лицевой счет;Вид прибора;Заводской номер;Ед. изм.;Тарифность;Разрядность;Дата установки;Дата следующей поверки;Дата выбытия;Начальное показание;Номер ПУ в ГИС ЖКХ
7001;Холодная вода;ХВ-100;м3;1;5;12.03.2015;12.03.2021;;12,5;
7001;ГВС;ГВ-200;куб. м;;;12.03.2015;12.03.2019;;0;ABC-123
7002;Электроэнергия;12345678;кВт·ч;2;6;01.02.2014;01.02.2030;;;
"""


@pytest.fixture
def with_accounts(service: ImportService, tmp_path: Path) -> ImportService:
    service.import_file(ADMIN, write(tmp_path, ACCOUNTS, "accounts.csv"))
    return service


def meters(db: Database) -> dict[str, tuple]:
    with db.read() as s:
        rows = s.execute(
            select(Meter.serial, Account.number, Meter.kind, Meter.title, Meter.unit, Meter.zones,
                   Meter.digits, Meter.installed_on, Meter.next_verification_on, Meter.retired_on,
                   Meter.initial_value, Meter.display_order, Meter.gis_number)
            .join(Account, Account.id == Meter.account_id)
        )  # fmt: skip
        return {row[0]: tuple(row[1:]) for row in rows}


def test_meters_are_created_with_the_kind_s_defaults(
    with_accounts: ImportService, database: Database, tmp_path: Path
):
    report = with_accounts.import_file(ADMIN, write(tmp_path, METERS))
    assert report.kind == "meters"
    assert [(t.title, t.created) for t in report.tallies] == [("Приборы учета", 3)]
    assert meters(database) == {
        "ХВ-100": ("7001", MeterKind.COLD_WATER, "ХВС ХВ-100", "м3", 1, 5, date(2015, 3, 12),
                   date(2021, 3, 12), None, Decimal("12.500"), 1, None),
        "ГВ-200": ("7001", MeterKind.HOT_WATER, "ГВС ГВ-200", "м3", 1, 5, date(2015, 3, 12),
                   date(2019, 3, 12), None, Decimal("0.000"), 2, "ABC-123"),
        "12345678": ("7002", MeterKind.ELECTRICITY, "Эл.эн. №12345678", "кВт.ч", 2, 6,
                     date(2014, 2, 1), date(2030, 2, 1), None, Decimal("0.000"), 1, None),
    }  # fmt: skip


def test_a_meter_is_found_by_account_and_serial_and_changed_where_the_file_differs(
    with_accounts: ImportService, database: Database, tmp_path: Path
):
    with_accounts.import_file(ADMIN, write(tmp_path, METERS))
    again = with_accounts.import_file(ADMIN, write(tmp_path, METERS, "again.csv", "utf-8"))
    assert [(t.created, t.updated, t.unchanged) for t in again.tallies] == [(0, 0, 3)]
    retired = (
        "Лицевой счет;Вид прибора;Заводской номер;Дата выбытия;Номер ПУ в ГИС ЖКХ;Наименование\n"
        "7001;ХВС;ХВ-100;30.06.2021;GIS-1;ХВС 100 (кухня)\n"
        "7001;ГВС;ГВ-200;;ABC-123;\n"
    )
    report = with_accounts.import_file(ADMIN, write(tmp_path, retired, "retired.csv"))
    assert [(t.created, t.updated, t.unchanged) for t in report.tallies] == [(0, 1, 1)]
    cold = meters(database)["ХВ-100"]
    assert (cold[2], cold[8], cold[11]) == ("ХВС 100 (кухня)", date(2021, 6, 30), "GIS-1")
    assert cold[6:8] == (date(2015, 3, 12), date(2021, 3, 12))  # columns not in the file: kept


def test_bad_meter_rows_are_named_and_nothing_is_applied(
    with_accounts: ImportService, database: Database, tmp_path: Path
):
    with_accounts.import_file(ADMIN, write(tmp_path, METERS))
    account_id = _account_id(database, "7002")
    meter_id = _meter_id(database, "12345678")
    make_period(database, account_id, date(2017, 5, 1), {(meter_id, 2): ("1.000", "2.000")})
    bad = (
        "Лицевой счет;Вид прибора;Заводской номер;Ед. изм.;Тарифность;Разрядность;"
        "Дата установки;Дата следующей поверки;Начальное показание;Номер ПУ в ГИС ЖКХ\n"
        "9999;ГВС;1;м3;;;;;;\n"
        "7003;Газ;G-1;кВт·ч;2;;31.02.2015;;;\n"
        "7003;Вода;G-2;;;;;;;\n"
        "7003;ХВС;G-3;;;4;;;12345,1;X\n"
        "7003;ХВС;G-3;;;;;;;X\n"
        "7002;Электроэнергия;12345678;;1;;;;;\n"
        "7003;ХВС;G-4;;;;10.10.2020;10.10.2019;;\n"
        "7001;ХВС;ХВ-100;;;;;;;\n"  # fine
    )
    before = meters(database)
    with pytest.raises(ImportRefused) as refused:
        with_accounts.import_file(ADMIN, write(tmp_path, bad, "bad.csv"))
    problems = [(p.row, p.column) for p in refused.value.problems]
    assert problems == [
        (2, "Лицевой счет"),
        (3, "Дата установки"), (3, "Ед. изм."), (3, "Тарифность"),
        (4, "Вид прибора"),
        (5, "Начальное показание"),
        (6, "Заводской номер"), (6, "Номер ПУ в ГИС ЖКХ"),
        (7, "Тарифность"),
        (8, "Дата следующей поверки"),
    ]  # fmt: skip
    text = str(refused.value)
    assert "Лицевого счета 9999 нет в базе" in text
    assert "уже есть показания по тарифу T2" in text
    assert "в целой части не больше 4 цифр" in text
    assert meters(database) == before


def test_a_serial_two_meters_of_the_account_share_is_ambiguous(
    with_accounts: ImportService, database: Database, tmp_path: Path
):
    account_id = _account_id(database, "7001")
    make_meter(database, account_id, "ХВС 1", serial="55")
    make_meter(database, account_id, "ХВС 1 (старый)", serial="55")
    with pytest.raises(ImportRefused, match="несколько приборов с номером 55"):
        with_accounts.import_file(
            ADMIN, write(tmp_path, "ЛС;Вид прибора;Заводской номер\n7001;ХВС;55\n")
        )


def _account_id(db: Database, number: str) -> int:
    with db.read() as s:
        found = s.scalar(select(Account.id).where(Account.number == number))
        assert found is not None
        return found


def _meter_id(db: Database, serial: str) -> int:
    with db.read() as s:
        found = s.scalar(select(Meter.id).where(Meter.serial == serial))
        assert found is not None
        return found
