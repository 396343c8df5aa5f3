"""The demo's fixed data: sign-in details, services and tariffs, the company, buildings and
households, and the small date and money helpers the builder shares."""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from desktop.months import add_months

D = Decimal
ZERO = D("0.00")
CENT = D("0.01")
MILLI = D("0.001")

DEMO_ACCOUNT = "3492"
DEMO_PASSWORD = "demo2017pass"
# The demo's staff logins and passwords, printed by `python -m desktop demo`.
DEMO_STAFF = {"admin": "demo-admin-2017", "operator": "demo-operator-2017"}
# Registration codes of the demo accounts that are not registered, so that registration can
# be tried: printed by `python -m desktop demo` and listed in the README.
DEMO_REGISTRATION_CODES = {"5210": "DEMA-2K7B"}
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
    # (account number, ФИО, registration code) of the accounts to try registration on
    registration: tuple[tuple[str, str, str], ...] = ()
    history: str = ""  # the large demo's mix of history lengths, in words
    rows: int = 0  # the large demo's rows written

    def grown(self, counts: Any, long_months: int) -> DemoSummary:
        """This summary with the large demo's generated accounts (``large.Counts``) added."""
        return replace(
            self,
            accounts=self.accounts + counts.accounts,
            periods=self.periods + counts.periods,
            readings=self.readings + counts.readings,
            statement_rows=self.statement_rows + counts.statement_rows,
            receipts=self.receipts + counts.receipts,
            support_requests=self.support_requests + counts.support_requests,
            rows=counts.rows,
            history=(
                f"\nИстория: у каждого десятого из {counts.accounts} созданных счетов — "
                f"{long_months} мес., у остальных — 12 мес."
            ),
        )

    def describe(self) -> str:
        staff = ", ".join(f"{login} / {password}" for login, password in self.staff)
        register = "".join(
            f"\nРегистрация жителя: лицевой счет {number}, ФИО «{fio}», код регистрации {code}."
            for number, fio, code in self.registration
        )
        return (
            f"Демонстрационная база готова: лицевых счетов — {self.accounts}, "
            f"периодов — {self.periods}, показаний — {self.readings}, "
            f"строк ведомости — {self.statement_rows}, квитанций — {self.receipts}, "
            f"обращений — {self.support_requests}.\n"
            f"Вход жителя: лицевой счет {self.account_number}, пароль {self.password}.\n"
            f"Вход сотрудников (логин / пароль): {staff}.{register}{self.history}"
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


def tariff(code: str) -> Decimal:
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
    # The ХВС and ГВС meters' verification runs out this many days after the demo is built
    # (negative: it has run out), so that the reminders can be seen.
    cold_check_in: int | None = None
    hot_check_in: int | None = None


HOUSEHOLDS = (
    Household("3493", "Петрова А.С.", 0, "31", D("45.60"), 2, "petrova@demo.example",
              recalculation=5, cold_check_in=-20, hot_check_in=45),
    Household("3517", "Сидоров П.В.", 0, "55", D("72.10"), 4, "sidorov@demo.example", zones=3),
    Household("4105", "Кузнецова Е.Н.", 1, "8", D("38.90"), 1, "kuznetsova@demo.example",
              stops_paying=7),
    Household("4106", "Смирнов Д.А.", 1, "9", D("51.20"), 3, "smirnov@demo.example",
              cold_retired=4),
    Household("5210", "Фёдорова О.Ю.", 2, "112", D("64.00"), 2, None, advance=6),
)  # fmt: skip
DEMO_ACCOUNTS = (DEMO_ACCOUNT, *(h.number for h in HOUSEHOLDS))


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def last_day(month: date) -> date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def years_later(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def month_range(first: date, last: date) -> Iterator[date]:
    month = first
    while month <= last:
        yield month
        month = add_months(month, 1)


# The share of a full month's heat by calendar month: nothing in summer.
HEATING_SEASON = {1: "1.00", 2: "0.90", 3: "0.80", 4: "0.55", 5: "0.15", 10: "0.45",
                  11: "0.75", 12: "0.95"}  # fmt: skip
HEAT_PER_M2 = D("0.0220")  # Гкал per m² in a full heating month
COLD_WATER_NORM = D("4.000")  # m³ per resident a month, charged when the meter is retired
