"""The audit log in words: who acted («Оператор Смирнова Т.В. (operator)», «Житель, ЛС 3492»,
«Киоск, ЛС 3492») and an entry's details (its JSON) as a line of Russian. Pure functions: the
rows come from ``desktop.audit_log``."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from typing import Any

from db.models import StaffRole
from desktop.months import month_name

ROLE_NAMES = {StaffRole.CLERK: "Оператор", StaffRole.ADMIN: "Администратор"}

# The details' keys as the screens name them; a key not listed shows as it is stored.
KEY_NAMES = {
    "accounts": "лицевых счетов",
    "address": "адрес",
    "area": "площадь",
    "bank": "банк",
    "batch": "загрузка №",
    "building_id": "дом №",
    "channel": "откуда",
    "code": "код",
    "count": "количество",
    "counts": "количество",
    "delivery": "доставка",
    "email": "эл. почта",
    "export": "выгрузка №",
    "failures": "неудачных попыток",
    "file": "файл",
    "fio": "ФИО",
    "format": "формат",
    "kind": "вид",
    "login": "логин",
    "message": "сообщение",
    "message_id": "сообщение №",
    "meter": "счетчик",
    "month": "месяц",
    "months": "месяцев",
    "new": "новое значение",
    "number": "номер",
    "old": "прежнее значение",
    "one_time": "одноразовый пароль",
    "periods": "периодов",
    "premises_id": "помещение №",
    "reason": "причина",
    "receipt": "квитанция",
    "registration_codes": "кодов регистрации",
    "request_id": "обращение №",
    "reset": "сброс",
    "residents": "жильцов",
    "role": "роль",
    "rows": "строк",
    "sessions_ended": "завершено сеансов",
    "setting": "настройка",
    "skipped": "пропущено",
    "statement_rows": "строк ведомости",
    "subject": "тема",
    "target": "куда",
    "topic": "тема",
    "total": "всего",
    "void_codes": "аннулировано кодов",
    "filters": "отбор",
    "changes": "изменения",
    "from_month": "из месяца",
    "needs_attention": "внимание",
    "below_previous": "меньше предыдущих",
    "confirmation": "подтверждено",
    "zone": "тариф",
    "account": "лицевой счет",
    "staff": "сотрудник",
    "action": "действие",
    "from": "с",
    "to": "по",
}

# Stored words the screens say otherwise.
VALUE_NAMES = {
    "kiosk": "киоск",
    "resident": "дома",
    "clerk": "оператор",
    "admin": "администратор",
    "email": "эл. почта",
    "slip": "памятка",
    "outbox": "памятка в офисе",
    "1c": "1С",
    "gis": "ГИС ЖКХ",
}


def actor_text(
    actor: str, staff: Mapping[str, tuple[str, StaffRole]], details: Mapping[str, Any]
) -> str:
    """Who acted, for a person: ``staff`` maps a login to its full name and role."""
    kind, _, name = actor.partition(":")
    if not name:
        return "Система" if actor == "system" else actor
    if kind == "staff":
        if name in ("unknown", "malformed"):
            return "Неизвестный логин сотрудника"
        found = staff.get(name)
        if found is None:
            return f"Сотрудник ({name})"
        full_name, role = found
        return f"{ROLE_NAMES.get(role, 'Сотрудник')} {full_name} ({name})"
    if kind == "resident":
        if name in ("unknown", "malformed"):
            return "Неизвестный лицевой счет"
        who = "Киоск" if details.get("channel") == "kiosk" else "Житель"
        return f"{who}, ЛС {name}"
    return actor


def parse_details(text: str) -> dict[str, Any]:
    """An entry's stored details; a row written otherwise reads as one «текст» value."""
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {"текст": text}
    return value if isinstance(value, dict) else {"текст": text}


def details_text(details: Mapping[str, Any]) -> str:
    """The details as «причина: …; логин: operator», empty values left out."""
    parts = []
    for key, value in details.items():
        shown = _month_text(value) if key in MONTH_KEYS else value_text(value)
        if shown:
            parts.append(f"{KEY_NAMES.get(key, key)}: {shown}")
    return "; ".join(parts)


MONTH_KEYS = frozenset({"month", "from_month"})


def _month_text(value: Any) -> str:
    """«2017-06-01» as «июнь 2017»; anything else as it is."""
    try:
        return month_name(date.fromisoformat(str(value))).lower()
    except ValueError:
        return value_text(value)


def value_text(value: Any) -> str:
    if value is None or value == "" or value == [] or value == {}:
        return ""
    if value is True:
        return "да"
    if value is False:
        return "нет"
    if isinstance(value, dict):
        if "meter" in value and "new" in value:
            return _change_text(value)
        shown = ((KEY_NAMES.get(k, k), value_text(v)) for k, v in value.items())
        return ", ".join(f"{key} {text}" for key, text in shown if text)
    if isinstance(value, list):
        return ", ".join(value_text(item) for item in value)
    text = str(value)
    return VALUE_NAMES.get(text, text)


def _change_text(change: Mapping[str, Any]) -> str:
    """A reading's change: «Эл.эн. №123: 4512 → 4620»."""
    meter = str(change["meter"])
    zone = change.get("zone")
    if isinstance(zone, int) and zone > 1:
        meter += f" T{zone}"
    old = change.get("old") or "—"
    text = f"{meter}: {old} → {change['new']}"
    confirmed = value_text(change.get("confirmation"))
    return f"{text} (подтверждено: {confirmed})" if confirmed else text
