"""Importing 1C's receipts (kind ``receipts``), on both databases: the demo's receipts of 3492
come back as the cabinet lists them, the same data again changes nothing, a changed total is
updated, and a bad row refuses the whole file naming its row and column."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import delete, select

from db.engine import Database
from db.models import Account, Receipt, StaffRole
from desktop.actors import Actor
from desktop.clock import FixedClock
from desktop.demo import build_demo
from desktop.exchange.report import ImportRefused
from desktop.exchange.service import ImportService
from desktop.receipts import ReceiptService
from desktop.settings import Settings

ADMIN = Actor.staff(1, "admin", StaffRole.ADMIN)
HEADER = "№ п/п;Лицевой счет;Номер квитанции;Дата;Период;Описание;Сумма к оплате"


def receipts_file(db: Database, number: str) -> str:
    """The account's receipts as 1C lists them: dates DD.MM.YYYY, periods MM.YYYY, comma."""
    with db.read() as s:
        found = s.scalars(
            select(Receipt)
            .join(Account, Account.id == Receipt.account_id)
            .where(Account.number == number)
            .order_by(Receipt.month)
        ).all()
    lines = ["Реестр квитанций", "", HEADER]
    for index, r in enumerate(found, 1):
        lines.append(";".join([str(index), number, r.number, r.issued_on.strftime("%d.%m.%Y"),
                               r.month.strftime("%m.%Y"), r.description,
                               str(r.total).replace(".", ",")]))  # fmt: skip
    return "\r\n".join(lines) + "\r\n"


def test_the_demo_s_receipts_come_back_and_a_second_time_change_nothing(
    database: Database, clock: FixedClock, tmp_path: Path
):
    build_demo(database, clock)
    with database.read() as s:
        account_id = s.scalar(select(Account.id).where(Account.number == "3492"))
    assert account_id is not None
    listed = ReceiptService(database, clock, Settings())
    before = [(r.number, r.issued_on, r.description, r.month, r.total)
              for r in listed.receipts(ADMIN, account_id)]  # fmt: skip
    assert before
    path = tmp_path / "receipts.csv"
    path.write_bytes(receipts_file(database, "3492").encode("cp1251"))
    with database.unit_of_work() as s:
        s.execute(delete(Receipt).where(Receipt.account_id == account_id))

    importer = ImportService(database, clock)
    report = importer.import_file(ADMIN, path)
    assert report.kind == "receipts" and report.unused_columns == ["№ п/п"]
    assert [(t.title, t.created, t.updated, t.unchanged) for t in report.tallies] == [
        ("Квитанции", len(before), 0, 0)
    ]
    after = [(r.number, r.issued_on, r.description, r.month, r.total)
             for r in listed.receipts(ADMIN, account_id)]  # fmt: skip
    assert after == before

    # 1C corrected one total: found by account and number, only that one changes.
    text = path.read_bytes().decode("cp1251").splitlines()
    cells = text[3].split(";")
    cells[6] = "1 234,50"
    text[3] = ";".join(cells)
    fixed = tmp_path / "fixed.csv"
    fixed.write_bytes(("\r\n".join(text) + "\r\n").encode("cp1251"))
    report = importer.import_file(ADMIN, fixed)
    assert [(t.created, t.updated, t.unchanged) for t in report.tallies] == [
        (0, 1, len(before) - 1)
    ]
    with database.read() as s:
        total = s.scalar(select(Receipt.total).where(Receipt.number == cells[2]))
    assert str(total) == "1234.50"


def test_a_bad_receipt_row_changes_nothing_and_is_named(
    database: Database, clock: FixedClock, tmp_path: Path
):
    build_demo(database, clock)
    path = tmp_path / "bad.csv"
    path.write_bytes(
        "Лицевой счет;Номер квитанции;Дата;Период;Сумма\r\n"
        "3492;R-1;31.05.2017;05.2017;100,00\r\n"
        "3492;R-2;31.02.2017;05.2017;100,00\r\n"
        "3492;R-1;31.05.2017;05.2017;100,00\r\n"
        "3492;R-3;31.05.2017;05.2017;сто\r\n"
        "7777;R-4;31.05.2017;05.2017;1,00\r\n".encode("cp1251")
    )
    with pytest.raises(ImportRefused) as refused:
        ImportService(database, clock).import_file(ADMIN, path)
    assert [(p.row, p.column) for p in refused.value.report.problems] == [
        (3, "Дата"),
        (4, "Номер квитанции"),
        (5, "Сумма"),
        (6, "Лицевой счет"),
    ]
    with database.read() as s:
        assert s.scalars(select(Receipt).where(Receipt.number.like("R-%"))).all() == []
