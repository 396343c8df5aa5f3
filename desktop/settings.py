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
    printer = "HP LaserJet Hall"  # "" or absent: the system's default printer

Every key can be overridden by an environment variable ``CABINET_<SECTION>_<KEY>`` (or
``CABINET_<KEY>`` for top-level keys), e.g. ``CABINET_DATABASE_URL``, ``CABINET_SMTP_HOST``.

Every value is checked (desktop.settings_rules) and a name the file does not know is refused
with the closest known one; a password may be the reference ``keyring:`` to the OS
credential store (desktop.secrets).
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from desktop import APP_NAME
from desktop.errors import ValidationError
from desktop.settings_rules import KeyRates, check, parse_date, parse_key_rates, shown

__all__ = ["KeyRates", "Settings", "check", "load_settings", "parse_key_rates"]

log = logging.getLogger(__name__)

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
    verification_notice_days: int = 60  # remind of a meter's verification this long before


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
    # This machine's printer, as the system names it; "" — the system's default printer.
    # Receipts and the statement go to it without a dialog.
    printer: str = ""


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
    # A staff member's desk locks after this many minutes without input and asks for the
    # password again; what was open stays open behind the lock.
    office_lock_minutes: int = 15
    readings: ReadingSettings = field(default_factory=ReadingSettings)
    debt: DebtSettings = field(default_factory=DebtSettings)
    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    kiosk: KioskSettings = field(default_factory=KioskSettings)
    registration: RegistrationSettings = field(default_factory=RegistrationSettings)


def _bad(name: str, value: Any, need: str) -> ValidationError:
    return ValidationError(
        f"Настройка «{name}» имеет неверное значение «{shown(value)}»: {need}. Исправьте файл "
        "настроек или переменную окружения."
    )


def _convert(value: Any, to: Any, name: str) -> Any:
    """Turn a TOML or environment value into the field's type; Russian message if it cannot."""
    if to in (int, "int"):
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and re.fullmatch(r"[+-]?\d{1,30}", value.strip()):
            return int(value)
        raise _bad(name, value, "нужно целое число")
    if to in (Decimal, "Decimal"):
        number = None
        if isinstance(value, int | float | str) and not isinstance(value, bool):
            with contextlib.suppress(InvalidOperation):
                number = Decimal(str(value).strip().replace(",", "."))
        if number is None or not number.is_finite():
            raise _bad(name, value, "нужно число, например 2.5")
        return number
    if to in (str, "str"):
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            raise _bad(name, value, "нужен текст в кавычках")
        if "\x00" in value:
            raise _bad(name, value, "в тексте недопустимый символ NUL")
        if any("\ud800" <= ch <= "\udfff" for ch in value):
            raise _bad(name, value, "текст в неверной кодировке; сохраните файл в UTF-8")
        return value
    return value


def _convert_key_rates(value: Any, name: str) -> KeyRates:
    """A file's table ``"2017-03-27" = 9.75``, a list of pairs, or the text «27.03.2017 9,75»."""
    if isinstance(value, str):
        return parse_key_rates(value, name)
    if isinstance(value, Mapping):
        pairs: list[Any] = list(value.items())
    elif isinstance(value, list) and all(
        isinstance(pair, list) and len(pair) == 2 for pair in value
    ):
        pairs = value
    else:
        raise _bad(name, value, 'нужна таблица «дата = ставка», например "2017-03-27" = 9.75')
    rates: dict[date, Decimal] = {}
    for day, rate in pairs:
        since = day if type(day) is date else parse_date(day) if isinstance(day, str) else None
        if since is None:
            raise _bad(name, day, "нужна дата вида 2017-03-27")
        if since in rates:
            raise _bad(name, day, "у одной даты может быть только одна ставка")
        rates[since] = _convert(rate, Decimal, f"{name}.{since.isoformat()}")
    return tuple(sorted(rates.items()))


def _unknown(name: str) -> ValidationError:
    """A misspelt setting: named, with the known one it most resembles."""
    import difflib

    keys = known_keys()
    sections = sorted({key.partition(".")[0] for key in keys if "." in key})
    close = difflib.get_close_matches(name, keys + sections, n=1, cutoff=0.6)
    hint = (
        f"Возможно, имелась в виду «{close[0]}»."
        if close
        else f"Известные настройки: {', '.join(keys)}."
    )
    return ValidationError(f"Настройки «{shown(name)}» нет. {hint} Исправьте файл настроек.")


def known_keys(obj: Any = None, prefix: str = "") -> list[str]:
    """Every setting's dotted name, as the settings file and ``settings set`` spell it."""
    keys: list[str] = []
    for f in dataclasses.fields(obj if obj is not None else Settings()):
        value = getattr(obj if obj is not None else Settings(), f.name)
        if dataclasses.is_dataclass(value):
            keys += known_keys(value, f"{prefix}{f.name}.")
        else:
            keys.append(f"{prefix}{f.name}")
    return keys


def _apply(obj: Any, values: Mapping[str, Any], prefix: str, *, strict: bool = True) -> Any:
    """``obj`` with ``values`` over it, typed; with ``strict``, a name it lacks is refused."""
    fields = {f.name: f for f in dataclasses.fields(obj)}
    if strict:
        for name in values:
            if name not in fields:
                raise _unknown(f"{prefix}{name}")
    changes: dict[str, Any] = {}
    for name, f in fields.items():
        if name not in values:
            continue
        current = getattr(obj, name)
        dotted = f"{prefix}{name}"
        if dataclasses.is_dataclass(current):
            sub = values[name]
            if not isinstance(sub, Mapping):
                raise ValidationError(
                    f"Раздел настроек «{dotted}» должен быть таблицей [{dotted}]."
                )
            changes[name] = _apply(current, sub, f"{dotted}.", strict=strict)
        elif name == "key_rates":
            changes[name] = _convert_key_rates(values[name], dotted)
        else:
            changes[name] = _convert(values[name], f.type, dotted)
    return dataclasses.replace(obj, **changes)


def _from_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    known = known_keys()
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
            dotted = f"{section}.{rest}"
        else:
            values[name] = value
            dotted = name
        if dotted not in known:  # other tools' variables share the prefix: not an error
            _warn_if_misspelt(key, dotted, known)
    return values


def _warn_if_misspelt(variable: str, dotted: str, known: list[str]) -> None:
    import difflib

    close = difflib.get_close_matches(dotted, known, n=1, cutoff=0.8)
    if close:
        meant = ENV_PREFIX + close[0].replace(".", "_").upper()
        log.warning(
            "Переменная окружения %s не задаёт никакой настройки; возможно, имелась в виду %s.",
            variable,
            meant,
        )


def read_file(path: Path) -> dict[str, Any]:
    """The settings file's tables as TOML gives them; an empty dict when there is no file."""
    if not path.exists():
        return {}
    import tomllib  # only when there is a file to read

    if path.is_dir():
        raise ValidationError(
            f"Вместо файла настроек {path} — папка. Переименуйте или удалите её: программа "
            "создаёт настройки по умолчанию, а файл settings.toml можно написать заново."
        )
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ValidationError(
            f"Файл настроек {path} повреждён ({error}). Исправьте его или удалите, "
            "чтобы вернуть настройки по умолчанию."
        ) from None
    except OSError as error:
        raise ValidationError(
            f"Файл настроек {path} не удалось прочитать ({error.strerror or error}). "
            "Проверьте права на файл."
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
    try:
        settings = _apply(Settings(), read_file(path), "")
    except ValidationError as error:
        if str(path) in str(error):
            raise
        raise ValidationError(f"{error} Файл настроек: {path}") from None
    settings = _apply(settings, _from_environment(environ), "", strict=False)
    check(settings)
    from desktop.secrets import resolve_secrets  # the OS credential store, when referenced

    return resolve_secrets(settings)


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
