"""Each account's figures the office's search shows beside it, kept on a row of their own so
that a page of found accounts reads one row each (``desktop.account_summary`` writes them;
``db.models`` re-exports the model with every other)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, text
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base
from db.types import Id, Money, UTCDateTime


class AccountSummary(Base):
    """An account's balance to pay and latest reading, as computed from the statement, the
    payments and the readings by ``desktop.account_summary`` whenever they change. An account
    without a row has neither (no statement, payment or reading yet)."""

    __tablename__ = "account_summary"

    account_id: Mapped[int] = mapped_column(
        Id, ForeignKey("account.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    # ``Debt.balance``: the newest statement month's closing ИТОГО (its receipt's «к оплате»)
    # less the payments received after that month; negative is paid in advance.
    balance: Mapped[Decimal] = mapped_column(Money, server_default=text("0"))
    # The latest reading entered in the newest period that has one entered.
    last_reading_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
