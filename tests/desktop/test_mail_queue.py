"""Mail after commit (issue 10): letters are queued rows, a sender delivers them holding no
database lock, retries, survives a crash, and the request never talks SMTP. Both databases,
a real SMTP server (aiosmtpd) and a real silent one (a socket that never answers)."""

from __future__ import annotations

import re
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from db.engine import Database
from db.models import OutboxMessage, StaffRole
from desktop.actors import Actor
from desktop.auth import AuthService
from desktop.cli import main
from desktop.clock import FixedClock
from desktop.mail import OutboxService, SmtpMailer
from desktop.mail_queue import (
    CLAIM_LEASE,
    BackgroundSender,
    MailSender,
    SendReport,
)
from desktop.settings import Settings, SmtpSettings
from tests.desktop.test_auth import cheap_hashing, code_for  # noqa: F401 (autouse fixture)
from tests.desktop.test_mail import SmtpServer, add_account

FIO, NUMBER, PHONE, EMAIL = "Иванов И.И.", "3492", "+79151234567", "ivanov@mail.ru"
CLERK = Actor.staff(1, "petrova", StaffRole.CLERK)


class CountingPostman:
    """Stands where the background sender's wake-up is: counts, never sends."""

    def __init__(self) -> None:
        self.calls = 0

    def notify(self) -> None:
        self.calls += 1


class SilentServer:
    """Accepts SMTP connections and never says a word, until closed."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.connected = threading.Event()
        self.connections: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        try:
            while True:
                conn, _ = self.listener.accept()
                self.connections.append(conn)
                self.connected.set()
        except OSError:
            return

    def close(self) -> None:
        self.listener.close()
        for conn in self.connections:
            conn.close()


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


def sender_for(database: Database, clock: FixedClock, settings: Settings) -> MailSender:
    return MailSender(database, clock, SmtpMailer(settings.smtp, clock))


def auth_with(database: Database, clock: FixedClock, settings: Settings, postman) -> AuthService:
    return AuthService(database, clock, settings, postman=postman, device="desk-1")


def rows(database: Database) -> list[OutboxMessage]:
    with database.unit_of_work() as s:
        return list(s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_the_request_only_queues_and_the_answer_does_the_same_work_whatever_matched(
    database: Database, clock: FixedClock, smtp: SmtpServer
) -> None:
    """No SMTP in the request path: a match and a miss each commit and wake the sender once,
    and nothing reaches the mail server until the sender runs."""
    add_account(database)
    postman = CountingPostman()
    auth = auth_with(database, clock, smtp.settings(), postman)
    miss = auth.register("Никто Н.Н.", NUMBER, PHONE, EMAIL, code_for(auth))
    assert postman.calls == 1
    hit = auth.register(FIO, NUMBER, PHONE, EMAIL, code_for(auth))
    assert postman.calls == 2 and miss.message == hit.message
    clock.advance(minutes=1)
    auth.request_reset(NUMBER, "other@mail.ru")
    auth.request_reset(NUMBER, EMAIL)
    assert postman.calls == 4
    assert smtp.messages == []
    queued = rows(database)
    assert [(r.channel, r.status) for r in queued] == [("email", "queued")] * 2
    assert [r.expires_at - r.created_at for r in queued] == [  # type: ignore[operator]
        timedelta(hours=24),
        timedelta(minutes=10),
    ]

    report = sender_for(database, clock, smtp.settings()).send_due()
    assert report == SendReport(sent=2)
    assert [m["Subject"] for m in smtp.messages] == [
        "Пароль для входа в личный кабинет",
        "Код для восстановления пароля",
    ]
    # Sent: the secret is in the mailbox, not in the database.
    assert [(r.status, r.body, r.sent_at is not None) for r in rows(database)] == [
        ("sent", "", True)
    ] * 2
    assert sender_for(database, clock, smtp.settings()).send_due() == SendReport()


def test_a_mail_server_that_never_answers_holds_no_database_lock(
    database: Database, clock: FixedClock
) -> None:
    add_account(database)
    silent = SilentServer()
    settings = Settings(
        smtp=SmtpSettings(
            host="127.0.0.1", port=silent.port, security="none", sender="c@example.ru", timeout=60
        )
    )
    auth = auth_with(database, clock, settings, CountingPostman())
    auth.register(FIO, NUMBER, PHONE, EMAIL, code_for(auth))
    results: list[SendReport] = []
    worker = threading.Thread(
        target=lambda: results.append(sender_for(database, clock, settings).send_due())
    )
    worker.start()
    try:
        assert silent.connected.wait(30)  # the sender is now stuck in SMTP
        # Meanwhile another desk writes: no «database is locked».
        add_account(database, "5000", "Петров П.П.")
        auth.register("Петров П.П.", "5000", PHONE, "p@mail.ru", code_for(auth, "5000"))
        assert len(rows(database)) == 2
    finally:
        silent.close()
        worker.join()
    assert results == [SendReport(failed=1)]  # the silent server hung up: tried again later
    first = rows(database)[0]
    assert first.status == "queued" and first.attempts == 1 and first.last_error


def test_a_crash_before_sending_leaves_the_row_and_the_next_run_sends_it(
    database: Database, clock: FixedClock, smtp: SmtpServer
) -> None:
    add_account(database)
    auth = auth_with(database, clock, smtp.settings(), CountingPostman())
    auth.register(FIO, NUMBER, PHONE, EMAIL, code_for(auth))

    class Crash(BaseException):
        pass

    class CrashingTransport:
        def deliver(self, *, recipient: str, subject: str, body: str, attachments=()) -> None:
            raise Crash  # as kill -9 between the claim and the SMTP conversation

    with pytest.raises(Crash):
        MailSender(database, clock, CrashingTransport()).send_due()
    [row] = rows(database)
    assert row.status == "sending" and row.body  # claimed, not lost
    sender = sender_for(database, clock, smtp.settings())
    assert sender.send_due() == SendReport()  # another desk leaves a fresh claim alone
    clock.advance(seconds=CLAIM_LEASE.total_seconds())
    assert sender.send_due() == SendReport(sent=1)
    otp = re.search(r"Одноразовый пароль: (\S+)", smtp.messages[0].get_content())
    assert otp is not None and auth.login(NUMBER, otp.group(1)).must_change_password


def test_expired_secrets_are_deleted_unsent(
    database: Database, clock: FixedClock, smtp: SmtpServer
) -> None:
    add_account(database)
    auth = auth_with(database, clock, smtp.settings(), CountingPostman())
    auth.register(FIO, NUMBER, PHONE, EMAIL, code_for(auth))
    no_smtp = auth_with(database, clock, Settings(), CountingPostman())
    add_account(database, "5000", "Петров П.П.")
    no_smtp.register("Петров П.П.", "5000", PHONE, "p@mail.ru", code_for(auth, "5000"))
    assert [r.channel for r in rows(database)] == ["email", "slip"]
    clock.advance(hours=24)
    assert sender_for(database, clock, smtp.settings()).send_due() == SendReport(expired=2)
    assert rows(database) == [] and smtp.messages == []

    no_smtp.register("Петров П.П.", "5000", PHONE, "p@mail.ru", code_for(auth, "5000"))
    clock.advance(hours=24)
    assert OutboxService(database, clock, Settings()).pending(CLERK) == []  # not printed
    assert rows(database) == []


def test_the_background_sender_delivers_when_woken(
    database: Database, clock: FixedClock, smtp: SmtpServer
) -> None:
    add_account(database)
    background = BackgroundSender(sender_for(database, clock, smtp.settings()), interval=3600)
    delivered = threading.Event()
    background.on_report = lambda report: delivered.set() if report.sent else None
    auth = auth_with(database, clock, smtp.settings(), background)
    try:
        auth.register(FIO, NUMBER, PHONE, EMAIL, code_for(auth))
        assert delivered.wait(30)
    finally:
        background.stop()
    assert [m["To"] for m in smtp.messages] == [EMAIL]


def test_mail_send_on_the_command_line_delivers_what_is_due(
    database: Database, database_url: str, clock: FixedClock, smtp: SmtpServer, monkeypatch, capsys
) -> None:
    add_account(database)
    now = FixedClock(datetime.now(UTC))  # the command runs on the system clock
    auth = auth_with(database, now, smtp.settings(), CountingPostman())
    auth.register(FIO, NUMBER, PHONE, EMAIL, code_for(auth))
    monkeypatch.setenv("CABINET_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("CABINET_SMTP_PORT", str(smtp.port))
    monkeypatch.setenv("CABINET_SMTP_SECURITY", "none")
    monkeypatch.setenv("CABINET_SMTP_SENDER", "cabinet@example.ru")
    assert main(["mail", "send", "--database-url", database_url]) == 0
    assert "Отправлено писем: 1" in capsys.readouterr().out
    assert [m["To"] for m in smtp.messages] == [EMAIL]
