"""Checking and changing a staff member's password without reading its hash: a clerk's desk.

On PostgreSQL a clerk's desk signs in as a member of ``cabinet_clerk`` (``db.roles``), which
may not read ``staff_user.password_hash`` (nor write it): otherwise any clerk could copy the
administrator's hash and crack it offline. Such a connection is «sealed» for staff, as a
kiosk's is for residents (``desktop.auth.sealed``): the database hands out the Argon2
parameters and salt (``cabinet_staff_salt``; a fake one for an unknown login), the desk
hashes the typed password outside any transaction, and the database compares
(``cabinet_staff_matches``), opens the session (``cabinet_open_staff_session``) and stores
a new password (``cabinet_staff_set_password``, which demands the current one's hash or the
token of the member's live one-time session). On every other connection (SQLite, the owner,
the administrator's role, which creates staff) the hash is read and written here.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import load_only
from sqlalchemy.orm.interfaces import ORMOption

from db.models import StaffUser, UserSession
from db.privileges import lacks
from desktop.actors import Actor
from desktop.auth.sealed import PASSWORD, Outcome, SecretCheck, argon2_params
from desktop.auth.throttle import is_throttle_sealed, reserve
from desktop.sessions import new_token, open_session


def is_staff_sealed(s: OrmSession) -> bool:
    """Whether this connection may not read staff members' password hashes (a clerk's)."""
    return lacks(s, "has_column_privilege('staff_user', 'password_hash', 'SELECT')")


def _query(s: OrmSession, lock: bool) -> tuple[list[ORMOption], bool]:
    """Loader options and whether to lock: a sealed connection loads all but the hash and
    locks nothing (it may update no column; the database's functions change the row)."""
    if not is_staff_sealed(s):
        return [], lock
    u = StaffUser
    columns = (u.id, u.login, u.full_name, u.role, u.must_change, u.active)
    return [load_only(*columns)], False


def staff_by_login(s: OrmSession, login_value: str, *, lock: bool = True) -> StaffUser | None:
    """The staff member with this login (locked, where the connection may)."""
    options, lock = _query(s, lock)
    query = select(StaffUser).options(*options).where(StaffUser.login == login_value)
    return s.scalars(query.with_for_update() if lock else query).one_or_none()


def staff_by_id(s: OrmSession, staff_id: int | None, *, lock: bool) -> StaffUser | None:
    """The active staff member ``staff_id`` (locked, where the connection may)."""
    options, lock = _query(s, lock)
    user = s.get(StaffUser, staff_id, with_for_update=lock, options=options) if staff_id else None
    return user if user is not None and user.active else None


class StaffSecretCheck(SecretCheck):
    """One check of a typed staff password (``run`` and ``needs_rehash`` as a resident's)."""

    def __init__(self, login_value: str) -> None:
        super().__init__(PASSWORD, login_value)
        self.present = False

    def load(self, s: OrmSession, credential: object | None) -> None:
        """In a read, with the (active) staff member as found, or None."""
        self.sealed = is_staff_sealed(s)
        self.present = credential is not None
        if not self.sealed:
            self.stored = getattr(credential, "password_hash", None) if credential else None
            self.present = bool(self.stored)
            return
        params, hash_len = argon2_params()
        row = s.execute(
            text("SELECT salt, hash_len FROM cabinet_staff_salt(:l, :p, :n)"),
            {"l": self.number, "p": params, "n": hash_len},
        ).one()
        self.salt, self.hash_len = row.salt, int(row.hash_len)

    def outcome(self, s: OrmSession, credential: object | None) -> Outcome:
        if not self.sealed:
            return super().outcome(s, credential)
        if self.candidate is not None and is_throttle_sealed(s):
            # The database's throttle: the attempt is paid for (a ticket) before it compares.
            self.wait = reserve(s, "staff", self.number, self.candidate)
        matches = (
            self.candidate is not None
            and not self.wait
            and bool(
                s.scalar(
                    text("SELECT cabinet_staff_matches(:l, :c)"),
                    {"l": self.number, "c": self.candidate},
                )
            )
        )
        # Compared with the hash stored now: a change meanwhile is simply no match.
        return Outcome(credential is not None, True, matches)

    def open_session(
        self, s: OrmSession, now: datetime, actor: Actor, user: StaffUser
    ) -> Actor | None:
        """The staff member's session (one-time while they must change the password): on a
        sealed connection opened by the database, which compares the hash once more; None
        if it saw no proof (the password changed meanwhile)."""
        if not self.sealed:
            return open_session(s, now, actor, one_time=user.must_change)
        token = new_token()
        row = s.execute(
            text("SELECT id, one_time FROM cabinet_open_staff_session(:l, :c, :t, :now)"),
            {"l": self.number, "c": self.candidate or "", "t": token, "now": now},
        ).one()
        if row.id is None:
            return None
        return replace(
            actor, session_id=int(row.id), one_time=bool(row.one_time), session_token=token
        )

    def store(
        self, s: OrmSession, user: StaffUser, new_hash: str, actor: Actor, now: datetime
    ) -> bool:
        """Set the new password's hash (and clear «must change»); False if the database saw
        no proof: neither the current password's hash nor a live one-time session."""
        if not self.sealed:
            user.password_hash = new_hash
            user.must_change = False
            return True
        changed = s.scalar(
            text("SELECT cabinet_staff_set_password(:l, :c, :t, :h, :now)"),
            {
                "l": self.number,
                "c": "" if actor.one_time else self.candidate or "",
                "t": (actor.session_token or "") if actor.one_time else "",
                "h": new_hash,
                "now": now,
            },
        )
        if changed:
            s.expire(user, ["must_change"])
            # A one-time session is used up by the function (the clerk's role may not write
            # the flag): read it back, so that the caller's «no longer one-time» is no change.
            session = s.get(UserSession, actor.session_id) if actor.session_id else None
            if session is not None:
                s.refresh(session, ["one_time"])
        return bool(changed)
