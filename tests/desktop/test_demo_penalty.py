"""The penalty tells one story in every demo account: the statement's monthly «Пеня» is the
rule's accrual, the receipt prints the statement's figure, and the debt page adds to it only
what the rule accrued since. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from db.engine import Database
from db.models import Account
from desktop.actors import Actor
from desktop.app import build_services
from desktop.billing.charges import unpaid_charges
from desktop.billing.penalty import Charge, accrued
from desktop.clock import FixedClock
from desktop.demo import DEMO_ACCOUNT, DEMO_ACCOUNTS, build_demo
from desktop.months import add_months
from desktop.settings import Settings
from desktop.statement import Statement

ZERO = Decimal("0.00")
PENALTY = "Пеня"


def _histories(statement: Statement) -> dict[str, list[tuple[date, tuple[Decimal, ...]]]]:
    """Each service's (month, five amounts) from the statement as the page shows it."""
    histories: dict[str, list[tuple[date, tuple[Decimal, ...]]]] = {}
    for position, column in enumerate(statement.columns):
        histories[column.name] = [
            (block.month, tuple(line.amounts[position] for line in block.lines))
            for block in reversed(statement.months)
        ]
    return histories


def _unpaid(histories, until: date) -> list[Charge]:
    return [
        Charge(month, amount)
        for name, history in histories.items()
        if name != PENALTY
        for month, amount in unpaid_charges([row for row in history if row[0] <= until])
    ]


def _last_day(month: date) -> date:
    return add_months(month, 1) - timedelta(days=1)


@pytest.mark.parametrize(
    "moment",
    [datetime(2026, 11, 20, 9, 0, tzinfo=UTC), datetime(2027, 3, 1, 0, 30, tzinfo=UTC)],
)
def test_the_penalty_tells_one_story_in_every_demo_account(database: Database, moment):
    clock, today = FixedClock(moment), moment.date()
    current = today.replace(day=1)
    settings = Settings()
    rules = settings.debt
    build_demo(database, clock, rules=rules)
    services = build_services(database, settings, clock)
    statements, documents = services.statements, services.documents
    with database.read() as s:
        accounts = dict(s.execute(select(Account.number, Account.id)).all())
    assert set(accounts) == set(DEMO_ACCOUNTS)

    penalised = 0
    for number, account_id in accounts.items():
        actor = Actor.resident(account_id, number)
        statement = statements.statement(actor, account_id)
        histories = _histories(statement)
        penalty = {month: amounts for month, amounts in histories[PENALTY]}
        closed = [block.month for block in statement.months if block.month < current]

        # The statement: each closed month charges what the rule accrues on its days.
        if number != DEMO_ACCOUNT:  # the seed's «Пеня» is the seed's, not computed
            for month in closed:
                expected = accrued(
                    _unpaid(histories, month), month - timedelta(days=1), _last_day(month), rules
                )
                assert penalty[month][1] == expected, (number, month)
            assert penalty[current][1] == ZERO  # the open month has no penalty yet

        # The receipt of the last closed month prints the statement's «Пеня».
        last = max(closed)
        receipt = documents.receipt(actor, account_id, last)
        printed = {line.name: line for line in receipt.services}
        shown = printed[PENALTY].closing if PENALTY in printed else ZERO
        assert shown == penalty[last][4]
        block = next(block for block in statement.months if block.month == last)
        assert receipt.closing == block.line("Сальдо кон.").total

        # The debt page: the statement's unpaid «Пеня» plus the rule's accrual since.
        debt = statements.debt(actor, account_id)
        newest = max(penalty)
        assert debt.penalty_charged == max(penalty[newest][4], ZERO)
        assert debt.penalty_since == _last_day(last)
        since = accrued(_unpaid(histories, newest), debt.penalty_since, today, rules)
        assert debt.penalty_accrued == since
        assert debt.penalty == debt.penalty_charged + since
        if penalty[newest][2] == ZERO:  # nothing of the penalty paid this month
            assert debt.penalty_charged == max(shown, ZERO)
        if debt.penalty > 0:
            penalised += 1
            assert debt.penalty_charged > 0 and debt.has_debt
            # What the receipt asked for and what has accrued since: never less than printed.
            assert debt.penalty >= shown
    assert penalised >= 1  # 4105, who stopped paying
