"""What the cabinet tells about an account's meters beyond a period's readings: each meter's
consumption over the last two years (the chart) and the verifications due (the reminders)."""

from __future__ import annotations

from db.engine import Database
from desktop.actors import Actor
from desktop.clock import Clock
from desktop.permissions import require_account
from desktop.readings.history import MeterHistory, meter_histories
from desktop.readings.queries import the_account
from desktop.settings import Settings
from desktop.verification import Reminder, account_reminders


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
