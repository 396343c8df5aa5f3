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
(``auth_secret`` «registration_code»): whoever prints receipts can print an account's valid
code again. Whoever reads the key can work out any account's code and take it over through
registration, so on PostgreSQL only the administrator's role and the owner read it: a
clerk's desk gets its codes from the database (``db.roles_codes``), the kiosk none.

So a month's receipts printed twice (a jammed printer, a lost bundle) carry the same codes,
and the receipts already in the mailboxes stay good; a code changes only when it is used or
the office reissues it.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from db.models import RegistrationCode
from desktop.common.problems import ProblemError

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


def next_salt(key: bytes, account_id: int, previous_salt: str, issued: datetime | None) -> bytes:
    """The salt of the account's next code: derived from its code now (the hex salt of its
    stored hash, "" for none, and when it was issued; None: no row yet). Two desks that
    make the account a new code from the same one make the same code, so two batches
    printed at once, or a batch and a reissue, void nothing of each other's."""
    stamp = "" if issued is None else str(_micros(issued))
    message = f"next\x1f{account_id}\x1f{previous_salt}\x1f{stamp}".encode("ascii")
    return hmac.new(key, message, hashlib.sha256).digest()[:16]


def _micros(moment: datetime) -> int:
    """Microseconds since the epoch, the same whatever zone the driver hands the time in."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return (aware - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)


_STORED = re.compile(r"hmac-sha256\$[0-9a-f]{32}\$[0-9a-f]{64}")


def salt_of(stored: str | None) -> str:
    """The hex salt of a stored code's hash (as ``cabinet_derive_codes`` reads it); "" for
    no hash or one of another shape."""
    return stored.split("$")[1] if stored and _STORED.fullmatch(stored) else ""


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


def set_code(s: Session, account_id: int, code: str, now: datetime, by: str) -> None:
    """Store a chosen code for the account (the demo's known ones)."""
    row = s.get(RegistrationCode, account_id)
    if row is None:
        row = RegistrationCode(account_id=account_id)
        s.add(row)
    row.code_hash = hash_code(normalize_code(code))
    row.issued_at = now
    row.issued_by = by
