"""The receipt by e-mail (issue 14): «Отправить на почту» queues a letter that carries the
receipt's PDF — the one the desktop saves — and the office's sender delivers it as a real
MIME attachment to a real SMTP server (aiosmtpd), read back here with pypdf. At most
``PER_DAY`` such letters per account a day; each audited. On SQLite and on PostgreSQL as a
role that reads the address (the kiosk's own role: ``tests/db/test_kiosk_mail.py``)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from email.message import EmailMessage

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select
from sqlalchemy.orm import undefer

from db.engine import Database
from db.models import AuditEntry, OutboxMessage
from desktop import audit
from desktop.actors import SYSTEM
from desktop.app import Services, build_services
from desktop.audit import AuditAction
from desktop.clock import FixedClock
from desktop.demo import DEMO_ACCOUNT, DEMO_PASSWORD, build_demo
from desktop.errors import AccessDeniedError
from desktop.mail import Attachment, SmtpMailer
from desktop.receipt_mail import (
    PER_DAY,
    SUBJECT_START,
    attachment_name,
    limit_text,
    mail_possible,
    mail_receipt,
)
from tests.desktop.test_mail import SmtpServer


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


@pytest.fixture
def services(database: Database, clock: FixedClock, smtp: SmtpServer) -> Iterator[Services]:
    """The demo with the test's mail server; mail delivered right after each commit."""
    build_demo(database, clock)
    services = build_services(database, smtp.settings(), clock, inline_mail=True)
    yield services
    services.close()


def page_text(pdf: bytes) -> str:
    return " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages)


def receipt_letters(smtp: SmtpServer) -> list[EmailMessage]:
    return [m for m in smtp.messages if str(m["Subject"]).startswith(SUBJECT_START)]


def test_the_letter_carries_the_receipts_pdf_as_an_attachment(
    services: Services, smtp: SmtpServer, database: Database
) -> None:
    assert mail_possible(services)
    signed = services.auth.login(DEMO_ACCOUNT, DEMO_PASSWORD, kiosk=True)
    account = signed.account_id
    assert account is not None
    receipt = services.receipts.receipts(signed.actor, account)[0]
    mailed = mail_receipt(services, signed.actor, account, receipt.month)
    assert mailed.masked == "i***@demo.example"
    [letter] = receipt_letters(smtp)
    assert letter["To"] == "ivanov@demo.example" and letter["Subject"] == mailed.subject
    assert letter.is_multipart()
    text = letter.get_body(("plain",))
    assert text is not None and receipt.number in text.get_content()
    [part] = list(letter.iter_attachments())
    assert part.get_content_type() == "application/pdf"
    assert part.get_filename() == attachment_name(DEMO_ACCOUNT, receipt.month)
    pdf = part.get_content()
    assert isinstance(pdf, bytes) and pdf.startswith(b"%PDF-")
    saved = services.documents.receipt_pdf(signed.actor, account, receipt.month)
    assert page_text(pdf) == page_text(saved)  # the receipt the desktop saves
    assert DEMO_ACCOUNT in page_text(pdf)
    with database.read() as s:
        row = s.scalars(
            select(OutboxMessage)
            .options(undefer(OutboxMessage.attachment))
            .where(OutboxMessage.subject.startswith(SUBJECT_START))
        ).one()
        # Sent: the outbox keeps neither the text nor the file.
        assert row.status == "sent" and row.attachment is None and row.body == ""
    assert audit.verify(database, SYSTEM).intact
    with database.read() as s:
        entry = s.scalars(
            select(AuditEntry).where(AuditEntry.action == AuditAction.RECEIPT_MAIL)
        ).one()
    assert entry.actor == f"resident:{DEMO_ACCOUNT}" and entry.account_id == account
    assert '"message"' in entry.details and str(receipt.id) in entry.details


def test_at_most_five_a_day_per_account(
    services: Services, smtp: SmtpServer, database: Database, clock: FixedClock
) -> None:
    signed = services.auth.login(DEMO_ACCOUNT, DEMO_PASSWORD, kiosk=True)
    account = signed.account_id
    assert account is not None
    month = services.receipts.receipts(signed.actor, account)[0].month
    for _ in range(PER_DAY):
        mail_receipt(services, signed.actor, account, month)
        clock.advance(minutes=1)
    with pytest.raises(AccessDeniedError) as refused:
        mail_receipt(services, signed.actor, account, month)
    assert str(refused.value) == limit_text(24)
    assert "5 раз за сутки" in str(refused.value)

    def queued() -> int:
        with database.read() as s:
            return int(
                s.scalar(
                    select(func.count()).where(OutboxMessage.subject.startswith(SUBJECT_START))
                )
                or 0
            )

    assert queued() == PER_DAY and len(receipt_letters(smtp)) == PER_DAY
    # A minute apart: half a minute after the first is a day old, one more may go.
    clock.advance(hours=23, minutes=55, seconds=30)
    signed = services.auth.login(DEMO_ACCOUNT, DEMO_PASSWORD, kiosk=True)
    mail_receipt(services, signed.actor, account, month)
    assert queued() == PER_DAY + 1
    with pytest.raises(AccessDeniedError) as refused:
        mail_receipt(services, signed.actor, account, month)
    assert str(refused.value) == limit_text(1)  # the second is a day old within the hour


def test_the_mailer_builds_a_real_mime_attachment(smtp: SmtpServer, clock: FixedClock) -> None:
    mailer = SmtpMailer(smtp.settings().smtp, clock)
    message = mailer.build(
        recipient="ivanov@mail.ru",
        subject="Квитанция",
        body="Во вложении.",
        attachments=[Attachment("Квитанция 3492 Май 2017.pdf", b"%PDF-1.4 test")],
    )
    [part] = list(message.iter_attachments())
    assert part.get_content_disposition() == "attachment"
    assert part.get_filename() == "Квитанция 3492 Май 2017.pdf"
    assert part.get_content() == b"%PDF-1.4 test"
    assert part["Content-Transfer-Encoding"] == "base64"
