"""Importing the monthly statement from 1C, on both databases: the seed's statement of 3492
comes back to the kopeck, and a row that breaks the statement invariant, an unknown service or
account refuse the whole file."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import delete, select

from db.engine import Database
from db.models import Account, Service, StaffRole, StatementRow
from desktop.actors import Actor
from desktop.clock import FixedClock
from desktop.demo import build_demo
from desktop.exchange.report import ImportRefused
from desktop.exchange.service import ImportService
from desktop.settings import Settings
from desktop.statement import StatementService
from tests.factories import make_account, make_services

ADMIN = Actor.staff(1, "admin", StaffRole.ADMIN)
HEADER = "Лицевой счет;Период;Услуга;Сальдо на начало;Начислено;Оплачено;Перерасчет;Сальдо на конец"


def amount(value: Decimal) -> str:
    return "" if not value else str(value).replace(".", ",")


def statement_file(db: Database, number: str) -> str:
    """The account's statement as 1C exports it: a row per month and service, empty for 0."""
    with db.read() as s:
        rows = s.execute(
            select(StatementRow, Service.name)
            .join(Service, Service.id == StatementRow.service_id)
            .join(Account, Account.id == StatementRow.account_id)
            .where(Account.number == number)
            .order_by(StatementRow.month, Service.display_order)
        ).all()
    lines = ["Оборотно-сальдовая ведомость по лицевым счетам", "", HEADER]
    for row, service in rows:
        amounts = (row.opening, row.charged, row.paid, row.recalculation, row.closing)
        lines.append(";".join([number, row.month.strftime("%m.%Y"), service,
                               *map(amount, amounts)]))  # fmt: skip
    return "\r\n".join(lines) + "\r\n"


def test_the_seed_s_statement_comes_back_to_the_kopeck(
    database: Database, clock: FixedClock, tmp_path: Path
):
    build_demo(database, clock)
    statements = StatementService(database, clock, Settings())
    with database.read() as s:
        account_id = s.scalar(select(Account.id).where(Account.number == "3492"))
    assert account_id is not None
    before = statements.statement(ADMIN, account_id)
    path = tmp_path / "ved.csv"
    path.write_bytes(statement_file(database, "3492").encode("cp1251"))
    rows = len(path.read_bytes().splitlines()) - 3
    with database.unit_of_work() as s:
        s.execute(delete(StatementRow).where(StatementRow.account_id == account_id))

    report = ImportService(database, clock).import_file(ADMIN, path)
    assert report.kind == "statement"
    assert [(t.title, t.created, t.updated) for t in report.tallies] == [
        ("Строки ведомости", rows, 0)
    ]
    after = statements.statement(ADMIN, account_id)
    assert after == before
    assert not after.problems
    june = next(block for block in after.months if block.month.isoformat() == "2017-06-01")
    assert june.lines[0].total == Decimal("5955.86")  # the seed's «Сальдо нач.» ИТОГО

    copy = tmp_path / "copy.csv"
    copy.write_bytes(b"\r\n" + path.read_bytes())
    again = ImportService(database, clock).import_file(ADMIN, copy)
    assert [(t.created, t.updated, t.unchanged) for t in again.tallies] == [(0, 0, rows)]


def test_a_breach_of_the_invariant_an_unknown_service_or_account_refuse_the_file(
    database: Database, clock: FixedClock, tmp_path: Path
):
    make_account(database, "100")
    make_services(database, ["Водоотведение", "ХВС", "Пеня"])
    good = tmp_path / "good.csv"
    good.write_text(f"{HEADER}\n100;05.2017;Водоотведение;10;5;10;;5\n", encoding="utf-8")
    ImportService(database, clock).import_file(ADMIN, good)
    bad = tmp_path / "bad.csv"
    bad.write_text(
        f"{HEADER}\n"
        "100;06.2017;водоотведение;5;5;0;0;10\n"  # fine, but not applied
        "100;06.2017;ХВС;0;100,00;50;-1,5;48,49\n"
        "100;06.2017;Газ;0;0;0;0;0\n"
        "101;06.2017;Пеня;0;1;0;0;1\n"
        "100;13.2017;Пеня;0;1;0;0;1\n"
        "100;06.2017;Водоотведение;5;5;0;0;10\n",
        encoding="utf-8",
    )
    with pytest.raises(ImportRefused) as refused:
        ImportService(database, clock).import_file(ADMIN, bad)
    assert [(p.row, p.column) for p in refused.value.problems] == [
        (3, "Сальдо на конец"),
        (4, "Услуга"),
        (5, "Лицевой счет"),
        (6, "Период"),
        (7, "Услуга"),
    ]
    text = str(refused.value)
    assert "сальдо на конец 48,49 не равно 0,00 + 100,00 − 50,00 + -1,50" in text
    assert "Услуги «Газ» нет в базе. Известные услуги: «Водоотведение», «ХВС», «Пеня»." in text
    assert "«Водоотведение» за июнь 2017 по счету 100 уже был в строке 2" in text
    with database.read() as s:
        assert s.scalars(select(StatementRow.month)).all() == [date(2017, 5, 1)]


@pytest.mark.parametrize("batch", [500, 1])
def test_one_service_by_its_name_and_by_its_code_is_one_row_twice(
    database: Database, clock: FixedClock, tmp_path: Path, monkeypatch, batch: int
):
    """«Холодная вода» and its code «s1» in one month are the same statement row: the second is
    refused with its line, in one batch or in two (where it used to overwrite the first)."""
    monkeypatch.setattr("desktop.exchange.service.BATCH", batch)
    make_account(database, "100")
    make_services(database, ["Холодная вода"])
    path = tmp_path / "st.csv"
    path.write_text(
        "\r\n".join([HEADER, "100;05.2017;Холодная вода;0;10;0;0;10",
                     "100;05.2017;s1;0;20;0;0;20"]) + "\r\n", encoding="cp1251")  # fmt: skip
    with pytest.raises(ImportRefused) as refused:
        ImportService(database, clock).import_file(ADMIN, path)
    assert [(p.row, p.column) for p in refused.value.problems] == [(3, "Услуга")]
    assert "«s1» (это «Холодная вода») за май 2017 по счету 100 уже был в строке 2" in str(
        refused.value
    )
    with database.read() as s:
        assert s.scalars(select(StatementRow)).all() == []
