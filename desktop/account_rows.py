"""The rows of a page of found accounts, with what the office's counter shows: the balance
to pay and the latest reading, for the page's accounts only, in one query that reads one
summary row each (``desktop.account_summary`` keeps them)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import cache

from sqlalchemy import BigInteger, Select, bindparam, func, select, type_coerce
from sqlalchemy.orm import Session

from db.models import Account, AccountSummary


@dataclass(frozen=True)
class FoundAccount:
    """A row of the search results, with what the office's counter shows."""

    id: int
    number: str
    fio: str
    address: str
    # The balance to pay, as the debt page shows it (``Debt.balance``): the newest statement
    # month's closing ИТОГО less the payments received since; negative is paid in advance.
    debt: Decimal
    last_reading_at: datetime | None  # the latest reading entered in its newest period


def page_rows(s: Session, ids: list[int]) -> tuple[FoundAccount, ...]:
    """The accounts ``ids`` in that order, each with its balance and last reading, in one
    query: two index lookups per row, whatever the history's length."""
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
def _rows_query() -> Select[int, str, str, str, int, datetime | None]:
    """Built once: the page's accounts and their ``account_summary`` rows (kept by
    ``desktop.account_summary``; none: nothing to pay, no reading yet)."""
    summary = AccountSummary
    return (
        select(
            Account.id,
            Account.number,
            Account.fio,
            Account.address,
            func.coalesce(type_coerce(summary.balance, BigInteger), 0),
            summary.last_reading_at,
        )
        .outerjoin(summary, summary.account_id == Account.id)
        .where(Account.id.in_(bindparam("ids", expanding=True)))
    )


__all__ = ["FoundAccount", "page_rows"]
