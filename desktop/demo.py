"""The demo database: the seed's account 3492 to the kopeck, and a few accounts that show what
the seed does not (arrears, a retired meter, a three-zone meter, support requests).

Everything is built in one transaction into a migrated database that is empty or holds the
demo only; a database with anything else in it is never touched.
"""

from __future__ import annotations

import calendar
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from importlib import resources

from sqlalchemy import Select, insert, select, text
from sqlalchemy.orm import Session, selectinload

from db import migrate
from db.engine import Database
from db.migrations import HEAD
from db.models import (
    Account,
    Base,
    Building,
    Channel,
    Company,
    ImportBatch,
    Meter,
    MeterKind,
    OutboxMessage,
    Period,
    Premises,
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
from desktop import audit
from desktop.actors import SYSTEM
from desktop.clock import Clock
from desktop.errors import UserError
from desktop.months import MONTHS_NOMINATIVE, add_months, month_start
from desktop.passwords import hash_password
from desktop.text import normalize

D = Decimal
ZERO = D("0.00")
CENT = D("0.01")
MILLI = D("0.001")

DEMO_ACCOUNT = "3492"
DEMO_PASSWORD = "demo2017pass"
# The demo's staff logins and passwords, printed by `python -m desktop demo`.
DEMO_STAFF = {"admin": "demo-admin-2017", "operator": "demo-operator-2017"}
HISTORY_MONTHS = 24  # the other accounts' data: this many months up to the current one


@dataclass(frozen=True)
class DemoSummary:
    """What the demo build made, and how to sign in to it."""

    accounts: int
    periods: int
    readings: int
    statement_rows: int
    receipts: int
    support_requests: int
    account_number: str
    password: str
    staff: tuple[tuple[str, str], ...]

    def describe(self) -> str:
        staff = ", ".join(f"{login} / {password}" for login, password in self.staff)
        return (
            f"Демонстрационная база готова: лицевых счетов — {self.accounts}, "
            f"периодов — {self.periods}, показаний — {self.readings}, "
            f"строк ведомости — {self.statement_rows}, квитанций — {self.receipts}, "
            f"обращений — {self.support_requests}.\n"
            f"Вход жителя: лицевой счёт {self.account_number}, пароль {self.password}.\n"
            f"Вход сотрудников (логин / пароль): {staff}."
        )


@dataclass(frozen=True)
class ServiceSpec:
    code: str
    name: str
    unit: str
    tariff: Decimal | None
    is_penalty: bool = False


# The seed statement's fifteen columns, in its order.
SERVICES = (
    ServiceSpec("wastewater", "Водоотведение", "м3", D("27.86")),
    ServiceSpec("hot_water_cold", "ГВС (ХВС на ГВС)", "м3", D("32.76")),
    ServiceSpec("odn_hot_water", "ОДН ГВС", "м3", None),
    ServiceSpec("odn_cold_water", "ОДН ХВС", "м3", None),
    ServiceSpec("heating", "Отопление", "Гкал", D("1926.02")),
    ServiceSpec("water_heating", "Подогрев воды", "м3", D("140.44")),
    ServiceSpec("housing_maintenance", "Содержание жилого помещения", "м2", D("43.42")),
    ServiceSpec("maintenance_repair", "Содержание и ремонт", "м2", None),
    ServiceSpec("cold_water", "ХВС", "м3", D("32.76")),
    ServiceSpec("electricity_t1", "Электричество Т1", "кВт.ч", D("5.38")),
    ServiceSpec("electricity_t1_odn", "Электричество Т1 ОДН", "кВт.ч", None),
    ServiceSpec("electricity_t2", "Электричество Т2", "кВт.ч", D("1.58")),
    ServiceSpec("electricity_t2_odn", "Электричество Т2 ОДН", "кВт.ч", None),
    ServiceSpec("electricity_odn", "Электроэнергия ОДН", "кВт.ч", None),
    ServiceSpec("penalty", "Пеня", "", None, is_penalty=True),
)
SERVICE_CODES = tuple(spec.code for spec in SERVICES)
_TARIFFS = {spec.code: spec.tariff for spec in SERVICES}


def _tariff(code: str) -> Decimal:
    return _TARIFFS[code] or ZERO


# Fictional requisites with valid check digits (ИНН, ОГРН, the accounts' key against the БИК).
DEMO_COMPANY = {
    "name": 'ООО "УК Демо" (демонстрационные данные)',
    "inn": "5012345672",
    "kpp": "501201001",
    "ogrn": "1175012345672",
    "address": "Московская обл., г. Королёв, ул. Демонстрационная, д. 1",
    "bank_name": 'АО "Демо-Банк" (демонстрационные данные)',
    "bic": "044525999",
    "settlement_account": "40702810040000012345",
    "correspondent_account": "30101810600000000999",
    "phone": "8 495 780 70 83",
    "email": "info@uk-demo.example",
    "office_hours": "пн–чт 9:00–18:00, пт 9:00–17:00, обед 13:00–14:00",
}
BUILDINGS = (
    "Московская обл., г. Королёв, ул. Садовая, д. 7",
    "Московская обл., г. Королёв, ул. Лесная, д. 12",
    "Московская обл., г. Королёв, пр-т Космонавтов, д. 3, корп. 2",
)


@dataclass(frozen=True)
class Household:
    """One of the other demo accounts and what it is there to show."""

    number: str
    fio: str
    building: int  # index into BUILDINGS
    flat: str
    area: Decimal
    residents: int
    email: str | None  # None: not registered, so that registration can be tried
    zones: int = 2  # the electricity meter's tariff zones
    stops_paying: int | None = None  # payments stopped this many months before the current one
    cold_retired: int | None = None  # the ХВС meter retired this many months ago, not replaced
    recalculation: int | None = None  # a hot-water recalculation this many months ago
    advance: int | None = None  # a prepayment this many months ago


HOUSEHOLDS = (
    Household("3493", "Петрова А.С.", 0, "31", D("45.60"), 2, "petrova@demo.example",
              recalculation=5),
    Household("3517", "Сидоров П.В.", 0, "55", D("72.10"), 4, "sidorov@demo.example", zones=3),
    Household("4105", "Кузнецова Е.Н.", 1, "8", D("38.90"), 1, "kuznetsova@demo.example",
              stops_paying=7),
    Household("4106", "Смирнов Д.А.", 1, "9", D("51.20"), 3, "smirnov@demo.example",
              cold_retired=4),
    Household("5210", "Фёдорова О.Ю.", 2, "112", D("64.00"), 2, None, advance=6),
)  # fmt: skip
DEMO_ACCOUNTS = (DEMO_ACCOUNT, *(h.number for h in HOUSEHOLDS))


# --- the seed's account -------------------------------------------------------------------

SEED_FIO = "Иванов И.И."
SEED_EMAIL = "ivanov@demo.example"
SEED_FLAT = "30"
SEED_AREA = D("61.00")  # × 43,42 ₽/м² = the seed's 2 648,62 for «Содержание жилого помещения»
SEED_RESIDENTS = 3


@dataclass(frozen=True)
class SeedMeter:
    kind: MeterKind
    title: str
    serial: str
    unit: str
    zones: int
    digits: int
    installed_on: date
    next_verification_on: date
    retired_on: date | None
    # Per zone: the June 2017 previous and current values, and the consumption of the months
    # November 2016 – May 2017 that lead up to June's previous value.
    june: tuple[tuple[str, str], ...]
    history: tuple[tuple[str, ...], ...] = ()


SEED_METERS = (
    SeedMeter(MeterKind.HOT_WATER, "ГВС 168500-12", "", "м3", 1, 5, date(2013, 5, 31),
              date(2017, 5, 31), date(2017, 5, 31), (("126.000", "126.000"),),
              (("3", "3", "2", "3", "2", "3", "2"),)),
    SeedMeter(MeterKind.COLD_WATER, "ХВС 21883-12", "", "м3", 1, 5, date(2012, 7, 2),
              date(2017, 6, 30), date(2017, 6, 30), (("252.000", "255.000"),),
              (("5", "6", "5", "5", "4", "4", "3"),)),
    SeedMeter(MeterKind.ELECTRICITY, "Эл.эн. №12765948", "", "кВт.ч", 2, 6, date(2014, 9, 14),
              date(2030, 9, 14), None, (("9723.460", "9897.290"), ("3383.570", "3456.850")),
              (("187.310", "201.540", "214.020", "190.660", "181.250", "166.480", "158.920"),
               ("79.840", "84.120", "88.370", "80.050", "76.610", "71.230", "69.960"))),
    SeedMeter(MeterKind.HOT_WATER, "ГВС 59537062", "59537062", "м3", 1, 5, date(2017, 6, 1),
              date(2023, 6, 1), None, (("0.000", "0.000"),)),
)  # fmt: skip
SEED_FIRST_PERIOD = date(2016, 11, 1)
SEED_LAST_PERIOD = date(2017, 6, 1)
# The seed's «Дата изменения» is the month after the period's (the same month for June 2017).
SEED_CHANGED_ON = {date(2017, 6, 1): date(2017, 6, 16)}
SEED_RECEIPTS = (
    (date(2017, 1, 31), "Квитанция 679/30 Моск. области (с заданной спр.информацией)"),
    (date(2017, 2, 28), "Квитанция 679/30 Моск. области (с заданной спр.информацией)"),
    (date(2017, 3, 30), "Квитанция 679/30 Моск. области (с заданной спр.информацией)"),
    (date(2017, 4, 29), "Квитанция 679/30 Моск. области (с заданной спр.информацией)"),
    (date(2017, 5, 30), "Квитанция 679/30 Моск. области 3492"),
    (date(2017, 6, 30), "Квитанция 679/30 Моск. области 3492"),
)
SEED_JANUARY_TOTAL = D("6702.35")  # the statement starts in March; January's total is made up

ROW_FIELDS = {
    "Сальдо нач.": 0,
    "Начислено": 1,
    "Оплачено": 2,
    "Перерасчет": 3,
    "Сальдо кон.": 4,
}

Amounts = tuple[Decimal, Decimal, Decimal, Decimal, Decimal]  # opening…closing


def _amount(cell: str) -> Decimal:
    cell = cell.replace(" ", "").replace("\u00a0", "").replace(",", ".")
    return D(cell).quantize(CENT) if cell else ZERO


@cache
def _seed_statement() -> dict[date, dict[str, Amounts]]:
    """The seed's statement of account 3492 by month and service code, parsed from the copy of
    the seed's table in ``data/demo_seed_statement.tsv``; its sums and invariant are checked."""
    source = resources.files("desktop").joinpath("data/demo_seed_statement.tsv")
    lines = [line for line in source.read_text("utf-8").splitlines() if not line.startswith("#")]
    header = lines[0].split("\t")
    if header[1:] != ["ИТОГО", *(spec.name for spec in SERVICES)]:
        raise RuntimeError("demo_seed_statement.tsv: the columns differ from the services")
    grid: dict[date, list[list[Decimal]]] = {}
    month: date | None = None
    for line in lines[1:]:
        cells = line.split("\t")
        label = cells[0].replace("<i>", "").replace("</i>", "").strip()
        if label in ROW_FIELDS:
            if month is None:
                raise RuntimeError(f"demo_seed_statement.tsv: «{label}» before any month")
            amounts = [_amount(cell) for cell in cells[1:]]
            amounts += [ZERO] * (len(header) - 1 - len(amounts))
            if amounts[0] != sum(amounts[1:], ZERO):
                raise RuntimeError(f"demo_seed_statement.tsv: ИТОГО of {month} {label}")
            grid[month][ROW_FIELDS[label]] = amounts[1:]
        elif label:
            name, year = label.rsplit(" ", 1)
            month = date(2000 + int(year), MONTHS_NOMINATIVE.index(name) + 1, 1)
            grid[month] = [[ZERO] * len(SERVICES) for _ in ROW_FIELDS]
    statement = {
        month: {
            spec.code: (rows[0][i], rows[1][i], rows[2][i], rows[3][i], rows[4][i])
            for i, spec in enumerate(SERVICES)
        }
        for month, rows in sorted(grid.items())
    }
    _check_invariant(statement)
    return statement


def _check_invariant(statement: dict[date, dict[str, Amounts]]) -> None:
    previous: dict[str, Decimal] = {}
    for month, services in statement.items():
        for code, (opening, charged, paid, recalculation, closing) in services.items():
            if opening + charged - paid + recalculation != closing:
                raise RuntimeError(f"demo statement: {month} {code} does not add up")
            if code in previous and previous[code] != opening:
                raise RuntimeError(f"demo statement: {month} {code} opens off the last close")
            previous[code] = closing


# --- public entry points -------------------------------------------------------------------


def holds_demo(db: Database) -> bool:
    """True if the database holds the demo and nothing else."""
    if migrate.current_revision(db.engine) is None:
        return False
    with db.unit_of_work() as s:
        return _has_demo(s) and not _foreign_data(s)


def build_demo(db: Database, clock: Clock, *, reset: bool = False) -> DemoSummary:
    """Fill a migrated database with the demo, in one transaction. A database holding the demo
    is rebuilt only with ``reset``; one holding anything else is refused and left as it is."""
    if migrate.current_revision(db.engine) != HEAD:
        raise UserError(
            "База данных ещё не подготовлена к работе. Выполните «python -m desktop db upgrade» "
            "и повторите создание демонстрационных данных."
        )
    hashes = _password_hashes()  # before the transaction: hashing is slow, hold no lock for it
    with db.unit_of_work() as s:
        foreign = _foreign_data(s)
        if foreign:
            raise UserError(
                "В этой базе есть данные, которые не относятся к демонстрационным: "
                f"{'; '.join(foreign)}. Демонстрационные данные создаются только в пустой базе "
                "или в базе, где нет ничего, кроме них. Укажите другую базу (--database-url)."
            )
        if _has_demo(s):
            if not reset:
                raise UserError(
                    "Демонстрационные данные в этой базе уже есть. Чтобы создать их заново, "
                    "запустите команду с параметром --reset."
                )
            _recreate_schema(s)
        summary = _Builder(s, clock, hashes).build()
        audit.record(
            s,
            clock.now(),
            SYSTEM,
            "demo_built",
            reset=reset,
            accounts=summary.accounts,
            statement_rows=summary.statement_rows,
        )
    return summary


# --- what the database holds ---------------------------------------------------------------


def _has_demo(s: Session) -> bool:
    return s.scalar(select(Company.id).where(Company.is_demo.is_(True)).limit(1)) is not None


def _foreign_data(s: Session) -> list[str]:
    """What the database holds besides the demo, in words, for the refusal message."""
    demo = _has_demo(s)
    checks: list[tuple[str, Select]] = [
        ("организация", select(Company.name).where(Company.is_demo.is_(False))),
        ("импорт из 1С", select(ImportBatch.file_name)),
    ]
    if demo:
        checks += [
            ("лицевые счета", select(Account.number).where(Account.number.not_in(DEMO_ACCOUNTS))),
            (
                "сотрудники",
                select(StaffUser.login).where(StaffUser.login.not_in(tuple(DEMO_STAFF))),
            ),
            ("услуги", select(Service.name).where(Service.code.not_in(SERVICE_CODES))),
        ]
    else:
        # Without the demo's company, any row is somebody's data.
        checks += [
            ("лицевые счета", select(Account.number)),
            ("сотрудники", select(StaffUser.login)),
            ("услуги", select(Service.name)),
            ("дома", select(Building.address)),
            ("помещения", select(Premises.number)),
            ("обращения", select(SupportRequest.topic)),
            ("письма", select(OutboxMessage.subject)),
        ]
    found = []
    for label, query in checks:
        names = [str(name) for name in s.scalars(query.limit(4))]
        if names:
            shown = ", ".join(f"«{name}»" for name in names[:3])
            found.append(f"{label} {shown}{' и другие' if len(names) > 3 else ''}")
    return found


def _recreate_schema(s: Session) -> None:
    """Drop every table and migrate afresh, inside the session's transaction: the audit log
    refuses DELETE, and the database holds demo data only, so nothing of value is lost."""
    s.expunge_all()
    conn = s.connection()
    Base.metadata.drop_all(conn)
    conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    if conn.dialect.name == "postgresql":
        # The audit log's trigger function outlives its table.
        conn.execute(text("DROP FUNCTION IF EXISTS audit_log_append_only()"))
    migrate.upgrade_on(conn)


@cache
def _password_hashes() -> dict[str, str]:
    """Each demo password hashed once per process: Argon2 is slow on purpose."""
    return {password: hash_password(password) for password in {DEMO_PASSWORD, *DEMO_STAFF.values()}}


# --- the builder ----------------------------------------------------------------------------


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _last_day(month: date) -> date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def _years_later(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def _months(first: date, last: date) -> Iterator[date]:
    month = first
    while month <= last:
        yield month
        month = add_months(month, 1)


# The share of a full month's heat by calendar month: nothing in summer.
HEATING_SEASON = {1: "1.00", 2: "0.90", 3: "0.80", 4: "0.55", 5: "0.15", 10: "0.45",
                  11: "0.75", 12: "0.95"}  # fmt: skip
HEAT_PER_M2 = D("0.0220")  # Гкал per m² in a full heating month
COLD_WATER_NORM = D("4.000")  # m³ per resident a month, charged when the meter is retired
PENALTY_SHARE = D("0.0075")  # a month's penalty on the overdue balance, roughly 1/300 of 9 %


class _Builder:
    """Adds the demo's rows to a session; counts what it made."""

    def __init__(self, s: Session, clock: Clock, hashes: dict[str, str]) -> None:
        self.s = s
        self.now = clock.now()
        self.current = month_start(clock.today())
        self.hashes = hashes
        self.periods: list[Period] = []
        self.rows: list[StatementRow] = []
        self.receipts: list[Receipt] = []
        self.readings = 0
        self.requests = 0

    def build(self) -> DemoSummary:
        s = self.s
        company = Company(**DEMO_COMPANY, is_demo=True)
        self.services = {
            spec.code: Service(
                code=spec.code,
                name=spec.name,
                display_order=order,
                unit=spec.unit,
                tariff=spec.tariff,
                is_penalty=spec.is_penalty,
            )
            for order, spec in enumerate(SERVICES, 1)
        }
        self.staff = {
            "admin": StaffUser(
                login="admin", full_name="Администратор (демо)", role=StaffRole.ADMIN
            ),
            "operator": StaffUser(
                login="operator", full_name="Смирнова Т.В. (оператор, демо)", role=StaffRole.CLERK
            ),
        }
        for login, user in self.staff.items():
            user.password_hash = self.hashes[DEMO_STAFF[login]]
            user.must_change = False
        s.add(company)
        s.add_all([*self.services.values(), *self.staff.values()])
        s.flush()

        buildings = [Building(company_id=company.id, address=address) for address in BUILDINGS]
        seed = self._account(
            buildings[0], DEMO_ACCOUNT, SEED_FIO, SEED_FLAT, SEED_AREA, SEED_RESIDENTS
        )
        others = [
            (h, self._account(buildings[h.building], h.number, h.fio, h.flat, h.area, h.residents))
            for h in HOUSEHOLDS
        ]
        s.add_all([*buildings, seed, *(account for _h, account in others)])
        s.flush()

        self._credential(seed, SEED_EMAIL, datetime(2016, 11, 18, 16, 5, tzinfo=UTC))
        self._seed_account(seed)
        for household, account in others:
            if household.email:
                self._credential(account, household.email, self.now - timedelta(days=400))
            self._household(household, account)
        self._support(dict((h.number, a) for h, a in others))
        s.add_all([*self.periods, *self.rows, *self.receipts])
        s.flush()
        return DemoSummary(
            accounts=1 + len(others),
            periods=len(self.periods),
            readings=self.readings,
            statement_rows=len(self.rows),
            receipts=len(self.receipts),
            support_requests=self.requests,
            account_number=DEMO_ACCOUNT,
            password=DEMO_PASSWORD,
            staff=tuple(DEMO_STAFF.items()),
        )

    # -- accounts

    def _account(
        self, building: Building, number: str, fio: str, flat: str, area: Decimal, residents: int
    ) -> Account:
        address = f"{building.address}, кв. {flat}"
        premises = Premises(building=building, number=flat, area=area)
        return Account(
            number=number,
            fio=fio,
            fio_norm=normalize(fio),
            premises=premises,
            address=address,
            address_norm=normalize(address),
            area=area,
            residents=residents,
        )

    def _credential(self, account: Account, email: str, since: datetime) -> None:
        self.s.add(
            ResidentCredential(
                account=account,
                email=email,
                phone=f"+7 900 000-{account.number[:2]}-{account.number[2:]}",
                password_hash=self.hashes[DEMO_PASSWORD],
                must_change=False,
                failed_attempts=0,
                created_at=since,
                updated_at=since,
            )
        )

    def _meter(self, account: Account, order: int, **fields: object) -> Meter:
        meter = Meter(account_id=account.id, display_order=order, **fields)
        self.s.add(meter)
        return meter

    def _reading(
        self,
        period: Period,
        meter: Meter,
        zone: int,
        previous: Decimal,
        current: Decimal,
        channel: Channel,
        by: str,
        at: datetime,
    ) -> None:
        period.readings.append(
            Reading(
                meter=meter,
                zone=zone,
                previous=previous,
                current=current,
                channel=channel,
                entered_by=by,
                entered_at=at,
            )
        )
        self.readings += 1

    def _statement_row(
        self,
        account: Account,
        month: date,
        code: str,
        amounts: Iterable[Decimal],
        volume: Decimal | None = None,
    ) -> None:
        opening, charged, paid, recalculation, closing = amounts
        self.rows.append(
            StatementRow(
                account_id=account.id,
                month=month,
                service=self.services[code],
                opening=opening,
                charged=charged,
                paid=paid,
                recalculation=recalculation,
                closing=closing,
                volume=volume,
            )
        )

    def _receipt(
        self, account: Account, issued_on: date, month: date, description: str, total: Decimal
    ) -> None:
        self.receipts.append(
            Receipt(
                account_id=account.id,
                number=f"{account.number}-{month:%Y%m}",
                issued_on=issued_on,
                month=month,
                description=description,
                total=total,
            )
        )

    # -- the seed's account 3492

    def _seed_account(self, account: Account) -> None:
        meters = [
            self._meter(
                account,
                order,
                kind=spec.kind,
                title=spec.title,
                serial=spec.serial,
                unit=spec.unit,
                zones=spec.zones,
                digits=spec.digits,
                installed_on=spec.installed_on,
                next_verification_on=spec.next_verification_on,
                retired_on=spec.retired_on,
                initial_value=D("0.000"),
            )
            for order, spec in enumerate(SEED_METERS, 1)
        ]
        months = list(_months(SEED_FIRST_PERIOD, SEED_LAST_PERIOD))
        # Each zone's values month by month, worked back from June's previous value.
        values: dict[tuple[int, int], list[tuple[Decimal, Decimal]]] = {}
        for index, spec in enumerate(SEED_METERS):
            for zone, (previous, current) in enumerate(spec.june, 1):
                chain = [(D(previous).quantize(MILLI), D(current).quantize(MILLI))]
                usage = spec.history[zone - 1] if spec.history else ()
                for amount in reversed(usage):
                    end = chain[0][0]
                    chain.insert(0, (end - D(amount).quantize(MILLI), end))
                values[(index, zone)] = chain
        for position, month in enumerate(months):
            if month in SEED_CHANGED_ON:
                entered_on = changed_on = SEED_CHANGED_ON[month]
            else:  # sent in the window, updated from 1C early the next month
                entered_on = month.replace(day=20)
                changed_on = add_months(month, 1).replace(day=2)
            entered_at = _at(entered_on, 7, 40)
            period = Period(
                account_id=account.id,
                month=month,
                changed_at=_at(changed_on, 7, 40),
                accepted_at=_at(changed_on, 15, 0),
            )
            for (index, zone), chain in values.items():
                offset = position - (len(months) - len(chain))
                if offset < 0:
                    continue  # the meter was not there yet
                previous, current = chain[offset]
                self._reading(
                    period,
                    meters[index],
                    zone,
                    previous,
                    current,
                    Channel.RESIDENT,
                    DEMO_ACCOUNT,
                    entered_at,
                )
            self.periods.append(period)

        statement = _seed_statement()
        for month, services in statement.items():
            for code, amounts in services.items():
                self._statement_row(account, month, code, amounts)
        for issued_on, description in SEED_RECEIPTS:
            month = month_start(issued_on)
            if month in statement:
                total = sum((amounts[4] for amounts in statement[month].values()), ZERO)
            elif add_months(month, 1) in statement:  # this month's close is the next one's open
                total = sum((a[0] for a in statement[add_months(month, 1)].values()), ZERO)
            else:
                total = SEED_JANUARY_TOTAL
            self._receipt(account, issued_on, month, description, total)

    # -- the other accounts

    def _household(self, h: Household, account: Account) -> None:
        rng = random.Random(int(h.number))  # the same demo every time
        first = add_months(self.current, 1 - HISTORY_MONTHS)
        base = int(h.number) * 1000 + 17
        installed = add_months(first, -14).replace(day=12)
        retired = _last_day(add_months(self.current, -h.cold_retired)) if h.cold_retired else None
        cold = self._meter(
            account,
            1,
            kind=MeterKind.COLD_WATER,
            title=f"ХВС {base + 1}",
            serial=str(base + 1),
            unit="м3",
            digits=5,
            # A retired meter's verification ran out on its «Дата выбытия».
            installed_on=_years_later(retired, -6) if retired else installed,
            next_verification_on=retired or _years_later(installed, 6),
            retired_on=retired,
        )
        hot = self._meter(
            account,
            2,
            kind=MeterKind.HOT_WATER,
            title=f"ГВС {base + 2}",
            serial=str(base + 2),
            unit="м3",
            digits=5,
            installed_on=installed,
            next_verification_on=_years_later(installed, 4),
        )
        power_serial = f"{int(h.number) * 3571 % 10**8:08d}"
        power = self._meter(
            account,
            3,
            kind=MeterKind.ELECTRICITY,
            title=f"Эл.эн. №{power_serial}",
            serial=power_serial,
            unit="кВт.ч",
            zones=h.zones,
            digits=6,
            installed_on=_years_later(installed, -3),
            next_verification_on=_years_later(installed, 13),
        )

        def start(low: int, high: int) -> Decimal:
            return D(rng.randint(low * 10, high * 10)) / 10

        level = {(cold, 1): start(150, 400), (hot, 1): start(100, 250)}
        level |= {(power, zone): start(3000, 9000) for zone in range(1, h.zones + 1)}
        usage_by_month: dict[date, dict[str, Decimal]] = {}
        channels = (Channel.RESIDENT, Channel.KIOSK, Channel.RESIDENT, Channel.CLERK)
        for position, month in enumerate(_months(first, self.current)):
            if month == self.current:
                changed_at = max(_at(month, 0), self.now - timedelta(hours=2))
                accepted_at = None
            else:
                changed_at = _at(month.replace(day=rng.randint(15, 25)), rng.randint(6, 15), 10)
                accepted_at = _at(month.replace(day=26), 12)
            channel = channels[position % len(channels)] if h.email else Channel.CLERK
            by = "operator" if channel is Channel.CLERK else h.number
            period = Period(
                account_id=account.id, month=month, changed_at=changed_at, accepted_at=accepted_at
            )
            winter = month.month in (11, 12, 1, 2, 3)
            usage = {
                (cold, 1): D(rng.randint(25, 40) * h.residents) / 10,
                (hot, 1): D(rng.randint(15, 25) * h.residents) / 10,
            }
            if h.zones == 3:
                usage |= {
                    (power, 1): D(rng.randint(6000, 10000)) / 100,
                    (power, 2): D(rng.randint(5000, 9000)) / 100,
                    (power, 3): D(rng.randint(7000, 12000)) / 100,
                }
            else:
                usage |= {
                    (power, 1): D(rng.randint(12000, 22000) + (4000 if winter else 0)) / 100,
                    (power, 2): D(rng.randint(5000, 10000)) / 100,
                }
            for (meter, zone), amount in usage.items():
                if meter.retired_on and month > meter.retired_on:
                    continue  # a retired meter takes no readings
                previous = level[(meter, zone)].quantize(MILLI)
                current = (previous + amount).quantize(MILLI)
                level[(meter, zone)] = current
                self._reading(period, meter, zone, previous, current, channel, by, changed_at)
            self.periods.append(period)
            by_kind = {
                "cold": usage[(cold, 1)],
                "hot": usage[(hot, 1)],
                # The statement has no Т3 column: the semi-peak zone is billed at the day rate.
                "t1": usage[(power, 1)] + usage.get((power, 3), ZERO),
                "t2": usage[(power, 2)],
            }
            if retired and month > retired:
                by_kind["cold"] = COLD_WATER_NORM * h.residents
            usage_by_month[month] = by_kind
        self._household_statement(h, account, first, usage_by_month)

    def _charges(
        self, h: Household, month: date, usage: dict[str, Decimal]
    ) -> dict[str, tuple[Decimal, Decimal | None]]:
        """This month's charges and volumes by service code."""
        heat = (h.area * HEAT_PER_M2 * D(HEATING_SEASON.get(month.month, "0"))).quantize(MILLI)
        water = usage["cold"] + usage["hot"]

        def by_tariff(code: str, volume: Decimal) -> tuple[Decimal, Decimal | None]:
            return _money(volume * _tariff(code)), volume

        return {
            "wastewater": by_tariff("wastewater", water),
            "hot_water_cold": by_tariff("hot_water_cold", usage["hot"]),
            "odn_hot_water": (_money(h.area * D("0.3179")), None),
            "odn_cold_water": (_money(h.area * D("0.0662")), None),
            "heating": by_tariff("heating", heat) if heat else (ZERO, None),
            "water_heating": by_tariff("water_heating", usage["hot"]),
            "housing_maintenance": by_tariff("housing_maintenance", h.area),
            "cold_water": by_tariff("cold_water", usage["cold"]),
            "electricity_t1": by_tariff("electricity_t1", usage["t1"]),
            "electricity_t2": by_tariff("electricity_t2", usage["t2"]),
            "electricity_odn": (_money(h.area * D("2.914")), None),
        }

    def _household_statement(
        self, h: Household, account: Account, first: date, usage: dict[date, dict[str, Decimal]]
    ) -> None:
        # The history opens with last month's bill outstanding, as if it had gone on before.
        balance = {code: ZERO for code in SERVICE_CODES}
        for code, (amount, _volume) in self._charges(
            h, add_months(first, -1), usage[first]
        ).items():
            balance[code] = amount
        stopped = add_months(self.current, -h.stops_paying) if h.stops_paying else None
        for month in _months(first, self.current):
            charges = self._charges(h, month, usage[month]) if month < self.current else {}
            charged = {code: charges.get(code, (ZERO, None))[0] for code in SERVICE_CODES}
            recalculation = dict.fromkeys(SERVICE_CODES, ZERO)
            if h.recalculation and month == add_months(self.current, -h.recalculation):
                # Two cubic metres of hot water charged twice, given back.
                for code in ("hot_water_cold", "water_heating", "wastewater"):
                    recalculation[code] = _money(-2 * _tariff(code))
            if stopped and month >= stopped:
                paid = dict.fromkeys(SERVICE_CODES, ZERO)
                if month > stopped and month < self.current:
                    overdue = sum((v for c, v in balance.items() if c != "penalty" and v > 0), ZERO)
                    charged["penalty"] = _money(overdue * PENALTY_SHARE)
            else:
                paid = {code: max(amount, ZERO) for code, amount in balance.items()}
            if h.advance and month == add_months(self.current, -h.advance):
                paid["housing_maintenance"] += D("3000.00")
            closing_total = ZERO
            for code in SERVICE_CODES:
                opening = balance[code]
                closing = opening + charged[code] - paid[code] + recalculation[code]
                volume = charges.get(code, (ZERO, None))[1]
                self._statement_row(
                    account,
                    month,
                    code,
                    (opening, charged[code], paid[code], recalculation[code], closing),
                    volume,
                )
                balance[code] = closing
                closing_total += closing
            if month < self.current:
                description = f"Квитанция 679/30 Моск. области {h.number}"
                self._receipt(account, _last_day(month), month, description, closing_total)

    # -- support requests

    def _support(self, accounts: dict[str, Account]) -> None:
        asked = SupportRequest(
            account_id=accounts["3493"].id,
            topic="Передача показаний",
            message=(
                "Здравствуйте! При передаче показаний горячей воды программа пишет, что расход "
                "слишком большой. Показания верные: у нас гостили родственники. Что делать?"
            ),
            contact="petrova@demo.example",
            status=RequestStatus.OPEN,
            created_at=self.now - timedelta(days=1, hours=3),
        )
        answered = SupportRequest(
            account_id=accounts["4105"].id,
            topic="Рассрочка задолженности",
            message="Прошу рассмотреть возможность погасить долг частями в течение полугода.",
            contact="+7 900 000-41-05",
            status=RequestStatus.ANSWERED,
            created_at=self.now - timedelta(days=6, hours=5),
        )
        answered.answers.append(
            SupportAnswer(
                staff_id=self.staff["operator"].id,
                author=self.staff["operator"].full_name,
                body=(
                    "Добрый день! Рассрочку оформляем по заявлению в офисе. Приходите в часы "
                    "приёма с паспортом — подготовим соглашение и график платежей."
                ),
                created_at=self.now - timedelta(days=5, hours=2),
            )
        )
        self.s.add_all([asked, answered])
        self.requests = 2


def clone_accounts(db: Database, count: int, *, source: str = DEMO_ACCOUNT, month: date) -> int:
    """For load tests and benchmarks: a new building of ``count`` accounts, each a copy of
    the source account's month (statement, meters and readings, receipt); its id."""
    with db.unit_of_work() as s:
        original = s.scalar(select(Account).where(Account.number == source))
        assert original is not None
        building = Building(
            company_id=s.scalar(select(Company.id)), address=f"г. Тест, ул. Копий, д. {count}"
        )
        s.add(building)
        s.flush()
        meters = list(s.scalars(select(Meter).where(Meter.account_id == original.id)))
        rows = list(
            s.scalars(
                select(StatementRow).where(
                    StatementRow.account_id == original.id, StatementRow.month == month
                )
            )
        )
        period = s.scalar(
            select(Period)
            .where(Period.account_id == original.id, Period.month == month)
            .options(selectinload(Period.readings))
        )
        receipt = s.scalar(
            select(Receipt).where(Receipt.account_id == original.id, Receipt.month == month)
        )
        assert period is not None and receipt is not None
        accounts = []
        for flat in range(1, count + 1):
            address = f"{building.address}, кв. {flat}"
            accounts.append(
                Account(
                    number=f"{building.id}{flat:05d}",
                    fio=original.fio,
                    fio_norm=original.fio_norm,
                    address=address,
                    address_norm=normalize(address),
                    area=original.area,
                    residents=original.residents,
                    premises=Premises(
                        building_id=building.id, number=str(flat), area=original.area
                    ),
                )
            )
        s.add_all(accounts)
        s.flush()
        copies = {
            (account.id, meter.id): Meter(
                account_id=account.id,
                kind=meter.kind,
                title=meter.title,
                serial=meter.serial,
                unit=meter.unit,
                zones=meter.zones,
                digits=meter.digits,
                installed_on=meter.installed_on,
                next_verification_on=meter.next_verification_on,
                retired_on=meter.retired_on,
                initial_value=meter.initial_value,
                display_order=meter.display_order,
            )
            for account in accounts
            for meter in meters
        }
        periods = {
            account.id: Period(
                account_id=account.id,
                month=month,
                changed_at=period.changed_at,
                accepted_at=period.accepted_at,
            )
            for account in accounts
        }
        s.add_all([*copies.values(), *periods.values()])
        s.flush()
        fields = ("opening", "charged", "paid", "recalculation", "closing", "volume")
        s.execute(
            insert(StatementRow),
            [
                {"account_id": a.id, "month": month, "service_id": row.service_id}
                | {f: getattr(row, f) for f in fields}
                for a in accounts
                for row in rows
            ],
        )
        s.execute(
            insert(Reading),
            [
                {
                    "period_id": periods[a.id].id,
                    "meter_id": copies[(a.id, r.meter_id)].id,
                    "zone": r.zone,
                    "previous": r.previous,
                    "current": r.current,
                    "note": r.note,
                }
                for a in accounts
                for r in period.readings
            ],
        )
        s.execute(
            insert(Receipt),
            [
                {
                    "account_id": a.id,
                    "number": f"{a.number}-{month:%Y%m}",
                    "issued_on": receipt.issued_on,
                    "month": month,
                    "description": receipt.description,
                    "total": receipt.total,
                }
                for a in accounts
            ],
        )
        return building.id
