"""The demo's bank payments: each month's «Оплачено» of an account's statement as one
payment through Sberbank on the 9th of that month (or today, early in the current month) —
what the bank's registries would have brought. The statement holds them all already, so they
change no figure of the debt; they fill the resident's «Платежи» list."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from db.models import Account, Payment
from desktop.exchange.payments import BANK
from desktop.months import add_months

PAYMENT_DAY = 9


class DemoPayments:
    """Adds up the statement's payments per account and month, then makes the rows."""

    def __init__(self) -> None:
        self._paid: dict[tuple[int, str, date], Decimal] = defaultdict(Decimal)

    def add(self, account: Account, month: date, paid: Decimal) -> None:
        if paid > 0:
            self._paid[(account.id, account.number, month)] += paid

    def rows(self, today: date) -> list[Payment]:
        payments = []
        for (account_id, number, month), amount in sorted(self._paid.items()):
            day = month.replace(day=PAYMENT_DAY)
            if day > today:
                day = today
            if day < month:
                continue
            payments.append(
                Payment(
                    account_id=account_id,
                    paid_on=day,
                    amount=amount,
                    commission=Decimal("0.00"),
                    bank=BANK,
                    operation=f"{number}{month:%Y%m}",
                    period=add_months(month, -1),
                )
            )
        return payments
