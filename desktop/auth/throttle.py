"""Failed attempts slow down: per typed name a growing delay (never a lock-out), and per
device a limit across all names.

Every counter lives in the database (``login_throttle``), keyed by an HMAC-SHA256 of the
name under a secret the database makes on first use (``auth_secret``). A typed account
number or login is counted the same whether it exists or not, so neither a second kiosk nor
a restart tells which exist, and the table holds no account numbers.

The device limit: failures from one machine, over all names, fill a bucket that leaks
``DEVICE_FREE_FAILURES`` per ``DEVICE_WINDOW`` (a sliding window); past that the device — and
only that device — waits 2, 4, 8… seconds, at most five minutes. A stranger elsewhere can
slow down a name, never lock its owner out.

The device id is the machine's: made once and kept beside the settings file
(``device-id``), or «host/user» when that folder cannot be written.
"""

from __future__ import annotations

import getpass
import hashlib
import hmac
import secrets
import socket
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from math import ceil
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session as OrmSession

from db.engine import Database
from db.models import AuthSecret, LoginThrottle

FREE_ATTEMPTS = 3
MAX_DELAY = timedelta(minutes=5)
DEVICE_FREE_FAILURES = 20
DEVICE_WINDOW = timedelta(minutes=10)
_LEAK = DEVICE_WINDOW / DEVICE_FREE_FAILURES  # one failure forgotten every 30 s
# A name nobody has tried for this long starts afresh (and its row goes).
FORGET_AFTER = timedelta(days=1)
_SECRET_NAME = "throttle"


def delay_after(failures: int) -> timedelta:
    """The wait imposed after this many failures in a row: none for the first three, then
    2, 4, 8… seconds, at most five minutes."""
    if failures <= FREE_ATTEMPTS:
        return timedelta(0)
    exponent = min(failures - FREE_ATTEMPTS, 16)  # 2**16 s is far past the cap already
    return min(timedelta(seconds=2**exponent), MAX_DELAY)


def device_delay_after(failures: int) -> timedelta:
    """The device's wait with this many failures in its window: none up to 20, then 2, 4…
    seconds, at most five minutes."""
    if failures <= DEVICE_FREE_FAILURES:
        return timedelta(0)
    exponent = min(failures - DEVICE_FREE_FAILURES, 16)
    return min(timedelta(seconds=2**exponent), MAX_DELAY)


def _wait_seconds(next_attempt_at: datetime | None, now: datetime) -> int:
    if next_attempt_at is None or now >= next_attempt_at:
        return 0
    return max(1, ceil((next_attempt_at - now).total_seconds()))


@dataclass(frozen=True)
class Keys:
    """The throttle rows one attempt touches: the typed name's and the device's."""

    name: str
    device: str


class Throttle:
    """The delays of one database, as seen from this device."""

    def __init__(self, db: Database, device: str) -> None:
        self.db = db
        self.device = device
        self._secret: bytes | None = None
        self._lock = threading.Lock()

    def keys(self, kind: str, name: str) -> Keys:
        """The keys of ``name`` of ``kind`` ("resident" or "staff") typed on this device."""
        secret = self._database_secret()
        return Keys(_mac(secret, f"{kind}\x1f{name}"), _mac(secret, f"device\x1f{self.device}"))

    def wait(self, s: OrmSession, keys: Keys, now: datetime) -> int:
        """Seconds until the name may be tried from this device again (0: now)."""
        rows = s.scalars(
            select(LoginThrottle).where(LoginThrottle.key_hash.in_((keys.name, keys.device)))
        ).all()
        return max((_wait_seconds(r.next_attempt_at, now) for r in rows), default=0)

    def failed(self, s: OrmSession, keys: Keys, now: datetime) -> int:
        """Count a failure on the name and on the device; the name's failures in a row."""
        s.execute(delete(LoginThrottle).where(LoginThrottle.updated_at < now - FORGET_AFTER))
        name = _locked_row(s, keys.name, now)
        name.failed_attempts += 1
        delay = delay_after(name.failed_attempts)
        name.next_attempt_at = now + delay if delay else None
        name.updated_at = now
        device = _locked_row(s, keys.device, now)
        leaked = int((now - device.updated_at) / _LEAK) if now > device.updated_at else 0
        device.failed_attempts = max(0, device.failed_attempts - leaked) + 1
        device_delay = device_delay_after(device.failed_attempts)
        device.next_attempt_at = now + device_delay if device_delay else None
        device.updated_at = now
        return name.failed_attempts

    def succeeded(self, s: OrmSession, keys: Keys) -> None:
        """The name starts afresh (the device's count leaks away on its own)."""
        s.execute(delete(LoginThrottle).where(LoginThrottle.key_hash == keys.name))

    def _database_secret(self) -> bytes:
        """The database's HMAC key, made by whichever desk needs it first."""
        with self._lock:
            if self._secret is None:
                self._secret = _load_or_make_secret(self.db)
            return self._secret


def _mac(secret: bytes, text: str) -> str:
    return hmac.new(secret, text.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()


def _load_or_make_secret(db: Database) -> bytes:
    with db.read() as s:
        value = s.get(AuthSecret, _SECRET_NAME)
        if value is not None:
            return bytes.fromhex(value.value)
    try:
        with db.unit_of_work() as s:
            s.add(AuthSecret(name=_SECRET_NAME, value=secrets.token_hex(32)))
    except IntegrityError:  # another desk made it a moment ago
        pass
    with db.read() as s:
        stored = s.get(AuthSecret, _SECRET_NAME)
        assert stored is not None
        return bytes.fromhex(stored.value)


def _locked_row(s: OrmSession, key: str, now: datetime) -> LoginThrottle:
    """The row of ``key``, made if missing (two desks at once make it once), locked."""
    insert = pg_insert if s.get_bind().dialect.name == "postgresql" else sqlite_insert
    s.execute(
        insert(LoginThrottle)
        .values(key_hash=key, failed_attempts=0, next_attempt_at=None, updated_at=now)
        .on_conflict_do_nothing(index_elements=["key_hash"])
    )
    return s.scalars(
        select(LoginThrottle)
        .where(LoginThrottle.key_hash == key)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def local_device_id(folder: Path | None = None) -> str:
    """This machine's device id: made once and kept in ``folder`` (the settings folder by
    default); «host/user» if it cannot be kept there."""
    try:
        if folder is None:
            from desktop.settings import config_dir

            folder = config_dir()
        path = folder / "device-id"
        if path.is_file():
            text = path.read_text(encoding="ascii").strip()
            if text:
                return text
        folder.mkdir(parents=True, exist_ok=True)
        text = uuid.uuid4().hex
        path.write_text(text + "\n", encoding="ascii")
        return text
    except (OSError, UnicodeError):
        try:
            user = getpass.getuser()
        except Exception:  # no user name in this environment
            user = "?"
        return f"{socket.gethostname()}/{user}"


def check_secret(stored: str | None, secret: str) -> bool:
    """Whether ``secret`` matches the hash; with no hash the dummy one is checked instead,
    so a miss costs what a hit does. Call it outside any transaction: Argon2 takes a while."""
    from desktop import passwords  # looked up at each call: tests swap in cheap parameters

    return passwords.verify_password(stored or passwords.DUMMY_HASH, secret) and bool(stored)


def printable_name(typed: str, limit: int) -> bool:
    """Whether a typed account number or login could be one: not longer than the column and
    free of control characters (PostgreSQL refuses a NUL byte in text)."""
    return 0 < len(typed) <= limit and typed.isprintable()
