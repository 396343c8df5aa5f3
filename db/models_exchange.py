"""The tables of the exchange with 1C, ГИС ЖКХ and the banks: which month's readings went out,
where, and the periods each export carried; the payments imported from banks' registries.
``db.models`` re-exports them with every other model."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base
from db.types import Id, Money, UTCDateTime


class ReadingsExport(Base):
    """A month's readings written to a file for 1C (``target`` "1c") or ГИС ЖКХ ("gis")."""

    __tablename__ = "readings_export"
    __table_args__ = (Index("ix_readings_export_month_target", "month", "target"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    month: Mapped[date] = mapped_column(Date)
    target: Mapped[str] = mapped_column(String(10))
    file_format: Mapped[str] = mapped_column(String(10))  # csv | xlsx | gis
    file_name: Mapped[str] = mapped_column(String(300))
    rows: Mapped[int] = mapped_column(Integer)
    exported_at: Mapped[datetime] = mapped_column(UTCDateTime)
    exported_by: Mapped[str] = mapped_column(String(100))


class ReadingsExportPeriod(Base):
    """A period an export carried: the mark that a month's readings went out. No foreign key
    to ``period``: one deleted since stays listed and is reported as removed."""

    __tablename__ = "readings_export_period"

    export_id: Mapped[int] = mapped_column(Id, ForeignKey("readings_export.id"), primary_key=True)
    period_id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=False)


class Payment(Base):
    """A payment from a bank's registry (import kind ``payments``): one per bank operation."""

    __tablename__ = "payment"
    __table_args__ = (UniqueConstraint("bank", "operation", "paid_on"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    account_id: Mapped[int] = mapped_column(Id, ForeignKey("account.id"), index=True)
    paid_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money)  # paid for the account; the bank's fee:
    commission: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    bank: Mapped[str] = mapped_column(String(100))
    operation: Mapped[str] = mapped_column(String(50))  # the bank's operation number
    period: Mapped[date | None] = mapped_column(Date)  # the month paid for, if the payer said
    batch_id: Mapped[int | None] = mapped_column(Id, ForeignKey("import_batch.id"))
