"""The rows of a page of found accounts, with what the office's counter shows: the balance
to pay and the latest reading, for the page's accounts only, in one query."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import cache
from typing import Any

from sqlalchemy import BigInteger, Select, bindparam, exists, func, select, type_coerce
from sqlalchemy.orm import Session, aliased

from db.models import Account, Period, Reading, StatementRow


@dataclass(frozen=True)
class FoundAccount:
    """A row of the search results, with what the office's counter shows."""

    id: int
    number: str
    fio: str
    address: str
    # The balance to pay: the newest statement month's closing ИТОГО, as the debt page and
    # the receipt show it (``Debt.balance``); negative is paid in advance.
    debt: Decimal
    last_reading_at: datetime | None  # the latest reading entered in its newest period


def page_rows(s: Session, ids: list[int]) -> tuple[FoundAccount, ...]:
    """The accounts ``ids`` in that order, each with its balance and last reading, in one
    query: a few index lookups per row, whatever the history's length."""
    if not ids:
        return ()
    found = {
        id_: FoundAccount(id_, number, fio, address, Decimal(kopecks).scaleb(-2), last)
        for id_, number, fio, address, kopecks, last in s.connection().execute(
            _rows_query(), {"ids": ids}
        )
    }
    return tuple(found[i] for i in ids if i in found)


@cache
def _rows_query() -> Select[Any]:
    """Built once: aliases cost more to make than the query takes to run."""
    row, newest = aliased(StatementRow), aliased(StatementRow)
    newest_month = (
        select(func.max(newest.month))
        .where(newest.account_id == Account.id)
        .correlate(Account)  # two levels up: the page's query
        .scalar_subquery()
    )
    balance = (
        select(func.coalesce(func.sum(type_coerce(row.closing, BigInteger)), 0))
        .where(row.account_id == Account.id, row.month == newest_month)
        .scalar_subquery()
    )
    period, entered, any_entered = aliased(Period), aliased(Reading), aliased(Reading)
    last_period = (
        select(period.id)
        .where(
            period.account_id == Account.id,
            exists().where(any_entered.period_id == period.id, any_entered.entered_at.is_not(None)),
        )
        .order_by(period.month.desc())
        .limit(1)
        .correlate(Account)
        .scalar_subquery()
    )
    last_reading = (
        select(func.max(entered.entered_at)).where(entered.period_id == last_period)
    ).scalar_subquery()
    return select(
        Account.id, Account.number, Account.fio, Account.address, balance, last_reading
    ).where(Account.id.in_(bindparam("ids", expanding=True)))


__all__ = ["FoundAccount", "page_rows"]
