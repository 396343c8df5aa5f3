"""The kiosk administrator's PIN: what opens the kiosk's service menu (exit, printer test).

One PIN for every kiosk on the database, kept as an Argon2id hash in ``organisation_setting``
under its own key (``settings list`` does not show it: a hash is nobody's business), set by
``python -m desktop settings kiosk-pin`` and audited. A kiosk reads the hash when the PIN is
typed, so a new PIN applies at once.
"""

from __future__ import annotations

import json
import re

from sqlalchemy import select

from db.engine import Database
from db.models import OrganisationSetting
from desktop import audit
from desktop.actors import Actor
from desktop.audit import AuditAction
from desktop.clock import Clock
from desktop.errors import ValidationError
from desktop.passwords import hash_password, verify_password
from desktop.permissions import Permission, require

KEY = "kiosk.admin_pin_hash"
LABEL = "Киоск: ПИН администратора"
MIN_DIGITS, MAX_DIGITS = 6, 12
SET, UNSET = "задан", "не задан"


def check_pin(pin: str) -> None:
    """A PIN is 6 to 12 digits, not one digit repeated: typed on the kiosk's keypad."""
    if not re.fullmatch(rf"[0-9]{{{MIN_DIGITS},{MAX_DIGITS}}}", pin):
        raise ValidationError(
            f"ПИН администратора — от {MIN_DIGITS} до {MAX_DIGITS} цифр (только цифры, их "
            "набирают на экранной клавиатуре киоска). Ничего не изменено."
        )
    if len(set(pin)) == 1 or pin in "01234567890123" or pin in "98765432109876":
        raise ValidationError(
            "Такой ПИН легко угадать (одна цифра подряд или цифры по порядку). Выберите "
            "другой. Ничего не изменено."
        )


class KioskPin:
    """Sets and checks the administrator's PIN."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    def _stored(self) -> str:
        with self.db.read() as s:
            value = s.scalar(
                select(OrganisationSetting.value).where(OrganisationSetting.key == KEY)
            )
        if not value:
            return ""
        try:
            stored = json.loads(value)
        except json.JSONDecodeError:
            return ""
        return stored if isinstance(stored, str) else ""

    def is_set(self) -> bool:
        return bool(self._stored())

    def verify(self, pin: str) -> bool:
        """Whether ``pin`` is the administrator's; always False while none is set."""
        return verify_password(self._stored() or None, pin)

    def change(self, actor: Actor, pin: str | None) -> None:
        """Set the PIN (None: remove it, and the kiosk's service menu cannot be opened)."""
        require(actor, Permission.CHANGE_SETTINGS)
        if pin is not None:
            check_pin(pin)
        stored = None if pin is None else json.dumps(hash_password(pin))
        now = self.clock.now()
        with self.db.unit_of_work() as s:
            row = s.get(OrganisationSetting, KEY, with_for_update=True)
            old = SET if row is not None and row.value else UNSET
            if row is None:
                row = OrganisationSetting(key=KEY)
                s.add(row)
            row.value = stored
            row.changed_at = now
            row.changed_by = actor.label
            audit.record(
                s,
                now,
                actor,
                AuditAction.SETTINGS_CHANGE,
                setting=KEY,
                old=old,
                new=UNSET if pin is None else SET,
            )
