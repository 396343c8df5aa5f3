"""Account's search columns follow its ФИО and address, whoever writes them. Both backends."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import insert, select

from db.engine import Database
from db.models import Account, StaffRole
from db.search import normalize, search_columns
from desktop.accounts import AccountService
from desktop.actors import Actor
from desktop.clock import FixedClock
from desktop.settings import Settings

CLERK = Actor.staff(1, "petrova", StaffRole.CLERK)


def _norms(database: Database, number: str) -> tuple[str, str]:
    with database.read() as s:
        row = s.execute(
            select(Account.fio_norm, Account.address_norm).where(Account.number == number)
        ).one()
    return row[0], row[1]


def test_the_columns_follow_fio_and_address(database: Database, clock: FixedClock):
    with database.unit_of_work() as s:
        s.add(Account(number="77", fio="Иванов  И.И.", address="ул. Зелёная, д. 1",
                      area=Decimal("40.00"), residents=1))  # fmt: skip
    assert _norms(database, "77") == ("иванов и.и.", "ул. зеленая, д. 1")
    search = AccountService(database, clock, Settings()).search
    assert [a.number for a in search(CLERK, "ива")] == ["77"]
    assert [a.number for a in search(CLERK, "ЗЕЛЁН")] == ["77"]

    with database.unit_of_work() as s:
        account = s.scalar(select(Account).where(Account.number == "77"))
        assert account is not None
        account.fio = "Ёжикова Т.Ю."
        account.address = "пр-т Мира, д. 10"
    assert _norms(database, "77") == ("ежикова т.ю.", "пр-т мира, д. 10")
    assert not search(CLERK, "ива") and not search(CLERK, "зелен")
    assert [a.number for a in search(CLERK, "ежик")] == ["77"]
    assert [a.number for a in search(CLERK, "МИРА")] == ["77"]


def test_a_bulk_insert_uses_the_same_rule(database: Database, clock: FixedClock):
    fio, address = "Иванов И.И.", "г. Королёв, ул. Садовая, д. 7"
    with database.unit_of_work() as s:
        s.execute(
            insert(Account),
            [{"number": "78", "fio": fio, "address": address, "area": Decimal("40.00"),
              "residents": 1} | search_columns(fio, address)],
        )  # fmt: skip
    assert _norms(database, "78") == (normalize(fio), normalize(address))
    found = AccountService(database, clock, Settings()).search(CLERK, "ива")
    assert [a.number for a in found] == ["78"]


def test_the_index_follows_writes_that_bypass_the_orm(database: Database, clock: FixedClock):
    """Statements sent through the bare driver (as an import or the large demo does) and a
    delete keep the search index in step: its triggers (SQLite) or expressions (PostgreSQL)
    do it, not the application."""
    fio, address = "Петров П.П.", "г. Королёв, ул. Озёрная, д. 9, кв. 3"
    norm = search_columns(fio, address)
    with database.engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO account (number, fio, fio_norm, address, address_norm, area, residents)"
            f" VALUES ('79', '{fio}', '{norm['fio_norm']}', '{address}', "
            f"'{norm['address_norm']}', 4000, 1)"
        )
    search = AccountService(database, clock, Settings()).search
    assert [a.number for a in search(CLERK, "петров п")] == ["79"]
    assert [a.number for a in search(CLERK, "озерн 9 3")] == ["79"]
    with database.engine.begin() as conn:
        conn.exec_driver_sql(
            "UPDATE account SET fio_norm = 'сидоров с.с.', address_norm = 'ул. лесная' "
            "WHERE number = '79'"
        )
    assert not search(CLERK, "петров") and not search(CLERK, "озерн")
    assert [a.number for a in search(CLERK, "сидоров с с")] == ["79"]
    with database.engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM account WHERE number = '79'")
    assert not search(CLERK, "сидоров") and not search(CLERK, "лесная")
