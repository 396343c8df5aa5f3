"""Readings changed by someone else: the refusal a stale form gets (who changed what, when), and
a past month's correction carried forward into the following period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from db.models import Channel, Confirmation, Period, Reading
from desktop import audit
from desktop.actors import Actor
from desktop.audit import AuditAction
from desktop.common.problems import Problem, ProblemError
from desktop.formatting import meter_value
from desktop.months import month_name
from desktop.readings.rows import PeriodInfo, ReadingRow, RowKey, in_row_order, zone_label
from desktop.readings.values import retired_reason


class ReadingsChanged(ProblemError):
    """The period was saved by someone else after this form was opened (or at the same
    moment): nothing was written. ``period`` and ``rows`` are what is stored now, so a screen
    can keep the typed values and save again against the new version."""

    def __init__(self, message: str, period: PeriodInfo, rows: list[ReadingRow]) -> None:
        super().__init__([Problem(message)])
        self.period = period
        self.rows = rows


def month_words(month: date) -> str:
    """«июнь 2017», as in «Показания за июнь 2017»."""
    name = month_name(month)
    return name[:1].lower() + name[1:]


def _moment(at: datetime, now: datetime) -> str:
    local, today = at.astimezone(), now.astimezone().date()
    return f"в {local:%H:%M}" if local.date() == today else f"{local:%d.%m.%Y в %H:%M}"


def _who(channel: Channel | None, entered_by: str | None) -> str:
    """The verb and who: «изменил сотрудник ivanova»."""
    if channel == Channel.CLERK:
        return f"изменил сотрудник {entered_by}"
    if channel == Channel.KIOSK:
        return f"изменил житель через терминал (лицевой счет {entered_by})"
    if channel == Channel.RESIDENT:
        return f"изменил житель (лицевой счет {entered_by})"
    if channel == Channel.IMPORT:
        return "изменены при загрузке из 1С"
    if channel == Channel.BANK:
        return f"переданы через банк ({entered_by}, реестр платежей)"
    return "изменены"


def changed_message(period: Period, now: datetime) -> str:
    """«Показания за ноябрь 2026 изменил сотрудник ivanova в 10:42: ГВС 168500-12 — 123,000.
    Ваши значения не сохранены: проверьте их и сохраните ещё раз.»"""
    entered = [r for r in period.readings if r.entered_at is not None]
    latest = max((r.entered_at for r in entered if r.entered_at), default=None)
    tail = "Ваши значения не сохранены: проверьте их и сохраните ещё раз."
    title = f"Показания за {month_words(period.month)}"
    if latest is None or period.changed_at > latest:
        # The last change was not a value typed in: a correction of the month before.
        return (
            f"{title} изменились {_moment(period.changed_at, now)}: после поправки прошлого "
            f"месяца уточнены предыдущие значения. {tail}"
        )
    last = [r for r in in_row_order(entered) if r.entered_at == latest]
    what = "; ".join(f"{zone_label(r.meter, r.zone)} — {meter_value(r.current)}" for r in last)
    who = _who(last[0].channel, last[0].entered_by)
    return f"{title} {who} {_moment(latest, now)}: {what}. {tail}"


@dataclass(frozen=True)
class Corrected:
    """One value of a month changed by a save: the following period starts from it."""

    key: RowKey
    title: str
    old: Decimal | None
    new: Decimal


def carry_forward(
    s: Session,
    now: datetime,
    today: date,
    actor: Actor,
    account_id: int,
    month: date,
    corrected: list[Corrected],
) -> str:
    """Make the period after ``month`` start from the corrected values, in the caller's
    transaction, audited. A following period 1C has accepted is left alone and flagged for the
    office instead; the returned notice (empty if none) says so to the person saving."""
    if not corrected:
        return ""
    # Locked (PostgreSQL; SQLite's writer is alone anyway) and read as committed now: a save
    # of that month racing this one waits, then finds its version moved. Months are locked in
    # ascending order (this one was flushed first), so two corrections cannot deadlock.
    following = s.scalar(
        select(Period)
        .where(Period.account_id == account_id, Period.month > month)
        .order_by(Period.month)
        .limit(1)
        .with_for_update()
        .options(selectinload(Period.readings).selectinload(Reading.meter))
    )
    if following is None:
        return ""
    by_key = {(r.meter_id, r.zone): r for r in following.readings}
    changes: list[dict[str, Any]] = []
    below: list[str] = []  # current values now under their new starting value
    for fix in corrected:
        reading = by_key.get(fix.key)
        if reading is None or reading.previous == fix.new:
            continue
        changes.append({"meter": fix.title, "old": str(reading.previous), "new": str(fix.new)})
        if following.accepted_at is not None:
            continue
        # A retired meter carries its value over as the current one of that month.
        carried = reading.current == reading.previous and retired_reason(
            reading.meter, following.month, today
        )
        reading.previous = fix.new
        if carried:
            reading.current = fix.new
        elif (
            reading.current is not None
            and reading.current < fix.new
            and reading.confirmation not in (Confirmation.ROLLOVER, Confirmation.REPLACEMENT)
        ):
            below.append(f"{fix.title} — {meter_value(reading.current)}")
    if not changes:
        return ""
    details: dict[str, Any] = {
        "from_month": month.isoformat(),
        "month": following.month.isoformat(),
        "changes": changes,
    }
    name = month_words(following.month)
    if following.accepted_at is not None:
        audit.record(
            s, now, actor, AuditAction.READINGS_CARRY_FORWARD, account_id=account_id,
            ok=False, needs_attention="следующий период уже принят в 1С", **details,
        )  # fmt: skip
        values = "; ".join(f"{c['meter']} — {meter_value(Decimal(c['new']))}" for c in changes)
        return (
            f"Показания за {name} уже приняты в 1С, и предыдущие значения в них не изменены. "
            f"Пересчитайте {name} в бухгалтерии; новые предыдущие значения: {values}."
        )
    following.changed_at = now
    following.version += 1  # a form of that month opened before this is now stale
    notice = f"Предыдущие значения за {name} исправлены по этой поправке."
    if below:
        details["below_previous"] = below
        notice += (
            f" Проверьте показания за {name}: теперь они меньше предыдущих — "
            + "; ".join(below)
            + "."
        )
    audit.record(
        s, now, actor, AuditAction.READINGS_CARRY_FORWARD, account_id=account_id, **details
    )
    return notice
