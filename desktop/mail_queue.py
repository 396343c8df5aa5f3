"""Mail after commit: every message is a row queued in the transaction that made it; a sender
delivers the due ones later, outside any transaction.

Why: SMTP inside the request held the database's write lock for as long as the mail server
took (20 s against a silent one, past SQLite's busy timeout), and the answer's duration told
whether registration or reset data matched. Now the request only inserts a row and wakes the
sender; the sender claims due rows in a short transaction, talks SMTP holding no lock, and
marks each sent (its secret cleared) or failed (tried again later, with a growing pause).
A row survives a crash: a claim lapses after ``CLAIM_LEASE`` and the next run sends it. After
``MAX_ATTEMPTS`` failures the letter becomes a slip for the office, as without SMTP. Expired
secrets (a one-time password, a reset code past its time) are deleted unsent. A letter may
carry one file (a receipt's PDF, ``desktop.receipt_mail``): sent as a MIME attachment and
cleared with the text once sent, or when the letter becomes a slip.

``BackgroundSender`` runs the sender on a daemon thread (woken by each request that queued
mail, and every ``interval`` seconds); ``InlineSender`` runs it in the caller's thread right
after the commit (the command line's ``mail send``, tests). No Qt here.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, undefer

from db.engine import Database
from db.models import OutboxMessage
from desktop.clock import Clock
from desktop.mail import Attachment, MailError, purge_expired

log = logging.getLogger(__name__)

EMAIL, SLIP = "email", "slip"
QUEUED, SENDING, SENT = "queued", "sending", "sent"
MAX_ATTEMPTS = 5
CLAIM_LEASE = timedelta(minutes=5)  # longer than any SMTP timeout: then a crashed claim lapses
BATCH = 20


def retry_after(attempts: int) -> timedelta:
    """The pause after this many failed tries: 1, 2, 4, 8… minutes, at most an hour."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), timedelta(hours=1))


def queue(
    s: Session,
    *,
    channel: str,
    recipient: str,
    subject: str,
    body: str,
    account_id: int | None,
    now: datetime,
    expires_at: datetime | None,
    attachment: Attachment | None = None,
) -> OutboxMessage:
    """Add the message to the queue in the caller's transaction: nothing is sent until it
    commits, and nothing is lost if it does.

    On PostgreSQL the kiosk's role may write (and see) only letters of an account whose
    credential the transaction has already written, and only to its stored e-mail
    (``db.roles_staff``): that change is flushed first, whatever order the unit of work
    would choose."""
    s.flush()
    message = OutboxMessage(
        account_id=account_id,
        recipient=recipient,
        subject=subject,
        body=body,
        created_at=now,
        handed_out_at=None,
        channel=channel,
        status=QUEUED,
        attempts=0,
        next_attempt_at=now if channel == EMAIL else None,
        expires_at=expires_at,
        last_error="",
        attachment_name=attachment.name if attachment is not None else "",
        attachment=attachment.data if attachment is not None else None,
    )
    s.add(message)
    return message


@dataclass(frozen=True)
class SendReport:
    """What one run of the sender did."""

    sent: int = 0
    failed: int = 0  # to be tried again
    to_slips: int = 0  # given up on: now slips for the office
    expired: int = 0  # secrets past their time, deleted unsent


@dataclass(frozen=True)
class _Claimed:
    id: int
    recipient: str
    subject: str
    body: str
    attempts: int
    attachments: tuple[Attachment, ...] = ()


class Transport(Protocol):
    def deliver(
        self, *, recipient: str, subject: str, body: str, attachments: Sequence[Attachment] = ()
    ) -> None: ...


class MailSender:
    """Delivers due queued e-mail; safe to run from several desks at once (a row is claimed
    by one of them: ``SKIP LOCKED`` on PostgreSQL, the write lock on SQLite)."""

    def __init__(self, db: Database, clock: Clock, transport: Transport) -> None:
        self.db = db
        self.clock = clock
        self.transport = transport

    def send_due(self) -> SendReport:
        expired, claimed = self._claim()
        sent = failed = to_slips = 0
        for item in claimed:
            try:
                self.transport.deliver(
                    recipient=item.recipient,
                    subject=item.subject,
                    body=item.body,
                    attachments=item.attachments,
                )
            except MailError as error:
                gave_up = self._failed(item, str(error.__cause__ or error))
                failed += not gave_up
                to_slips += gave_up
            else:
                self._sent(item)
                sent += 1
        return SendReport(sent, failed, to_slips, expired)

    def _claim(self) -> tuple[int, list[_Claimed]]:
        """One short transaction: drop expired secrets, claim the due rows."""
        with self.db.unit_of_work() as s:
            now = self.clock.now()
            expired = purge_expired(s, now)
            rows = s.scalars(
                select(OutboxMessage)
                .where(
                    OutboxMessage.channel == EMAIL,
                    OutboxMessage.status.in_((QUEUED, SENDING)),
                    or_(
                        OutboxMessage.next_attempt_at.is_(None),
                        OutboxMessage.next_attempt_at <= now,
                    ),
                )
                .order_by(OutboxMessage.id)
                .options(undefer(OutboxMessage.attachment_name), undefer(OutboxMessage.attachment))
                .limit(BATCH)
                .with_for_update(skip_locked=True)
            ).all()
            claimed = []
            for row in rows:
                row.status = SENDING
                row.attempts += 1
                row.next_attempt_at = now + CLAIM_LEASE
                files = (Attachment(row.attachment_name, row.attachment),) if row.attachment else ()
                claimed.append(
                    _Claimed(row.id, row.recipient, row.subject, row.body, row.attempts, files)
                )
            return expired, claimed

    def _sent(self, item: _Claimed) -> None:
        with self.db.unit_of_work() as s:
            row = s.get(OutboxMessage, item.id, with_for_update=True)
            if row is None:
                return  # voided meanwhile by a newer message
            row.status = SENT
            row.sent_at = self.clock.now()
            row.next_attempt_at = None
            row.body = ""  # the password or code is in the resident's mailbox, not here
            row.attachment = None  # and so is the file
            row.last_error = ""

    def _failed(self, item: _Claimed, reason: str) -> bool:
        """Try again later, or, after the last try, leave it to the office; True then."""
        with self.db.unit_of_work() as s:
            row = s.get(OutboxMessage, item.id, with_for_update=True)
            if row is None:
                return False
            now = self.clock.now()
            row.last_error = reason[:300]
            if row.attempts >= MAX_ATTEMPTS:
                row.channel, row.status, row.next_attempt_at = SLIP, QUEUED, None
                row.attachment = None  # a slip is printed: its text only
                log.warning("Mail to %s failed %d times, left to the office: %s", row.recipient,
                            row.attempts, reason)  # fmt: skip
                return True
            row.status = QUEUED
            row.next_attempt_at = now + retry_after(row.attempts)
            log.warning("Mail failed, will be tried again: %s", reason)
            return False


class InlineSender:
    """Sends due mail in the caller's thread, right after the commit that queued it."""

    def __init__(self, sender: MailSender | None) -> None:
        self.sender = sender

    def notify(self) -> None:
        if self.sender is not None:
            self.sender.send_due()

    def stop(self, timeout: float | None = None) -> None:
        pass


class BackgroundSender:
    """Runs the sender on a daemon thread: at once when notified, else every ``interval``
    seconds (so that a letter queued before a crash or restart still goes). Errors are
    logged, never raised into a request."""

    def __init__(self, sender: MailSender, interval: float = 60.0) -> None:
        self.sender = sender
        self.interval = interval
        self._wake = threading.Event()
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.on_report: Callable[[SendReport], None] | None = None

    def start(self) -> None:
        with self._lock:
            if self._thread is None and not self._stopped.is_set():
                self._thread = threading.Thread(target=self._run, name="mail-sender", daemon=True)
                self._thread.start()

    def notify(self) -> None:
        """Wake the sender; returns at once (the request never waits for SMTP)."""
        self.start()
        self._wake.set()

    def stop(self, timeout: float | None = None) -> None:
        self._stopped.set()
        self._wake.set()
        thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def _run(self) -> None:
        while not self._stopped.is_set():
            try:
                report = self.sender.send_due()
                if self.on_report is not None:
                    self.on_report(report)
            except Exception:  # a database outage: try again at the next wake-up
                log.exception("The mail sender failed; it will try again")
            self._wake.wait(self.interval)
            self._wake.clear()
