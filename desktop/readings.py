"""Meter readings: periods, the submission window and every rule a value must pass."""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from db.engine import Database
from db.models import Account, Meter, Period, Reading
from desktop import audit
from desktop.actors import Actor
from desktop.audit import AuditAction
from desktop.clock import Clock
from desktop.errors import AccessDeniedError, NotFoundError, UserError, ValidationError
from desktop.formatting import meter_value, ru_date
from desktop.months import add_months, month_name, month_start
from desktop.permissions import Permission, allows, require_account
from desktop.settings import Settings

ZERO = Decimal("0.000")
AVERAGE_OVER = 12  # months of history behind «the meter's average»

RowKey = tuple[int, int]  # (meter_id, zone)


class Confirmation(enum.StrEnum):
    """What the person submitting has confirmed for one row."""

    JUMP = "jump"  # consumption far above the meter's average is real
    ROLLOVER = "rollover"  # the dial went past its maximum (clerk only)
    REPLACEMENT = "replacement"  # a new meter counting from zero (clerk only)


@dataclass(frozen=True)
class Window:
    """The days residents may submit readings, relative to today."""

    today: date
    start: date  # this month's window
    end: date
    is_open: bool
    days_left: int  # including today; 0 when closed
    next_start: date  # when it opens next (== start while open)

    @property
    def message(self) -> str:
        first, last = self.start.day, self.end.day
        if self.is_open:
            return (
                f"Передавайте показания с {first} по {last} число. "
                f"Осталось дней: {self.days_left} (до {ru_date(self.end)} включительно)."
            )
        return (
            f"Показания принимаются с {first} по {last} число месяца. "
            f"Следующий приём откроется {ru_date(self.next_start)}."
        )


@dataclass(frozen=True)
class PeriodInfo:
    id: int
    month: date
    changed_at: datetime
    accepted_at: datetime | None  # «Обновлено из 1С»

    @property
    def accepted(self) -> bool:
        return self.accepted_at is not None

    @property
    def title(self) -> str:
        return month_name(self.month)


@dataclass(frozen=True)
class ReadingRow:
    """One line of «Показания приборов за период»: one meter in one tariff zone."""

    meter_id: int
    zone: int
    title: str  # «Эл.эн. №12765948 T1»
    serial: str
    retired_on: date | None
    unit: str
    previous: Decimal
    current: Decimal | None
    difference: Decimal | None
    note: str = ""
    locked_reason: str = ""  # why this row takes no value now, if so

    @property
    def key(self) -> RowKey:
        return (self.meter_id, self.zone)


@dataclass(frozen=True)
class Problem:
    meter_id: int
    zone: int
    message: str
    needs: Confirmation | None = None  # None: a refusal; otherwise what would let it through

    @property
    def key(self) -> RowKey:
        return (self.meter_id, self.zone)


class ReadingsRefused(ValidationError):
    """Some values break a rule; nothing was saved. ``problems`` says which and why."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        lines = "\n".join(p.message for p in problems)
        super().__init__(f"Показания не сохранены.\n{lines}")

    @property
    def needs_confirmation_only(self) -> bool:
        return all(p.needs is not None for p in self.problems)


@dataclass(frozen=True)
class SubmitResult:
    period: PeriodInfo
    rows: list[ReadingRow]
    saved_at: datetime
    changed: int = 0

    @property
    def message(self) -> str:
        return f"Показания переданы {self.saved_at.astimezone().strftime('%d.%m.%Y в %H:%M')}."


_NUMBER = re.compile(r"^\s*(\d+)(?:[.,](\d*))?\s*$")


def parse_value(text: str | Decimal, *, digits: int | None = None) -> Decimal:
    """A typed meter value (decimal comma or point) → Decimal, or a Russian message."""
    if isinstance(text, Decimal):
        value = text
        if not value.is_finite():
            raise ValidationError("Показание должно быть числом.")
        whole_digits = len(str(int(abs(value))))
        places = max(0, -value.as_tuple().exponent)  # type: ignore[operator]
        if value < 0:
            raise ValidationError("Показание не может быть отрицательным.")
    else:
        raw = text.strip().replace("\u00a0", "").replace(" ", "")
        if raw.startswith("-"):
            raise ValidationError("Показание не может быть отрицательным.")
        match = _NUMBER.match(raw)
        if not match:
            raise ValidationError(
                f"«{text.strip()}» — не число. Введите показание цифрами, например 9897,29."
            )
        whole, frac = match[1], (match[2] or "").rstrip("0")
        whole_digits = len(whole.lstrip("0") or "0")
        places = len(frac)
        try:
            value = Decimal(f"{whole}.{frac or '0'}")
        except InvalidOperation:  # pragma: no cover - the pattern admits digits only
            raise ValidationError("Показание должно быть числом.") from None
    if places > 3:
        raise ValidationError("Не больше трёх знаков после запятой.")
    if digits is not None and whole_digits > digits:
        raise ValidationError(
            f"В целой части не больше {digits} цифр — столько, сколько на счётчике."
        )
    return value.quantize(Decimal("0.001"))


def zone_label(meter: Meter, zone: int) -> str:
    return f"{meter.title} T{zone}" if meter.zones > 1 else meter.title


def reading_difference(reading: Reading) -> Decimal | None:
    if reading.current is None:
        return None
    if reading.note == Confirmation.ROLLOVER:
        return Decimal(10) ** reading.meter.digits - reading.previous + reading.current
    if reading.note == Confirmation.REPLACEMENT:
        return reading.current
    return reading.current - reading.previous


class ReadingService:
    """Periods and readings of one account, for residents and clerks."""

    def __init__(self, db: Database, clock: Clock, settings: Settings) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings

    # -- the window ------------------------------------------------------------------------

    def window(self) -> Window:
        today = self.clock.today()
        first, last = self.settings.readings.window_start, self.settings.readings.window_end
        start, end = _clamped(today, first), _clamped(today, last)
        if start <= today <= end:
            return Window(today, start, end, True, (end - today).days + 1, start)
        next_start = start if today < start else _clamped(add_months(today, 1), first)
        return Window(today, start, end, False, 0, next_start)

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
                    retired = bool(_locked_reason(meter, month, self.clock.today()))
                    period.readings.append(
                        Reading(
                            meter_id=meter.id,
                            zone=zone,
                            previous=previous,
                            current=previous if retired else None,
                            note="",
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
            by_key = {(r.meter_id, r.zone): r for r in period.readings}
            averages = _averages(s, account_id, month)
            problems: list[Problem] = []
            accepted: dict[RowKey, tuple[Decimal, str]] = {}
            for key, raw in values.items():
                reading = by_key.get(key)
                if reading is None:
                    raise NotFoundError("Такого прибора нет в этом периоде. Обновите страницу.")
                outcome = self._check(actor, reading, raw, confirmed.get(key), averages.get(key))
                if isinstance(outcome, Problem):
                    problems.append(outcome)
                else:
                    accepted[key] = outcome
            if problems:
                raise ReadingsRefused(problems)
            now = self.clock.now()
            changes = []
            for key, (value, note) in accepted.items():
                reading = by_key[key]
                if reading.current == value and reading.note == note:
                    continue
                changes.append(
                    {
                        "meter": reading.meter.title,
                        "zone": reading.zone,
                        "old": None if reading.current is None else str(reading.current),
                        "new": str(value),
                        "note": note,
                    }
                )
                reading.current = value
                reading.note = note
                reading.channel = actor.channel
                reading.entered_by = actor.name
                reading.entered_at = now
            if changes:
                period.changed_at = now
                details: dict[str, object] = {"month": month.isoformat(), "changes": changes}
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
    ) -> Problem | tuple[Decimal, str]:
        meter = reading.meter
        title = zone_label(meter, reading.zone)

        def problem(text: str, needs: Confirmation | None = None) -> Problem:
            return Problem(meter.id, reading.zone, f"{title}: {text}", needs)

        locked = _locked_reason(meter, reading.period.month, self.clock.today())
        if locked:
            return problem(locked)
        try:
            value = parse_value(raw, digits=meter.digits)
        except ValidationError as error:
            return problem(str(error))
        note = ""
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
            note = str(confirmation)
        consumption = (
            Decimal(10) ** meter.digits - reading.previous + value
            if note == Confirmation.ROLLOVER
            else value
            if note == Confirmation.REPLACEMENT
            else value - reading.previous
        )
        factor = self.settings.readings.jump_factor
        if average and average > 0 and consumption > factor * average:
            if confirmation != Confirmation.JUMP and not note:
                return problem(
                    f"расход {meter_value(consumption)} {meter.unit} намного больше обычного "
                    f"(в среднем {meter_value(average.quantize(ZERO))} в месяц). "
                    "Проверьте показание и подтвердите, если оно верно.",
                    Confirmation.JUMP,
                )
            note = note or str(Confirmation.JUMP)
        return value, note

    def _rows(self, actor: Actor, period: Period) -> list[ReadingRow]:
        today = self.clock.today()
        ordered = sorted(period.readings, key=lambda r: (r.meter.display_order, r.meter.id, r.zone))
        rows = []
        for reading in ordered:
            meter = reading.meter
            rows.append(
                ReadingRow(
                    meter_id=meter.id,
                    zone=reading.zone,
                    title=zone_label(meter, reading.zone),
                    serial=meter.serial,
                    retired_on=meter.retired_on,
                    unit=meter.unit,
                    previous=reading.previous,
                    current=reading.current,
                    difference=reading_difference(reading),
                    note=reading.note,
                    locked_reason=_locked_reason(meter, period.month, today),
                )
            )
        return rows


def _clamped(day: date, day_of_month: int) -> date:
    """That day of ``day``'s month, or its last day if the month is shorter."""
    last = (add_months(month_start(day), 1) - timedelta(days=1)).day
    return day.replace(day=min(day_of_month, last))


def _locked_reason(meter: Meter, month: date, today: date) -> str:
    """Why a meter takes no value for a month: it was retired before that month's readings
    could be taken (before today for the current month, before its end for a past one)."""
    cutoff = min(today, add_months(month, 1) - timedelta(days=1))
    if meter.retired_on is not None and meter.retired_on < cutoff:
        return (
            f"прибор выбыл {ru_date(meter.retired_on)} — показания по нему не принимаются. "
            "Для замены или поверки обратитесь в офис."
        )
    return ""


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
