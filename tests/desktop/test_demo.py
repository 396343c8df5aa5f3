"""The demo database: the seed's account 3492 to the kopeck, the other accounts' features, and
the refusal to touch anything but an empty or demo-only database. On SQLite and PostgreSQL."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime
from decimal import Decimal
from itertools import pairwise

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.engine import Database
from db.models import (
    Account,
    AuditEntry,
    Company,
    Meter,
    Period,
    Reading,
    Receipt,
    RequestStatus,
    ResidentCredential,
    Service,
    StaffRole,
    StaffUser,
    StatementRow,
    SupportAnswer,
    SupportRequest,
)
from desktop.clock import FixedClock
from desktop.demo import DEMO_STAFF, build_demo, holds_demo
from desktop.errors import UserError
from desktop.formatting import money
from desktop.months import add_months, months_between
from desktop.passwords import verify_password
from desktop.text import normalize

D = Decimal

SERVICE_NAMES = [
    "Водоотведение", "ГВС (ХВС на ГВС)", "ОДН ГВС", "ОДН ХВС", "Отопление", "Подогрев воды",
    "Содержание жилого помещения", "Содержание и ремонт", "ХВС", "Электричество Т1",
    "Электричество Т1 ОДН", "Электричество Т2", "Электричество Т2 ОДН", "Электроэнергия ОДН",
    "Пеня",
]  # fmt: skip
LABELS = ["Сальдо нач.", "Начислено", "Оплачено", "Перерасчет", "Сальдо кон."]
FIELDS = ["opening", "charged", "paid", "recalculation", "closing"]

# The seed's statement as printed: (row, ИТОГО, the fifteen services joined by «|»).
SEED = {
    "2017-06": (
        (
            "Сальдо нач.",
            "5 955,86",
            "334,32|131,04|19,39|4,04|922,73|561,74|2 648,62||262,08|779,65||114,49||177,76|",
        ),
        ("Начислено", "", "||||||||||||||"),
        (
            "Оплачено",
            "5 967,72",
            "334,32|131,04|19,39|4,04|922,73|561,74|2 648,62||262,08|779,65||114,49||177,76|11,86",
        ),
        ("Перерасчет", "", "||||||||||||||"),
        ("Сальдо кон.", "-11,86", "||||||||||||||-11,86"),
    ),
    "2017-05": (
        (
            "Сальдо нач.",
            "6 556,30",
            "46,43|24,57|19,39|4,04|2 633,98|105,44|2 648,62||30,03|762,39||91,79||177,76|11,86",
        ),
        (
            "Начислено",
            "5 955,86",
            "334,32|131,04|19,39|4,04|922,73|561,74|2 648,62||262,08|779,65||114,49||177,76|",
        ),
        (
            "Оплачено",
            "6 556,30",
            "46,43|24,57|19,39|4,04|2 633,98|105,44|2 648,62||30,03|762,39||91,79||177,76|11,86",
        ),
        ("Перерасчет", "", "||||||||||||||"),
        (
            "Сальдо кон.",
            "5 955,86",
            "334,32|131,04|19,39|4,04|922,73|561,74|2 648,62||262,08|779,65||114,49||177,76|",
        ),
    ),
    "2017-04": (
        (
            "Сальдо нач.",
            "15 720,33",
            "455,05|204,75|38,78|8,08|6 417,70|877,84|5 297,24||330,33|1 536,39||198,65||355,52|",
        ),
        (
            "Начислено",
            "6 556,30",
            "46,43|24,57|19,39|4,04|2 633,98|105,44|2 648,62||30,03|762,39||91,79||177,76|11,86",
        ),
        (
            "Оплачено",
            "15 720,33",
            "455,05|204,75|38,78|8,08|6 417,70|877,84|5 297,24||330,33|1 536,39||198,65||355,52|",
        ),
        ("Перерасчет", "", "||||||||||||||"),
        (
            "Сальдо кон.",
            "6 556,30",
            "46,43|24,57|19,39|4,04|2 633,98|105,44|2 648,62||30,03|762,39||91,79||177,76|11,86",
        ),
    ),
    "2017-03": (
        (
            "Сальдо нач.",
            "9 123,92",
            "278,60|131,04|19,39|4,04|4 188,22|561,74|2 648,62||196,56|816,57||101,38||177,76|",
        ),
        (
            "Начислено",
            "6 596,41",
            "176,45|73,71|19,39|4,04|2 229,48|316,10|2 648,62||133,77|719,82||97,27||177,76|",
        ),
        ("Оплачено", "", "||||||||||||||"),
        ("Перерасчет", "", "||||||||||||||"),
        (
            "Сальдо кон.",
            "15 720,33",
            "455,05|204,75|38,78|8,08|6 417,70|877,84|5 297,24||330,33|1 536,39||198,65||355,52|",
        ),
    ),
}

# The seed's «Показания приборов за период» for June 2017.
SEED_JUNE = [
    ("ГВС 168500-12", "", date(2017, 5, 31), "м3", 1, "126.000", "126.000"),
    ("ХВС 21883-12", "", date(2017, 6, 30), "м3", 1, "252.000", "255.000"),
    ("Эл.эн. №12765948", "", None, "кВт.ч", 1, "9723.460", "9897.290"),
    ("Эл.эн. №12765948", "", None, "кВт.ч", 2, "3383.570", "3456.850"),
    ("ГВС 59537062", "59537062", None, "м3", 1, "0.000", "0.000"),
]
SEED_PERIODS = [  # (period, «Дата изменения»)
    (date(2016, 11, 1), (2016, 12)),
    (date(2016, 12, 1), (2017, 1)),
    (date(2017, 1, 1), (2017, 2)),
    (date(2017, 2, 1), (2017, 3)),
    (date(2017, 3, 1), (2017, 4)),
    (date(2017, 4, 1), (2017, 5)),
    (date(2017, 5, 1), (2017, 6)),
    (date(2017, 6, 1), (2017, 6)),
]
SEED_RECEIPTS = [
    (date(2017, 6, 30), "Квитанция 679/30 Моск. области 3492", date(2017, 6, 1)),
    (date(2017, 5, 30), "Квитанция 679/30 Моск. области 3492", date(2017, 5, 1)),
    (date(2017, 4, 29), "Квитанция 679/30 Моск. области (с заданной спр.информацией)",
     date(2017, 4, 1)),
    (date(2017, 3, 30), "Квитанция 679/30 Моск. области (с заданной спр.информацией)",
     date(2017, 3, 1)),
    (date(2017, 2, 28), "Квитанция 679/30 Моск. области (с заданной спр.информацией)",
     date(2017, 2, 1)),
    (date(2017, 1, 31), "Квитанция 679/30 Моск. области (с заданной спр.информацией)",
     date(2017, 1, 1)),
]  # fmt: skip


def account_id(s: Session, number: str) -> int:
    return s.scalar(select(Account.id).where(Account.number == number))


def table_counts(db: Database) -> dict[str, int]:
    models = [Company, Account, Service, StaffUser, Meter, Period, Reading, StatementRow,
              Receipt, SupportRequest, ResidentCredential, AuditEntry]  # fmt: skip
    with db.unit_of_work() as s:
        return {m.__tablename__: s.scalar(select(func.count()).select_from(m)) for m in models}


# --- the seed's account --------------------------------------------------------------------


def test_seed_statement_to_the_kopeck(database: Database, clock: FixedClock):
    build_demo(database, clock)
    with database.unit_of_work() as s:
        rows = s.execute(
            select(StatementRow, Service.name)
            .join(Service)
            .where(StatementRow.account_id == account_id(s, "3492"))
            .order_by(StatementRow.month.desc(), Service.display_order)
        ).all()
    by_month: dict[str, list[tuple[StatementRow, str]]] = defaultdict(list)
    for row, name in rows:
        by_month[f"{row.month:%Y-%m}"].append((row, name))
    assert list(by_month) == list(SEED)  # March – June 2017, newest first
    for month, lines in SEED.items():
        assert [name for _row, name in by_month[month]] == SERVICE_NAMES
        assert [label for label, _total, _cells in lines] == LABELS
        for (label, total, cells), field in zip(lines, FIELDS, strict=True):
            amounts = [getattr(row, field) for row, _name in by_month[month]]
            shown = [money(amount, blank_zero=True) for amount in amounts]
            assert shown == cells.split("|"), (month, label)
            assert money(sum(amounts, D(0)), blank_zero=True) == total, (month, label)


def test_seed_june_2017_readings(database: Database, clock: FixedClock):
    build_demo(database, clock)
    with database.unit_of_work() as s:
        rows = s.execute(
            select(Meter, Reading)
            .join(Reading, Reading.meter_id == Meter.id)
            .join(Period, Reading.period_id == Period.id)
            .where(Period.account_id == account_id(s, "3492"), Period.month == date(2017, 6, 1))
            .order_by(Meter.display_order, Reading.zone)
        ).all()
    got = [
        (m.title, m.serial, m.retired_on, m.unit, r.zone, f"{r.previous}", f"{r.current}")
        for m, r in rows
    ]
    assert got == SEED_JUNE
    assert [r.current - r.previous for _m, r in rows] == [
        D("0.000"),
        D("3.000"),
        D("173.830"),
        D("73.280"),
        D("0.000"),
    ]
    assert {(r.channel, r.entered_by) for _m, r in rows} == {("resident", "3492")}
    meters = {m.title: m for m, _r in rows}
    assert meters["Эл.эн. №12765948"].zones == 2
    assert meters["ГВС 59537062"].initial_value == D("0.000")
    assert meters["ГВС 59537062"].installed_on.year == 2017
    assert [m.digits for m in meters.values()] == [5, 5, 6, 5]


def test_seed_periods_are_consistent_and_accepted(database: Database, clock: FixedClock):
    build_demo(database, clock)
    with database.unit_of_work() as s:
        periods = list(
            s.scalars(
                select(Period)
                .where(Period.account_id == account_id(s, "3492"))
                .order_by(Period.month)
            )
        )
        readings = s.execute(
            select(Period.month, Reading.meter_id, Reading.zone, Reading.previous, Reading.current)
            .join(Period)
            .where(Period.account_id == account_id(s, "3492"))
            .order_by(Period.month)
        ).all()
    assert [(p.month, (p.changed_at.year, p.changed_at.month)) for p in periods] == SEED_PERIODS
    assert all(p.accepted_at is not None and p.accepted_at >= p.changed_at for p in periods)
    assert all(p.changed_at.tzinfo is not None for p in periods)
    last: dict[tuple[int, int], Decimal] = {}
    for month, meter, zone, previous, current in readings:
        assert current >= previous
        if (meter, zone) in last:
            assert previous == last[(meter, zone)], (month, meter, zone)
        last[(meter, zone)] = current
    counts = defaultdict(int)
    for month, *_rest in readings:
        counts[month] += 1
    assert counts[date(2016, 11, 1)] == 4 and counts[date(2017, 6, 1)] == 5


def test_seed_account_and_receipts(database: Database, clock: FixedClock):
    summary = build_demo(database, clock)
    assert (summary.account_number, summary.password) == ("3492", "demo2017pass")
    with database.unit_of_work() as s:
        account = s.scalar(select(Account).where(Account.number == "3492"))
        credential = s.scalar(
            select(ResidentCredential).where(ResidentCredential.account_id == account.id)
        )
        receipts = list(
            s.scalars(
                select(Receipt)
                .where(Receipt.account_id == account.id)
                .order_by(Receipt.issued_on.desc())
            )
        )
    assert account.fio == "Иванов И.И." and account.fio_norm == normalize("Иванов И.И.")
    assert "Московская обл." in account.address and account.address_norm == normalize(
        account.address
    )
    assert account.premises_id is not None and account.area > 0 and account.residents > 0
    assert verify_password(credential.password_hash, "demo2017pass")
    assert not credential.must_change and credential.email
    assert [(r.issued_on, r.description, r.month) for r in receipts] == SEED_RECEIPTS
    totals = {r.month: r.total for r in receipts}
    assert totals[date(2017, 5, 1)] == D("5955.86")
    assert totals[date(2017, 4, 1)] == D("6556.30")
    assert totals[date(2017, 3, 1)] == D("15720.33")
    assert totals[date(2017, 2, 1)] == D("9123.92")  # February's close is March's open
    assert totals[date(2017, 6, 1)] == D("-11.86")


def test_company_and_services(database: Database, clock: FixedClock):
    build_demo(database, clock)
    with database.unit_of_work() as s:
        company = s.scalar(select(Company))
        services = list(s.scalars(select(Service).order_by(Service.display_order)))
    assert company.is_demo and "демонстрац" in company.name
    assert company.phone == "8 495 780 70 83" and company.office_hours
    inn = company.inn
    assert len(inn) == 10 and inn.isdigit()
    weights = [2, 4, 10, 3, 5, 9, 4, 6, 8]
    assert int(inn[9]) == sum(int(d) * w for d, w in zip(inn, weights, strict=False)) % 11 % 10
    assert len(company.kpp) == 9 and company.kpp.isdigit()
    bic = company.bic
    assert len(bic) == 9 and bic.startswith("04") and bic.isdigit()
    settlement, corr = company.settlement_account, company.correspondent_account
    assert len(settlement) == 20 and settlement.startswith("40702810")
    assert len(corr) == 20 and corr.startswith("30101810") and corr[-3:] == bic[-3:]

    def key_ok(digits: str) -> bool:  # the Bank of Russia's control key
        return (
            sum(int(d) * w % 10 for d, w in zip(digits, ([7, 1, 3] * 8)[:23], strict=True)) % 10
            == 0
        )

    assert key_ok(bic[-3:] + settlement) and key_ok("0" + bic[4:6] + corr)
    assert [s.name for s in services] == SERVICE_NAMES
    assert [s.display_order for s in services] == list(range(1, 16))
    assert all(s.code.isascii() for s in services) and len({s.code for s in services}) == 15
    assert [s.name for s in services if s.is_penalty] == ["Пеня"]


# --- every account -------------------------------------------------------------------------


def test_statement_invariant_holds_for_every_account(database: Database, clock: FixedClock):
    build_demo(database, clock)
    with database.unit_of_work() as s:
        rows = list(s.scalars(select(StatementRow).order_by(StatementRow.month)))
        accounts = s.scalar(select(func.count()).select_from(Account))
    history: dict[tuple[int, int], list[StatementRow]] = defaultdict(list)
    for row in rows:
        assert row.closing == row.opening + row.charged - row.paid + row.recalculation
        history[(row.account_id, row.service_id)].append(row)
    assert len(history) == accounts * 15
    for rows_of_one in history.values():
        for before, after in pairwise(rows_of_one):
            assert after.month == add_months(before.month, 1)
            assert after.opening == before.closing


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 3, 10, 11, 0, tzinfo=UTC),
        datetime(2028, 2, 29, 0, 30, tzinfo=UTC),  # a leap day, just after midnight
        datetime(2027, 12, 31, 23, 0, tzinfo=UTC),
    ],
)
def test_other_accounts_show_what_the_seed_does_not(database: Database, moment: datetime):
    clock = FixedClock(moment)
    current = date(moment.year, moment.month, 1)
    summary = build_demo(database, clock)
    assert 6 <= summary.accounts <= 9
    with database.unit_of_work() as s:
        accounts = {a.id: a for a in s.scalars(select(Account).where(Account.number != "3492"))}
        periods = list(
            s.scalars(select(Period).where(Period.account_id.in_(accounts)).order_by(Period.month))
        )
        meters = list(s.scalars(select(Meter).where(Meter.account_id.in_(accounts))))
        readings = s.execute(
            select(Reading, Period.month).join(Period).where(Period.account_id.in_(accounts))
        ).all()
        rows = s.execute(
            select(StatementRow, Service.is_penalty)
            .join(Service)
            .where(StatementRow.account_id.in_(accounts))
        ).all()
        receipts = list(s.scalars(select(Receipt).where(Receipt.account_id.in_(accounts))))
        requests = list(s.scalars(select(SupportRequest)))
        answers = list(s.scalars(select(SupportAnswer)))
        staff = {u.login: u for u in s.scalars(select(StaffUser))}

    # Periods every month for about two years up to the current one; only that one is open.
    by_account: dict[int, list[Period]] = defaultdict(list)
    for period in periods:
        by_account[period.account_id].append(period)
    assert set(by_account) == set(accounts)
    for own in by_account.values():
        months = [p.month for p in own]
        assert months[-1] == current and months_between(months[0], current) >= 20
        assert all(months_between(a, b) == 1 for a, b in pairwise(months))
        assert own[-1].accepted_at is None
        assert all(p.accepted_at is not None for p in own[:-1])
        assert all(p.changed_at <= moment and (p.accepted_at or moment) <= moment for p in own)
        assert {p.id for p in own} <= {r.period_id for r, _month in readings}

    # Receipts for every month before the current one.
    issued = defaultdict(set)
    for receipt in receipts:
        issued[receipt.account_id].add(receipt.month)
        assert receipt.issued_on <= moment.date()
    for account, own in by_account.items():
        assert issued[account] == {p.month for p in own[:-1]}

    # A three-zone meter with readings in every zone this month.
    three = [m for m in meters if m.zones == 3]
    assert three
    zones = {r.zone for r, month in readings if r.meter_id == three[0].id and month == current}
    assert zones == {1, 2, 3}

    # A retired meter that takes no readings after its «Дата выбытия».
    retired = [m for m in meters if m.retired_on is not None and m.retired_on < moment.date()]
    assert retired
    assert all(
        month <= retired[0].retired_on for r, month in readings if r.meter_id == retired[0].id
    )
    assert any(r.meter_id == retired[0].id for r, _month in readings)

    # Arrears older than three months, whatever order payments are taken in: what is owed
    # exceeds all the charges of the last three months.
    owed: dict[int, Decimal] = defaultdict(Decimal)
    recent: dict[int, Decimal] = defaultdict(Decimal)
    penalties: dict[int, Decimal] = defaultdict(Decimal)
    for row, is_penalty in rows:
        if is_penalty:
            penalties[row.account_id] += row.charged
            continue
        if row.month == current:
            owed[row.account_id] += row.closing
        if months_between(row.month, current) <= 3:
            recent[row.account_id] += row.charged + max(row.recalculation, D(0))
    debtors = [a for a in accounts if owed[a] > recent[a] > 0]
    assert debtors and all(penalties[a] > 0 for a in debtors)

    # Support: one request waiting for an answer, one answered by staff.
    answered_ids = {a.request_id for a in answers}
    assert any(r.status == RequestStatus.OPEN and r.id not in answered_ids for r in requests)
    answered = [r for r in requests if r.status == RequestStatus.ANSWERED]
    assert answered and answers and answers[0].request_id == answered[0].id
    assert answers[0].staff_id == staff["operator"].id
    assert all(r.created_at <= moment for r in requests)

    # Staff to sign in with.
    assert staff["admin"].role == StaffRole.ADMIN and staff["operator"].role == StaffRole.CLERK
    for login, password in DEMO_STAFF.items():
        assert len(password) >= 8 and verify_password(staff[login].password_hash, password)


# --- when the demo may be built ------------------------------------------------------------


def _add_real_company(s: Session) -> None:
    s.add(
        Company(
            name="ООО «Настоящая УК»", inn="7700000000", bank_name="Банк", bic="044525225",
            settlement_account="40702810000000000001",
            correspondent_account="30101810400000000225",
        )
    )  # fmt: skip


def _add_account(s: Session, number: str = "100200") -> None:
    s.add(Account(number=number, fio="Петров П.П.", fio_norm="петров п.п.", address="г. Х",
                  address_norm="г. х", area=D("40.00"), residents=1))  # fmt: skip


def _add_staff(s: Session) -> None:
    s.add(StaffUser(login="ivanova", full_name="Иванова", role=StaffRole.CLERK,
                    password_hash="x"))  # fmt: skip


@pytest.mark.parametrize("add", [_add_real_company, _add_account, _add_staff])
def test_refuses_a_database_with_other_data(database: Database, clock: FixedClock, add):
    with database.unit_of_work() as s:
        add(s)
    before = table_counts(database)
    assert not holds_demo(database)
    for reset in (False, True):
        with pytest.raises(UserError, match="не относятся к демонстрационным"):
            build_demo(database, clock, reset=reset)
    assert table_counts(database) == before


def test_refuses_the_demo_mixed_with_real_data(database: Database, clock: FixedClock):
    build_demo(database, clock)
    with database.unit_of_work() as s:
        _add_account(s, "9999")
    before = table_counts(database)
    assert not holds_demo(database)
    with pytest.raises(UserError, match="«9999»"):
        build_demo(database, clock, reset=True)
    assert table_counts(database) == before


def test_building_twice_needs_reset(database: Database, clock: FixedClock):
    assert not holds_demo(database)
    first = build_demo(database, clock)
    assert holds_demo(database)
    with database.unit_of_work() as s:  # the demo is played with
        s.delete(s.scalar(select(Receipt).limit(1)))
    before = table_counts(database)
    with pytest.raises(UserError, match="--reset"):
        build_demo(database, clock)
    assert table_counts(database) == before

    clock.advance(hours=1)
    second = build_demo(database, clock, reset=True)
    assert second == first
    assert holds_demo(database)
    counts = table_counts(database)
    assert counts["receipt"] == first.receipts and counts["account"] == first.accounts
    assert counts["statement_row"] == first.statement_rows and counts["period"] == first.periods
    assert counts["reading"] == first.readings
    with database.unit_of_work() as s:
        assert s.scalar(select(func.count()).select_from(Company)) == 1
        assert list(s.scalars(select(AuditEntry.action))) == ["demo.build"]
        credential = s.scalar(
            select(ResidentCredential).join(Account).where(Account.number == "3492")
        )
    assert verify_password(credential.password_hash, "demo2017pass")

    # The rebuilt schema still keeps the audit log append-only.
    with pytest.raises(Exception, match="append-only"), database.unit_of_work() as s:
        s.execute(AuditEntry.__table__.delete())


def test_summary_describes_how_to_sign_in(database: Database, clock: FixedClock):
    summary = build_demo(database, clock)
    text = summary.describe()
    assert "3492" in text and "demo2017pass" in text
    assert "лицевой счет 5210, ФИО «Фёдорова О.Ю.», код регистрации DEMA-2K7B" in text
    assert all(login in text and password in text for login, password in DEMO_STAFF.items())
    counts = table_counts(database)
    assert (summary.accounts, summary.periods, summary.readings) == (
        counts["account"],
        counts["period"],
        counts["reading"],
    )
    assert (summary.statement_rows, summary.receipts, summary.support_requests) == (
        counts["statement_row"],
        counts["receipt"],
        counts["support_request"],
    )
