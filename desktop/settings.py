"""Typed settings: defaults, then the user's settings file, then environment overrides.

The file is ``settings.toml`` in the user's config directory (platformdirs), for example::

    database_url = "postgresql://cabinet@server/cabinet"
    office_phone = "8 495 780 70 83"

    [readings]
    window_start = 15
    window_end = 25

    [smtp]
    host = "smtp.example.ru"
    port = 587
    sender = "cabinet@example.ru"

    [kiosk]
    idle_seconds = 90
    countdown_seconds = 20

Every key can be overridden by an environment variable ``CABINET_<SECTION>_<KEY>`` (or
``CABINET_<KEY>`` for top-level keys), e.g. ``CABINET_DATABASE_URL``, ``CABINET_SMTP_HOST``.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from desktop import APP_NAME
from desktop.errors import ValidationError

ENV_PREFIX = "CABINET_"
SETTINGS_VERSION = 1


def config_dir() -> Path:
    from platformdirs import user_config_path

    return user_config_path(APP_NAME, appauthor=False)


def data_dir() -> Path:
    from platformdirs import user_data_path

    return user_data_path(APP_NAME, appauthor=False)


def default_database_url() -> str:
    return f"sqlite:///{(data_dir() / 'cabinet.db').as_posix()}"


def demo_database_url() -> str:
    return f"sqlite:///{(data_dir() / 'demo.db').as_posix()}"


@dataclass(frozen=True)
class SmtpSettings:
    host: str = ""  # empty: no SMTP; mail goes to the office's outbox
    port: int = 587
    username: str = ""
    password: str = ""
    security: str = "starttls"  # starttls | ssl | none
    sender: str = ""
    timeout: int = 20

    @property
    def configured(self) -> bool:
        return bool(self.host)


@dataclass(frozen=True)
class ReadingSettings:
    window_start: int = 15
    window_end: int = 25
    jump_factor: Decimal = Decimal(3)


@dataclass(frozen=True)
class DebtSettings:
    arrears_months: int = 3
    payment_due_day: int = 10  # of the month after the charge (Housing Code art. 155 p. 1)
    # The Bank of Russia's key rate (percent) and the day it took effect; newest wins.
    key_rates: tuple[tuple[date, Decimal], ...] = (
        (date(2016, 9, 19), Decimal("10.00")),
        (date(2017, 3, 27), Decimal("9.75")),
        (date(2017, 5, 2), Decimal("9.25")),
        (date(2017, 6, 19), Decimal("9.00")),
        (date(2017, 9, 18), Decimal("8.50")),
        (date(2017, 10, 30), Decimal("8.25")),
        (date(2017, 12, 18), Decimal("7.75")),
        (date(2018, 2, 12), Decimal("7.50")),
        (date(2018, 3, 26), Decimal("7.25")),
        (date(2018, 9, 17), Decimal("7.50")),
        (date(2018, 12, 17), Decimal("7.75")),
        (date(2019, 6, 17), Decimal("7.50")),
        (date(2019, 7, 29), Decimal("7.25")),
        (date(2019, 9, 9), Decimal("7.00")),
        (date(2019, 10, 28), Decimal("6.50")),
        (date(2019, 12, 16), Decimal("6.25")),
        (date(2020, 2, 10), Decimal("6.00")),
        (date(2020, 4, 27), Decimal("5.50")),
        (date(2020, 6, 22), Decimal("4.50")),
        (date(2020, 7, 27), Decimal("4.25")),
        (date(2021, 3, 22), Decimal("4.50")),
        (date(2021, 4, 26), Decimal("5.00")),
        (date(2021, 6, 15), Decimal("5.50")),
        (date(2021, 7, 26), Decimal("6.50")),
        (date(2021, 9, 13), Decimal("6.75")),
        (date(2021, 10, 25), Decimal("7.50")),
        (date(2021, 12, 20), Decimal("8.50")),
        (date(2022, 2, 14), Decimal("9.50")),
        (date(2022, 2, 28), Decimal("20.00")),
        (date(2022, 4, 11), Decimal("17.00")),
        (date(2022, 5, 4), Decimal("14.00")),
        (date(2022, 5, 27), Decimal("11.00")),
        (date(2022, 6, 14), Decimal("9.50")),
        (date(2022, 7, 25), Decimal("8.00")),
        (date(2022, 9, 19), Decimal("7.50")),
        (date(2023, 7, 24), Decimal("8.50")),
        (date(2023, 8, 15), Decimal("12.00")),
        (date(2023, 9, 18), Decimal("13.00")),
        (date(2023, 10, 30), Decimal("15.00")),
        (date(2023, 12, 18), Decimal("16.00")),
        (date(2024, 7, 29), Decimal("18.00")),
        (date(2024, 10, 28), Decimal("21.00")),
        (date(2025, 6, 9), Decimal("20.00")),
        (date(2025, 7, 28), Decimal("18.00")),
        (date(2025, 9, 15), Decimal("17.00")),
        (date(2025, 10, 27), Decimal("16.50")),
    )

    def key_rate_on(self, day: date) -> Decimal:
        rate = self.key_rates[0][1]
        for since, value in self.key_rates:
            if since <= day:
                rate = value
        return rate


@dataclass(frozen=True)
class KioskSettings:
    idle_seconds: int = 90  # without a touch or a key: the resident is signed out
    countdown_seconds: int = 20  # the last seconds of it, counted down on screen


@dataclass(frozen=True)
class RegistrationSettings:
    # A resident registering without the office must type the code from the receipt. Off
    # only until the office has printed codes: then ФИО and account number suffice.
    require_code: bool = True


@dataclass(frozen=True)
class Settings:
    version: int = SETTINGS_VERSION
    database_url: str = field(default_factory=default_database_url)
    mode: str = "office"  # office | kiosk
    office_phone: str = "8 495 780 70 83"
    office_hours: str = "пн–чт 9:00–18:00, пт 9:00–17:00, обед 13:00–14:00"
    readings: ReadingSettings = field(default_factory=ReadingSettings)
    debt: DebtSettings = field(default_factory=DebtSettings)
    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    kiosk: KioskSettings = field(default_factory=KioskSettings)
    registration: RegistrationSettings = field(default_factory=RegistrationSettings)


def _convert(value: Any, to: Any, name: str) -> Any:
    """Turn a TOML or environment value into the field's type; Russian message if it cannot."""
    try:
        if to in (int, "int"):
            if isinstance(value, bool):
                raise ValueError
            return int(value)
        if to in (Decimal, "Decimal"):
            return Decimal(str(value))
        if to in (str, "str"):
            return str(value)
        if to in (bool, "bool"):
            if isinstance(value, bool):
                return value
            return str(value).strip().lower() in ("1", "true", "yes", "да", "on")
    except (ValueError, InvalidOperation):
        raise ValidationError(
            f"Настройка «{name}» имеет неверное значение «{value}». Исправьте файл настроек "
            f"({config_dir() / 'settings.toml'}) или переменную окружения."
        ) from None
    return value


def _apply(obj: Any, values: Mapping[str, Any], prefix: str) -> Any:
    changes: dict[str, Any] = {}
    for f in dataclasses.fields(obj):
        if f.name not in values:
            continue
        current = getattr(obj, f.name)
        name = f"{prefix}{f.name}"
        if dataclasses.is_dataclass(current):
            sub = values[f.name]
            if not isinstance(sub, Mapping):
                raise ValidationError(f"Раздел настроек «{name}» должен быть таблицей [{name}].")
            changes[f.name] = _apply(current, sub, f"{name}.")
        elif f.name == "key_rates":
            changes[f.name] = tuple(
                (date.fromisoformat(str(day)), _convert(rate, Decimal, name))
                for day, rate in sorted(values[f.name].items())
            )
        else:
            changes[f.name] = _convert(values[f.name], f.type, name)
    return dataclasses.replace(obj, **changes)


def _from_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    sections = {  # the tables: readings, debt, smtp, kiosk
        f.name for f in dataclasses.fields(Settings) if dataclasses.is_dataclass(f.default_factory)
    }
    for key, value in environ.items():
        if not key.startswith(ENV_PREFIX):
            continue
        name = key[len(ENV_PREFIX) :].lower()
        section, _, rest = name.partition("_")
        if section in sections and rest:
            values.setdefault(section, {})[rest] = value
        else:
            values[name] = value
    return values


def read_file(path: Path) -> dict[str, Any]:
    """The settings file's tables as TOML gives them; an empty dict when there is no file."""
    if not path.exists():
        return {}
    import tomllib  # only when there is a file to read

    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ValidationError(
            f"Файл настроек {path} повреждён ({error}). Исправьте его или удалите, "
            "чтобы вернуть настройки по умолчанию."
        ) from None


def settings_path() -> Path:
    return config_dir() / "settings.toml"


def load_settings(path: Path | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Defaults, overlaid with the settings file (if any), overlaid with the environment.

    The organisation's part (see desktop.organisation) is overlaid later from the database,
    which wins: a value here only seeds the database once.
    """
    path = path if path is not None else settings_path()
    environ = os.environ if environ is None else environ
    settings = _apply(Settings(), read_file(path), "")
    settings = _apply(settings, _from_environment(environ), "")
    check(settings)
    return settings


def from_tables(data: Mapping[str, Any]) -> Settings:
    """The defaults with a settings file's tables over them, each value typed."""
    return _apply(Settings(), data, "")


def overlay(settings: Settings, values: Mapping[str, Any]) -> Settings:
    """``settings`` with values given by dotted keys («readings.window_start»), as typed."""
    nested: dict[str, Any] = {}
    for key, value in values.items():
        section, _, name = key.rpartition(".")
        target = nested.setdefault(section, {}) if section else nested
        target[name] = value
    changes: dict[str, Any] = {}
    for name, value in nested.items():
        current = getattr(settings, name)
        changes[name] = dataclasses.replace(current, **value) if isinstance(value, dict) else value
    return dataclasses.replace(settings, **changes)


def check(settings: Settings) -> None:
    """The rules that tie settings together; a Russian message naming the one broken."""
    if settings.mode not in ("office", "kiosk"):
        raise ValidationError(f"Режим «{settings.mode}» неизвестен: укажите office или kiosk.")
    window = settings.readings
    if not 1 <= window.window_start <= window.window_end <= 31:
        raise ValidationError(
            "Окно приёма показаний задано неверно: нужно 1 ≤ начало ≤ конец ≤ 31."
        )
    if window.jump_factor <= 1:
        raise ValidationError(
            "Порог скачка расхода должен быть больше 1 (во сколько раз расход выше среднего)."
        )
    debt = settings.debt
    if not 1 <= debt.arrears_months <= 24:
        raise ValidationError("Срок задолженности задаётся в месяцах: от 1 до 24.")
    if not 1 <= debt.payment_due_day <= 28:
        raise ValidationError("Срок оплаты — число месяца от 1 до 28.")
    if not debt.key_rates or any(rate <= 0 or rate >= 100 for _day, rate in debt.key_rates):
        raise ValidationError(
            "Ключевая ставка задаётся датами и процентами больше 0 и меньше 100; нужна хотя бы "
            "одна ставка."
        )
    kiosk = settings.kiosk
    if not 5 <= kiosk.countdown_seconds < kiosk.idle_seconds or kiosk.idle_seconds < 30:
        raise ValidationError(
            "Время выхода из кабинета на киоске задано неверно: нужно "
            "5 ≤ kiosk.countdown_seconds < kiosk.idle_seconds и kiosk.idle_seconds ≥ 30 "
            "(в секундах)."
        )
