"""Failed attempts slow down: per typed name and device a growing delay, per name across
all devices a looser one, and per device a limit across all names. Never a lock-out.

Every counter lives in the database (``login_throttle``), keyed by an HMAC-SHA256 of the
name under a secret the database makes on first use (``auth_secret``). A typed account
number or login is counted the same whether it exists or not, so neither a second kiosk nor
a restart tells which exist, and the table holds no account numbers.

The three rows one failure counts on (constants in ``db.roles_throttle``, which enforces the
same rule inside PostgreSQL for a kiosk's role):

* **name on this device**: ``FREE_ATTEMPTS`` (3) free failures in a row, then 2, 4, 8… s, at
  most ``MAX_DELAY`` (5 min); a success clears it. Keyed by name *and* device, so a stranger
  typing wrong passwords for account 3492 at one kiosk slows that kiosk only: the owner at
  home or at another desk is not held at five minutes.
* **name on every device**: a bucket leaking ``NAME_FREE_FAILURES`` (30) per ``NAME_WINDOW``
  (an hour; one failure forgotten every 2 min); past 30 the name waits 2, 4, 8… s, at most
  ``NAME_MAX_DELAY`` (1 min), wherever it is typed. Thirty is ten times the per-device
  allowance: an owner's own mistakes over several devices never reach it, while spraying one
  account from many devices (or invented device ids) drops to about one guess a minute —
  some 1 500 a day against a password. The cap is short because the owner shares this
  delay: at worst they wait a minute between attempts, never longer. A success clears it
  with the name's own row: it proves the owner, and hands a stranger at most another thirty
  guesses — what the bucket leaks in an hour anyway.
* **device**: a bucket leaking ``DEVICE_FREE_FAILURES`` (20) per ``DEVICE_WINDOW`` (10 min);
  past that the device — and only that device — waits 2, 4, 8… s, at most five minutes.

On PostgreSQL a kiosk's role and a clerk's («sealed», ``desktop.auth.sealed``) neither
reads the key nor touches ``login_throttle``: ``wait`` and ``failed`` call the database's
functions, which use the database's clock; ``reserve`` pays for an attempt (counted in
advance, committed) before the compare functions will compare it, and a valid match
clears the name (so ``succeeded`` does nothing there, and ``failed`` adds nothing the
database already counted). The desk's device id reaches the database as ``cabinet.device``
in each transaction; its bucket there is the desk's login role.

The device id is the machine's: made once and kept beside the settings file
(``device-id``), or «host/user» when that folder cannot be written.
"""

from __future__ import annotations

import getpass
import hashlib
import hmac
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from weakref import WeakKeyDictionary

from sqlalchemy import Connection, Engine, delete, event, select, text
from sqlalchemy.orm import Session as OrmSession

from db.engine import Database, insert_for
from db.models import LoginThrottle
from db.privileges import lacks
from db.roles_throttle import (
    DEVICE_FREE_FAILURES,
    DEVICE_MAX_DELAY,
    DEVICE_SETTING,
    DEVICE_WINDOW,
    FORGET_AFTER,
    FREE_ATTEMPTS,
    MAX_DELAY,
    NAME_FREE_FAILURES,
    NAME_MAX_DELAY,
    NAME_WINDOW,
    THROTTLE_SECRET,
)
from desktop.auth.db_secret import load_or_make

__all__ = [
    "DEVICE_FREE_FAILURES",
    "DEVICE_WINDOW",
    "FORGET_AFTER",
    "FREE_ATTEMPTS",
    "MAX_DELAY",
    "NAME_FREE_FAILURES",
    "NAME_MAX_DELAY",
    "NAME_WINDOW",
    "Keys",
    "Throttle",
    "check_secret",
    "delay_after",
    "device_delay_after",
    "local_device_id",
    "name_delay_after",
    "printable_name",
]

_NAME_LEAK = NAME_WINDOW / NAME_FREE_FAILURES  # one failure forgotten every 2 min
_DEVICE_LEAK = DEVICE_WINDOW / DEVICE_FREE_FAILURES  # one failure forgotten every 30 s


def _delay(failures: int, free: int, cap: timedelta) -> timedelta:
    if failures <= free:
        return timedelta(0)
    exponent = min(failures - free, 16)  # 2**16 s is far past any cap already
    return min(timedelta(seconds=2**exponent), cap)


def delay_after(failures: int) -> timedelta:
    """The wait imposed after this many failures in a row of a name on one device: none for
    the first three, then 2, 4, 8… seconds, at most five minutes."""
    return _delay(failures, FREE_ATTEMPTS, MAX_DELAY)


def name_delay_after(failures: int) -> timedelta:
    """A name's wait on every device with this many failures in its bucket: none up to 30,
    then 2, 4… seconds, at most a minute."""
    return _delay(failures, NAME_FREE_FAILURES, NAME_MAX_DELAY)


def device_delay_after(failures: int) -> timedelta:
    """The device's wait with this many failures in its window: none up to 20, then 2, 4…
    seconds, at most five minutes."""
    return _delay(failures, DEVICE_FREE_FAILURES, DEVICE_MAX_DELAY)


def _wait_seconds(next_attempt_at: datetime | None, now: datetime) -> int:
    if next_attempt_at is None or now >= next_attempt_at:
        return 0
    microseconds = (next_attempt_at - now) // timedelta(microseconds=1)
    return max(1, -(-microseconds // 1_000_000))


@dataclass(frozen=True)
class _Rows:
    """The keys of the rows of one attempt: name on the device, name, device."""

    name: str
    ceiling: str
    device: str


@dataclass(frozen=True)
class Keys:
    """What one attempt is counted on: the typed name of its kind, on this device, and the
    keys of its rows (None on a sealed connection: the database keys them)."""

    kind: str
    name: str
    device: str
    rows: _Rows | None


class Throttle:
    """The delays of one database, as seen from this device."""

    def __init__(self, db: Database, device: str) -> None:
        self.db = db
        self.device = device
        self._secret: bytes | None = None
        self._sealed: bool | None = None
        self._device = _Device(device)
        self._lock = threading.Lock()
        if db.engine.dialect.name == "postgresql":
            # A sealed connection's device, for the database's own throttle: one device per
            # engine (the last Throttle made on it).
            if db.engine not in _devices:
                event.listen(db.engine, "begin", _on_begin)
            _devices[db.engine] = self._device

    def keys(self, kind: str, name: str) -> Keys:
        """The keys of ``name`` of ``kind`` ("resident" or "staff") typed on this device;
        call it outside any transaction (it may make the database's key)."""
        if self._sealed is None:
            with self.db.read() as s:
                self._sealed = self._device.sealed = _sealed(s)
        if self._sealed:
            return Keys(kind, name, self.device, None)
        secret = self._database_secret()
        return Keys(
            kind,
            name,
            self.device,
            _Rows(
                _mac(secret, f"{kind}\x1f{name}\x1f{self.device}"),
                _mac(secret, f"{kind}\x1f{name}"),
                _mac(secret, f"device\x1f{self.device}"),
            ),
        )

    def wait(self, s: OrmSession, keys: Keys, now: datetime) -> int:
        """Seconds until the name may be tried from this device again (0: now)."""
        if _sealed(s):
            return int(s.scalar(text("SELECT cabinet_throttle_wait(:k, :n)"), _args(keys)) or 0)
        rows = self._rows(keys)
        found = s.scalars(
            select(LoginThrottle).where(
                LoginThrottle.key_hash.in_((rows.name, rows.ceiling, rows.device))
            )
        ).all()
        return max((_wait_seconds(r.next_attempt_at, now) for r in found), default=0)

    def failed(self, s: OrmSession, keys: Keys, now: datetime) -> int:
        """Count a failure on the name and on the device; the name's failures in a row on
        this device."""
        if _sealed(s):
            return int(s.scalar(text("SELECT cabinet_throttle_failed(:k, :n)"), _args(keys)) or 0)
        rows = self._rows(keys)
        s.execute(delete(LoginThrottle).where(LoginThrottle.updated_at < now - FORGET_AFTER))
        name = _locked_row(s, rows.name, now)
        name.failed_attempts += 1
        delay = delay_after(name.failed_attempts)
        name.next_attempt_at = now + delay if delay else None
        name.updated_at = now
        _leak_and_count(_locked_row(s, rows.ceiling, now), now, _NAME_LEAK, name_delay_after)
        _leak_and_count(_locked_row(s, rows.device, now), now, _DEVICE_LEAK, device_delay_after)
        return name.failed_attempts

    def succeeded(self, s: OrmSession, keys: Keys) -> None:
        """The name starts afresh (the device's bucket leaks away on its own). Sealed: the
        database did it when it saw the match."""
        if _sealed(s):
            return
        rows = self._rows(keys)
        s.execute(
            delete(LoginThrottle).where(LoginThrottle.key_hash.in_((rows.name, rows.ceiling)))
        )

    def _rows(self, keys: Keys) -> _Rows:
        if keys.rows is None:  # keys of a sealed connection, used on another: refused
            raise RuntimeError("the throttle's keys were made for a sealed connection")
        return keys.rows

    def _database_secret(self) -> bytes:
        """The database's HMAC key, made by whichever desk needs it first."""
        with self._lock:
            if self._secret is None:
                self._secret = load_or_make(self.db, THROTTLE_SECRET)
            return self._secret


@dataclass
class _Device:
    """The device id a PostgreSQL engine's transactions carry, unless it is known unsealed."""

    id: str
    sealed: bool | None = None


_devices: WeakKeyDictionary[Engine, _Device] = WeakKeyDictionary()


def _on_begin(conn: Connection) -> None:
    """Each transaction of a sealed engine carries this device's id (``cabinet.device``)."""
    device = _devices.get(conn.engine)
    if device is not None and device.sealed is not False:
        conn.exec_driver_sql(
            f"SELECT set_config('{DEVICE_SETTING}', %(d)s, true)", {"d": sendable(device.id)}
        )


def _sealed(s: OrmSession) -> bool:
    """Whether the database runs this connection's throttle: a role without rights on
    ``login_throttle`` (the kiosk's, ``desktop.auth.sealed``, and the clerk's)."""
    return lacks(s, "has_table_privilege('login_throttle', 'UPDATE')")


is_throttle_sealed = _sealed


def reserve(s: OrmSession, kind: str, name: str, candidate: str) -> int:
    """On a sealed connection, before comparing ``candidate``: the attempt is counted and its
    ticket taken in a transaction of its own, committed here (``db.roles_throttle``). The
    wait while a delay runs (0: the ticket is taken): there is then no ticket, the compare
    would refuse, and the caller answers «throttled» as the sign-in does."""
    bind = s.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    with engine.begin() as conn:
        wait = conn.execute(
            text("SELECT cabinet_throttle_attempt(:k, :n, :c)"),
            {"k": kind, "n": sendable(name), "c": sendable(candidate)},
        ).scalar()
    return int(wait or 0)


def sendable(value: str) -> str:
    """``value`` as PostgreSQL text: one holding a NUL byte, a lone surrogate or one of the
    throttle's separators (chr(30), chr(31), which its functions refuse) — never a real
    name — is sent as the hex of its bytes."""
    if not any(c in value for c in "\x00\x1e\x1f"):
        try:
            value.encode("utf-8")
            return value
        except UnicodeEncodeError:
            pass
    return "\ufffd" + value.encode("utf-8", "surrogatepass").hex()


def _args(keys: Keys) -> dict[str, str]:
    return {"k": keys.kind, "n": sendable(keys.name)}


def _leak_and_count(
    row: LoginThrottle, now: datetime, leak: timedelta, delay: Callable[[int], timedelta]
) -> None:
    """One failure in a leaking bucket: what leaked since its last failure goes first."""
    leaked = (now - row.updated_at) // leak if now > row.updated_at else 0
    row.failed_attempts = max(0, row.failed_attempts - leaked) + 1
    wait = delay(row.failed_attempts)
    row.next_attempt_at = now + wait if wait else None
    row.updated_at = now


def _mac(secret: bytes, text: str) -> str:
    return hmac.new(secret, text.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()


def _locked_row(s: OrmSession, key: str, now: datetime) -> LoginThrottle:
    """The row of ``key``, made if missing (two desks at once make it once), locked."""
    insert = insert_for(s)
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
