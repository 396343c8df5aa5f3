"""Account search as the office types: the rule of ``desktop.account_search`` case by case,
the capped count, the counter's columns without N+1, and a Russian-collation PostgreSQL.
Both backends."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal

import pytest
from sqlalchemy import event, func, insert, select, text

from db.engine import Database
from db.migrate import upgrade
from db.models import Account, Meter, MeterKind, Period, Reading, StaffRole
from db.search import search_columns
from desktop import account_search
from desktop.account_search import COUNT_CAP, SearchResult
from desktop.accounts import AccountService
from desktop.actors import Actor
from desktop.clock import FixedClock
from desktop.demo import build_demo
from desktop.demo.large_spec import LargeSpec
from desktop.settings import Settings
from desktop.statement import StatementService
from tests.factories import counted_selects

CLERK = Actor.staff(1, "petrova", StaffRole.CLERK)

PEOPLE = [
    ("9001", "Иванов И.И.", "г. Королёв, ул. Ленина, д. 5, кв. 12"),
    ("9002", "Иванов П.С.", "г. Королёв, ул. Ленина, д. 15, кв. 2"),
    ("9003", "Иванова И.А.", "г. Королёв, ул. Зелёная, д. 12, кв. 5"),
    ("9004", "Ёлкин Т.Ю.", "г. Королёв, пр-т Мира, д. 5, корп. 2, кв. 120"),
    ("9005", "Фролов Е.Е.", "г. Королёв, ул. Енисейская, д. 3, кв. 7"),
    ("90051", "Семёнова А.А.", "г. Королёв, ул. Садовая, д. 12, кв. 5"),
]
SERIALS = {"9001": ["168500-12", "21883"], "9004": ["AB-77012"], "9005": ["90059"]}


def _add(database: Database, people: list[tuple[str, str, str]]) -> dict[str, int]:
    """Accounts as a bulk load writes them (no ORM hook); their ids by number."""
    with database.unit_of_work() as s:
        s.execute(
            insert(Account),
            [
                {"number": n, "fio": f, "address": a, "area": Decimal("40.00"), "residents": 1}
                | search_columns(f, a)
                for n, f, a in people
            ],
        )
        ids: dict[str, int] = {n: i for n, i in s.execute(select(Account.number, Account.id))}
        for number, serials in SERIALS.items():
            if number in ids:
                s.add_all(
                    Meter(account_id=ids[number], kind=MeterKind.COLD_WATER,
                          title=f"ХВС {serial}", serial=serial, unit="м³")
                    for serial in serials
                )  # fmt: skip
    return ids


@pytest.fixture
def service(database: Database, clock: FixedClock) -> AccountService:
    _add(database, PEOPLE)
    return AccountService(database, clock, Settings())


def found(service: AccountService, query: str) -> list[str]:
    return [row.number for row in service.search(CLERK, query).rows]


CASES: dict[str, list[str]] = {
    # digits: the account number's prefix, exact first, then meter serials
    "9005": ["9005", "90051"],
    "900": ["9001", "9002", "9003", "9004", "9005", "90051"],
    "90 05": ["9005", "90051"],
    "1685": ["9001"],
    "168500-12": ["9001"],
    "№21883": ["9001"],
    "№ 2188": ["9001"],
    "ab-770": ["9004"],
    "AB-77012": ["9004"],
    "9005 9": ["9005"],  # spaces in a number are ignored: its meter 90059
    "12": [],  # a lone number is not looked for in addresses
    # ФИО: each word begins a word of it, any order, initials, ё = е, any case
    "иванов": ["9001", "9002", "9003"],
    "ИВАНОВ": ["9001", "9002", "9003"],
    "иванов и": ["9001", "9003"],  # «и» must begin another word than «иванов»
    "иванов и и": ["9001"],
    "и и иванов": ["9001"],
    "Иванов И.И.": ["9001"],
    "иванова и": ["9003"],
    "и иванов": ["9001", "9003"],
    "иванов п": ["9002"],
    "п иванов": ["9002"],
    "елкин": ["9004"],
    "Ёлкин т ю": ["9004"],
    "семенова": ["90051"],
    "ванов": [],  # ФИО words match from their start
    # address: street, house and flat in any order; three letters or more anywhere inside
    "ленина": ["9001", "9002"],
    "ленина 5 12": ["9001"],
    "12 ленина": ["9001"],
    "ленина 1": ["9001", "9002"],  # д. 15 and кв. 12 begin with 1
    "ленина 1 12": [],  # two different numbers: кв. 12 alone is not enough
    "ленина 1 2": ["9002"],  # д. 15, кв. 2
    "енин": ["9001", "9002"],
    "енис": ["9005"],
    "зеленая 12 5": ["9003"],
    "садовая 5": ["90051"],
    "мира 5 2 120": ["9004"],
    "королев ленина": ["9001", "9002"],
    # ФИО and address words together
    "иванов ленина": ["9001", "9002"],
    "иванов зелен": ["9003"],
    "фролов енис 3": ["9005"],
}


def test_each_case_of_the_rule(service: AccountService):
    got = {query: found(service, query) for query in CASES}
    assert got == CASES


HOSTILE = [
    "%", "_", "%%", "\\", "'", "''", '"', '""', "*", "-", "+", "^", "(", ")", ":",
    "NEAR(", "NEAR(и л)", "AND", "OR", "NOT", "и AND л", "и OR л", "и NOT л", "ленина*",
    "'; DROP TABLE account; --", "{fio}: и", "fio : и", "fio:иванов", "ленина NOT",
    "ив%", "ив_", "ив*", "[и]", "и?", "ленин_", "%ленина", "3%", "9_", "1?", "№", "№%",
    "\x00", "\u200b", "иванов \\", "a\tb", "😀", "𝔸", "и" * 300, "1" * 300,
]  # fmt: skip


def test_hostile_text_is_literal_never_an_error(service: AccountService):
    for query in HOSTILE:
        result = service.search(CLERK, query)
        assert result.rows == () and result.total == 0, query
    # Wildcards and FTS5 syntax are characters like any other where they are stored.
    _add(service.db, [("9100", "Процент% К.К.", "ул. 50_лет Октября, д. 2")])
    assert found(service, "процент%") == ["9100"]
    assert found(service, "процент_") == []
    assert found(service, "50_лет") == ["9100"]
    assert found(service, "50%") == []
    # The punctuation of addresses separates words, in a query as in the row.
    for query in ("-ленина", '"ленина"', "«ленина»", "(ленина)", "ленина.", "ленина:"):
        assert found(service, query) == ["9001", "9002"], query


def test_a_page_and_the_count_of_all(
    service: AccountService, database: Database, monkeypatch: pytest.MonkeyPatch
):
    many = [(str(20_000 + i), f"Андреев{i} А.А.", f"ул. Речная, д. {i}") for i in range(1100)]
    _add(database, many)
    result = service.search(CLERK, "андреев", limit=20)
    assert len(result.rows) == 20 and (result.total, result.more) == (COUNT_CAP, True)
    assert [r.number for r in result.rows] == [str(20_000 + i) for i in range(20)]
    result = service.search(CLERK, "андреев1", limit=20)  # 1, 10–19, 100–199, 1000–1099
    assert (len(result.rows), result.total, result.more) == (20, 211, False)
    result = service.search(CLERK, "2", limit=5)  # numbers 20000–21099, and serial 21883
    assert [r.number for r in result.rows] == ["20000", "20001", "20002", "20003", "20004"]
    assert (result.total, result.more) == (COUNT_CAP, True)
    result = service.search(CLERK, "21", limit=5)  # 21000–21099 by number, a serial 21883
    assert [r.number for r in result.rows] == ["21000", "21001", "21002", "21003", "21004"]
    assert (result.total, result.more) == (101, False)
    result = service.search(CLERK, "2109", limit=20)
    assert [r.number for r in result.rows] == [str(n) for n in range(21090, 21100)]
    assert service.search(CLERK, "иванов", limit=1).total == 3
    # Words that begin one another are checked row by row: the count reads so many rows of
    # the index at most, and then says «at least».
    result = service.search(CLERK, "андреев1 а а", limit=5)
    assert (len(result.rows), result.total, result.more) == (5, 211, False)
    monkeypatch.setattr(account_search, "CANDIDATES", 50)
    result = service.search(CLERK, "андреев1 а а", limit=5)
    assert (len(result.rows), result.total, result.more) == (5, 51, True)
    assert service.search(CLERK, "щщщ") == SearchResult((), 0)


def test_serials_are_counted_by_account_whatever_their_meters(
    service: AccountService, database: Database
):
    """The count of accounts found by a serial reads the meters in serial order: three
    meters an account, more meters than it reads at first, still count each account once,
    and the accounts whose number starts with the same digits are counted as numbers."""
    people = [(str(50_000 + i), f"Тестов{i} Т.Т.", f"ул. Новая, д. {i}") for i in range(700)]
    ids = _add(database, [*people, ("7770", "Номеров Н.Н.", "ул. Новая, д. 1")])
    with database.unit_of_work() as s:
        s.add_all(
            Meter(account_id=ids[number], kind=MeterKind.COLD_WATER, title="ХВС",
                  serial=f"777{i:04d}{k}", unit="м³")
            for i, (number, _fio, _address) in enumerate(people)
            for k in range(3)
        )  # fmt: skip
        s.add(Meter(account_id=ids["7770"], kind=MeterKind.COLD_WATER, title="ХВС",
                    serial="7770000", unit="м³"))  # fmt: skip
    result = service.search(CLERK, "777", limit=10)
    assert (result.total, result.more) == (701, False)
    assert [r.number for r in result.rows] == ["7770", *(str(50_000 + i) for i in range(9))]
    result = service.search(CLERK, "7771", limit=500)  # serials 7771000–7771999: none
    assert (result.rows, result.total) == ((), 0)
    result = service.search(CLERK, "№ 77700", limit=5)  # serials only: 7770000, 0–99
    assert (result.total, [r.number for r in result.rows][:2]) == (101, ["7770", "50000"])


def _last_reading(database: Database, account_id: int) -> datetime | None:
    with database.read() as s:
        for period_id in s.scalars(
            select(Period.id).where(Period.account_id == account_id).order_by(Period.month.desc())
        ):
            last = s.scalar(
                select(func.max(Reading.entered_at)).where(Reading.period_id == period_id)
            )
            if last is not None:
                return last
    return None


def test_rows_carry_the_debt_and_last_reading_in_a_few_queries(
    database: Database, clock: FixedClock
):
    summary = build_demo(database, clock)
    service = AccountService(database, clock, Settings())
    statements = StatementService(database, clock, Settings())
    result = service.search(CLERK, "королев", limit=50)  # every demo account's town
    by_number = {row.number: row for row in result.rows}
    assert {"3492", "3493", "3517", "4105", "4106", "5210"} <= set(by_number)
    for row in result.rows:
        assert row.debt == statements.debt(CLERK, row.id).balance, row.number
        assert row.last_reading_at == _last_reading(database, row.id), row.number
    assert by_number["4105"].debt > 0 and by_number["3492"].debt == Decimal("-11.86")
    assert by_number["3492"].last_reading_at is not None
    assert summary is not None

    # Two queries a keystroke, however many rows: one read of the index gives the page's
    # ids and the count, one more the page's rows (no query per row).
    for limit in (1, 2, 5, 7, 50):
        with counted_selects() as seen:
            result = service.search(CLERK, "королев", limit=limit)
        assert len(result.rows) == min(limit, 6) and result.total == 6
        assert len(seen) == 2, seen
    with counted_selects() as seen:  # words that begin one another: checked as they are read
        result = service.search(CLERK, "королев к", limit=2)
    assert len(result.rows) == 2 and len(seen) == 2, seen


@pytest.fixture
def russian(pg_russian_url: str) -> Iterator[Database]:
    db = Database(pg_russian_url)
    upgrade(db.engine)
    yield db
    db.dispose()


def test_in_a_russian_collation_database(russian: Database, clock: FixedClock):
    """Under ICU «ru» text sorts by the language's rules (ё beside е, punctuation ignored),
    yet prefixes are code point ranges on the C-collated indexes and words trigrams."""
    with russian.engine.connect() as conn:
        assert conn.execute(text("SHOW lc_collate")).scalar() == "C.UTF-8"
        provider = conn.execute(
            text("SELECT datlocprovider FROM pg_database WHERE datname = current_database()")
        ).scalar()
        assert provider == "i"
    _add(russian, PEOPLE)
    service = AccountService(russian, clock, Settings())
    got = {query: found(service, query) for query in CASES}
    assert got == CASES


def test_postgres_search_uses_its_indexes(pg_url: str, clock: FixedClock):
    """The query's expressions are the indexes' own: the planner can pick them."""
    db = Database(pg_url)
    try:
        upgrade(db.engine)
        _add(db, PEOPLE)
        service = AccountService(db, clock, Settings())
        plans: list[str] = []

        def explain(conn, cursor, statement, parameters, *_):  # type: ignore[no-untyped-def]
            if statement.startswith("SELECT") and "coalesce(sum(" not in statement:
                # A few rows: forbid the scans that beat any index on them.
                cursor.execute("SET enable_seqscan = off")
                cursor.execute("SET enable_indexscan = off")
                cursor.execute("EXPLAIN " + statement, parameters)
                plans.append("\n".join(row[0] for row in cursor.fetchall()))

        event.listen(db.engine, "before_cursor_execute", explain)
        try:
            service.search(CLERK, "иванов и")
            service.search(CLERK, "900")
            service.search(CLERK, "№ 2188")
        finally:
            event.remove(db.engine, "before_cursor_execute", explain)
        assert "ix_account_words_trgm" in plans[0], plans[0]
        assert "ix_account_number_c" in "\n".join(plans), plans
        assert "ix_meter_serial_c" in "\n".join(plans), plans
    finally:
        db.dispose()


def test_the_large_demo_is_searchable_and_so_is_its_rebuild(database: Database, clock: FixedClock):
    """The large demo writes accounts through the bare driver, in bulk; a rebuild with
    ``reset`` drops the schema table by table: the index follows both."""
    now = FixedClock(datetime(2026, 11, 20, 10, 0, tzinfo=clock.now().tzinfo))
    build_demo(database, now, large=LargeSpec(accounts=30, months=14, seed=1))
    build_demo(database, now, reset=True, large=LargeSpec(accounts=40, months=14, seed=2))
    service = AccountService(database, now, Settings())
    with database.read() as s:
        accounts = s.execute(select(Account.id, Account.fio, Account.address)).all()
    assert len(accounts) == 40
    for id_, fio, address in accounts:
        street, house, flat = address.split(", ")[-3:]
        query = f"{fio} {street.split(' ', 1)[1]} {house} {flat}"
        assert id_ in {row.id for row in service.search(CLERK, query, limit=500)}, query
    assert service.search(CLERK, "и", limit=1).total <= 40
