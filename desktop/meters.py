"""What the cabinet tells about an account's meters beyond a period's readings: each meter's
consumption over the last two years (the chart) and the verifications due (the reminders);
and the one thing the office changes about a meter: its next verification date."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from db.engine import Database
from db.models import Meter
from desktop import audit
from desktop.actors import Actor
from desktop.audit import AuditAction
from desktop.clock import Clock
from desktop.errors import NotFoundError, ValidationError
from desktop.formatting import ru_date
from desktop.permissions import Permission, require, require_account
from desktop.readings.history import MeterHistory, meter_histories
from desktop.readings.queries import the_account
from desktop.settings import Settings
from desktop.verification import Reminder, account_reminders

LONGEST_INTERVAL_YEARS = 20  # no meter's verification interval is longer


class MeterService:
    """Read-only views of an account's meters, for its resident and for clerks."""

    def __init__(self, db: Database, clock: Clock, settings: Settings) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings

    def histories(self, actor: Actor, account_id: int) -> list[MeterHistory]:
        """Every meter of the account (retired ones too) with its monthly consumption over
        the last 24 months of its readings and the jump check's average
        (``desktop.readings.history``)."""
        require_account(actor, account_id)
        with self.db.read() as s:
            the_account(s, account_id)
            return meter_histories(s, account_id, self.clock.today())

    def reminders(self, actor: Actor, account_id: int) -> list[Reminder]:
        """The account's meters in service whose verification runs out within
        ``readings.verification_notice_days`` days or has run out, the most urgent first."""
        require_account(actor, account_id)
        days = self.settings.readings.verification_notice_days
        with self.db.read() as s:
            the_account(s, account_id)
            return account_reminders(s, account_id, self.clock.today(), days)

    def record_verification(self, actor: Actor, account_id: int, meter: str, next_on: date) -> str:
        """The office records a meter's next verification date from the certificate the
        resident brought (``meter``: its serial number or its title, as the receipt prints
        it). A meter past its date takes no readings (``desktop.readings.values``); from now
        on it does again. Audited; the answer says what changed."""
        require(actor, Permission.ACT_FOR_ANY_ACCOUNT)
        today = self.clock.today()
        if next_on <= today:
            raise ValidationError(
                f"Новая дата поверки {ru_date(next_on)} уже прошла: укажите следующую дату "
                "поверки из свидетельства (она позже сегодняшней)."
            )
        latest = _years_later(today, LONGEST_INTERVAL_YEARS)
        if next_on > latest:
            raise ValidationError(
                f"Новая дата поверки {ru_date(next_on)} позже {ru_date(latest)}: межповерочный "
                f"интервал не бывает длиннее {LONGEST_INTERVAL_YEARS} лет. Проверьте дату в "
                "свидетельстве."
            )
        wanted = meter.strip()
        with self.db.unit_of_work() as s:
            the_account(s, account_id)
            found = [
                m
                for m in s.scalars(select(Meter).where(Meter.account_id == account_id))
                if wanted and wanted in (m.serial, m.title) and m.retired_on is None
            ]
            if len(found) != 1:
                raise NotFoundError(
                    f"Прибора «{wanted}» в работе на этом лицевом счете нет: укажите его номер "
                    "или название, как в квитанции."
                )
            [found_meter] = found
            before = found_meter.next_verification_on
            found_meter.next_verification_on = next_on
            if before is not None and before < today:
                # The days it was out of verification stay so: their months take no values.
                found_meter.lapsed_after, found_meter.verified_again_on = before, today
            audit.record(
                s,
                self.clock.now(),
                actor,
                AuditAction.METER_VERIFY,
                account_id=account_id,
                meter=found_meter.title,
                old=before.isoformat() if before else None,
                new=next_on.isoformat(),
            )
            again = " снова" if before is not None and before < today else ""
            return (
                f"Прибор «{found_meter.title}»: следующая поверка {ru_date(next_on)}. "
                f"Показания по нему{again} принимаются."
            )


def _years_later(day: date, years: int) -> date:
    """The same day ``years`` later (28 February for 29 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)
