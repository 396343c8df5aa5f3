"""Failed attempts slow down per account: a growing delay, never a lock-out.

Accounts and staff users keep their counters in their own rows. Names with no row (an unknown
account or login) keep theirs in a ``PhantomThrottle`` in memory, so that the delay does not
tell which accounts exist.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from math import ceil
from typing import Protocol

from desktop import passwords

FREE_ATTEMPTS = 3
MAX_DELAY = timedelta(minutes=5)


class Attempts(Protocol):
    """Whatever keeps the counters: a resident's credential, a staff user, a phantom."""

    failed_attempts: int
    next_attempt_at: datetime | None


@dataclass
class Phantom:
    """Failed attempts on a name with no row to keep them in (an unknown account)."""

    failed_attempts: int = 0
    next_attempt_at: datetime | None = None


class PhantomThrottle:
    """Slows down attempts on unknown accounts exactly as on known ones, so the delay does
    not tell which exist. Kept in memory, bounded: nothing is stored for names that do not
    exist.

    One per database in a process, built with the services and shared by everything that
    signs people in on it: a fresh login screen must not forget the delay on unknown names.
    """

    def __init__(self, capacity: int = 10_000) -> None:
        self._capacity = capacity
        self._entries: OrderedDict[tuple[str, str], Phantom] = OrderedDict()
        self._lock = threading.Lock()

    def holder(self, kind: str, name: str) -> Phantom:
        """The counters for ``name`` of ``kind`` ("resident" or "staff")."""
        key = (kind, name)
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                entry = self._entries[key] = Phantom()
                while len(self._entries) > self._capacity:
                    self._entries.popitem(last=False)
            else:
                self._entries.move_to_end(key)
            return entry


def delay_after(failures: int) -> timedelta:
    """The wait imposed after this many failures in a row: none for the first three, then
    2, 4, 8… seconds, at most five minutes."""
    if failures <= FREE_ATTEMPTS:
        return timedelta(0)
    exponent = min(failures - FREE_ATTEMPTS, 16)  # 2**16 s is far past the cap already
    return min(timedelta(seconds=2**exponent), MAX_DELAY)


def _wait_seconds(holder: Attempts, now: datetime) -> int:
    if holder.next_attempt_at is None or now >= holder.next_attempt_at:
        return 0
    return max(1, ceil((holder.next_attempt_at - now).total_seconds()))


def _failed(holder: Attempts, now: datetime) -> None:
    holder.failed_attempts = (holder.failed_attempts or 0) + 1
    delay = delay_after(holder.failed_attempts)
    holder.next_attempt_at = now + delay if delay else None


def _succeeded(holder: Attempts) -> None:
    holder.failed_attempts = 0
    holder.next_attempt_at = None


@dataclass(frozen=True)
class Outcome:
    """One try of a secret: ``reason`` is empty on success; ``wait`` > 0 if it was refused
    unchecked because the previous failure's delay has not passed."""

    reason: str = ""
    wait: int = 0

    @property
    def ok(self) -> bool:
        return not self.reason


def attempt(
    holder: Attempts,
    stored: str | None,
    secret: str,
    now: datetime,
    expires_at: datetime | None,
    *,
    what: str = "password",
) -> Outcome:
    """Check a secret against its hash under the holder's delay, counting a failure.

    With no hash the dummy one is checked instead, so a miss costs what a hit does."""
    wait = _wait_seconds(holder, now)
    if wait:
        return Outcome("throttled", wait)
    # Looked up at each call: tests swap in a dummy hash made with cheap parameters.
    matches = passwords.verify_password(stored or passwords.DUMMY_HASH, secret) and bool(stored)
    if matches and (expires_at is None or now < expires_at):
        _succeeded(holder)
        return Outcome()
    _failed(holder, now)
    return Outcome(f"wrong_{what}" if not matches else "expired")
