"""Each account's balance to pay and latest reading, kept on its ``account_summary`` row
(``db.models_summary``) so that a page of found accounts reads one row each instead of
computing both from tables of tens of millions of rows every keystroke.

The figures are computed here, in the database, from what they summarise:

* the balance: the newest statement month's closing ИТОГО less the payments received after
  that month (every payment when there is no statement yet) — ``Debt.balance``, the debt
  page's and the receipt's «к оплате»;
* the latest reading: the latest ``entered_at`` of the newest period with a value entered.

Whoever changes what they are computed from refreshes them in the same transaction, once its
rows are in (flushed): ``refresh_balance`` after statement rows or payments are written
(the statement import, the payments import), ``refresh_last_reading`` after readings are
saved or a period deleted (the kiosk's and the clerk's PostgreSQL groups may write no
balance, ``db.roles``), ``refresh_account_summary`` (both) after a bulk load (the demo, its
copies, the large demo). Each kind writes only its own figure on a row that exists, so a
save of readings and an import committing at the same moment do not undo each other's.
``tests/desktop/test_account_summary.py`` checks each writer against the figures computed
afresh.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Connection,
    Select,
    bindparam,
    exists,
    func,
    literal_column,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.orm import aliased

from db.models import Account, AccountSummary, Payment, Period, Reading, StatementRow

# Accounts refreshed by one statement: an import of a whole town's file names tens of
# thousands, more than a statement's parameters may be on some SQLite builds.
CHUNK = 5000


def refresh_account_summary(conn: Connection, account_ids: Iterable[int] | None) -> None:
    """Compute afresh and store both figures of ``account_ids`` (None: of every account), in
    ``conn``'s transaction: for a load that writes accounts with their statement, payments
    and readings at once (the demo, its copies), nothing else writing them meanwhile."""
    _refresh(conn, account_ids, ("balance", "last_reading_at"), ("balance", "last_reading_at"))


def refresh_balance(conn: Connection, account_ids: Iterable[int]) -> None:
    """Compute afresh and store the balance of ``account_ids`` (after statement rows or
    payments were written), in ``conn``'s transaction. The latest reading is written only
    for an account new to the table: a save of readings committed meanwhile keeps its own."""
    _refresh(conn, account_ids, ("balance", "last_reading_at"), ("balance",))


def refresh_last_reading(conn: Connection, account_ids: Iterable[int]) -> None:
    """Compute afresh and store the latest reading of ``account_ids`` (after readings were
    saved or a period deleted), in ``conn``'s transaction; the balance stays as it is (an
    account new to the table has none yet: only an import writes it)."""
    _refresh(conn, account_ids, ("last_reading_at",), ("last_reading_at",))


def _refresh(
    conn: Connection,
    account_ids: Iterable[int] | None,
    computed: tuple[str, ...],
    updated: tuple[str, ...],
) -> None:
    postgres = conn.dialect.name == "postgresql"
    if account_ids is None:
        conn.execute(_upsert(postgres, computed, updated, every=True))
        return
    ids = sorted(set(account_ids))
    statement = _upsert(postgres, computed, updated, every=False)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        if postgres:
            # The rows locked first, in one order: a desk whose refresh of the same account
            # is in flight commits before this one computes, and the upsert (a statement of
            # its own, READ COMMITTED) then sees that desk's rows — else it would write a
            # figure computed from a snapshot older than the other's commit.
            conn.execute(_lock_rows(), {"ids": chunk})
        conn.execute(statement, {"ids": chunk})


@cache
def _lock_rows() -> Any:
    return (
        select(AccountSummary.account_id)
        .where(AccountSummary.account_id.in_(bindparam("ids", expanding=True)))
        .order_by(AccountSummary.account_id)
        .with_for_update()
    )


@cache
def _upsert(
    postgres: bool, computed: tuple[str, ...], updated: tuple[str, ...], *, every: bool
) -> Any:
    """INSERT … SELECT … ON CONFLICT DO UPDATE: the ``computed`` figures of the accounts
    bound as ``ids`` (or of ``every`` one) inserted, and the ``updated`` ones of a row that
    is there already. Built once per backend and kind."""
    # The backend's own insert, imported when first needed (as db.engine.insert_for).
    insert: Any
    if postgres:
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    figures = {"balance": lambda: balance_of(postgres), "last_reading_at": last_reading_of}
    columns: dict[str, Any] = {"account_id": Account.id}
    columns |= {name: figures[name]() for name in computed}
    # SQLite needs a WHERE before its ON CONFLICT (or it reads a join's ON).
    chosen = Account.id.is_not(None) if every else Account.id.in_(bindparam("ids", expanding=True))
    source: Select[Any] = select(*columns.values()).where(chosen)
    statement = insert(AccountSummary).from_select(list(columns), source)
    return statement.on_conflict_do_update(
        index_elements=[AccountSummary.account_id],
        set_={name: statement.excluded[name] for name in updated},
    )


def balance_of(postgres: bool) -> ColumnElement[int]:
    """``Debt.balance`` of the outer query's ``Account``, in kopecks."""
    row, newest = aliased(StatementRow), aliased(StatementRow)
    newest_month = (
        select(func.max(newest.month))
        .where(newest.account_id == Account.id)
        .correlate(Account)
        .scalar_subquery()
    )
    closing = (
        select(func.coalesce(func.sum(type_coerce(row.closing, BigInteger)), 0))
        .where(row.account_id == Account.id, row.month == newest_month)
        .correlate(Account)
        .scalar_subquery()
    )
    # desktop.payments.first_uncovered: the first day after the newest statement month.
    if postgres:
        after: Any = newest_month + literal_column("INTERVAL '1 month'")
    else:
        after = func.date(newest_month, "+1 month")
    paid = (
        select(func.coalesce(func.sum(type_coerce(Payment.amount, BigInteger)), 0))
        .where(
            Payment.account_id == Account.id,
            or_(newest_month.is_(None), Payment.paid_on >= after),
        )
        .correlate(Account)
        .scalar_subquery()
    )
    return closing - paid


def last_reading_of() -> ColumnElement[Any]:
    """The latest reading's time of the outer query's ``Account``: the latest ``entered_at``
    of its newest period with one."""
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
    return (
        select(func.max(entered.entered_at)).where(entered.period_id == last_period)
    ).scalar_subquery()


__all__ = [
    "balance_of",
    "last_reading_of",
    "refresh_account_summary",
    "refresh_balance",
    "refresh_last_reading",
]
