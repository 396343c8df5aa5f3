"""An import that fails leaves an audit entry saying so and why — a refused file, a file that
cannot be read, an error midway — written after the rollback: nothing of the file is applied.
A dry run and a cancelled import leave none."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from db.engine import Database
from db.models import AuditEntry, ImportBatch, Receipt, StaffRole
from desktop.actors import Actor
from desktop.clock import FixedClock
from desktop.common.problems import ProblemError
from desktop.demo import build_demo
from desktop.exchange.report import ImportRefused
from desktop.exchange.service import ImportService
from desktop.exchange.write_receipts import ReceiptWriter

ADMIN = Actor.staff(1, "admin", StaffRole.ADMIN)
HEADER = "Лицевой счет;Номер квитанции;Дата;Период;Сумма к оплате"


@pytest.fixture
def service(database: Database, clock: FixedClock) -> ImportService:
    build_demo(database, clock)
    return ImportService(database, clock)


def write(tmp_path: Path, rows: list[str], name: str = "receipts.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(("\r\n".join([HEADER, *rows]) + "\r\n").encode("cp1251"))
    return path


def imports(db: Database) -> list[tuple[bool, dict]]:
    with db.read() as s:
        entries = s.execute(
            select(AuditEntry.ok, AuditEntry.details)
            .where(AuditEntry.action == "exchange.import")
            .order_by(AuditEntry.id)
        ).all()
    return [(ok, json.loads(details)) for ok, details in entries]


def receipts(db: Database) -> int:
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(Receipt)) or 0


def test_a_refused_file_is_audited_as_failed_with_its_reasons(
    service: ImportService, database: Database, tmp_path: Path
):
    before = receipts(database)
    path = write(tmp_path, ["3492;R-1;05.12.2026;11.2026;100,00",
                            "9999999;R-2;05.12.2026;11.2026;100,00",
                            "3492;R-1;05.12.2026;11.2026;100,00"])  # fmt: skip
    with pytest.raises(ImportRefused):
        service.import_file(ADMIN, path)
    [(ok, details)] = imports(database)
    assert not ok
    assert details["file"] == "receipts.csv" and details["kind"] == "receipts"
    assert details["problems"] == 2
    assert details["reasons"][0].startswith("строка 3, столбец «Лицевой счет»: Лицевого счета")
    assert "строка 4" in details["reasons"][1] and "уже была в строке 2" in details["reasons"][1]
    assert receipts(database) == before
    with database.read() as s:
        assert s.scalar(select(func.count()).select_from(ImportBatch)) == 0


def test_a_file_that_cannot_be_read_is_audited_as_failed(
    service: ImportService, database: Database, tmp_path: Path
):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(ProblemError):
        service.import_file(ADMIN, path)
    [(ok, details)] = imports(database)
    assert not ok and details["file"] == "empty.csv"
    assert "пуст" in details["reasons"][0]


def test_an_error_midway_is_audited_and_nothing_is_applied(
    service: ImportService, database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    def broken(self: ReceiptWriter) -> None:
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(ReceiptWriter, "settle", broken)
    before = receipts(database)
    with pytest.raises(RuntimeError):
        service.import_file(ADMIN, write(tmp_path, ["3492;R-1;05.12.2026;11.2026;100,00"]))
    [(ok, details)] = imports(database)
    assert not ok and details["error"] == "RuntimeError: the disk is full"
    assert receipts(database) == before


def test_a_dry_run_with_problems_is_not_audited(
    service: ImportService, database: Database, tmp_path: Path
):
    with pytest.raises(ImportRefused):
        service.import_file(
            ADMIN, write(tmp_path, ["9999999;R-2;05.12.2026;11.2026;100,00"]), dry_run=True
        )
    assert imports(database) == []
