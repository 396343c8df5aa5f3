"""Checking a resident's password or reset code without reading its hash: the kiosk's way.

On PostgreSQL a kiosk signs in as a member of ``cabinet_kiosk`` (``db.roles``), which may not
read ``resident_credential``'s hashes, e-mail or phone; a clerk's desk as a member of
``cabinet_clerk``, which reads contacts but no hash either. Such a connection is «sealed»: the
database hands out only the Argon2 parameters and salt of the stored hash (a deterministic
fake one for a number without it, so nothing tells them apart), the kiosk hashes the typed
secret with them — the slow part, outside any transaction — and the database compares the
result with the stored hash. Every other connection (SQLite, the owner,
the administrator's) reads the hash and verifies it here, as before.

``SecretCheck`` hides the difference from the sign-in code: ``load`` in a read, ``run``
outside any transaction, ``outcome`` in the write transaction.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from argon2 import Type
from argon2.exceptions import InvalidHashError
from argon2.low_level import hash_secret
from sqlalchemy import Boolean, ColumnElement, func, text
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import load_only

from db.models import Account, RegistrationCode, ResidentCredential
from db.privileges import lacks
from desktop.actors import Actor
from desktop.auth import codes
from desktop.auth.throttle import check_secret, reserve, sendable
from desktop.sessions import new_token

PASSWORD = "password"
RESET_CODE = "reset_code"
_COLUMNS = {PASSWORD: "password_hash", RESET_CODE: "reset_code_hash"}
_CODE_SCHEME = "hmac-sha256"  # how desktop.auth.codes stores a code: scheme$salt$digest
_TYPES = {"argon2id": Type.ID, "argon2i": Type.I, "argon2d": Type.D}


def is_sealed(s: OrmSession) -> bool:
    """Whether this connection may not read residents' password hashes (a kiosk's role, or
    a clerk's: ``db.roles_clerk``)."""
    return lacks(s, "has_column_privilege('resident_credential', 'password_hash', 'SELECT')")


def sees_contacts(s: OrmSession) -> bool:
    """Whether this connection reads residents' contacts, and so every account's credential
    (the office's roles; the kiosk's sees only its signed-in account's, and no contacts)."""
    return not lacks(s, "has_column_privilege('resident_credential', 'email', 'SELECT')")


def plain_columns(s: OrmSession) -> list[Any]:
    """Loader options for a credential: on a sealed connection only the columns it may
    read (its secrets and contacts are written, never read)."""
    if not is_sealed(s):
        return []
    c = ResidentCredential
    return [
        load_only(
            c.id,
            c.account_id,
            c.password_expires_at,
            c.must_change,
            c.failed_attempts,
            c.next_attempt_at,
            c.reset_code_expires_at,
            c.created_at,
            c.updated_at,
        )
    ]


def has_password(s: OrmSession, credential: ResidentCredential, number: str) -> bool:
    """Whether the credential holds a password, read or asked for (on a kiosk's sealed
    connection the database answers only for the account of the session the call carries;
    on a clerk's for any account)."""
    if is_sealed(s) and sees_contacts(s):
        return bool(s.scalar(text("SELECT cabinet_has_password(:a)"), {"a": credential.account_id}))
    if is_sealed(s):
        return bool(
            s.scalar(text("SELECT cabinet_secret_present(:k, :n)"), {"k": PASSWORD, "n": number})
        )
    return bool(credential.password_hash)


def has_password_column(s: OrmSession) -> ColumnElement[bool]:
    """«The account's resident has a password», for a query joining the credential to its
    account: asked of the database on a sealed connection."""
    if is_sealed(s) and sees_contacts(s):
        return func.cabinet_has_password(Account.id, type_=Boolean)
    if is_sealed(s):
        return func.cabinet_secret_present(PASSWORD, Account.number, type_=Boolean)
    return ResidentCredential.password_hash.is_not(None)


def code_columns(s: OrmSession) -> list[Any]:
    """Loader options for a registration code: on a sealed connection all but its hash."""
    if not is_sealed(s):
        return []
    c = RegistrationCode
    return [load_only(c.account_id, c.issued_at, c.issued_by)]


def code_matches(s: OrmSession, number: str, row: RegistrationCode | None, typed: str) -> bool:
    """Whether ``typed`` is the account's registration code. On a sealed connection the
    database gives the code's salt (a fake one for an account without a code), the HMAC is
    computed here and the database compares: the kiosk never reads the stored hash, which
    would let the 8-character code be found offline."""
    if not is_sealed(s):
        return codes.code_matches(row.code_hash if row is not None else None, typed)
    candidate, wait = code_candidate(s, number, typed)
    matches = not wait and s.scalar(
        text("SELECT cabinet_code_matches(:n, :c)"), {"n": sendable(number), "c": candidate}
    )
    return bool(typed) and bool(matches)


def code_candidate(s: OrmSession, number: str, typed: str) -> tuple[str, int]:
    """On a sealed connection: ``typed`` hashed as the account's code would be, under the
    salt the database hands out, for the database to compare with the stored hash, and the
    throttle's wait (0: its ticket taken; else no compare may run). A number PostgreSQL
    cannot take (a NUL byte…) is sent as the throttle sends it: no account's."""
    salt = s.scalar(text("SELECT cabinet_code_salt(:n)"), {"n": sendable(number)}) or ""
    candidate = _hmac_candidate(salt, typed)
    wait = reserve(s, "registration", number, candidate)  # the database's throttle first
    return candidate, wait


def _hmac_candidate(salt: str, typed: str) -> str:
    """``typed`` hashed as desktop.auth.codes stores a code, under the hex key ``salt``."""
    try:
        key = bytes.fromhex(salt)
    except ValueError:
        return ""
    digest = hmac.new(key, typed.encode("ascii", "replace"), hashlib.sha256).hexdigest()
    return f"{_CODE_SCHEME}${salt}${digest}"


@dataclass(frozen=True)
class Outcome:
    """What the write transaction learns: is a secret stored, is it the one the check ran
    against, and did the typed one match."""

    present: bool
    unchanged: bool
    matches: bool


class SecretCheck:
    """One check of a typed password (or reset code) of the account ``number``."""

    def __init__(self, kind: str, number: str) -> None:
        self.kind = kind
        self.number = number
        self.sealed = False
        self.stored: str | None = None  # the hash, on a connection that may read it
        self.salt: str | None = None  # its parameters and salt, on a sealed one
        self.hash_len = 32
        self.matches = False
        self.candidate: str | None = None
        self.wait = 0  # sealed: the throttle's wait, when it refused the attempt (reserve)

    def load(self, s: OrmSession, credential: object | None) -> None:
        """In a read: what the check needs (``credential`` as found, loaded plainly)."""
        self.sealed = is_sealed(s)
        if not self.sealed:
            self.stored = getattr(credential, _COLUMNS[self.kind]) if credential else None
            return
        if self.kind == RESET_CODE:  # the database made it: HMAC-SHA256 (db.roles_reset)
            self.salt = s.scalar(text("SELECT cabinet_reset_salt(:n)"), {"n": self.number})
            return
        params, hash_len = argon2_params()
        row = s.execute(
            text("SELECT salt, hash_len FROM cabinet_secret_salt(:k, :n, :p, :l)"),
            {"k": self.kind, "n": self.number, "p": params, "l": hash_len},
        ).one()
        self.salt, self.hash_len = row.salt, int(row.hash_len)

    def run(self, typed: str) -> None:
        """Argon2, outside any transaction: the same work whether or not a secret is stored."""
        if not self.sealed:
            # A reset code is stored as a registration code is (one made before: Argon2).
            if self.kind == RESET_CODE and _is_hmac(self.stored):
                check_secret(None, typed)  # the Argon2 work of a miss: the same time
                self.matches = codes.code_matches(self.stored, typed)
            else:
                self.matches = check_secret(self.stored, typed)
            return
        if self.kind == RESET_CODE:  # the key the database hands out (cabinet_reset_salt)
            self.candidate = _hmac_candidate(self.salt or "", typed)
            return
        self.candidate = _hash_with(self.salt or "", typed, self.hash_len)

    def outcome(self, s: OrmSession, credential: object | None) -> Outcome:
        """In the write transaction, with ``credential`` (or a staff member) locked."""
        if not self.sealed:
            present = bool(self.stored)
            unchanged = (
                credential is not None and getattr(credential, _COLUMNS[self.kind]) == self.stored
            )
            return Outcome(present, unchanged, self.matches)
        args = {"k": self.kind, "n": self.number}
        if self.candidate is not None:  # the database's throttle: a ticket first
            self.wait = reserve(s, "resident", self.number, self.candidate)
        matches = (
            self.candidate is not None
            and not self.wait
            and bool(
                s.scalar(
                    text("SELECT cabinet_secret_matches(:k, :n, :c)"), {**args, "c": self.candidate}
                )
            )
        )
        # Whether a secret is stored is told only with a match, or for the account of the
        # session the call carries: before sign-in a miss reads as «none».
        present = matches or bool(s.scalar(text("SELECT cabinet_secret_present(:k, :n)"), args))
        # Compared with the hash stored now: a change meanwhile is simply no match.
        return Outcome(present, True, matches)

    def needs_rehash(self) -> bool:
        """Whether a match should be stored again under the current parameters: known
        before the transaction (sealed: whatever the verdict, which comes later)."""
        from desktop.passwords import needs_rehash

        if self.sealed:
            return self.candidate is not None and needs_rehash(self.candidate)
        return self.matches and bool(self.stored) and needs_rehash(self.stored or "")


def _is_hmac(stored: str | None) -> bool:
    return bool(stored) and str(stored).startswith(f"{_CODE_SCHEME}$")


def open_sealed_session(
    s: OrmSession, now: datetime, actor: Actor, check: SecretCheck, rehashed: str | None = None
) -> Actor:
    """A resident's session opened by the database (``cabinet_open_session``), which first
    compares the typed password's hash with the stored one and checks it is still valid:
    the kiosk's role may not insert sessions itself. Under the credential's lock it also
    uses up a one-time password and stores ``rehashed`` (the password under the current
    parameters, if due). ``actor`` with the session's id, token and one-time flag;
    LookupError if the database saw no proof (the password changed or expired meanwhile)."""
    token = new_token()
    row = s.execute(
        text("SELECT id, one_time FROM cabinet_open_session(:k, :n, :c, :t, :now, :r)"),
        {
            "k": str(actor.kind),
            "n": check.number,
            "c": check.candidate or "",
            "t": token,
            "now": now,
            "r": rehashed,
        },
    ).one()
    if row.id is None:
        raise LookupError("no proof")
    return replace(actor, session_id=int(row.id), one_time=bool(row.one_time), session_token=token)


def argon2_params() -> tuple[str, int]:
    """The current hashing's ``$argon2id$v=19$m=…,t=…,p=…`` and hash length: what a fake
    salt is made with, for a name without a stored hash."""
    from desktop import passwords

    hasher = passwords._hasher
    params = (
        f"$argon2{hasher.type.name.lower()}$v=19$m={hasher.memory_cost},"
        f"t={hasher.time_cost},p={hasher.parallelism}"
    )
    return params, hasher.hash_len


def _hash_with(salt_prefix: str, typed: str, hash_len: int) -> str | None:
    """The encoded Argon2 hash of ``typed`` under the parameters and salt of
    ``$argon2id$v=19$m=…,t=…,p=…$SALT``; None if that is not one."""
    try:
        _, variant, version, params, salt = salt_prefix.split("$")
        values = dict(part.split("=", 1) for part in params.split(","))
        raw_salt = base64.b64decode(salt + "=" * (-len(salt) % 4))
        encoded = hash_secret(
            typed.encode("utf-8", "surrogatepass"),
            raw_salt,
            time_cost=int(values["t"]),
            memory_cost=int(values["m"]),
            parallelism=int(values["p"]),
            hash_len=hash_len,
            type=_TYPES[variant],
            version=int(version.removeprefix("v=")),
        )
    except (ValueError, KeyError, InvalidHashError):
        return None
    return encoded.decode("ascii")
