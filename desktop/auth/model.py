"""What the sign-in services answer with, and how they name someone not signed in."""

from __future__ import annotations

import re
from dataclasses import dataclass

from desktop.actors import Actor
from desktop.mail import Delivery

ACCOUNT_NUMBER_LIMIT = 20  # the column's length: anything longer is not an account number
LOGIN_LIMIT = 50


@dataclass(frozen=True)
class SignedIn:
    """Who signed in: a resident (with their account) or a staff member (no account)."""

    actor: Actor
    account_id: int | None
    account_number: str
    fio: str  # a resident's ФИО as on the receipt, or the staff member's full name
    address: str
    must_change_password: bool  # a one-time password was used: ask for a new one now


@dataclass(frozen=True)
class RegistrationResult:
    """The answer to a registration.

    ``message`` is neutral and is what a resident sees, whatever happened. ``delivery`` is
    for clerks only — "email", "outbox" (print the slip) or None when nothing was sent — and
    must never be shown on a resident's screen: it tells whether the data matched.
    """

    message: str
    delivery: Delivery | None


@dataclass(frozen=True)
class ResetRequestResult:
    """The answer to «Забыли пароль?»: as RegistrationResult, ``delivery`` for clerks only."""

    message: str
    delivery: Delivery | None


def typed_name(kind: str, typed: str, limit: int, *, known: bool) -> str:
    """An audit actor for someone who has not signed in: ``kind:typed`` only for a name that
    exists (``known``) and has the shape of an identifier of that kind — an account number
    (digits, maybe groups joined by dashes) or a staff login (latin letters, digits, «.», «_»,
    «-») of at most ``limit`` characters. Anything else is likely a password typed into the
    wrong field, and a password can have that shape too: it is recorded as ``kind:unknown``
    (a name of that shape that does not exist) or ``kind:malformed``, never the text, not
    even a part of it."""
    shape = _ACCOUNT_SHAPE if kind == "resident" else _LOGIN_SHAPE
    if len(typed) > limit or not shape.fullmatch(typed):
        return f"{kind}:malformed"
    return f"{kind}:{typed}" if known else f"{kind}:unknown"


_ACCOUNT_SHAPE = re.compile(r"[0-9]+(?:-[0-9]+)*")
_LOGIN_SHAPE = re.compile(r"[A-Za-z0-9._-]+")
NEW_LOGIN = re.compile(r"[a-z][a-z0-9._-]+")
"""A staff login as created: a Latin letter, then Latin letters, digits, «.», «_», «-» — the
shape the audit log records as typed (``typed_name``)."""
NAME_CHARACTERS = re.compile(r"[^\W\d_]+(?:[ .'’-]+[^\W\d_]*)*")
"""A person's name: letters of any alphabet, joined by spaces, dots, hyphens, apostrophes."""
