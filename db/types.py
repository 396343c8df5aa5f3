"""Exact column types: money as integer kopecks, meter values as integer thousandths.

SQLite's NUMERIC affinity silently turns '1234.10' into a float, so amounts are never stored
as NUMERIC: an integer of the smallest unit is exact on every backend.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import BigInteger, DateTime, Integer
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

Id = BigInteger().with_variant(Integer(), "sqlite")
"""Every row id and every column that refers to one: 64-bit on PostgreSQL, so no loop of
``nextval`` (which any role that may insert can run) exhausts a table's ids; on SQLite an
``INTEGER PRIMARY KEY`` is the 64-bit rowid already, and must stay spelt so to be it."""


class _ScaledDecimal(TypeDecorator[Decimal]):
    """A Decimal with a fixed number of places, stored as a scaled integer."""

    impl = BigInteger
    cache_ok = True
    places = 0

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> int | None:
        if value is None:
            return None
        if not isinstance(value, Decimal):
            raise TypeError(f"{type(self).__name__} takes Decimal, not {type(value).__name__}")
        scaled = value.scaleb(self.places)
        if scaled != scaled.to_integral_value():
            raise ValueError(f"{value} has more than {self.places} decimal places")
        return int(scaled)

    def process_result_value(self, value: int | None, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return Decimal(value).scaleb(-self.places).quantize(Decimal(1).scaleb(-self.places))


class Money(_ScaledDecimal):
    """Roubles with 2 places, stored as kopecks."""

    places = 2
    cache_ok = True


class MeterValue(_ScaledDecimal):
    """A meter value with 3 places, stored as thousandths."""

    places = 3
    cache_ok = True


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; pass an aware UTC datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
