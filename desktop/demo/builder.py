"""The demo's rows: staff, services, accounts with their meters, periods and readings, the
statements and receipts, and support requests; added to a session and counted."""

from __future__ import annotations

import random
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from db.models import (
    Account,
    Building,
    Channel,
    Company,
    Meter,
    MeterKind,
    Period,
    Premises,
    Reading,
    Receipt,
    ResidentCredential,
    Service,
    StaffRole,
    StaffUser,
    StatementRow,
)
from desktop.auth import codes
from desktop.billing.penalty import PenaltyRules
from desktop.clock import Clock
from desktop.demo.catalog import (
    BUILDINGS,
    COLD_WATER_NORM,
    DEMO_ACCOUNT,
    DEMO_COMPANY,
    DEMO_PASSWORD,
    DEMO_REGISTRATION_CODES,
    DEMO_STAFF,
    HISTORY_MONTHS,
    HOUSEHOLDS,
    MILLI,
    SERVICES,
    ZERO,
    D,
    DemoSummary,
    Household,
    at,
    last_day,
    month_range,
    years_later,
)
from desktop.demo.households import household_statement
from desktop.demo.payments import DemoPayments
from desktop.demo.requests import add_requests
from desktop.demo.seed import (
    SEED_AREA,
    SEED_CHANGED_ON,
    SEED_EMAIL,
    SEED_FIO,
    SEED_FIRST_PERIOD,
    SEED_FLAT,
    SEED_JANUARY_TOTAL,
    SEED_LAST_PERIOD,
    SEED_METERS,
    SEED_RECEIPTS,
    SEED_RESIDENTS,
    seed_statement,
)
from desktop.months import add_months, month_start


class Builder:
    """Adds the demo's rows to a session; counts what it made."""

    def __init__(
        self, s: Session, clock: Clock, hashes: dict[str, str], rules: PenaltyRules
    ) -> None:
        self.s = s
        self.rules = rules
        self.now = clock.now()
        self.current = month_start(clock.today())
        self.today = clock.today()
        self.hashes = hashes
        self.periods: list[Period] = []
        self.rows: list[StatementRow] = []
        self.receipts: list[Receipt] = []
        self.payments = DemoPayments()
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
        registration = []
        for household, account in others:
            if household.email:
                self._credential(account, household.email, self.now - timedelta(days=400))
            elif household.number in DEMO_REGISTRATION_CODES:
                code = DEMO_REGISTRATION_CODES[household.number]
                codes.set_code(s, account.id, code, self.now, "system")
                registration.append((household.number, household.fio, code))
            self._household(household, account)
        self.requests = add_requests(
            self.s, dict((h.number, a) for h, a in others), self.staff["operator"], self.now
        )
        s.add_all([*self.periods, *self.rows, *self.receipts, *self.payments.rows(self.today)])
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
            registration=tuple(registration),
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
            premises=premises,
            address=address,
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
        self.payments.add(account, month, paid)
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
        months = list(month_range(SEED_FIRST_PERIOD, SEED_LAST_PERIOD))
        # Each zone's values month by month, worked back from June's previous value.
        values: dict[tuple[int, int], list[tuple[Decimal, Decimal]]] = {}
        for index, spec in enumerate(SEED_METERS):
            for zone, (june_previous, june_current) in enumerate(spec.june, 1):
                chain = [(D(june_previous).quantize(MILLI), D(june_current).quantize(MILLI))]
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
            entered_at = at(entered_on, 7, 40)
            period = Period(
                account_id=account.id,
                month=month,
                changed_at=at(changed_on, 7, 40),
                accepted_at=at(changed_on, 15, 0),
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

        statement = seed_statement()
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
        retired = last_day(add_months(self.current, -h.cold_retired)) if h.cold_retired else None

        def checked(days: int | None, usual: date) -> date:
            return usual if days is None else self.today + timedelta(days=days)

        cold = self._meter(
            account,
            1,
            kind=MeterKind.COLD_WATER,
            title=f"ХВС {base + 1}",
            serial=str(base + 1),
            unit="м3",
            digits=5,
            # A retired meter's verification ran out on its «Дата выбытия».
            installed_on=years_later(retired, -6) if retired else installed,
            next_verification_on=retired or checked(h.cold_check_in, years_later(installed, 6)),
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
            next_verification_on=checked(h.hot_check_in, years_later(installed, 4)),
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
            installed_on=years_later(installed, -3),
            next_verification_on=years_later(installed, 13),
        )

        def start(low: int, high: int) -> Decimal:
            return D(rng.randint(low * 10, high * 10)) / 10

        level = {(cold, 1): start(150, 400), (hot, 1): start(100, 250)}
        level |= {(power, zone): start(3000, 9000) for zone in range(1, h.zones + 1)}
        usage_by_month: dict[date, dict[str, Decimal]] = {}
        channels = (Channel.RESIDENT, Channel.KIOSK, Channel.RESIDENT, Channel.CLERK)
        for position, month in enumerate(month_range(first, self.current)):
            if month == self.current:
                changed_at = max(at(month, 0), self.now - timedelta(hours=2))
                accepted_at = None
            else:
                changed_at = at(month.replace(day=rng.randint(15, 25)), rng.randint(6, 15), 10)
                accepted_at = at(month.replace(day=26), 12)
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

    def _household_statement(
        self, h: Household, account: Account, first: date, usage: dict[date, dict[str, Decimal]]
    ) -> None:
        for month, rows in household_statement(h, first, self.current, usage, self.rules):
            for code, (amounts, volume) in rows.items():
                self._statement_row(account, month, code, amounts, volume)
            if month < self.current:
                total = sum((amounts[4] for amounts, _volume in rows.values()), ZERO)
                description = f"Квитанция 679/30 Моск. области {h.number}"
                self._receipt(account, last_day(month), month, description, total)
