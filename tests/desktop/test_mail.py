"""Mail: a real SMTP server (aiosmtpd) on 127.0.0.1, and the office's outbox."""

from __future__ import annotations

import email
import email.policy
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.engine import Database
from db.models import Account, AuditEntry, OutboxMessage, StaffRole
from desktop.actors import SYSTEM, Actor
from desktop.clock import FixedClock
from desktop.errors import AccessDeniedError, NotFoundError, ValidationError
from desktop.mail import (
    MailError,
    OutboxService,
    SmtpMailer,
    discard_pending,
)
from desktop.mail_queue import SLIP, queue
from desktop.settings import Settings, SmtpSettings
from desktop.text import normalize

CLERK = Actor.staff(1, "petrova", StaffRole.CLERK)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class _Collector:
    """An aiosmtpd handler keeping what it receives."""

    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[Any] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append(envelope)
        parsed = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        return "250 Message accepted"

    def authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        if isinstance(auth_data, LoginPassword) and auth_data.password == b"secret":
            self.logins.append(auth_data.login.decode())
            return AuthResult(success=True)
        return AuthResult(success=False, handled=False)


class SmtpServer:
    """A real SMTP server on 127.0.0.1 and a free port, for the length of a test."""

    def __init__(self, *, with_auth: bool = False) -> None:
        self.collector = _Collector()
        self.port = free_port()
        extra: dict[str, Any] = {}
        if with_auth:
            extra = {"authenticator": self.collector.authenticate, "auth_require_tls": False}
        self.controller = Controller(self.collector, hostname="127.0.0.1", port=self.port, **extra)

    @property
    def messages(self) -> list[EmailMessage]:
        return self.collector.messages

    def settings(self, **smtp: Any) -> Settings:
        values: dict[str, Any] = {
            "host": "127.0.0.1",
            "port": self.port,
            "security": "none",
            "sender": "cabinet@example.ru",
            "timeout": 5,
        }
        values.update(smtp)
        return Settings(smtp=SmtpSettings(**values))

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


def add_account(db: Database, number: str = "3492", fio: str = "Иванов И.И.") -> int:
    address = "г. Подольск, ул. Садовая, д. 5, кв. 12"
    with db.unit_of_work() as s:
        account = Account(
            number=number,
            fio=fio,
            fio_norm=normalize(fio),
            address=address,
            address_norm=normalize(address),
            area=Decimal("54.30"),
            residents=2,
        )
        s.add(account)
        s.flush()
        return account.id


# --- SMTP --------------------------------------------------------------------------------


def test_smtp_mailer_sends_a_proper_utf8_message(
    clock: FixedClock, smtp_server: SmtpServer
) -> None:
    SmtpMailer(smtp_server.settings().smtp, clock).deliver(
        recipient="ivanov@mail.ru",
        subject="Пароль для входа",
        body="Здравствуйте!\nВаш пароль: ёжик-42\n",
    )
    [message] = smtp_server.messages
    assert message["From"] == "cabinet@example.ru"
    assert message["To"] == "ivanov@mail.ru"
    assert message["Subject"] == "Пароль для входа"
    assert message["Date"] == "Tue, 20 Jun 2017 09:00:00 +0000"
    assert message["Message-ID"].endswith("@example.ru>")
    assert message.get_content_charset() == "utf-8"
    assert message.get_content().replace("\r\n", "\n") == "Здравствуйте!\nВаш пароль: ёжик-42\n"
    assert smtp_server.collector.envelopes[0].rcpt_tos == ["ivanov@mail.ru"]


def slip(s: Session, clock: FixedClock, **letter: Any) -> None:
    """A letter queued for the office to print, as the mail queue stores one without SMTP."""
    queue(s, channel=SLIP, now=clock.now(), expires_at=None, **letter)


def send_directly(
    smtp: SmtpSettings, clock: FixedClock, subject: str = "s", body: str = "b"
) -> None:
    """One message straight over SMTP (no database session needed)."""
    SmtpMailer(smtp, clock).deliver(recipient="a@b.ru", subject=subject, body=body)


def test_smtp_mailer_logs_in_when_a_username_is_set(clock: FixedClock) -> None:
    # With no sender set, the login (an address) is the sender.
    with SmtpServer(with_auth=True) as server:
        settings = server.settings(username="cabinet@example.ru", password="secret", sender="")
        send_directly(settings.smtp, clock, subject="Тема", body="Текст")
        assert server.collector.logins == ["cabinet@example.ru"]
        assert server.messages[0]["From"] == "cabinet@example.ru"


def test_smtp_mailer_without_a_sender_refuses_in_russian(clock: FixedClock) -> None:
    mailer = SmtpMailer(SmtpSettings(host="127.0.0.1", username="cabinet"), clock)
    with pytest.raises(MailError, match="не указан адрес отправителя"):
        mailer.build(recipient="a@b.ru", subject="s", body="b")


def test_wrong_credentials_and_unreachable_server_become_a_user_error(clock: FixedClock) -> None:
    with SmtpServer(with_auth=True) as server:
        settings = server.settings(username="cabinet@example.ru", password="wrong")
        with pytest.raises(MailError, match="Попробуйте позже или обратитесь в офис"):
            send_directly(settings.smtp, clock)
        assert server.messages == []
    closed = SmtpSettings(
        host="127.0.0.1", port=free_port(), security="none", sender="cabinet@example.ru", timeout=2
    )
    with pytest.raises(MailError, match="Не удалось отправить письмо") as caught:
        send_directly(closed, clock)
    assert isinstance(caught.value.__cause__, OSError)


def test_starttls_against_a_server_without_it_fails_politely(
    clock: FixedClock, smtp_server: SmtpServer
) -> None:
    settings = smtp_server.settings(security="starttls")
    with pytest.raises(MailError, match="Не удалось отправить письмо"):
        send_directly(settings.smtp, clock)
    assert smtp_server.messages == []


def test_unknown_security_mode_is_refused(clock: FixedClock) -> None:
    smtp = SmtpSettings(host="127.0.0.1", security="tls13", sender="c@example.ru")
    with pytest.raises(MailError, match="tls13"):
        send_directly(smtp, clock)


# --- the outbox --------------------------------------------------------------------------


def test_outbox_keeps_lists_and_hands_out(database: Database, clock: FixedClock) -> None:
    account_id = add_account(database)
    with database.unit_of_work() as s:
        slip(
            s,
            clock,
            recipient="ivanov@mail.ru",
            subject="Пароль",
            body="Пароль: x",
            account_id=account_id,
        )
        slip(s, clock, recipient="other@mail.ru", subject="Код", body="Код: 1", account_id=None)
    outbox = OutboxService(database, clock, Settings())
    pending = outbox.pending(CLERK)
    assert [(m.account_number, m.subject, m.body) for m in pending] == [
        ("3492", "Пароль", "Пароль: x"),
        ("", "Код", "Код: 1"),
    ]
    assert pending[0].created_at == clock.now() and pending[0].handed_out_at is None
    assert [m.subject for m in outbox.pending(CLERK, account_id=account_id)] == ["Пароль"]

    clock.advance(minutes=5)
    handed = outbox.mark_handed_out(CLERK, pending[0].id)
    assert handed.handed_out_at == clock.now() and handed.body == "Пароль: x"
    with database.read() as s:  # the password on the slip is not kept once handed out
        assert s.get(OutboxMessage, pending[0].id).body == ""
    assert [m.subject for m in outbox.pending(CLERK)] == ["Код"]
    with pytest.raises(ValidationError, match="уже выдано"):
        outbox.mark_handed_out(CLERK, pending[0].id)
    with pytest.raises(NotFoundError):
        outbox.mark_handed_out(CLERK, 10_000)
    with database.unit_of_work() as s:
        entries = s.scalars(select(AuditEntry).where(AuditEntry.action == "outbox.hand_out")).all()
    assert [(e.actor, e.account_id, e.ok) for e in entries] == [("staff:petrova", account_id, True)]
    assert "Пароль: x" not in entries[0].details  # the slip's text is not copied to the log


def test_outbox_is_for_staff_only(database: Database, clock: FixedClock) -> None:
    account_id = add_account(database)
    outbox = OutboxService(database, clock, Settings())
    resident = Actor.resident(account_id, "3492")
    with pytest.raises(AccessDeniedError):
        outbox.pending(resident)
    with pytest.raises(AccessDeniedError):
        outbox.mark_handed_out(resident, 1)
    assert outbox.pending(SYSTEM) == []


def test_discard_pending_drops_only_unhanded_slips_of_that_kind(
    database: Database, clock: FixedClock
) -> None:
    account_id = add_account(database)
    outbox = OutboxService(database, clock, Settings())
    with database.unit_of_work() as s:
        for subject in ("Пароль", "Пароль", "Код"):
            slip(s, clock, recipient="a@b.ru", subject=subject, body="…", account_id=account_id)
    first = outbox.pending(CLERK)[0]
    outbox.mark_handed_out(CLERK, first.id)
    with database.unit_of_work() as s:
        assert discard_pending(s, account_id, "Пароль") == 1
        assert s.scalar(select(func.count()).select_from(OutboxMessage)) == 2
    assert [m.subject for m in outbox.pending(CLERK)] == ["Код"]
