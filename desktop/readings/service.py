"""Meter readings: periods, the submission window and every rule a value must pass."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from db.engine import Database
from db.models import Period, Reading
from desktop import audit
from desktop.account_summary import refresh_last_reading
from desktop.actors import Actor
from desktop.audit import AuditAction
from desktop.clock import Clock
from desktop.common.problems import Problem, ProblemError
from desktop.errors import AccessDeniedError, NotFoundError, UserError, ValidationError
from desktop.formatting import meter_value, unit_text
from desktop.months import month_name, month_start
from desktop.permissions import Permission, allows, require_account
from desktop.readings.changes import Corrected, ReadingsChanged, carry_forward, changed_message
from desktop.readings.new_period import new_period
from desktop.readings.queries import Usual, stored_period, the_account, usage
from desktop.readings.rows import (
    CURRENT_COLUMN,
    PeriodInfo,
    ReadingRow,
    RowKey,
    in_row_order,
    reading_rows,
    zone_label,
)
from desktop.readings.values import (
    ZERO,
    Confirmation,
    consumption,
    locked_reason,
    parse_value,
    reason_text,
)
from desktop.readings.window import Window, submission_window
from desktop.settings import Settings


class ReadingsRefused(ProblemError, ValidationError):
    """Some values break a rule; nothing was saved. Each problem names its line (``row``, the
    position in the period's rows), the column, the meter (``place``) and, if a confirmation
    would let the value through, that confirmation (``needs``)."""

    def __init__(self, problems: list[Problem]) -> None:
        # The plain text reads «T1: значение … меньше …»: after the colon, no capital.
        self.lines = tuple(f"{p.place}: {_clause(p.message)}" for p in problems)
        super().__init__(problems, message="Показания не сохранены.\n" + "\n".join(self.lines))

    @property
    def needs_confirmation_only(self) -> bool:
        return self.only_needs_confirmation


def _clause(sentence: str) -> str:
    """A sentence continued after a colon: its first word in lower case, unless it is an
    abbreviation or a name in quotes."""
    if len(sentence) > 1 and sentence[0].isupper() and sentence[1].islower():
        return sentence[0].lower() + sentence[1:]
    return sentence


def _sentence(clause: str) -> str:
    return clause[:1].upper() + clause[1:]


@dataclass(frozen=True)
class SubmitResult:
    period: PeriodInfo
    rows: list[ReadingRow]
    saved_at: datetime
    changed: int = 0
    notice: str = ""  # what the save did beyond this period (a correction carried forward)

    @property
    def message(self) -> str:
        saved = f"Показания переданы {self.saved_at.astimezone().strftime('%d.%m.%Y в %H:%M')}."
        return f"{saved} {self.notice}" if self.notice else saved


class ReadingService:
    """Periods and readings of one account, for residents and clerks."""

    def __init__(self, db: Database, clock: Clock, settings: Settings) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings

    # -- the window ------------------------------------------------------------------------

    def window(self) -> Window:
        readings = self.settings.readings
        return submission_window(self.clock.today(), readings.window_start, readings.window_end)

    # -- queries -----------------------------------------------------------------------------

    def periods(self, actor: Actor, account_id: int) -> list[PeriodInfo]:
        """The account's periods, newest first."""
        require_account(actor, account_id)
        with self.db.read() as s:
            the_account(s, account_id)
            found = s.scalars(
                select(Period).where(Period.account_id == account_id).order_by(Period.month.desc())
            )
            return [_period_info(p) for p in found]

    def readings(self, actor: Actor, account_id: int, month: date) -> list[ReadingRow]:
        """«Показания приборов за период» for one month."""
        require_account(actor, account_id)
        with self.db.read() as s:
            period = stored_period(s, account_id, month_start(month))
            return self._rows(actor, period)

    def open_for_edit(
        self, actor: Actor, account_id: int, month: date, *, reason: str = ""
    ) -> tuple[PeriodInfo, list[ReadingRow]]:
        """«Редактировать»: the period and its rows if this actor may change it now;
        otherwise the refusal to show. Changes nothing."""
        require_account(actor, account_id)
        with self.db.read() as s:
            period = stored_period(s, account_id, month_start(month))
            self._check_editable(actor, period, reason)
            return _period_info(period), self._rows(actor, period)

    # -- changes -------------------------------------------------------------------------------

    def create_period(self, actor: Actor, account_id: int) -> PeriodInfo:
        """«Добавить»: this month's period with the previous values filled in."""
        require_account(actor, account_id)
        month = month_start(self.clock.today())
        window = self.window()
        if not allows(actor, Permission.ENTER_READINGS_OUTSIDE_WINDOW) and not window.is_open:
            raise UserError(window.message)
        try:
            return self._create_period(actor, account_id, month)
        except IntegrityError:
            # Another desk created it between our check and our INSERT (PostgreSQL; SQLite's
            # BEGIN IMMEDIATE makes the check see it): the same answer as if we had seen it.
            with self.db.read() as s:
                if s.scalar(select(Period.id).where(*_the_period(account_id, month))) is None:
                    raise
            raise _already_created(month) from None

    def _create_period(self, actor: Actor, account_id: int, month: date) -> PeriodInfo:
        with self.db.unit_of_work() as s:
            the_account(s, account_id)
            if s.scalar(select(Period.id).where(*_the_period(account_id, month))) is not None:
                raise _already_created(month)
            period = new_period(s, actor, account_id, month, self.clock.now(), self.clock.today())
            return _period_info(period)

    def submit(
        self,
        actor: Actor,
        account_id: int,
        month: date,
        values: Mapping[RowKey, Decimal | str],
        *,
        confirmed: Mapping[RowKey, Confirmation] | None = None,
        reason: str = "",
        version: int | None = None,
    ) -> SubmitResult:
        """«Сохранить»: check every value, then store them all or none. ``version`` is the
        period's version the form was opened with (``PeriodInfo.version``): if anyone saved
        the period since, nothing is written and ``ReadingsChanged`` says who changed what.
        Two saves at the same moment are caught as well: one of them is refused."""
        require_account(actor, account_id)
        month = month_start(month)
        try:
            return self._submit(actor, account_id, month, values, confirmed or {}, reason, version)
        except StaleDataError:
            # Both read the same version; the other's UPDATE … WHERE version = ? came first.
            raise self._changed(actor, account_id, month) from None

    def _submit(
        self,
        actor: Actor,
        account_id: int,
        month: date,
        values: Mapping[RowKey, Decimal | str],
        confirmed: Mapping[RowKey, Confirmation],
        reason: str,
        version: int | None,
    ) -> SubmitResult:
        with self.db.unit_of_work() as s:
            period = stored_period(s, account_id, month)
            if version is not None and period.version != version:
                raise self._stale(actor, period)
            reason = self._check_editable(actor, period, reason)
            ordered = in_row_order(period.readings)
            by_key = {(r.meter_id, r.zone): r for r in ordered}
            line_of = {key: line for line, key in enumerate(by_key)}
            usual = usage(s, account_id, month)
            problems: list[Problem] = []
            accepted: dict[RowKey, tuple[Decimal, Confirmation | None]] = {}
            for key, raw in values.items():
                reading = by_key.get(key)
                if reading is None:
                    raise NotFoundError("Такого прибора нет в этом периоде. Обновите страницу.")
                outcome = self._check(
                    actor, reading, raw, confirmed.get(key), usual.get(key), line_of[key]
                )
                if isinstance(outcome, Problem):
                    problems.append(outcome)
                else:
                    accepted[key] = outcome
            if problems:
                raise ReadingsRefused(sorted(problems, key=lambda p: p.row or 0))
            now = self.clock.now()
            changes = []
            corrected: list[Corrected] = []
            for key, (value, confirmation) in accepted.items():
                reading = by_key[key]
                if reading.current == value and reading.confirmation == confirmation:
                    continue
                if reading.current != value:
                    title = zone_label(reading.meter, reading.zone)
                    corrected.append(Corrected(key, title, reading.current, value))
                changes.append(
                    {
                        "meter": reading.meter.title,
                        "zone": reading.zone,
                        "old": None if reading.current is None else str(reading.current),
                        "new": str(value),
                        "confirmation": confirmation,
                    }
                )
                reading.current = value
                reading.confirmation = confirmation
                reading.reason = reason
                reading.channel = actor.channel
                reading.entered_by = actor.name
                reading.entered_at = now
            notice = ""
            if changes:
                period.changed_at = now
                # The period row itself is updated on every save, even when only readings
                # changed, so its version moves and a concurrent save of it fails.
                period.version += 1
                details: dict[str, Any] = {"month": month.isoformat(), "changes": changes}
                if reason:
                    details["reason"] = reason
                audit.record(
                    s, now, actor, AuditAction.READINGS_SUBMIT, account_id=account_id, **details
                )
                notice = carry_forward(
                    s, now, self.clock.today(), actor, account_id, month, corrected
                )
            s.flush()
            if changes:
                refresh_last_reading(s.connection(), [account_id])
            rows = self._rows(actor, period)
            return SubmitResult(_period_info(period), rows, now, len(changes), notice)

    def _changed(self, actor: Actor, account_id: int, month: date) -> ReadingsChanged:
        """The refusal for a save that lost a race, with what is stored now."""
        with self.db.read() as s:
            return self._stale(actor, stored_period(s, account_id, month))

    def _stale(self, actor: Actor, period: Period) -> ReadingsChanged:
        """The refusal for a form older than the stored period: who changed what, and the
        period as it is now."""
        message = changed_message(period, self.clock.now())
        return ReadingsChanged(message, _period_info(period), self._rows(actor, period))

    def delete_period(
        self,
        actor: Actor,
        account_id: int,
        month: date,
        *,
        reason: str = "",
        version: int | None = None,
    ) -> None:
        """«Удалить»: a period 1C has not accepted yet. With ``version``, only the period as
        it was shown: if someone saved it since, ``ReadingsChanged`` and nothing is deleted."""
        require_account(actor, account_id)
        month = month_start(month)
        try:
            self._delete_period(actor, account_id, month, reason, version)
        except StaleDataError:
            raise self._changed(actor, account_id, month) from None

    def _delete_period(
        self, actor: Actor, account_id: int, month: date, reason: str, version: int | None
    ) -> None:
        with self.db.unit_of_work() as s:
            period = stored_period(s, account_id, month)
            if version is not None and period.version != version:
                raise self._stale(actor, period)
            reason = self._check_editable(actor, period, reason)
            if period.accepted_at is not None:
                raise AccessDeniedError(
                    f"Период «{month_name(period.month)}» уже принят в 1С и не может быть удалён."
                )
            audit.record(
                s,
                self.clock.now(),
                actor,
                AuditAction.PERIOD_DELETE,
                account_id=account_id,
                month=period.month.isoformat(),
                reason=reason or None,
            )
            s.delete(period)
            s.flush()
            refresh_last_reading(s.connection(), [account_id])

    # -- rules -----------------------------------------------------------------------------------

    def _check_editable(self, actor: Actor, period: Period, reason: str) -> str:
        """Refuse if this actor may not change the period now; else the reason as stored
        (invisible characters dropped; empty if it says nothing in words)."""
        name = month_name(period.month)
        reason = reason_text(reason)
        if allows(actor, Permission.ENTER_READINGS_OUTSIDE_WINDOW):
            window = self.window()
            current = period.month == month_start(self.clock.today())
            if not (current and window.is_open) and not reason:
                raise ValidationError(
                    "Вне окна приёма показаний укажите причину ввода словами — она попадёт "
                    "в журнал."
                )
            return reason
        if period.accepted_at is not None:
            raise AccessDeniedError(
                f"Период «{name}» уже принят в 1С: изменить его нельзя. "
                "Если нужна поправка, обратитесь в офис."
            )
        if period.month != month_start(self.clock.today()):
            raise AccessDeniedError(
                f"Период «{name}» закрыт: показания можно изменить только за текущий месяц."
            )
        window = self.window()
        if not window.is_open:
            raise AccessDeniedError(window.message)
        return reason

    def _check(
        self,
        actor: Actor,
        reading: Reading,
        raw: Decimal | str,
        confirmation: Confirmation | None,
        usual: Usual | None,
        line: int,
    ) -> Problem | tuple[Decimal, Confirmation | None]:
        meter = reading.meter

        def problem(text: str, needs: Confirmation | None = None) -> Problem:
            return Problem(
                _sentence(text),
                row=line,
                column=CURRENT_COLUMN,
                place=zone_label(meter, reading.zone),
                needs=needs,
            )

        locked = self._locked(actor, reading)
        if locked:
            return problem(locked)
        try:
            value = parse_value(raw, digits=meter.digits)
        except ValidationError as error:
            return problem(str(error))
        confirmed: Confirmation | None = None
        if value < reading.previous:
            if not allows(actor, Permission.CONFIRM_REPLACEMENT):
                return problem(
                    f"значение {meter_value(value)} меньше предыдущего "
                    f"{meter_value(reading.previous)}. Проверьте показание; если счетчик "
                    "заменили, обратитесь в офис."
                )
            if confirmation not in (Confirmation.ROLLOVER, Confirmation.REPLACEMENT):
                return problem(
                    f"значение {meter_value(value)} меньше предыдущего "
                    f"{meter_value(reading.previous)}. Подтвердите замену счетчика или "
                    "переход через ноль.",
                    Confirmation.REPLACEMENT,
                )
            confirmed = confirmation
        used = consumption(reading.previous, value, confirmed, meter.digits)
        factor = self.settings.readings.jump_factor
        if usual is not None and usual.exceeded_by(used, factor):
            if confirmation != Confirmation.JUMP and confirmed is None:
                return problem(
                    f"расход {meter_value(used)} {unit_text(meter.unit)} намного больше обычного "
                    f"(в среднем {meter_value(usual.average.quantize(ZERO))} в месяц). "
                    "Проверьте показание и подтвердите, если оно верно.",
                    Confirmation.JUMP,
                )
            confirmed = confirmed or Confirmation.JUMP
        return value, confirmed

    def _locked(self, actor: Actor, reading: Reading) -> str:
        """Why this actor may not give this line a value now, if so. A value already stored
        was taken while its meter was in verification (every channel refuses one otherwise):
        the office may correct it as taken at the month's start, residents only while the
        meter is in verification today."""
        taken_on = None
        if reading.current is not None and allows(actor, Permission.ENTER_READINGS_OUTSIDE_WINDOW):
            taken_on = reading.period.month
        return locked_reason(
            reading.meter, reading.period.month, self.clock.today(), taken_on=taken_on
        )

    def _rows(self, actor: Actor, period: Period) -> list[ReadingRow]:
        return reading_rows(period.readings, lambda reading: self._locked(actor, reading))


def _period_info(period: Period) -> PeriodInfo:
    return PeriodInfo(
        period.id,
        period.month,
        period.changed_at,
        period.accepted_at,
        period.version,
        period.declined_reason,
    )


def _the_period(account_id: int, month: date) -> tuple[Any, ...]:
    return (Period.account_id == account_id, Period.month == month)


class PeriodExists(UserError):
    """«Добавить» for a month whose period is already there (another desk made it)."""

    def __init__(self, message: str, month: date) -> None:
        super().__init__(message)
        self.month = month


def _already_created(month: date) -> PeriodExists:
    return PeriodExists(
        f"Период «{month_name(month)}» уже создан: "
        "выберите его в списке и нажмите «Редактировать».",
        month,
    )
