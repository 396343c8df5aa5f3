"""A new month of readings for an account, in the caller's transaction: one line per meter
and tariff zone shown that month, each starting from the last known value."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Period, Reading
from desktop import audit
from desktop.actors import Actor
from desktop.audit import AuditAction
from desktop.readings.queries import latest_values, meters_for
from desktop.readings.values import retired_reason


def new_period(
    s: Session, actor: Actor, account_id: int, month: date, now: datetime, today: date
) -> Period:
    """Add the account's period of ``month`` (it must not exist), audited."""
    period = Period(account_id=account_id, month=month, changed_at=now)
    # The month before is locked while its values are read: a correction of it saved
    # at this moment either commits first (and is read here) or waits and then finds
    # this period to carry itself into.
    s.execute(
        select(Period.id)
        .where(Period.account_id == account_id, Period.month < month)
        .order_by(Period.month.desc())
        .limit(1)
        .with_for_update()
    )
    latest = latest_values(s, account_id, month)
    for meter in meters_for(s, account_id, month):
        for zone in range(1, meter.zones + 1):
            previous = latest.get((meter.id, zone), meter.initial_value)
            # A retired meter's value is carried over; one past its verification
            # stays empty (billed without it), as does every other until typed.
            retired = bool(retired_reason(meter, month, today))
            period.readings.append(
                Reading(
                    meter_id=meter.id,
                    zone=zone,
                    previous=previous,
                    current=previous if retired else None,
                )
            )
    s.add(period)
    s.flush()
    audit.record(
        s, now, actor, AuditAction.PERIOD_CREATE, account_id=account_id, month=month.isoformat()
    )
    return period
