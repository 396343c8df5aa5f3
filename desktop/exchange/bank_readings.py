"""The readings a payer typed at the bank (``CounterVal_N:value`` in a payment registry's
line), stored as the account's readings of the line's month with the channel «банк», in the
import's transaction. They pass the rules a resident's values pass — the submission window
(on the payment's day), the dial's digits, not below the previous value, no jump far above
the usual consumption (the payer cannot confirm one at the bank), a meter in verification and
not retired, a month 1C has not accepted — and a value a rule refuses is a line of the
import's report («Не принято»), never a failure of the payment. A value already stored for
the line (the resident's own, or the office's) is kept: the bank's different one is named in
the report instead."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from db.models import Channel, OrganisationSetting, Period, Reading
from desktop import audit
from desktop.account_summary import refresh_last_reading
from desktop.actors import SYSTEM, Actor
from desktop.audit import AuditAction
from desktop.clock import Clock
from desktop.common.plural import plural
from desktop.errors import ValidationError
from desktop.exchange.payments import CounterValue, PaymentLine
from desktop.exchange.report import Tally
from desktop.formatting import meter_value, ru_date, unit_text
from desktop.months import month_start
from desktop.organisation import merged, readable
from desktop.readings.changes import Corrected, carry_forward, month_words
from desktop.readings.new_period import new_period
from desktop.readings.queries import usage
from desktop.readings.rows import in_row_order, zone_label
from desktop.readings.values import ZERO, consumption, locked_reason, parse_value
from desktop.readings.window import submission_window
from desktop.settings import ReadingSettings, Settings
from desktop.text import clean_text

NAME_LENGTH = 50  # of a Counter_N name shown in a note
VALUE_SHOWN = 30  # characters of a typed value shown in a note


class BankReadings:
    """Stores the readings of a registry's new payments, one line at a time."""

    def __init__(self, s: Session, clock: Clock, bank: str) -> None:
        self.s = s
        self.clock = clock
        self.bank = bank[:100]  # Reading.entered_by
        self.actor: Actor = SYSTEM  # the importing staff member, once the import names them
        self.tally = Tally("Показания из банка")
        self.notes: list[str] = []
        self._rules: ReadingSettings | None = None

    @property
    def tallies(self) -> list[Tally]:
        """The readings' counts, once a line carried any."""
        return [self.tally] if self.tally.total or self.notes else []

    @property
    def rules(self) -> ReadingSettings:
        """The organisation's readings settings (the window, the jump factor), as stored."""
        if self._rules is None:
            rows = self.s.execute(select(OrganisationSetting.key, OrganisationSetting.value))
            stored = readable((key, value) for key, value in rows)
            self._rules = merged(Settings(), stored).readings
        return self._rules

    def store(self, line: PaymentLine, account_id: int) -> None:
        """Check the line's readings and store those every rule lets through."""
        month = line.period or month_start(line.paid_on)
        place = f"строка {line.line}, ЛС {line.account}"

        def refuse_all(why: str) -> None:
            names = ", ".join(f"CounterVal_{value.number}" for value in line.readings)
            self.notes.append(f"{place}: показания ({names}) не приняты — {why}")

        window = submission_window(line.paid_on, self.rules.window_start, self.rules.window_end)
        if month_start(line.paid_on) != month or not window.is_open:
            refuse_all(
                f"переданы {ru_date(line.paid_on)}, а показания за {month_words(month)} "
                f"принимаются с {window.start.day} по {window.end.day} число того же месяца."
            )
            return
        period = self._period(account_id, month)
        if period.accepted_at is not None:
            refuse_all(f"показания за {month_words(month)} уже приняты в 1С.")
            return
        rows = in_row_order(period.readings)
        usual = usage(self.s, account_id, month)
        now, today = self.clock.now(), self.clock.today()
        changes: list[dict[str, Any]] = []
        corrected: list[Corrected] = []
        for value in line.readings:
            if value.number > len(rows):
                self.notes.append(
                    f"{place}: CounterVal_{value.number} {_shown(value.text)} не принято — у счета "
                    f"{_meters(len(rows))} за {month_words(month)}, прибора № {value.number} "
                    "нет."
                )
                continue
            reading = rows[value.number - 1]
            title = zone_label(reading.meter, reading.zone)
            why = self._refusal(reading, value, line.paid_on, usual.get(_key(reading)))
            if why:
                self.notes.append(
                    f"{place}: {title} (CounterVal_{value.number}) {value.text} не принято — {why}"
                )
                continue
            parsed = parse_value(value.text, digits=reading.meter.digits)
            if reading.current == parsed:
                self.tally.unchanged += 1
                continue
            reading.current = parsed
            reading.channel = Channel.BANK
            reading.entered_by = self.bank
            reading.entered_at = now
            reading.confirmation = None
            reading.reason = ""
            self.tally.created += 1
            corrected.append(Corrected(_key(reading), title, None, parsed))
            changes.append({"meter": reading.meter.title, "zone": reading.zone, "old": None,
                            "new": str(parsed), "confirmation": None})  # fmt: skip
        if not changes:
            return
        period.changed_at = now
        period.version += 1  # a form of this month opened before is stale now
        audit.record(
            self.s, now, self.actor, AuditAction.READINGS_SUBMIT, account_id=account_id,
            month=month.isoformat(), changes=changes, channel=Channel.BANK.value,
            bank=self.bank, operation=line.operation, paid_on=line.paid_on.isoformat(),
        )  # fmt: skip
        notice = carry_forward(self.s, now, today, self.actor, account_id, month, corrected)
        if notice:
            self.notes.append(f"{place}: {notice}")
        self.s.flush()
        refresh_last_reading(self.s.connection(), [account_id])

    def _period(self, account_id: int, month: date) -> Period:
        """The account's period of ``month``, locked (a resident's save of it at this moment
        waits, then finds it changed); made if there is none, as «Добавить» makes it."""
        found = self._stored(account_id, month)
        if found is not None:
            return found
        try:
            # In a savepoint: another desk making the same period at this moment (PostgreSQL;
            # its uncommitted row holds the key, and this INSERT waits for its commit) makes
            # the unique key refuse ours; then its period, committed, is the one to fill.
            with self.s.begin_nested():
                return new_period(
                    self.s, self.actor, account_id, month, self.clock.now(), self.clock.today()
                )
        except IntegrityError:
            found = self._stored(account_id, month)
            if found is None:
                raise
            return found

    def _stored(self, account_id: int, month: date) -> Period | None:
        return self.s.scalar(
            select(Period)
            .where(Period.account_id == account_id, Period.month == month)
            .options(selectinload(Period.readings).selectinload(Reading.meter))
            .with_for_update()
            .execution_options(populate_existing=True)
        )

    def _refusal(self, reading: Reading, value: CounterValue, paid_on: date, usual: Any) -> str:
        """Why the value may not be stored, in words; empty if it may."""
        meter = reading.meter
        if value.name and not _names(value.name, meter.serial, meter.title):
            return (
                f"в реестре прибор «{clean_text(value.name)[:NAME_LENGTH]}», а на этом месте у "
                f"счета «{meter.title}»: проверьте порядок приборов."
            )
        locked = locked_reason(meter, reading.period.month, self.clock.today(), taken_on=paid_on)
        if locked:
            return locked
        try:
            parsed = parse_value(value.text, digits=meter.digits)
        except ValidationError as error:
            return str(error)
        if reading.current is not None and reading.current != parsed:
            by = "жителем" if reading.channel in (Channel.RESIDENT, Channel.KIOSK) else "офисом"
            if reading.channel == Channel.BANK:
                by = "через банк"
            return (
                f"за этот месяц уже передано {meter_value(reading.current)} ({by}); оно оставлено."
            )
        if parsed < reading.previous:
            return (
                f"значение меньше предыдущего {meter_value(reading.previous)}. Если счетчик "
                "заменили, показание вносит офис."
            )
        used = consumption(reading.previous, parsed)
        if usual is not None and usual.exceeded_by(used, self.rules.jump_factor):
            return (
                f"расход {meter_value(used)} {unit_text(meter.unit)} намного больше обычного "
                f"(в среднем {meter_value(usual.average.quantize(ZERO))} в месяц), а "
                "подтвердить его в банке нельзя. Проверьте показание с жителем."
            )
        return ""


def _shown(text: str) -> str:
    """A typed value as a note names it: cut if long (a garbled line)."""
    return text if len(text) <= VALUE_SHOWN else text[:VALUE_SHOWN] + "…"


def _key(reading: Reading) -> tuple[int, int]:
    return reading.meter_id, reading.zone


def _meters(count: int) -> str:
    return plural(count, "строка приборов", "строки приборов", "строк приборов")


def _names(name: str, serial: str, title: str) -> bool:
    """Whether a ``Counter_N`` name names this meter: its serial, or its title's number."""
    wanted = "".join(name.casefold().split())
    return bool(wanted) and any(
        wanted in "".join(text.casefold().split()) for text in (serial, title) if text
    )
