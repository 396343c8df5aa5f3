"""Meter readings: periods, the submission window and every rule a value must pass."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from db.engine import Database
from db.models import Account, Meter, Period, Reading
from desktop import audit
from desktop.actors import Actor
from desktop.audit import AuditAction
from desktop.clock import Clock
from desktop.common.problems import Problem, ProblemError
from desktop.errors import AccessDeniedError, NotFoundError, UserError, ValidationError
from desktop.formatting import meter_value
from desktop.months import add_months, month_name, month_start
from desktop.permissions import Permission, allows, require_account
from desktop.readings.rows import (
    CURRENT_COLUMN,
    PeriodInfo,
    ReadingRow,
    RowKey,
    in_row_order,
    reading_rows,
    zone_label,
)
from desktop.readings.values import ZERO, Confirmation, consumption, locked_reason, parse_value
from desktop.readings.window import Window, submission_window
from desktop.settings import Settings

AVERAGE_OVER = 12  # months of history behind «the meter's average»


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

    @property
    def message(self) -> str:
        return f"Показания переданы {self.saved_at.astimezone().strftime('%d.%m.%Y в %H:%M')}."


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
            _account(s, account_id)
            found = s.scalars(
                select(Period).where(Period.account_id == account_id).order_by(Period.month.desc())
            )
            return [_period_info(p) for p in found]

    def readings(self, actor: Actor, account_id: int, month: date) -> list[ReadingRow]:
        """«Показания приборов за период» for one month."""
        require_account(actor, account_id)
        with self.db.read() as s:
            period = _period(s, account_id, month_start(month))
            return self._rows(actor, period)

    def open_for_edit(
        self, actor: Actor, account_id: int, month: date, *, reason: str = ""
    ) -> tuple[PeriodInfo, list[ReadingRow]]:
        """«Редактировать»: the period and its rows if this actor may change it now;
        otherwise the refusal to show. Changes nothing."""
        require_account(actor, account_id)
        with self.db.read() as s:
            period = _period(s, account_id, month_start(month))
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
        with self.db.unit_of_work() as s:
            _account(s, account_id)
            existing = s.scalar(
                select(Period).where(Period.account_id == account_id, Period.month == month)
            )
            if existing is not None:
                raise UserError(
                    f"Период «{month_name(month)}» уже создан: выберите его в списке "
                    "и нажмите «Редактировать»."
                )
            now = self.clock.now()
            period = Period(account_id=account_id, month=month, changed_at=now)
            latest = _latest_values(s, account_id, month)
            for meter in _meters_for(s, account_id, month):
                for zone in range(1, meter.zones + 1):
                    previous = latest.get((meter.id, zone), meter.initial_value)
                    retired = bool(locked_reason(meter, month, self.clock.today()))
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
                s,
                now,
                actor,
                AuditAction.PERIOD_CREATE,
                account_id=account_id,
                month=month.isoformat(),
            )
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
    ) -> SubmitResult:
        """«Сохранить»: check every value, then store them all or none."""
        require_account(actor, account_id)
        confirmed = confirmed or {}
        month = month_start(month)
        with self.db.unit_of_work() as s:
            period = _period(s, account_id, month)
            self._check_editable(actor, period, reason)
            ordered = in_row_order(period.readings)
            by_key = {(r.meter_id, r.zone): r for r in ordered}
            line_of = {key: line for line, key in enumerate(by_key)}
            averages = _averages(s, account_id, month)
            problems: list[Problem] = []
            accepted: dict[RowKey, tuple[Decimal, Confirmation | None]] = {}
            for key, raw in values.items():
                reading = by_key.get(key)
                if reading is None:
                    raise NotFoundError("Такого прибора нет в этом периоде. Обновите страницу.")
                outcome = self._check(
                    actor, reading, raw, confirmed.get(key), averages.get(key), line_of[key]
                )
                if isinstance(outcome, Problem):
                    problems.append(outcome)
                else:
                    accepted[key] = outcome
            if problems:
                raise ReadingsRefused(sorted(problems, key=lambda p: p.row or 0))
            now = self.clock.now()
            changes = []
            reason = reason.strip()
            for key, (value, confirmation) in accepted.items():
                reading = by_key[key]
                if reading.current == value and reading.confirmation == confirmation:
                    continue
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
            if changes:
                period.changed_at = now
                details: dict[str, Any] = {"month": month.isoformat(), "changes": changes}
                if reason:
                    details["reason"] = reason
                audit.record(
                    s, now, actor, AuditAction.READINGS_SUBMIT, account_id=account_id, **details
                )
            s.flush()
            return SubmitResult(_period_info(period), self._rows(actor, period), now, len(changes))

    def delete_period(
        self, actor: Actor, account_id: int, month: date, *, reason: str = ""
    ) -> None:
        """«Удалить»: a period 1C has not accepted yet."""
        require_account(actor, account_id)
        with self.db.unit_of_work() as s:
            period = _period(s, account_id, month_start(month))
            self._check_editable(actor, period, reason)
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

    # -- rules -----------------------------------------------------------------------------------

    def _check_editable(self, actor: Actor, period: Period, reason: str) -> None:
        name = month_name(period.month)
        if allows(actor, Permission.ENTER_READINGS_OUTSIDE_WINDOW):
            window = self.window()
            current = period.month == month_start(self.clock.today())
            if not (current and window.is_open) and not reason.strip():
                raise ValidationError(
                    "Вне окна приёма показаний укажите причину ввода — она попадёт в журнал."
                )
            return
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

    def _check(
        self,
        actor: Actor,
        reading: Reading,
        raw: Decimal | str,
        confirmation: Confirmation | None,
        average: Decimal | None,
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

        locked = locked_reason(meter, reading.period.month, self.clock.today())
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
                    f"{meter_value(reading.previous)}. Проверьте показание; если счётчик "
                    "заменили, обратитесь в офис."
                )
            if confirmation not in (Confirmation.ROLLOVER, Confirmation.REPLACEMENT):
                return problem(
                    f"значение {meter_value(value)} меньше предыдущего "
                    f"{meter_value(reading.previous)}. Подтвердите замену счётчика или "
                    "переход через ноль.",
                    Confirmation.REPLACEMENT,
                )
            confirmed = confirmation
        used = consumption(reading.previous, value, confirmed, meter.digits)
        factor = self.settings.readings.jump_factor
        if average and average > 0 and used > factor * average:
            if confirmation != Confirmation.JUMP and confirmed is None:
                return problem(
                    f"расход {meter_value(used)} {meter.unit} намного больше обычного "
                    f"(в среднем {meter_value(average.quantize(ZERO))} в месяц). "
                    "Проверьте показание и подтвердите, если оно верно.",
                    Confirmation.JUMP,
                )
            confirmed = confirmed or Confirmation.JUMP
        return value, confirmed

    def _rows(self, actor: Actor, period: Period) -> list[ReadingRow]:
        today = self.clock.today()
        return reading_rows(
            period.readings, lambda meter: locked_reason(meter, period.month, today)
        )


def _period_info(period: Period) -> PeriodInfo:
    return PeriodInfo(period.id, period.month, period.changed_at, period.accepted_at)


def _account(s: Session, account_id: int) -> Account:
    account = s.get(Account, account_id)
    if account is None:
        raise NotFoundError("Лицевой счёт не найден.")
    return account


def _period(s: Session, account_id: int, month: date) -> Period:
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


def _meters_for(s: Session, account_id: int, month: date) -> list[Meter]:
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
    """(meter, zone, previous, current) of the account's filled readings before a month,
    newest first, limited to the span the average needs."""
    since = add_months(before, -AVERAGE_OVER)
    return list(
        s.execute(
            select(Reading.meter_id, Reading.zone, Reading.previous, Reading.current)
            .join(Period)
            .where(
                Period.account_id == account_id,
                Period.month < before,
                Period.month >= since,
                Reading.current.is_not(None),
            )
            .order_by(Period.month.desc())
        )
    )


def _latest_values(s: Session, account_id: int, before: date) -> dict[RowKey, Decimal]:
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


def _averages(s: Session, account_id: int, month: date) -> dict[RowKey, Decimal]:
    """Each meter zone's average monthly consumption over the last periods."""
    sums: dict[RowKey, list[Decimal]] = {}
    for meter_id, zone, previous, current in _history(s, account_id, month):
        if current >= previous:
            sums.setdefault((meter_id, zone), []).append(current - previous)
    return {key: sum(v, ZERO) / len(v) for key, v in sums.items() if v}
