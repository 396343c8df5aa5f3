"""The statement (ведомость) and the debt: arrears older than a few months, with the penalty."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from operator import itemgetter
from typing import TypeVar

from sqlalchemy import BigInteger, func, select, type_coerce

from db.engine import Database
from db.models import Account, Service, StatementRow
from desktop.actors import Actor
from desktop.billing.charges import unpaid_charges
from desktop.billing.penalty import days_overdue, due_date
from desktop.billing.settle import OpenCharge, settle
from desktop.clock import Clock
from desktop.errors import NotFoundError
from desktop.months import add_months, month_name, month_start, months_between
from desktop.payments import PaymentItem, account_payments, uncovered
from desktop.permissions import require_account
from desktop.settings import Settings

ZERO = Decimal("0.00")
ROW_LABELS = ("Сальдо нач.", "Начислено", "Оплачено", "Перерасчет", "Сальдо кон.")
FIELDS = ("opening", "charged", "paid", "recalculation", "closing")


@dataclass(frozen=True)
class Column:
    code: str
    name: str


@dataclass(frozen=True)
class Line:
    """One of a month's five rows: a label, ИТОГО and the amount per service column."""

    label: str
    total: Decimal
    amounts: tuple[Decimal, ...]


@dataclass(frozen=True)
class MonthBlock:
    month: date
    lines: tuple[Line, ...]  # in ROW_LABELS order

    def line(self, label: str) -> Line:
        return self.lines[ROW_LABELS.index(label)]


@dataclass(frozen=True)
class Statement:
    account_number: str
    columns: tuple[Column, ...]  # services, in display order
    months: tuple[MonthBlock, ...]  # newest first
    problems: tuple[str, ...]  # invariant breaches found in the data, in Russian

    @property
    def balance(self) -> Decimal:
        """The newest closing ИТОГО: positive is owed, negative is paid in advance."""
        return self.months[0].line("Сальдо кон.").total if self.months else ZERO


@dataclass(frozen=True)
class Arrear:
    month: date
    service: str
    amount: Decimal
    due: date
    days_overdue: int
    penalty: Decimal  # what this charge accrued since the statement (``Debt.penalty_since``)


@dataclass(frozen=True)
class Debt:
    """The arrears, and the penalty: the statement's unpaid «Пеня» plus what the same rule
    (desktop.billing.penalty) has accrued on all unpaid charges since the statement."""

    as_of: date
    older_than_months: int
    items: tuple[Arrear, ...]  # oldest first; the penalty itself is not among them
    # The statement's newest closing ИТОГО (its receipt's «к оплате») less the payments
    # received since (``paid_after``).
    balance: Decimal
    penalty_charged: Decimal  # the statement's «Пеня» left unpaid
    penalty_accrued: Decimal  # accrued on every unpaid charge over (penalty_since, as_of]
    penalty_since: date | None  # the last day the statement's penalty covers
    statement_month: date | None = None  # the newest statement month (its receipt's)
    # Payments received after the statement month (desktop.payments), already taken off the
    # balance, the arrears and the penalty: 1C's next statement will hold them.
    paid_after: Decimal = ZERO
    payments_after: int = 0

    @property
    def total(self) -> Decimal:
        return sum((i.amount for i in self.items), ZERO)

    @property
    def penalty(self) -> Decimal:
        return self.penalty_charged + self.penalty_accrued

    @property
    def to_settle(self) -> Decimal:
        """All that would settle the account today: the balance (its penalty included) and
        the penalty accrued since, which the next statement charges."""
        return self.balance + self.penalty_accrued

    @property
    def has_debt(self) -> bool:
        return bool(self.items)

    def by_service(self) -> dict[str, Decimal]:
        totals: dict[str, Decimal] = defaultdict(lambda: ZERO)
        for item in self.items:
            totals[item.service] += item.amount
        return dict(totals)

    def by_month(self) -> dict[date, Decimal]:
        totals: dict[date, Decimal] = defaultdict(lambda: ZERO)
        for item in self.items:
            totals[item.month] += item.amount
        return dict(totals)


def _roubles(kopecks: int) -> Decimal:
    return Decimal(kopecks).scaleb(-2)


Amount = TypeVar("Amount", Decimal, int)


def check_invariant(
    rows: Sequence[tuple[date, str, tuple[Amount, ...]]],
    show: Callable[[Amount], object] = str,
) -> list[str]:
    """Breaches of closing = opening + charged − paid + recalculation, and of next month's
    opening = this month's closing, per service; rows are (month, service, FIELDS values),
    as Decimal roubles or as integer kopecks (the statement's: added up as integers, then
    ``show`` turns an amount into what a message says)."""
    problems = []
    last: dict[str, tuple[date, int, Amount]] = {}  # service: its latest month, index, closing
    for month, service, (opening, charged, paid, recalc, closing) in sorted(
        rows, key=itemgetter(1, 0)
    ):
        if opening + charged - paid + recalc != closing:
            problems.append(
                f"{month_name(month)}, «{service}»: сальдо на конец {show(closing)} не "
                f"равно {show(opening)} + {show(charged)} − {show(paid)} + "
                f"{show(recalc)}."
            )
        index = month.year * 12 + month.month
        previous = last.get(service)
        if previous is not None:
            seen, seen_index, seen_closing = previous
            if seen_index != index - 1:
                problems.append(
                    f"«{service}»: пропущен месяц {month_name(add_months(month, -1)).lower()} "
                    f"(есть {month_name(seen).lower()} и {month_name(month).lower()})."
                )
            if seen_closing != opening:
                problems.append(
                    f"{month_name(month)}, «{service}»: сальдо на начало {show(opening)} "
                    f"не равно сальдо на конец прошлого месяца {show(seen_closing)}."
                )
        last[service] = (month, index, closing)
    return problems


class StatementService:
    """The account's statement by month and service, and its debt."""

    def __init__(self, db: Database, clock: Clock, settings: Settings) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings

    def _load(
        self, actor: Actor, account_id: int
    ) -> tuple[Account, list[Service], list[tuple[date, int, tuple[int, ...]]]]:
        """The account, the services in display order, and the account's statement rows:
        (month, service id, FIELDS values in kopecks)."""
        require_account(actor, account_id)
        with self.db.read() as s:
            account = s.get(Account, account_id)
            if account is None:
                raise NotFoundError("Лицевой счет не найден.")
            services = list(s.scalars(select(Service).order_by(Service.display_order)))
            # The amounts read as the integer kopecks they are stored as: added up and
            # checked as integers, turned into Decimal once (not three Decimal operations
            # each in the column type).
            # Through the session's connection (Core): plain columns need no ORM loading.
            rows: list[tuple[date, int, tuple[int, ...]]] = [
                (row[0], row[1], tuple(row[2:]))
                for row in s.connection()
                .execute(
                    select(
                        StatementRow.month,
                        StatementRow.service_id,
                        *(type_coerce(getattr(StatementRow, f), BigInteger) for f in FIELDS),
                    ).where(StatementRow.account_id == account_id)
                )
                .all()
            ]
            return account, services, rows

    def statement(self, actor: Actor, account_id: int) -> Statement:
        account, services, rows = self._load(actor, account_id)
        position = {service.id: i for i, service in enumerate(services)}
        names = {service.id: service.name for service in services}
        width = len(services)
        # Per month, per field, the kopecks of each service column; ИТОГО is their sum.
        grid: dict[date, list[list[int]]] = {}
        for month, service_id, values in rows:
            block = grid.get(month)
            if block is None:
                block = grid[month] = [[0] * width for _ in FIELDS]
            column = position[service_id]
            for field_index, value in enumerate(values):
                block[field_index][column] = value
        # Each distinct amount becomes a Decimal once (most repeat: zeros above all).
        roubles = {value: _roubles(value) for value in {0}.union(*(v for _m, _s, v in rows))}
        totals = {sum(amounts) for block in grid.values() for amounts in block}
        roubles.update((total, _roubles(total)) for total in totals if total not in roubles)
        months = tuple(
            MonthBlock(
                month,
                tuple(
                    Line(label, roubles[sum(amounts)], tuple(map(roubles.__getitem__, amounts)))
                    for label, amounts in zip(ROW_LABELS, grid[month], strict=True)
                ),
            )
            for month in sorted(grid, reverse=True)
        )
        problems = check_invariant(
            [(m, names[sid], values) for m, sid, values in rows], show=_roubles
        )
        return Statement(
            account.number,
            tuple(Column(s.code, s.name) for s in services),
            months,
            tuple(problems),
        )

    def debt(self, actor: Actor, account_id: int) -> Debt:
        """Unpaid charges of months more than ``arrears_months`` before the current one, and
        the penalty: the statement's unpaid «Пеня» plus the rule's accrual since the last
        closed statement month (the current month's row, if any, is still open). Payments
        received after the newest statement month (the banks' registries) are taken off the
        balance and pay the oldest charges first (desktop.billing.settle)."""
        _account, services, kopecks = self._load(actor, account_id)
        rows = [(month, sid, tuple(map(_roubles, values))) for month, sid, values in kopecks]
        today = self.clock.today()
        rules = self.settings.debt
        by_service: dict[int, list[tuple[date, tuple[Decimal, ...]]]] = defaultdict(list)
        for month, service_id, values in rows:
            by_service[service_id].append((month, values))
        newest = max((month for month, _sid, _v in rows), default=None)
        since = None
        if newest is not None:
            since = min(add_months(newest, 1), month_start(today)) - timedelta(days=1)
        balance = ZERO
        charges: list[OpenCharge] = []
        for order, service in enumerate(services):
            history = sorted(by_service.get(service.id, []))
            if not history:
                continue
            if history[-1][0] == newest:
                balance += history[-1][1][4]
            charges += [
                OpenCharge(month, order, service.name, service.is_penalty, amount)
                for month, amount in unpaid_charges(history)
            ]
        # Payments the statement does not hold yet go to the oldest charges first.
        with self.db.read() as s:
            payments = [(p.paid_on, p.amount) for p in uncovered(s, account_id, newest)]
        paid_after = sum((amount for _day, amount in payments), ZERO)
        settle(charges, payments, since, today, rules)
        items: list[Arrear] = []
        penalty_charged = penalty_accrued = ZERO
        for charge in charges:
            penalty_accrued += charge.penalty
            if charge.is_penalty:  # a penalty accrues no penalty
                penalty_charged += charge.left
                continue
            if charge.left <= 0:
                continue
            if months_between(charge.month, month_start(today)) <= rules.arrears_months:
                continue
            items.append(
                Arrear(
                    charge.month,
                    charge.service,
                    charge.left,
                    due_date(charge.month, rules),
                    days_overdue(charge.month, today, rules),
                    charge.penalty,
                )
            )
        items.sort(key=lambda i: (i.month, i.service))
        return Debt(
            today,
            rules.arrears_months,
            tuple(items),
            balance - paid_after,
            penalty_charged,
            penalty_accrued,
            since,
            newest,
            paid_after,
            len(payments),
        )

    def payments(self, actor: Actor, account_id: int) -> list[PaymentItem]:
        """The account's payments from the banks' registries, newest first, each marked
        whether the debt counts it (received after the newest statement month)."""
        require_account(actor, account_id)
        with self.db.read() as s:
            if s.get(Account, account_id) is None:
                raise NotFoundError("Лицевой счет не найден.")
            newest = s.scalar(
                select(func.max(StatementRow.month)).where(StatementRow.account_id == account_id)
            )
            return account_payments(s, account_id, newest)
