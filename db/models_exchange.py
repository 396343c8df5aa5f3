"""The tables that record exports of readings to 1C and ГИС ЖКХ: which month went out, where,
and the periods each export carried. ``db.models`` re-exports them with every other model."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base
from db.types import Id, UTCDateTime


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
