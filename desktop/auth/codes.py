"""Registration codes: what closes the takeover of an account through re-registration.

ФИО and the account number are printed on every receipt, so they prove nothing. Each receipt
(and the office's slip) also carries a per-account code of 8 unambiguous characters shown as
«ABCD-EFGH»; whoever registers without the office must type it. It is replaced whenever the
office prints a new one and void once used.

The code is stored as HMAC-SHA256 under a random per-code key (the «salt»), not Argon2: the
monthly batch issues a code for every unregistered account, and Argon2 at ~50 ms each would
take over an hour for 100 000 accounts. With ~40 bits a code is safe from guessing at the
kiosk (wrong codes slow down in the sign-in throttle, per typed number and per device, see
``ResidentAuth.register``), but not from someone who can read the ``registration_code``
table's hashes: neither the kiosk's nor the clerk's database role may (``db.roles_clerk``:
on their connections the database compares and stores the hashes).

A code is not random but derived from the account, its salt and a key of the database
(``auth_secret`` «registration_code», hidden from the kiosk's role): whoever prints receipts
can print an account's valid code again. So a month's receipts printed twice (a jammed
printer, a lost bundle) carry the same codes, and the receipts already in the mailboxes stay
good; a code changes only when it is used or the office reissues it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Boolean, ColumnElement, func, select, text
from sqlalchemy.orm import Session

from db.engine import Database
from db.models import Account, RegistrationCode, ResidentCredential
from db.privileges import lacks
from desktop import audit
from desktop.actors import Actor
from desktop.audit import AuditAction
from desktop.auth.db_secret import load_or_make
from desktop.clock import Clock
from desktop.common.problems import ProblemError
from desktop.errors import NotFoundError
from desktop.permissions import Permission, require

# No 0/O, 1/I/L: nothing that reads as something else on paper.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LENGTH = 8
_SCHEME = "hmac-sha256"
# Cyrillic letters that look like Latin ones in the code (a resident may type them on the
# Russian layout): read as the Latin letter meant.
_LOOK_ALIKES = str.maketrans("АВЕКМНРСТХУЗ", "ABEKMHPCTXY3")
_SEPARATORS = str.maketrans("", "", " -‐‑‒–—_.\t")
_AMBIGUOUS = set("0O1IL")
_CODE_FORMAT = "Код регистрации — 8 латинских букв и цифр из квитанции, например ABCD-EFGH."


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def display(code: str) -> str:
    """«ABCD-EFGH», as printed."""
    return f"{code[:4]}-{code[4:]}"


def normalize_code(text: str) -> str:
    """The code as typed, upper-case, without the dash or spaces, Cyrillic look-alikes read
    as Latin; "" when nothing was typed. ProblemError on the "code" field if it cannot be
    a code (the same for every account: it says nothing about any)."""
    value = text.translate(_SEPARATORS).upper().translate(_LOOK_ALIKES)
    if not value:
        return ""
    if _AMBIGUOUS & set(value):
        raise ProblemError.one(
            "В коде регистрации не бывает букв O, I, L и цифр 0, 1. Проверьте код по "
            "квитанции: возможно, это буква Q или D, цифра 2 или 7.",
            field="code",
        )
    if any("А" <= ch <= "я" or ch in "Ёё" for ch in value):
        raise ProblemError.one(
            "Код регистрации набирается латинскими буквами и цифрами: переключите раскладку "
            "клавиатуры на английскую.",
            field="code",
        )
    if len(value) != LENGTH or any(ch not in ALPHABET for ch in value):
        raise ProblemError.one(_CODE_FORMAT, field="code")
    return value


SECRET_NAME = "registration_code"
"""The ``auth_secret`` row of the key codes are derived with."""


def hash_code(code: str, salt: bytes | None = None) -> str:
    salt = secrets.token_bytes(16) if salt is None else salt
    digest = hmac.new(salt, code.encode("ascii"), hashlib.sha256).hexdigest()
    return f"{_SCHEME}${salt.hex()}${digest}"


def derive(key: bytes, account_id: int, salt: bytes) -> str:
    """The code of ``account_id`` under the database's ``key`` and the code's ``salt``."""
    digest = hmac.new(key, f"{account_id}\x1f".encode("ascii") + salt, hashlib.sha256).digest()
    number = int.from_bytes(digest, "big")  # 256 bits: the 8 digits below are near uniform
    chars = []
    for _ in range(LENGTH):
        number, index = divmod(number, len(ALPHABET))
        chars.append(ALPHABET[index])
    return "".join(chars)


def make(key: bytes, account_id: int) -> tuple[str, str]:
    """A new code for the account and its hash, to store."""
    salt = secrets.token_bytes(16)
    code = derive(key, account_id, salt)
    return code, hash_code(code, salt)


def reproduce(key: bytes, account_id: int, stored: str | None) -> str | None:
    """The account's valid code again, from its stored hash; None if there is none or it was
    not derived with ``key`` (a code chosen by hand, or made before codes were derived)."""
    if not stored:
        return None
    scheme, _, rest = stored.partition("$")
    try:
        salt = bytes.fromhex(rest.partition("$")[0])
    except ValueError:
        return None
    code = derive(key, account_id, salt)
    return code if scheme == _SCHEME and code_matches(stored, code) else None


_DUMMY = hash_code(new_code())


def code_matches(stored: str | None, code: str) -> bool:
    """Whether ``code`` is the one hashed in ``stored``; a missing hash or code never is
    (and costs the same)."""
    scheme, _, rest = (stored or _DUMMY).partition("$")
    salt_hex, _, digest = rest.partition("$")
    try:
        salt = bytes.fromhex(salt_hex)
    except ValueError:
        return False
    mine = hmac.new(salt, code.encode("ascii", "replace"), hashlib.sha256).hexdigest()
    return hmac.compare_digest(mine, digest) and scheme == _SCHEME and bool(stored and code)


@dataclass
class Printed:
    """The codes to print by account id, and the hashes of those among them that are new
    (to store once they are printed)."""

    codes: dict[int, str]
    new_hashes: dict[int, str]


def to_print(s: Session, key: bytes, account_ids: Iterable[int], *, renew: bool = False) -> Printed:
    """The codes for those of the accounts not registered with their own password: the
    account's valid code again where it has one, else a new one. ``renew``: a new code for
    every one of the accounts, registered or not (the office's reissue)."""
    ids = list(dict.fromkeys(account_ids))
    wanted = ids if renew else needing_codes(s, ids)
    stored: dict[int, str | None] = {}
    if wanted and not renew and _sealed(s):
        stored = _stored_sealed(s, key, wanted)
    elif wanted and not renew:
        rows = s.execute(
            select(RegistrationCode.account_id, RegistrationCode.code_hash).where(
                RegistrationCode.account_id.in_(wanted)
            )
        )
        stored = {row.account_id: row.code_hash for row in rows}
    printed = Printed({}, {})
    for account_id in wanted:
        code = reproduce(key, account_id, stored.get(account_id))
        if code is None:
            code, printed.new_hashes[account_id] = make(key, account_id)
        printed.codes[account_id] = code
    return printed


def _sealed(s: Session) -> bool:
    """Whether this connection may not read the codes' hashes (a clerk's or a kiosk's role):
    the database compares and stores them (``db.roles_clerk``)."""
    return lacks(s, "has_column_privilege('registration_code', 'code_hash', 'SELECT')")


def _has_password(s: Session) -> ColumnElement[bool]:
    """«The credential holds a password»: asked of the database where the hash may not be
    read (a clerk's role, ``cabinet_has_password``)."""
    if lacks(s, "has_column_privilege('resident_credential', 'password_hash', 'SELECT')"):
        return func.cabinet_has_password(ResidentCredential.account_id, type_=Boolean)
    return ResidentCredential.password_hash.is_not(None)


def _stored_sealed(s: Session, key: bytes, account_ids: list[int]) -> dict[int, str | None]:
    """On a sealed connection, the stored hash of each of the accounts whose code was
    derived with ``key``, learnt without reading it: the database hands out the salts, the
    codes are derived here, and it says which of their hashes are the stored ones."""
    salts = s.execute(
        text("SELECT account_id, salt FROM cabinet_code_salts(CAST(:ids AS bigint[]))"),
        {"ids": account_ids},
    )
    candidates: dict[int, str] = {}
    for account_id, salt_hex in salts:
        try:
            salt = bytes.fromhex(salt_hex)
        except ValueError:
            continue
        candidates[account_id] = hash_code(derive(key, account_id, salt), salt)
    if not candidates:
        return {}
    matched = s.scalars(
        text("SELECT cabinet_codes_match(CAST(:ids AS bigint[]), CAST(:hashes AS text[]))"),
        {"ids": list(candidates), "hashes": list(candidates.values())},
    )
    return {account_id: candidates[account_id] for account_id in matched}


def issue(
    s: Session,
    key: bytes,
    account_ids: Iterable[int],
    now: datetime,
    by: str,
    *,
    renew: bool = False,
) -> dict[int, str]:
    """``to_print`` and store the new codes, in the caller's transaction (each replaces the
    account's old code). The plain codes by account id, to print."""
    printed = to_print(s, key, account_ids, renew=renew)
    store(s, printed.new_hashes, now, by)
    return printed.codes


def needing_codes(s: Session, account_ids: Iterable[int]) -> list[int]:
    """Those of the accounts not registered with their own password: a receipt for them
    carries a registration code."""
    ids = list(dict.fromkeys(account_ids))
    if not ids:
        return []
    registered = set(
        s.scalars(
            select(ResidentCredential.account_id).where(
                ResidentCredential.account_id.in_(ids),
                _has_password(s),
                ResidentCredential.must_change.is_(False),
            )
        )
    )
    return [i for i in ids if i not in registered]


def store(s: Session, hashes: dict[int, str], now: datetime, by: str) -> None:
    """Make the hashed codes the accounts' codes, each replacing the account's old one."""
    ids = list(hashes)
    if ids and _sealed(s):
        s.execute(
            text(
                "SELECT cabinet_store_codes(CAST(:ids AS bigint[]), CAST(:hashes AS text[]),"
                " :now, :by)"
            ),
            {"ids": ids, "hashes": [hashes[i] for i in ids], "now": now, "by": by},
        )
        return
    for start in range(0, len(ids), 500):  # the IN list of a lock stays short
        part = ids[start : start + 500]
        rows = {
            row.account_id: row
            for row in s.scalars(
                select(RegistrationCode)
                .where(RegistrationCode.account_id.in_(part))
                .with_for_update()
            )
        }
        for account_id in part:
            row = rows.get(account_id)
            if row is None:
                row = RegistrationCode(account_id=account_id)
                s.add(row)
            row.code_hash = hashes[account_id]
            row.issued_at = now
            row.issued_by = by


def set_code(s: Session, account_id: int, code: str, now: datetime, by: str) -> None:
    """Store a chosen code for the account (the demo's known ones)."""
    row = s.get(RegistrationCode, account_id)
    if row is None:
        row = RegistrationCode(account_id=account_id)
        s.add(row)
    row.code_hash = hash_code(normalize_code(code))
    row.issued_at = now
    row.issued_by = by


@dataclass(frozen=True)
class IssuedCode:
    """A code just issued at the counter, for the slip: shown once, never stored in clear."""

    account_id: int
    account_number: str
    fio: str
    address: str
    code: str  # «ABCD-EFGH»
    issued_at: datetime


class RegistrationCodes:
    """The office's side: reissue an account's code for a printed slip."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    def reissue(self, actor: Actor, account_id: int) -> IssuedCode:
        """A new code for the account (the old one is void from now on), audited; the plain
        code is returned once, for the slip."""
        require(actor, Permission.ACT_FOR_ANY_ACCOUNT)
        key = load_or_make(self.db, SECRET_NAME)
        with self.db.unit_of_work() as s:
            account = s.get(Account, account_id)
            if account is None:
                raise NotFoundError("Лицевой счёт не найден: возможно, он был удалён.")
            now = self.clock.now()
            code = issue(s, key, [account_id], now, actor.label, renew=True)[account_id]
            audit.record(s, now, actor, AuditAction.REGISTRATION_CODE_ISSUE, account_id=account_id)
            return IssuedCode(
                account.id, account.number, account.fio, account.address, display(code), now
            )
