"""Imports that clash with what is stored or with another desk: a ГИС ЖКХ number another meter
holds, and the same file imported by two administrators at once."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from db.engine import Database
from db.models import ImportBatch, Meter
from desktop.clock import FixedClock
from desktop.common.tasks import TaskState
from desktop.exchange.report import ImportRefused
from desktop.exchange.service import ImportService
from desktop.exchange.source import examine
from tests.desktop.test_exchange_import import (  # noqa: F401 - fixtures
    ADMIN,
    METERS,
    company,
    meters,
    service,
    with_accounts,
    write,
)

HEADER = METERS.splitlines()[0]


def test_a_gis_number_another_stored_meter_holds_is_refused(
    with_accounts: ImportService,  # noqa: F811
    database: Database,
    tmp_path: Path,
):
    with_accounts.import_file(ADMIN, write(tmp_path, METERS, "first.csv"))
    before = meters(database)
    second = f"{HEADER}\n7002;Холодная вода;ХВ-300;м3;1;5;;;;0;ABC-123\n"
    with pytest.raises(ImportRefused) as refused:
        with_accounts.import_file(ADMIN, write(tmp_path, second, "second.csv"))
    [problem] = refused.value.problems
    assert (problem.row, problem.column) == (2, "Номер ПУ в ГИС ЖКХ")
    assert problem.message == (
        "Номер ABC-123 в ГИС ЖКХ уже у прибора ГВ-200 счета 7001: у двух приборов одного "
        "номера не бывает. Исправьте номер в файле."
    )
    assert meters(database) == before


def test_a_gis_number_moves_when_the_file_frees_it(
    with_accounts: ImportService,  # noqa: F811
    database: Database,
    tmp_path: Path,
):
    """The file gives ГВ-200 another number first: its old one may go to a new meter; and a
    meter keeps its own number."""
    with_accounts.import_file(ADMIN, write(tmp_path, METERS, "first.csv"))
    moved = (
        f"{HEADER}\n7001;ГВС;ГВ-200;куб. м;;;12.03.2015;12.03.2019;;0;ABC-999\n"
        "7002;Холодная вода;ХВ-300;м3;1;5;;;;0;ABC-123\n"
        "7001;Холодная вода;ХВ-100;м3;1;5;12.03.2015;12.03.2021;;12,5;\n"
    )
    with_accounts.import_file(ADMIN, write(tmp_path, moved, "moved.csv"))
    with database.read() as s:
        numbers = {serial: gis for serial, gis in s.execute(select(Meter.serial, Meter.gis_number))}
    assert (numbers["ГВ-200"], numbers["ХВ-300"]) == ("ABC-999", "ABC-123")
    with_accounts.import_file(ADMIN, write(tmp_path, moved.replace("0;ABC-999", "1;ABC-999"),
                                           "again.csv"))  # fmt: skip


def test_the_same_file_from_two_desks_at_once_says_already_imported(
    with_accounts: ImportService,  # noqa: F811
    database: Database,
    clock: FixedClock,
    tmp_path: Path,
):
    """Another desk's batch of the same bytes commits after this import looked for one and
    before it records its own: the unique file hash refuses it, and the answer is «уже
    загружен», not a database error. (PostgreSQL: SQLite lets one writer in at a time.)"""
    if database.is_sqlite:
        pytest.skip("SQLite serializes writers: the second import sees the first's batch")
    path = write(tmp_path, METERS, "meters.csv")
    sha256 = examine(path).sha256

    def other_desk(done: int, total: int) -> None:
        if done == total:  # the file is read and written; its batch row is next
            with database.unit_of_work() as s:
                s.add(ImportBatch(file_hash=sha256, kind="meters", file_name="meters.csv",
                                  rows=3, imported_at=clock.now(), imported_by="staff:other"))  # fmt: skip

    report = with_accounts.import_file(ADMIN, path, state=TaskState(other_desk))
    assert report.earlier is not None and report.earlier.imported_by == "staff:other"
    assert "Этот файл уже загружен" in report.text() and report.batch_id is None
    assert meters(database) == {}  # nothing of the second import was applied
