"""The audit log: who did what, for which account, when (UTC). Rows are only ever added."""

from __future__ import annotations

import enum
import json
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import AuditEntry
from desktop.actors import Actor


class AuditAction(enum.StrEnum):
    """What an audit row records, with the Russian label the audit log shows.

    Names are ``object.verb``: dotted, lower case, snake_case within a part, the object in
    the words of the screens (``readings.submit``, ``password.change``, ``staff.sign_in``).
    Success and failure are one action; the row's ``ok`` tells them apart.

    Rows written before this enum keep the names they were written with (there is no data
    migration): ``LEGACY_NAMES`` maps those to their members and ``label_of`` reads both.
    """

    RESIDENT_SIGN_IN = "resident.sign_in"
    RESIDENT_REGISTER = "resident.register"
    PASSWORD_REQUEST_RESET = "password.request_reset"
    PASSWORD_RESET = "password.reset"
    PASSWORD_CHANGE = "password.change"
    STAFF_SIGN_IN = "staff.sign_in"
    STAFF_CREATE = "staff.create"
    ACCOUNT_CREATE = "account.create"
    PERIOD_CREATE = "period.create"
    PERIOD_DELETE = "period.delete"
    READINGS_SUBMIT = "readings.submit"
    RECEIPT_EXPORT = "receipt.export"  # one account's, or a batch (then no account)
    STATEMENT_EXPORT = "statement.export"
    SUPPORT_CREATE = "support.create"
    SUPPORT_ANSWER = "support.answer"
    SUPPORT_CLOSE = "support.close"
    OUTBOX_PRINT = "outbox.print"
    OUTBOX_HAND_OUT = "outbox.hand_out"
    DEMO_BUILD = "demo.build"
    SETTINGS_CHANGE = "settings.change"
    SETTINGS_ADOPT = "settings.adopt"  # values of an old settings file moved into the database
    REGISTRATION_CODE_ISSUE = "registration_code.issue"  # at the counter, for a slip

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    AuditAction.RESIDENT_SIGN_IN: "Вход жителя",
    AuditAction.RESIDENT_REGISTER: "Регистрация жителя",
    AuditAction.PASSWORD_REQUEST_RESET: "Запрос кода для восстановления пароля",
    AuditAction.PASSWORD_RESET: "Восстановление пароля по коду",
    AuditAction.PASSWORD_CHANGE: "Смена пароля",
    AuditAction.STAFF_SIGN_IN: "Вход сотрудника",
    AuditAction.STAFF_CREATE: "Новый сотрудник",
    AuditAction.ACCOUNT_CREATE: "Новый лицевой счёт",
    AuditAction.PERIOD_CREATE: "Новый период показаний",
    AuditAction.PERIOD_DELETE: "Удаление периода показаний",
    AuditAction.READINGS_SUBMIT: "Передача показаний",
    AuditAction.RECEIPT_EXPORT: "Квитанция в PDF",
    AuditAction.STATEMENT_EXPORT: "Выгрузка ведомости",
    AuditAction.SUPPORT_CREATE: "Новое обращение в техподдержку",
    AuditAction.SUPPORT_ANSWER: "Ответ на обращение",
    AuditAction.SUPPORT_CLOSE: "Обращение закрыто",
    AuditAction.OUTBOX_PRINT: "Печать памятки с паролем",
    AuditAction.OUTBOX_HAND_OUT: "Памятка выдана жителю",
    AuditAction.DEMO_BUILD: "Создание демонстрационной базы",
    AuditAction.SETTINGS_CHANGE: "Изменение настройки организации",
    AuditAction.SETTINGS_ADOPT: "Перенос настроек из файла в базу",
    AuditAction.REGISTRATION_CODE_ISSUE: "Новый код регистрации",
}

LEGACY_NAMES = {
    "login": AuditAction.RESIDENT_SIGN_IN,
    "register": AuditAction.RESIDENT_REGISTER,
    "password_reset_request": AuditAction.PASSWORD_REQUEST_RESET,
    "password_reset": AuditAction.PASSWORD_RESET,
    "password_change": AuditAction.PASSWORD_CHANGE,
    "staff_login": AuditAction.STAFF_SIGN_IN,
    "staff_create": AuditAction.STAFF_CREATE,
    "outbox_printed": AuditAction.OUTBOX_PRINT,
    "outbox_handed_out": AuditAction.OUTBOX_HAND_OUT,
    "demo_built": AuditAction.DEMO_BUILD,
}
"""Names rows were written with before AuditAction, and the action each one means."""


def label_of(stored: str) -> str:
    """The Russian label of an action name as a row stores it, old names included."""
    action: AuditAction | None
    try:
        action = AuditAction(stored)
    except ValueError:
        action = LEGACY_NAMES.get(stored)
    return action.label if action is not None else stored


def record(
    session: Session,
    at: datetime,
    actor: Actor | str,
    action: AuditAction,
    *,
    account_id: int | None = None,
    ok: bool = True,
    **details: Any,
) -> None:
    """Add an entry in the caller's transaction, so it lands exactly when the change does.

    ``account_id`` is the account the action served; None only where none was (a batch, a
    sign-in with an unknown number, a request from the login window).
    """
    if not isinstance(action, AuditAction):
        raise ValueError(f"audit actions are AuditAction members, not {action!r}")
    session.add(
        AuditEntry(
            at=at,
            actor=actor if isinstance(actor, str) else actor.label,
            action=str(action),
            account_id=account_id,
            ok=ok,
            details=json.dumps(details, ensure_ascii=False, default=str, sort_keys=True),
        )
    )


def entries(
    session: Session,
    *,
    account_id: int | None = None,
    action: AuditAction | str | None = None,
    limit: int = 200,
) -> list[AuditEntry]:
    """The newest entries first, optionally for one account or one action."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if account_id is not None:
        query = query.where(AuditEntry.account_id == account_id)
    if action is not None:
        query = query.where(AuditEntry.action == str(action))
    return list(session.scalars(query))
