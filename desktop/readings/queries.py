"""The queries behind periods: the stored period, the meters a month shows, the values and
averages of the months before."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from db.models import Account, Meter, Period, Reading
from desktop.errors import NotFoundError
from desktop.months import add_months, month_name
from desktop.readings.rows import RowKey
from desktop.readings.values import ZERO

AVERAGE_OVER = 12  # the last filled readings behind «the meter's average»


def the_account(s: Session, account_id: int) -> Account:
    account = s.get(Account, account_id)
    if account is None:
        raise NotFoundError("Лицевой счет не найден.")
    return account


def stored_period(s: Session, account_id: int, month: date) -> Period:
    period = s.scalar(
        select(Period)
        .where(Period.account_id == account_id, Period.month == month)
        .options(selectinload(Period.readings).joinedload(Reading.meter))
    )
    if period is None:
        raise NotFoundError(
            f"Период «{month_name(month)}» не найден. Создайте его кнопкой «Добавить»."
        )
    return period


def meters_for(s: Session, account_id: int, month: date) -> list[Meter]:
    """Meters shown in a month: in service then, or retired since the month before (the
    seed shows a meter retired on 31 May in June, its value carried over)."""
    shown_from = add_months(month, -1)
    following = add_months(month, 1)
    return list(
        s.scalars(
            select(Meter)
            .where(
                Meter.account_id == account_id,
                (Meter.retired_on.is_(None)) | (Meter.retired_on >= shown_from),
                (Meter.installed_on.is_(None)) | (Meter.installed_on < following),
            )
            .order_by(Meter.display_order, Meter.id)
        )
    )


def _history(s: Session, account_id: int, before: date) -> list[tuple[int, int, Decimal, Decimal]]:
    """(meter, zone, previous, current) of each meter zone's last ``AVERAGE_OVER`` filled
    readings before a month, however long ago they were: an account whose last readings are
    years old (the seed's 3492 stops in 2017) still has an average to check a jump against."""
    newest_first = func.row_number().over(
        partition_by=(Reading.meter_id, Reading.zone), order_by=Period.month.desc()
    )
    filled = (
        select(
            Reading.meter_id,
            Reading.zone,
            Reading.previous,
            Reading.current,
            newest_first.label("age"),
        )
        .join(Period)
        .where(
            Period.account_id == account_id,
            Period.month < before,
            Reading.current.is_not(None),
        )
        .subquery()
    )
    return [
        (meter_id, zone, previous, current)
        for meter_id, zone, previous, current in s.execute(
            select(filled.c.meter_id, filled.c.zone, filled.c.previous, filled.c.current).where(
                filled.c.age <= AVERAGE_OVER
            )
        )
    ]


def latest_values(s: Session, account_id: int, before: date) -> dict[RowKey, Decimal]:
    """The last known value of each meter zone before a month."""
    latest: dict[RowKey, Decimal] = {}
    found = s.execute(
        select(Reading.meter_id, Reading.zone, Reading.previous, Reading.current)
        .join(Period)
        .where(Period.account_id == account_id, Period.month < before)
        .order_by(Period.month.desc())
    )
    for meter_id, zone, previous, current in found:
        latest.setdefault((meter_id, zone), current if current is not None else previous)
    return latest


@dataclass(frozen=True)
class Usual:
    """A meter zone's consumption over its last filled periods: the jump check compares
    ``used × count`` with ``factor × total`` exactly (as the database's rule for a kiosk does,
    db.roles_readings), never a rounded average."""

    total: Decimal
    count: int

    @property
    def average(self) -> Decimal:
        return self.total / self.count

    def exceeded_by(self, used: Decimal, factor: Decimal) -> bool:
        """Whether ``used`` is more than ``factor`` times the average (no average: never)."""
        return self.total > 0 and used * self.count > factor * self.total


def usage(s: Session, account_id: int, month: date) -> dict[RowKey, Usual]:
    """Each meter zone's consumption over its last filled periods (a roll-over or a replaced
    meter's month, where the value went down, is left out)."""
    sums: dict[RowKey, list[Decimal]] = {}
    for meter_id, zone, previous, current in _history(s, account_id, month):
        if current >= previous:
            sums.setdefault((meter_id, zone), []).append(current - previous)
    return {key: Usual(sum(v, ZERO), len(v)) for key, v in sums.items() if v}


def averages(s: Session, account_id: int, month: date) -> dict[RowKey, Decimal]:
    """Each meter zone's average monthly consumption, for display (``usage``)."""
    return {key: usual.average for key, usual in usage(s, account_id, month).items()}
