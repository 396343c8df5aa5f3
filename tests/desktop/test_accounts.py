"""AccountService: lookup, search (Cyrillic, ё, literal wildcards) and adding accounts."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from db.engine import Database
from db.models import (
    Account,
    AuditEntry,
    Building,
    Company,
    Meter,
    MeterKind,
    Premises,
    ResidentCredential,
    StaffRole,
)
from desktop.account_search import SearchResult
from desktop.accounts import AccountInfo, AccountService
from desktop.actors import Actor
from desktop.clock import FixedClock
from desktop.errors import AccessDeniedError, NotFoundError, ValidationError
from desktop.settings import Settings

CLERK = Actor.staff(1, "petrova", StaffRole.CLERK)

PEOPLE = [
    ("3492", "Иванов И.И.", "г. Подольск, ул. Ленина, д. 5, кв. 12"),
    ("3493", "Семёнов С.С.", "г. Подольск, ул. Зелёная, д. 7, кв. 1"),
    ("1001", "Петрова А.Б.", "г. Подольск, пр-т Мира, д. 10, кв. 3"),
    ("1002", "Ёлкина Е.Ё.", "г. Подольск, ул. Садовая, д. 1, кв. 40"),
    ("349", "Смирнов В.Г.", "г. Подольск, ул. 50_лет Октября, д. 2, кв. 9"),
    ("34", "Процент% К.К.", "г. Подольск, ул. 50 лет Октября, д. 2, кв. 10"),
]


@pytest.fixture
def service(database: Database, clock: FixedClock) -> AccountService:
    return AccountService(database, clock, Settings())


@pytest.fixture
def people(service: AccountService) -> dict[str, AccountInfo]:
    """A few accounts, by number."""
    return {
        number: service.create_account(CLERK, number, fio, address, Decimal("54.30"), 2)
        for number, fio, address in PEOPLE
    }


def _add_meter(database: Database, account_id: int, serial: str) -> None:
    with database.unit_of_work() as s:
        s.add(
            Meter(
                account_id=account_id,
                kind=MeterKind.COLD_WATER,
                title=f"ХВС {serial}",
                serial=serial,
                unit="м³",
            )
        )


def numbers(found: SearchResult) -> list[str]:
    return [a.number for a in found.rows]


# -- search: ФИО, address, number, serial ------------------------------------------------


def test_fio_prefix_any_case_and_yo(service: AccountService, people: dict[str, AccountInfo]):
    cases = {
        "3492": ["ива", "ИВА", "иВаНоВ", "Иванов И.И.", "  иванов   и.", "Иванов"],
        "3493": ["семен", "Семен", "СЕМЁН", "семёнов с"],  # stored as «Семёнов»
        "1002": ["елкина", "Ёлк", "ЕЛКИНА Е.Е."],  # stored as «Ёлкина Е.Ё.»
    }
    for number, queries in cases.items():
        for query in queries:
            assert numbers(service.search(CLERK, query)) == [number], query
    assert numbers(service.search(CLERK, "ванов")) == []  # a prefix, not a substring


def test_address_substring(service: AccountService, people: dict[str, AccountInfo]):
    cases = {
        "ленина": ["3492"],
        "ул. Ленина, д. 5": ["3492"],
        "ЛЕНИНА,   Д. 5, КВ. 12": ["3492"],
        "зеленая": ["3493"],  # stored with ё
        "Зелёная": ["3493"],
        "подольск": ["3492", "3493", "1001", "1002", "349", "34"],  # in the order added
        "мира, д. 10": ["1001"],
        "садовая, д. 2": [],
    }
    for query, expected in cases.items():
        assert numbers(service.search(CLERK, query)) == expected, query


def test_number_prefix_exact_first_then_by_number_as_text(
    service: AccountService, database: Database, people: dict[str, AccountInfo]
):
    service.create_account(CLERK, "34921", "Орлов О.О.", "ул. Садовая, д. 3", Decimal("30"), 1)
    service.create_account(CLERK, "3490", "Орлов П.О.", "ул. Садовая, д. 4", Decimal("30"), 1)
    # The index's order: the exact number is the smallest text with its prefix.
    assert numbers(service.search(CLERK, "349")) == ["349", "3490", "3492", "34921", "3493"]
    assert numbers(service.search(CLERK, "3492")) == ["3492", "34921"]
    assert numbers(service.search(CLERK, "34")) == ["34", "349", "3490", "3492", "34921", "3493"]
    assert numbers(service.search(CLERK, " 34 92 ")) == ["3492", "34921"]
    # Accounts found by a meter serial come after those found by their number.
    _add_meter(database, people["1001"].id, "34999")
    assert numbers(service.search(CLERK, "3492")) == ["3492", "34921"]
    assert numbers(service.search(CLERK, "349")) == ["349", "3490", "3492", "34921", "3493", "1001"]
    assert service.search(CLERK, "349").total == 6


def test_digits_do_not_search_addresses(service: AccountService, people: dict[str, AccountInfo]):
    # «10» is also in «д. 10» and «кв. 10», but digits search numbers and serials only.
    assert numbers(service.search(CLERK, "10")) == ["1001", "1002"]


def test_meter_serial_exact_and_prefix(
    service: AccountService, database: Database, people: dict[str, AccountInfo]
):
    _add_meter(database, people["3492"].id, "168500-12")
    _add_meter(database, people["3492"].id, "21883-12")
    _add_meter(database, people["1001"].id, "AB-77012")
    assert numbers(service.search(CLERK, "168500-12")) == ["3492"]
    assert numbers(service.search(CLERK, "1685")) == ["3492"]
    assert numbers(service.search(CLERK, "№ 21883")) == ["3492"]
    assert numbers(service.search(CLERK, "ab-770")) == ["1001"]
    assert numbers(service.search(CLERK, "8500-12")) == []  # a serial matches from its start


def test_wildcards_are_literal(service: AccountService, people: dict[str, AccountInfo]):
    queries = ["%", "_", "*", "?", "[и]", "\\", "ива%", "ива_", "ив_н", "и*", "ив?н", "[и]в"]
    queries += ["%ленина", "_ленина", "*ленина", "ленин_", "лен%на", "3_", "3%", "3*", "1?"]
    for query in queries:
        assert numbers(service.search(CLERK, query)) == [], query


def test_wildcards_match_themselves(service: AccountService, people: dict[str, AccountInfo]):
    assert numbers(service.search(CLERK, "процент%")) == ["34"]
    assert numbers(service.search(CLERK, "процент_")) == []
    assert numbers(service.search(CLERK, "50_лет")) == ["349"]
    # Two words: «50» begins a word of both addresses and «лет» is inside both.
    assert numbers(service.search(CLERK, "50 лет")) == ["349", "34"]
    assert numbers(service.search(CLERK, "50 лет 10")) == ["34"]


def test_empty_or_invisible_query_finds_nothing(
    service: AccountService, people: dict[str, AccountInfo]
):
    for query in ("", "   ", "\t\n", "\x00", "\u200b"):
        assert service.search(CLERK, query) == SearchResult((), 0)


def test_invisible_characters_are_ignored(service: AccountService, people: dict[str, AccountInfo]):
    assert numbers(service.search(CLERK, "Ива\u00adнов\x00")) == ["3492"]


def test_limit(service: AccountService, people: dict[str, AccountInfo]):
    found = service.search(CLERK, "подольск", limit=2)
    assert (numbers(found), found.total, found.more) == (["3492", "3493"], 6, False)
    assert service.search(CLERK, "подольск", limit=0) == SearchResult((), 0)


def test_a_resident_cannot_search(service: AccountService, people: dict[str, AccountInfo]):
    resident = Actor.resident(people["3492"].id, "3492")
    with pytest.raises(AccessDeniedError, match="искать лицевые счета: это могут только"):
        service.search(resident, "ива")


# -- search: any spelling of a stored ФИО's prefix finds it ---------------------------------


@st.composite
def spelled_prefix(draw: st.DrawFn) -> tuple[str, str]:
    number, fio, _ = draw(st.sampled_from(PEOPLE))
    prefix = fio[: draw(st.integers(1, len(fio)))]
    chars = []
    for char in prefix:
        variants = {char, char.upper(), char.lower()}
        if char.lower() in "её":
            variants |= {"е", "Е", "ё", "Ё"}
        chars.append(draw(st.sampled_from(sorted(variants))))
    padding = draw(st.sampled_from(["", " ", "  ", "\t"]))
    return number, padding + "".join(chars) + padding


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(case=spelled_prefix())
def test_any_spelling_of_a_fio_prefix_finds_it(
    service: AccountService, people: dict[str, AccountInfo], case: tuple[str, str]
):
    number, query = case
    assert number in numbers(service.search(CLERK, query))


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(query=st.text(max_size=12))
def test_any_text_is_a_safe_query(
    service: AccountService, people: dict[str, AccountInfo], query: str
):
    """Whatever is typed or pasted, the search answers, and only with real matches."""
    for info in service.search(CLERK, query):
        assert info.number in {p[0] for p in PEOPLE}


# -- get ------------------------------------------------------------------------------------


def test_get_by_number(service: AccountService, people: dict[str, AccountInfo]):
    info = service.get(CLERK, " 34 92 ")
    assert info == people["3492"]
    assert info.fio == "Иванов И.И." and info.area == Decimal("54.30") and info.residents == 2
    assert info.registered is False and info.company is None
    assert service.get_by_id(CLERK, info.id) == info


def test_get_shows_registration_and_company(
    service: AccountService, database: Database, people: dict[str, AccountInfo]
):
    now = datetime(2017, 6, 20, 9, 0, tzinfo=UTC)
    with database.unit_of_work() as s:
        company = Company(
            name="ООО «УК Демо»", inn="5036000000", bank_name="Банк", bic="044525000",
            settlement_account="40702810000000000000", correspondent_account="30101810000000000000",
        )  # fmt: skip
        s.add(company)
        s.flush()
        building = Building(company_id=company.id, address="ул. Ленина, д. 5")
        s.add(building)
        s.flush()
        premises = Premises(building_id=building.id, number="12", area=Decimal("54.30"))
        s.add(premises)
        s.flush()
        s.get_one(Account, people["3492"].id).premises_id = premises.id
        s.add_all(
            [
                ResidentCredential(account_id=people["3492"].id, email="i@example.ru",
                                   password_hash="$argon2id$x", created_at=now, updated_at=now),
                # Registration started but no password yet: not registered.
                ResidentCredential(account_id=people["1001"].id, email="p@example.ru",
                                   password_hash=None, created_at=now, updated_at=now),
            ]
        )  # fmt: skip
    info = service.get(CLERK, "3492")
    assert info.registered is True and info.company == "ООО «УК Демо»"
    assert service.get(CLERK, "1001").registered is False


def test_missing_account_message(service: AccountService, people: dict[str, AccountInfo]):
    with pytest.raises(NotFoundError) as error:
        service.get(CLERK, "123")
    assert str(error.value) == "Лицевой счет 123 не найден. Проверьте номер по квитанции."
    with pytest.raises(NotFoundError):
        service.get_by_id(CLERK, 10_000)
    with pytest.raises(ValidationError, match="Укажите номер лицевого счета"):
        service.get(CLERK, "  ")


def test_a_resident_reads_only_their_own(service: AccountService, people: dict[str, AccountInfo]):
    resident = Actor.resident(people["3492"].id, "3492")
    assert service.get(resident, "3492").number == "3492"
    assert service.get_by_id(resident, people["3492"].id).number == "3492"
    with pytest.raises(AccessDeniedError):
        service.get(resident, "1001")
    with pytest.raises(AccessDeniedError):
        service.get_by_id(resident, people["1001"].id)
    # Nor does a resident learn which other numbers exist.
    with pytest.raises(AccessDeniedError):
        service.get(resident, "123")


# -- create_account -------------------------------------------------------------------------


def test_create_account_sets_search_columns_and_audits(service: AccountService, database: Database):
    info = service.create_account(
        CLERK, " 77 01 ", "  Сёмина   Т.Ю. ", "ул. Озёрная,  д. 1", "42,5", 3
    )
    assert (info.number, info.fio, info.address) == ("7701", "Сёмина Т.Ю.", "ул. Озёрная, д. 1")
    assert info.area == Decimal("42.50") and info.residents == 3 and not info.registered
    with database.unit_of_work() as s:
        account = s.get_one(Account, info.id)
        assert (account.fio_norm, account.address_norm) == ("семина т.ю.", "ул. озерная, д. 1")
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "account.create")).one()
    assert entry.actor == "staff:petrova" and entry.account_id == info.id and entry.ok
    assert json.loads(entry.details)["number"] == "7701"
    assert entry.at == datetime(2017, 6, 20, 9, 0, tzinfo=UTC)


BAD_INPUT = [
    (("", "Иванов И.И.", "ул. Ленина", "50", 1), "Укажите номер лицевого счета."),
    (("34-92", "Иванов И.И.", "ул. Ленина", "50", 1), "только из цифр"),
    (("３４９２", "Иванов И.И.", "ул. Ленина", "50", 1), "только из цифр"),
    (("1" * 21, "Иванов И.И.", "ул. Ленина", "50", 1), "не больше 20 цифр"),
    (("5000", " \x00 ", "ул. Ленина", "50", 1), "Укажите ФИО так, как оно напечатано в квитанции"),
    (("5000", "И" * 201, "ул. Ленина", "50", 1), "ФИО слишком длинное: не больше 200"),
    (("5000", "Иванов И.И.", "", "50", 1), "Укажите адрес помещения"),
    (("5000", "Иванов И.И.", "ул. Ленина", "пятьдесят", 1), "Площадь «пятьдесят» указана"),
    (("5000", "Иванов И.И.", "ул. Ленина", "0", 1), "Площадь должна быть больше нуля."),
    (("5000", "Иванов И.И.", "ул. Ленина", "50,123", 1), "с точностью до сотых"),
    (("5000", "Иванов И.И.", "ул. Ленина", "NaN", 1), "Площадь указана неверно"),
    (("5000", "Иванов И.И.", "ул. Ленина", "100000", 1), "слишком велика"),
    (("5000", "Иванов И.И.", "ул. Ленина", "50", -1), "Число проживающих указано неверно"),
]


def test_create_account_refuses_bad_input(service: AccountService, database: Database):
    for args, message in BAD_INPUT:
        with pytest.raises(ValidationError, match=message):
            service.create_account(CLERK, *args)
    with database.unit_of_work() as s:
        assert s.scalar(select(Account.id)) is None
        assert s.scalar(select(AuditEntry.id)) is None


def test_create_account_reports_every_problem_at_once(service: AccountService):
    with pytest.raises(ValidationError) as error:
        service.create_account(CLERK, "x", "", "", "-1", 1)
    assert len(str(error.value).splitlines()) == 4


def test_create_account_refuses_a_taken_number(
    service: AccountService, people: dict[str, AccountInfo]
):
    with pytest.raises(ValidationError, match="Лицевой счет 3492 уже есть в базе"):
        service.create_account(CLERK, "34 92", "Другой Д.Д.", "ул. Мира", Decimal(40), 1)


def test_create_account_checks_premises(service: AccountService):
    with pytest.raises(ValidationError, match="Помещение № 99 не найдено"):
        service.create_account(CLERK, "5000", "Иванов И.И.", "ул. Ленина", Decimal(40), 1, 99)


def test_create_account_is_for_staff(service: AccountService, people: dict[str, AccountInfo]):
    resident = Actor.resident(people["3492"].id, "3492")
    with pytest.raises(AccessDeniedError):
        service.create_account(resident, "5000", "Иванов И.И.", "ул. Ленина", Decimal(40), 1)


def test_create_account_takes_no_float(service: AccountService):
    with pytest.raises(TypeError):
        service.create_account(CLERK, "5000", "Иванов И.И.", "ул. Ленина", 40.5, 1)  # type: ignore[arg-type]
