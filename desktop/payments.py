"""An account's payments from the banks' registries: the resident's «Платежи» list and the
clerk's, and the ones the debt counts — those received after the last imported statement
month, which 1C's statement has not covered yet (PRODUCT.md, «Exchange»)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Payment
from desktop.months import add_months

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class PaymentItem:
    """One payment as the lists show it."""

    paid_on: date
    amount: Decimal
    bank: str
    period: date | None  # the month the payer paid for, if the registry says
    counted: bool  # received after the statement's last month: the debt counts it


def first_uncovered(statement_month: date | None) -> date | None:
    """The first day whose payments the statement does not hold yet (None: no statement,
    every payment counts)."""
    return None if statement_month is None else add_months(statement_month, 1)


def uncovered(s: Session, account_id: int, statement_month: date | None) -> list[PaymentItem]:
    """The account's payments the debt counts: after ``statement_month``, oldest first."""
    query = select(Payment.paid_on, Payment.amount, Payment.bank, Payment.period).where(
        Payment.account_id == account_id
    )
    start = first_uncovered(statement_month)
    if start is not None:
        query = query.where(Payment.paid_on >= start)
    return [
        PaymentItem(day, amount, bank, period, True)
        for day, amount, bank, period in s.execute(query.order_by(Payment.paid_on, Payment.id))
    ]


def account_payments(
    s: Session, account_id: int, statement_month: date | None
) -> list[PaymentItem]:
    """Every payment of the account, newest first, each marked whether the debt counts it."""
    start = first_uncovered(statement_month)
    rows = s.execute(
        select(Payment.paid_on, Payment.amount, Payment.bank, Payment.period)
        .where(Payment.account_id == account_id)
        .order_by(Payment.paid_on.desc(), Payment.id.desc())
    )
    return [
        PaymentItem(day, amount, bank, period, start is None or day >= start)
        for day, amount, bank, period in rows
    ]
