"""The rules every setting obeys: its own range, then how settings fit together.

One home for them: the settings file, the environment, ``settings set`` and a value read back
from the database are all checked here, and a check raises nothing but ValidationError,
whatever it is handed (NaN, a huge number, a wrong type).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from desktop.errors import ValidationError

if TYPE_CHECKING:
    from desktop.settings import Settings

KeyRates = tuple[tuple[date, Decimal], ...]


def shown(value: Any) -> str:
    """A value as a message may quote it: short, with invisible characters made visible."""
    text = value if isinstance(value, str) else repr(value)
    cut = text[:60]
    visible = "".join(ch if ch.isprintable() else f"\\u{ord(ch):04x}" for ch in cut)
    return visible + ("…" if len(text) > 60 else "")


# -- the rules: each setting's own range, then how they fit together ------------------------

WINDOW = "Окно приёма показаний задано неверно: нужно 1 ≤ начало ≤ конец ≤ 31."
KIOSK = (
    "Время выхода из кабинета на киоске задано неверно: нужно 5 ≤ kiosk.countdown_seconds < "
    "kiosk.idle_seconds ≤ 3600 и kiosk.idle_seconds ≥ 30 (в секундах)."
)
Rule = Callable[[Any], bool]


def _whole(low: int, high: int) -> Rule:
    return lambda v: isinstance(v, int) and not isinstance(v, bool) and low <= v <= high


def _text(most: int, *, empty: bool = True) -> Rule:
    return lambda v: (
        isinstance(v, str)
        and len(v) <= most
        and (empty or bool(v.strip()))
        and all(ch.isprintable() for ch in v)
    )


def _factor(value: Any) -> bool:
    # At most 12 decimal places: the database's own jump rule for kiosks
    # (db.roles_readings) reads the stored factor with no more.
    return (
        isinstance(value, Decimal)
        and value.is_finite()
        and 1 < value <= 100
        and value == value.quantize(Decimal("1e-12"))
    )


def _rates(value: Any) -> bool:
    if not isinstance(value, tuple) or not value:
        return False
    days = [day for day, _rate in value]
    return (
        all(isinstance(r, Decimal) and r.is_finite() and 0 < r < 100 for _d, r in value)
        and all(type(day) is date for day in days)
        and all(a < b for a, b in itertools.pairwise(days))
    )


RULES: dict[str, tuple[Rule, str]] = {
    "version": (_whole(1, 1000), "Версия файла настроек (version) — целое число от 1."),
    "mode": (
        lambda v: v in ("office", "kiosk"),
        "Режим «{}» неизвестен: укажите office или kiosk.",
    ),
    "database_url": (_text(2000, empty=False), "Адрес базы данных не задан или задан неверно."),
    "office_phone": (_text(200, empty=False), "Телефон офиса: от 1 до 200 знаков."),
    "office_hours": (_text(200, empty=False), "Часы работы офиса: от 1 до 200 знаков."),
    "office_lock_minutes": (
        _whole(1, 240),
        "Блокировка рабочего места сотрудника после бездействия — от 1 до 240 минут.",
    ),
    "readings.window_start": (_whole(1, 31), WINDOW),
    "readings.window_end": (_whole(1, 31), WINDOW),
    "readings.jump_factor": (
        _factor,
        "Порог скачка расхода должен быть больше 1 и не больше 100 (во сколько раз расход "
        "выше среднего), не больше 12 знаков после запятой.",
    ),
    "readings.verification_notice_days": (
        _whole(0, 365),
        "Напоминание о поверке задаётся в днях до её срока: от 0 до 365.",
    ),
    "debt.arrears_months": (_whole(1, 36), "Срок задолженности задаётся в месяцах: от 1 до 36."),
    "debt.payment_due_day": (
        _whole(1, 28),
        "Срок оплаты — число месяца от 1 до 28 (такое число есть в каждом месяце).",
    ),
    "debt.key_rates": (
        _rates,
        "Ключевая ставка задаётся датами и процентами больше 0 и меньше 100; нужна хотя бы одна "
        "ставка, у каждой даты — одна ставка.",
    ),
    "kiosk.idle_seconds": (_whole(30, 3600), KIOSK),
    "kiosk.countdown_seconds": (_whole(5, 3600), KIOSK),
    "registration.require_code": (
        lambda v: isinstance(v, bool),
        "Регистрация только с кодом из квитанции (registration.require_code): true или false.",
    ),
    "smtp.host": (_text(255), "Адрес сервера почты (smtp.host) — не длиннее 255 знаков."),
    "smtp.port": (_whole(1, 65535), "Порт сервера почты (smtp.port) — число от 1 до 65535."),
    "smtp.security": (
        lambda v: v in ("starttls", "ssl", "none"),
        "Защита соединения с сервером почты (smtp.security): starttls, ssl или none.",
    ),
    "smtp.timeout": (_whole(1, 600), "Ожидание сервера почты (smtp.timeout): от 1 до 600 секунд."),
}


def value_of(settings: Settings, key: str) -> Any:
    value: Any = settings
    for part in key.split("."):
        value = getattr(value, part)
    return value


def problem(key: str, value: Any) -> str | None:
    """What is wrong with ``value`` for the setting ``key`` on its own; None if nothing."""
    rule = RULES.get(key)
    if rule is None or rule[0](value):
        return None
    return rule[1].format(shown(value))


def check(settings: Settings) -> None:
    """Every setting's range, then the rules that tie them together; a Russian message
    naming the first broken one. Raises nothing but ValidationError, whatever the values."""
    for key in RULES:
        message = problem(key, value_of(settings, key))
        if message:
            raise ValidationError(message)
    if settings.readings.window_start > settings.readings.window_end:
        raise ValidationError(WINDOW)
    if settings.kiosk.countdown_seconds >= settings.kiosk.idle_seconds:
        raise ValidationError(KIOSK)


# -- the key rates as an office writes them ----------------------------------------------


def parse_key_rates(text: str, label: str) -> KeyRates:
    """«19.09.2016 10,00; 27.03.2017 9,75» (or ISO dates, «=» between, one a line)."""
    rates: dict[date, Decimal] = {}
    for item in filter(None, (part.strip() for part in re.split(r"[;\n]", text))):
        match = re.fullmatch(r"(\S+)\s*(?:=|\s)\s*([\d.,]+)\s*%?", item)
        day = parse_date(match.group(1)) if match else None
        if match is None or day is None:
            raise ValidationError(
                f"«{label}»: не понятно «{shown(item)}». Пишите дату и ставку в процентах через "
                "пробел, ставки — через точку с запятой: «19.09.2016 10,00; 27.03.2017 9,75»."
            )
        try:
            rate = Decimal(match.group(2).replace(",", "."))
        except InvalidOperation:
            raise ValidationError(f"«{label}»: ставка «{match.group(2)}» — не число.") from None
        if rates.get(day, rate) != rate:
            raise ValidationError(
                f"«{label}»: для даты {day:%d.%m.%Y} указаны две разные ставки. Оставьте одну."
            )
        rates[day] = rate
    if not rates:
        raise ValidationError(f"«{label}»: нужна хотя бы одна ставка с датой.")
    return tuple(sorted(rates.items()))


def parse_date(text: str) -> date | None:
    for pattern, order in (
        (r"(\d{2})\.(\d{2})\.(\d{4})", (3, 2, 1)),
        (r"(\d{4})-(\d{2})-(\d{2})", (1, 2, 3)),
    ):
        match = re.fullmatch(pattern, text)
        if match:
            try:
                return date(*(int(match.group(i)) for i in order))
            except ValueError:
                return None
    return None
