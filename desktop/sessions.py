"""Sessions: every sign-in is a record that can end, and every service call checks it.

A sign-in opens a ``user_session`` row and the signed-in ``Actor`` carries its id and a random
token (``secrets.token_urlsafe(32)``) that never leaves the process; the row keeps only the
token's SHA-256, and a call is honoured only with the token whose hash the row holds (the
ids are sequential, so they prove nothing). On a kiosk's or a clerk's sealed connection the
row is made by the database function that confirms the password (``db.roles``,
``db.roles_staff``): neither role may insert one. Logout ends it; a password change ends the
holder's other sessions, a reset ends all of them; disabling a staff member ends theirs, and
a staff member's session ends after a working day (12 hours; on PostgreSQL the database's
``cabinet_staff_actor`` agrees). A session opened with a one-time password may only choose a
password.

The check lives in one place: ``guarded`` wraps a service so that each of its methods checks
every Actor it is given before running (the composition root, ``desktop.app``, wraps them
all). Actors with no session (the system, the office's scripts) are not checked. Around
each call it also hands the actor's token to the call's transactions (``db.rls``), so that
on PostgreSQL the kiosk's role sees only that account's rows — and of ``user_session`` only
its own session's row: a password change or reset there ends the account's other sessions
through the database (``cabinet_end_account_sessions``, ``db.roles_staff``).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, TypeVar, cast

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session as OrmSession

from db.engine import Database
from db.models import StaffUser, UserSession
from db.privileges import lacks
from db.rls import acting_for
from db.roles_clerk import STAFF_SESSION_HOURS
from desktop.actors import Actor
from desktop.clock import Clock
from desktop.errors import AccessDeniedError, UserError
from desktop.permissions import ONE_TIME_DENIED

T = TypeVar("T")

# Why a session ended (``user_session.end_reason``).
LOGOUT = "logout"
PASSWORD_CHANGED = "password_changed"
PASSWORD_RESET = "password_reset"
STAFF_DISABLED = "staff_disabled"
SHIFT_OVER = "shift_over"  # a staff session is at most STAFF_SESSION_HOURS long
ONE_TIME_ABANDONED = "one_time_abandoned"
REGISTERED_AGAIN = "registered_again"  # db.roles_resident.REGISTERED_AGAIN

ENDED_BY_PASSWORD = "Сеанс завершён: пароль был изменён. Войдите снова."
_ENDED_MESSAGES = {
    PASSWORD_CHANGED: ENDED_BY_PASSWORD,
    PASSWORD_RESET: ENDED_BY_PASSWORD,
    STAFF_DISABLED: "Сеанс завершён: учетная запись отключена. Обратитесь к администратору.",
    SHIFT_OVER: f"Сеанс завершён: сеанс сотрудника длится не больше {STAFF_SESSION_HOURS} часов. "
    "Войдите снова.",
}
ENDED = "Сеанс завершён. Войдите снова."

STAFF_SESSION = timedelta(hours=STAFF_SESSION_HOURS)

# last_seen_at is written at most this often, not at every call.
SEEN_INTERVAL = timedelta(minutes=1)


# The methods a one-time-password session may call: choose a password, or leave.
ONE_TIME_METHODS = frozenset({"change_password", "logout"})


class SessionEndedError(UserError):
    """The actor's session has ended: the screen returns to the login window."""

    session_ended = True  # the screens test for this, without importing the core

    def __init__(self, reason: str | None, session_id: int | None = None) -> None:
        self.reason = reason or ""
        self.session_id = session_id  # whose session: a screen leaves only its own
        super().__init__(_ENDED_MESSAGES.get(self.reason, ENDED))


def new_token() -> str:
    """A session's secret: 256 random bits, URL-safe text."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """What ``user_session.token_hash`` keeps of a token (hex SHA-256 of its UTF-8)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def holds(row: UserSession, actor: Actor) -> bool:
    """Whether ``actor`` carries the token of the session ``row``."""
    token = actor.session_token
    return (
        row.token_hash is not None
        and token is not None
        and hmac.compare_digest(row.token_hash, token_hash(token))
    )


def open_session(s: OrmSession, now: datetime, actor: Actor, *, one_time: bool = False) -> Actor:
    """Record a sign-in of ``actor`` (built without a session): ``actor`` with the new
    session's id and token."""
    token = new_token()
    row = UserSession(
        kind=str(actor.kind),
        account_id=actor.account_id,
        staff_id=actor.staff_id,
        one_time=one_time,
        created_at=now,
        last_seen_at=now,
        token_hash=token_hash(token),
    )
    s.add(row)
    s.flush()
    return replace(actor, session_id=row.id, one_time=one_time, session_token=token)


def end_sessions(
    s: OrmSession,
    now: datetime,
    reason: str,
    *,
    account_id: int | None = None,
    staff_id: int | None = None,
    session_id: int | None = None,
    keep: int | None = None,
) -> int:
    """End the live sessions of an account, a staff member, or one session (all but
    ``keep``); how many ended."""
    query = update(UserSession).where(UserSession.ended_at.is_(None))
    if session_id is not None:
        query = query.where(UserSession.id == session_id)
    elif account_id is not None:
        query = query.where(UserSession.account_id == account_id)
    elif staff_id is not None:
        query = query.where(UserSession.staff_id == staff_id)
    else:
        raise ValueError("end_sessions needs an account, a staff member or a session")
    if session_id is None and account_id is not None and _hidden(s):
        # The kiosk sees only its own session (row level security): the database ends the
        # account's others, once this transaction has written its credential.
        s.flush()
        ended = s.scalar(
            text("SELECT cabinet_end_account_sessions(:a, :now, :r, :k)"),
            {"a": account_id, "now": now, "r": reason, "k": keep},
        )
        return int(ended or 0)
    if keep is not None:
        query = query.where(UserSession.id != keep)
    result = s.execute(query.values(ended_at=now, end_reason=reason))
    return int(getattr(result, "rowcount", 0) or 0)


def _hidden(s: OrmSession) -> bool:
    """Whether this connection sees only its own session (a kiosk's role on PostgreSQL). The
    office's roles see every session and read the staff list; the kiosk's reads no staff."""
    return lacks(s, "has_column_privilege('staff_user', 'login', 'SELECT')")


def ensure_live(s: OrmSession, actor: Actor) -> UserSession:
    """The actor's session row, inside a write transaction; SessionEndedError if it is over."""
    row = s.get(UserSession, actor.session_id, with_for_update=True) if actor.session_id else None
    if row is None or not holds(row, actor):
        raise SessionEndedError(None, actor.session_id)
    if row.ended_at is not None:
        raise SessionEndedError(row.end_reason, actor.session_id)
    return row


class SessionGuard:
    """Checks that an actor's session is live; tells listeners (the screens) when not."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock
        self._listeners: list[Callable[[SessionEndedError], None]] = []
        self._lock = threading.Lock()

    def on_ended(self, listener: Callable[[SessionEndedError], None]) -> None:
        """Call ``listener`` (on the calling thread) whenever a call meets an ended session."""
        with self._lock:
            self._listeners.append(listener)

    def check(self, actor: Actor, *, method: str = "") -> None:
        """SessionEndedError unless the actor's session is live (and, for a staff member,
        their account still active); AccessDeniedError if a one-time-password session
        calls anything but ``ONE_TIME_METHODS``."""
        if actor.session_id is None:
            return
        try:
            one_time = self._check(actor)
        except SessionEndedError as error:
            error.session_id = actor.session_id
            with self._lock:
                listeners = list(self._listeners)
            for listener in listeners:
                listener(error)
            raise
        if (one_time or actor.one_time) and method not in ONE_TIME_METHODS:
            raise AccessDeniedError(ONE_TIME_DENIED)

    def _check(self, actor: Actor) -> bool:
        with self.db.read() as s:
            now = self.clock.now()
            row = s.get(UserSession, actor.session_id)
            if row is None or not holds(row, actor):
                raise SessionEndedError(None)
            if row.ended_at is not None:
                raise SessionEndedError(row.end_reason)
            over = ""
            if row.staff_id is not None:
                active = s.scalar(select(StaffUser.active).where(StaffUser.id == row.staff_id))
                if not active:
                    over = STAFF_DISABLED
                elif now - row.created_at >= STAFF_SESSION:
                    over = SHIFT_OVER
            stale = now - row.last_seen_at >= SEEN_INTERVAL
            one_time = row.one_time
        if over:
            with self.db.unit_of_work() as s:
                end_sessions(s, now, over, session_id=actor.session_id)
            raise SessionEndedError(over)
        if stale:
            with self.db.unit_of_work() as s:
                s.execute(
                    update(UserSession)
                    .where(UserSession.id == actor.session_id)
                    .values(last_seen_at=now)
                )
        return one_time


def guarded(service: T, guard: SessionGuard) -> T:
    """``service`` with every public method checking the sessions of the actors passed to it
    (positionally or by keyword) before it runs."""
    return cast(T, _Guarded(service, guard))


def _is_service(value: Any) -> bool:
    """A part of a service that works on the database (``auth.codes``, ``auth.residents``):
    it holds the ``Database``, as every service does. A clock or the settings do not."""
    return isinstance(getattr(value, "db", None), Database)


class _Guarded:
    def __init__(self, inner: Any, guard: SessionGuard) -> None:
        object.__setattr__(self, "_inner", inner)
        object.__setattr__(self, "_guard", guard)

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._inner, name)
        if name.startswith("_") or isinstance(value, type):
            return value
        guard = self._guard
        if not callable(value):
            # A part of the service (``auth.codes``) is guarded as the service is; plain
            # data (settings, numbers, a clock) is not ours to check.
            return _Guarded(value, guard) if _is_service(value) else value

        @functools.wraps(value)
        def checked(*args: Any, **kwargs: Any) -> Any:
            actors = [arg for arg in (*args, *kwargs.values()) if isinstance(arg, Actor)]
            token = next((a.session_token for a in actors if a.session_token), None)
            # Row level security (db.rls): the call's transactions see its account's rows.
            with acting_for(token):
                for actor in actors:
                    guard.check(actor, method=name)
                return value(*args, **kwargs)

        return checked

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._inner, name, value)

    def __delattr__(self, name: str) -> None:
        delattr(self._inner, name)

    def __repr__(self) -> str:
        return f"guarded({self._inner!r})"
