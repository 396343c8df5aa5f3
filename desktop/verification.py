"""Verification (поверка) reminders: a meter whose next verification date is near or past.

A meter in service whose verification runs out within ``readings.verification_notice_days``
days (60 by default) or has run out is named to its resident, with what to do about it.
Dates come from the injected clock's ``today``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Meter
from desktop.common.plural import plural
from desktop.formatting import ru_date

WHAT_TO_DO = (
    "Закажите поверку в аккредитованной организации и передайте свидетельство о поверке в офис"
)
NOT_COUNTED = "показания не принимаются к расчету"


@dataclass(frozen=True)
class Reminder:
    """One meter's verification that is due soon (``days_left`` ≥ 0) or overdue."""

    meter_id: int
    title: str
    due_on: date  # the meter's next verification date
    days_left: int  # negative: overdue by that many days

    @property
    def overdue(self) -> bool:
        return self.days_left < 0

    @property
    def when(self) -> str:
        """«истёк 01.06.2023», «истекает сегодня, 01.12.2026», «истекает … (через 5 дней)»."""
        if self.overdue:
            return f"истёк {ru_date(self.due_on)}"
        if self.days_left == 0:
            return f"истекает сегодня, {ru_date(self.due_on)}"
        days = plural(self.days_left, "день", "дня", "дней")
        return f"истекает {ru_date(self.due_on)} (через {days})"

    @property
    def headline(self) -> str:
        """«Срок поверки счетчика «ГВС 59537062» истёк 01.06.2023.»"""
        return f"Срок поверки счетчика «{self.title}» {self.when}."

    @property
    def message(self) -> str:
        """The headline and what to do about it."""
        if self.overdue:
            return f"{self.headline[:-1]}: его {NOT_COUNTED}. {WHAT_TO_DO}."
        return f"{self.headline} {WHAT_TO_DO} до этой даты."

    @property
    def clause(self) -> str:
        """«ГВС 59537062» — срок истёк 01.06.2023, показания не принимаются к расчету», as a
        list of several meters says it."""
        clause = f"«{self.title}» — срок {self.when}"
        return f"{clause}, {NOT_COUNTED}" if self.overdue else clause

    @property
    def mark(self) -> str:
        """The short state a table cell shows beside the meter."""
        return "поверка просрочена" if self.overdue else "скоро поверка"


def reminder_for(
    meter_id: int,
    title: str,
    due_on: date | None,
    retired_on: date | None,
    today: date,
    notice_days: int,
) -> Reminder | None:
    """The reminder a meter calls for today, if any: none for a meter without a date or one
    taken out of service by today; one from ``notice_days`` days before its date on."""
    if due_on is None or (retired_on is not None and retired_on <= today):
        return None
    days_left = (due_on - today).days
    if days_left > notice_days:
        return None
    return Reminder(meter_id, title, due_on, days_left)


def reminders(meters: Iterable[Meter], today: date, notice_days: int) -> list[Reminder]:
    """The reminders of these meters, the most urgent first."""
    found = [
        reminder_for(m.id, m.title, m.next_verification_on, m.retired_on, today, notice_days)
        for m in meters
    ]
    return sorted((r for r in found if r is not None), key=lambda r: (r.due_on, r.title))


def account_reminders(s: Session, account_id: int, today: date, notice_days: int) -> list[Reminder]:
    meters = s.scalars(
        select(Meter).where(Meter.account_id == account_id).order_by(Meter.display_order, Meter.id)
    )
    return reminders(meters, today, notice_days)


def summary(found: list[Reminder]) -> str:
    """One notice for all of an account's reminders (after sign-in), what to do included."""
    if not found:
        return ""
    if len(found) == 1:
        return found[0].message
    return f"Поверка счетчиков: {'; '.join(r.clause for r in found)}. {WHAT_TO_DO}."
