"""Organisation settings: the policy every desk and kiosk sharing one database must agree on.

The reading window, the jump factor, arrears months, the due day, the key rates, the kiosk's
timings and the office's phone and hours live in the ``organisation_setting`` table; this
machine's settings file keeps only what belongs to the machine (database URL, mode, SMTP,
window geometry). A value written in an old settings file seeds the database once, with a
note in the log; from then on the database wins.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.engine import Database
from db.models import OrganisationSetting
from desktop import audit
from desktop.actors import SYSTEM, Actor
from desktop.audit import AuditAction
from desktop.clock import Clock
from desktop.errors import NotFoundError, ValidationError
from desktop.permissions import Permission, require
from desktop.settings import Settings, check, from_tables, known_keys, overlay
from desktop.settings_rules import parse_key_rates, problem, shown

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Declared:
    """One organisation setting: its dotted key in ``Settings``, its Russian name, its type."""

    key: str
    label: str
    kind: type | str  # int, Decimal, str, bool, or "key_rates"

    def get(self, settings: Settings) -> Any:
        value: Any = settings
        for part in self.key.split("."):
            value = getattr(value, part)
        return value


DECLARED = (
    Declared("readings.window_start", "Приём показаний: первый день месяца", int),
    Declared("readings.window_end", "Приём показаний: последний день месяца", int),
    Declared("readings.jump_factor", "Скачок расхода: во сколько раз выше среднего", Decimal),
    Declared(
        "readings.verification_notice_days", "Поверка: напоминать за столько дней до срока", int
    ),
    Declared("debt.arrears_months", "Задолженность: старше скольких месяцев", int),
    Declared("debt.payment_due_day", "Срок оплаты: число следующего месяца", int),
    Declared("debt.key_rates", "Ключевая ставка Банка России по датам", "key_rates"),
    Declared("kiosk.idle_seconds", "Киоск: выход после бездействия, секунд", int),
    Declared("kiosk.countdown_seconds", "Киоск: обратный отсчет перед выходом, секунд", int),
    Declared("office_phone", "Телефон офиса", str),
    Declared("office_hours", "Часы работы офиса", str),
    Declared(
        "office_lock_minutes", "Рабочее место сотрудника: блокировка после бездействия, минут", int
    ),
    Declared("registration.require_code", "Регистрация жителя только с кодом из квитанции", bool),
)
BY_KEY = {d.key: d for d in DECLARED}


@dataclass(frozen=True)
class SettingView:
    """One setting as the administrator sees it."""

    key: str
    label: str
    text: str  # the value in Russian notation
    is_default: bool
    changed_at: datetime | None
    changed_by: str | None


# -- values: typed text in, JSON in the database, Russian text out --------------------------


def parse(key: str, text: str) -> Any:
    """The value an administrator typed for ``key``; a Russian message if it is not one."""
    value = _typed(_declared(key), text.strip())
    message = problem(key, value)
    if message:
        raise ValidationError(message)
    return value


def _typed(declared: Declared, text: str) -> Any:
    if declared.kind is int:
        if not re.fullmatch(r"\d{1,6}", text):
            raise ValidationError(f"«{declared.label}»: введите целое число, например 15.")
        return int(text)
    if declared.kind is Decimal:
        try:
            value = Decimal(text.replace(",", ".").replace(" ", ""))
        except InvalidOperation:
            raise ValidationError(
                f"«{declared.label}»: введите число, например 3 или 2,5."
            ) from None
        if not value.is_finite():
            raise ValidationError(f"«{declared.label}»: введите число, например 3 или 2,5.")
        return value
    if declared.kind == "key_rates":
        return parse_key_rates(text, declared.label)
    if declared.kind is bool:
        answer = _YES_NO.get(text.casefold())
        if answer is None:
            raise ValidationError(f"«{declared.label}»: ответьте «да» или «нет».")
        return answer
    if not text:
        raise ValidationError(f"«{declared.label}»: значение не может быть пустым.")
    if len(text) > 200:
        raise ValidationError(f"«{declared.label}»: не длиннее 200 знаков.")
    return text


_YES_NO = {"да": True, "нет": False, "true": True, "false": False, "1": True, "0": False}


def encode(key: str, value: Any) -> str:
    declared = _declared(key)
    if declared.kind == "key_rates":
        return json.dumps([[day.isoformat(), str(rate)] for day, rate in value])
    if declared.kind is Decimal:
        return json.dumps(format(value, "f"))  # «10», never «1E+1»: the database reads it too
    return json.dumps(value, ensure_ascii=False)


def decode(key: str, stored: str) -> Any:
    declared = _declared(key)
    raw = json.loads(stored)
    if declared.kind == "key_rates":
        if not isinstance(raw, list) or not all(
            isinstance(pair, list) and len(pair) == 2 and all(isinstance(x, str) for x in pair)
            for pair in raw
        ):
            raise ValueError(f"{key}: {raw!r} is not a list of [date, rate]")
        return tuple((date.fromisoformat(day), Decimal(rate)) for day, rate in raw)
    if declared.kind is Decimal:
        if not isinstance(raw, str | int) or isinstance(raw, bool):
            raise ValueError(f"{key}: {raw!r} is not a number")
        return Decimal(raw)
    if declared.kind is int and not (isinstance(raw, int) and not isinstance(raw, bool)):
        raise ValueError(f"{key}: {raw!r} is not an integer")
    if declared.kind is str and not isinstance(raw, str):
        raise ValueError(f"{key}: {raw!r} is not text")
    if declared.kind is bool and not isinstance(raw, bool):
        raise ValueError(f"{key}: {raw!r} is not yes or no")
    return raw


def as_text(key: str, value: Any) -> str:
    """The value as an administrator reads it: «9,75», «19.09.2016 10,00; …»."""
    declared = _declared(key)
    if declared.kind == "key_rates":
        return "; ".join(f"{day:%d.%m.%Y} {str(rate).replace('.', ',')}" for day, rate in value)
    if declared.kind is Decimal:
        return str(value).replace(".", ",")
    if declared.kind is bool:
        return "да" if value else "нет"
    return str(value)


def _declared(key: str) -> Declared:
    try:
        return BY_KEY[key]
    except KeyError:
        pass
    import difflib

    close = difflib.get_close_matches(key, list(BY_KEY), n=1, cutoff=0.6)
    hint = f"Возможно, имелась в виду «{close[0]}». " if close else ""
    if not close and key in known_keys():
        hint = "Она задаётся в файле настроек этого компьютера, а не в базе. "
    raise NotFoundError(
        f"Настройки «{shown(key)}» нет. {hint}Есть такие: {', '.join(BY_KEY)}."
    ) from None


def readable(rows: Iterable[tuple[str, str | None]]) -> dict[str, Any]:
    """The stored values that this version knows and that pass their own rules; one that
    does not (written by an older version, or by hand) is skipped with a warning, so that its
    default applies and it never stops the other settings from loading or being saved."""
    values: dict[str, Any] = {}
    for key, stored in rows:
        if key not in BY_KEY or stored is None:
            continue  # a newer version's setting, or an explicit reset
        try:
            value = decode(key, stored)
        except (ValueError, TypeError, ArithmeticError, json.JSONDecodeError):
            log.warning("Organisation setting %s holds an unreadable value; default used", key)
            continue
        if problem(key, value):
            log.warning("Organisation setting %s holds %r, out of range; default used", key, value)
            continue
        values[key] = value
    return values


# -- the service ------------------------------------------------------------------------------


class OrganisationSettings:
    """Reads and changes the organisation's settings; every change is validated and audited."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    def stored(self) -> dict[str, Any]:
        """The values set in the database (a reset one is absent: its default applies)."""
        with self.db.read() as s:
            rows = s.execute(select(OrganisationSetting.key, OrganisationSetting.value)).all()
        return readable((key, value) for key, value in rows)

    def apply(self, base: Settings) -> Settings:
        """This machine's settings with the organisation's part taken from the database (a
        setting it does not hold has its default: never a value of this machine's own)."""
        return merged(base, self.stored())

    def describe(self, base: Settings) -> list[SettingView]:
        with self.db.read() as s:
            rows = {row.key: row for row in s.scalars(select(OrganisationSetting))}
        current = self.apply(base)
        views = []
        for declared in DECLARED:
            row = rows.get(declared.key)
            views.append(
                SettingView(
                    declared.key,
                    declared.label,
                    as_text(declared.key, declared.get(current)),
                    row is None or row.value is None,
                    row.changed_at if row else None,
                    row.changed_by if row else None,
                )
            )
        return views

    def change(self, actor: Actor, key: str, text: str | None, base: Settings) -> Settings:
        """Set ``key`` from the typed ``text`` (None: back to the default); the settings
        that now apply. Refused, changing nothing, if the result breaks a rule."""
        require(actor, Permission.CHANGE_SETTINGS)
        declared = _declared(key)
        value = None if text is None else parse(key, text)
        now = self.clock.now()
        with self.db.unit_of_work() as s:
            rows = {
                row.key: row for row in s.scalars(select(OrganisationSetting).with_for_update())
            }
            stored = readable((k, row.value) for k, row in rows.items())
            old = stored.get(key, declared.get(Settings()))
            if value is None:
                stored.pop(key, None)
            else:
                stored[key] = value
            result = _compose(base, stored)
            check(result)
            row = rows.get(key)
            if row is None:
                row = OrganisationSetting(key=key)
                s.add(row)
            row.value = None if value is None else encode(key, value)
            row.changed_at = now
            row.changed_by = actor.label
            audit.record(
                s,
                now,
                actor,
                AuditAction.SETTINGS_CHANGE,
                setting=key,
                old=as_text(key, old),
                new="по умолчанию" if value is None else as_text(key, value),
            )
        return result

    def adopt(self, file_values: Mapping[str, Any], source: str) -> list[str]:
        """Seed the database with organisation values from an old settings file, once: a
        key the database already holds (even as «default») keeps the database's value."""
        wanted = {k: v for k, v in file_values.items() if k in BY_KEY and not problem(k, v)}
        if not wanted:
            return []
        now = self.clock.now()
        adopted: list[str] = []
        with self.db.unit_of_work() as s:
            held = set(s.scalars(select(OrganisationSetting.key)))
            for key, value in wanted.items():
                if key in held:
                    continue
                s.add(
                    OrganisationSetting(
                        key=key, value=encode(key, value), changed_at=now, changed_by=source
                    )
                )
                adopted.append(key)
            if adopted:
                audit.record(
                    s, now, SYSTEM, AuditAction.SETTINGS_ADOPT, source=source, settings=adopted
                )
        for key in adopted:
            log.warning(
                "Organisation setting %s moved from %s into the database; it is read from the "
                "database from now on, and the line in the file can be deleted",
                key,
                source,
            )
        ignored = sorted(set(wanted) - set(adopted))
        if ignored:
            log.info("Settings %s in %s are ignored: the database holds them", ignored, source)
        return adopted


def store_defaults(s: Session, now: datetime, actor: Actor) -> None:
    """In the caller's transaction, store each setting the database lacks at its default."""
    defaults = Settings()
    held = set(s.scalars(select(OrganisationSetting.key)))
    for declared in DECLARED:
        if declared.key not in held:
            value = encode(declared.key, declared.get(defaults))
            s.add(
                OrganisationSetting(
                    key=declared.key, value=value, changed_at=now, changed_by=actor.label
                )
            )


def _compose(base: Settings, stored: Mapping[str, Any]) -> Settings:
    defaults = Settings()
    return overlay(base, {d.key: stored.get(d.key, d.get(defaults)) for d in DECLARED})


def merged(base: Settings, stored: Mapping[str, Any]) -> Settings:
    """``base`` with every organisation setting at its stored value or its default."""
    result = _compose(base, stored)
    try:
        check(result)
    except ValidationError as error:  # stored values that no longer fit together
        log.warning("Organisation settings do not fit together (%s); defaults used", error)
        return _compose(base, {})
    return result


def file_values(data: Mapping[str, Any]) -> dict[str, Any]:
    """The organisation settings that an old settings file's tables set, typed."""
    typed = from_tables(data)
    present: dict[str, Any] = {}
    for declared in DECLARED:
        section, _, name = declared.key.rpartition(".")
        table = data.get(section, {}) if section else data
        if isinstance(table, Mapping) and name in table:
            present[declared.key] = declared.get(typed)
    return present
