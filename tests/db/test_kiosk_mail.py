"""«Отправить на почту» from a kiosk on PostgreSQL (issue 14): the kiosk's role reads no
resident's e-mail, so ``cabinet_kiosk_mail_receipt`` (``db.roles_mail``) queues the letter
for it — the account from the live session the transaction carries, the receipt checked to
be that account's, to the address on file the kiosk never learns, at most ``PER_DAY`` a day,
audited. Each test runs as a real kiosk login (a member of ``cabinet_kiosk``) carrying a
real resident's session; the office's desk in ``cabinet_mailer`` delivers the letter, with
the receipt's PDF, to a real SMTP server.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import psycopg.errors
import pytest
from pypdf import PdfReader
from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import DBAPIError

from db.models import Account, AuditEntry, OutboxMessage, Receipt
from db.roles import KIOSK
from db.roles_mail import LIMIT_SQLSTATE
from db.roles_outbox import MAILER
from desktop import audit
from desktop.actors import SYSTEM
from desktop.app import Services
from desktop.audit import AuditAction
from desktop.clock import FixedClock
from desktop.errors import AccessDeniedError
from desktop.receipt_mail import PER_DAY, limit_text, mail_possible, mail_receipt
from tests.db.test_roles import (  # noqa: F401 (fixtures)
    MAY,
    OWN_PASSWORD,
    Cluster,
    cheap_hashing,
    cluster,
    refused,
    services_as,
    smtp,
)
from tests.desktop.test_mail import SmtpServer

ADDRESS = "r3492@mail.ru"  # 3492's e-mail on file (the cluster's)
PDF = b"%PDF-1.4 forged by hand"


@pytest.fixture
def receipts(cluster: Cluster) -> dict[str, int]:  # noqa: F811
    """A May receipt for 3492 and one for 7001: their ids."""
    made = {}
    with cluster.owner.unit_of_work() as s:
        for number in ("3492", "7001"):
            account = s.scalar(select(Account.id).where(Account.number == number))
            assert account is not None
            receipt = Receipt(
                account_id=account,
                number=f"R-{number}-0517",
                issued_on=date(2017, 6, 1),
                month=MAY,
                description="Квитанция за май",
                total=Decimal("350.10"),
            )
            s.add(receipt)
            s.flush()
            made[number] = receipt.id
    return made


@pytest.fixture
def desks(
    cluster: Cluster,  # noqa: F811
    clock: FixedClock,
    smtp: SmtpServer,  # noqa: F811
) -> Iterator[tuple[Services, Services]]:
    """The kiosk and the office's desk that sends the mail, both with the test's SMTP."""
    kiosk = services_as(cluster, KIOSK, clock, smtp.settings())
    office = services_as(cluster, MAILER, clock, smtp.settings())
    yield kiosk, office
    kiosk.close()
    office.close()


@pytest.fixture
def kiosk_engine(cluster: Cluster) -> Iterator[Engine]:  # noqa: F811
    engine = cluster.engine(KIOSK)
    yield engine
    engine.dispose()


def call(engine: Engine, token: str | None, receipt: int, now: Any, pdf: bytes = PDF) -> Any:
    """``cabinet_kiosk_mail_receipt`` by hand, as whoever holds the kiosk's login could call
    it, carrying ``token`` (as ``db.rls`` does); committed."""
    with engine.begin() as conn:
        if token is not None:
            conn.execute(text("SELECT set_config('cabinet.session', :t, true)"), {"t": token})
        return conn.execute(
            text(
                "SELECT masked, reason FROM cabinet_kiosk_mail_receipt("
                ":r, 'Квитанция', 'Текст', 'Квитанция.pdf', :pdf, :now)"
            ),
            {"r": receipt, "pdf": pdf, "now": now},
        ).one()


def letters(cluster: Cluster) -> list[OutboxMessage]:  # noqa: F811
    with cluster.owner.read() as s:
        return list(s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_a_kiosk_mails_the_receipt_with_its_pdf(
    cluster: Cluster,  # noqa: F811
    desks: tuple[Services, Services],
    receipts: dict[str, int],
    smtp: SmtpServer,  # noqa: F811
) -> None:
    kiosk, office = desks
    assert mail_possible(kiosk)  # the button shows on this kiosk
    signed = kiosk.auth.login("3492", OWN_PASSWORD, kiosk=True)
    account = signed.account_id
    assert account is not None
    mailed = mail_receipt(kiosk, signed.actor, account, MAY)
    assert mailed.masked == "r***@mail.ru"
    # Queued by the database; the kiosk cannot send it, the office's desk does.
    assert kiosk.mail_sender is None and office.mail_sender is not None
    assert office.mail_sender.send_due().sent == 1
    [letter] = smtp.messages
    assert letter["To"] == ADDRESS and letter["Subject"] == mailed.subject
    body = letter.get_body(("plain",))
    assert body is not None and "R-3492-0517" in body.get_content()
    [part] = list(letter.iter_attachments())
    assert part.get_content_type() == "application/pdf"
    pages = PdfReader(io.BytesIO(part.get_content())).pages
    assert "3492" in " ".join(pages[0].extract_text().split())
    # The audit entry, in the resident's name, from the kiosk's login; the chain holds.
    assert audit.verify(cluster.owner, SYSTEM).intact
    with cluster.owner.read() as s:
        entry = s.scalars(
            select(AuditEntry).where(AuditEntry.action == AuditAction.RECEIPT_MAIL)
        ).one()
    assert (entry.actor, entry.account_id, entry.ok) == ("resident:3492", account, True)
    assert entry.db_role == cluster.logins[KIOSK] and '"source": "database"' in entry.details
    [row] = letters(cluster)
    assert row.status == "sent" and row.account_id == account


def test_the_kiosk_never_learns_the_address(
    cluster: Cluster,  # noqa: F811
    desks: tuple[Services, Services],
    receipts: dict[str, int],
    kiosk_engine: Engine,
    clock: FixedClock,
) -> None:
    kiosk, _ = desks
    signed = kiosk.auth.login("3492", OWN_PASSWORD, kiosk=True)
    token = signed.actor.session_token
    answer = call(kiosk_engine, token, receipts["3492"], clock.now())
    assert tuple(answer) == ("r***@mail.ru", "")
    assert ADDRESS not in repr(answer)
    # The letter is there (the owner sees it), but not to the kiosk, not even its own.
    [row] = letters(cluster)
    assert row.recipient == ADDRESS
    for sql in (
        "SELECT recipient FROM outbox_message",
        "SELECT body FROM outbox_message",
        "SELECT attachment FROM outbox_message",
        "SELECT email FROM resident_credential",
    ):
        refused(kiosk_engine, sql)
    with kiosk_engine.begin() as conn:
        conn.execute(text("SELECT set_config('cabinet.session', :t, true)"), {"t": token})
        assert conn.exec_driver_sql("SELECT id, subject FROM outbox_message").all() == []
        # Nor can it drop the letter (and with it the day's count).
        assert conn.exec_driver_sql("DELETE FROM outbox_message").rowcount == 0
    assert len(letters(cluster)) == 1


def test_another_accounts_receipt_and_no_session_are_refused(
    cluster: Cluster,  # noqa: F811
    desks: tuple[Services, Services],
    receipts: dict[str, int],
    kiosk_engine: Engine,
    clock: FixedClock,
) -> None:
    kiosk, _ = desks
    signed = kiosk.auth.login("3492", OWN_PASSWORD, kiosk=True)
    token = signed.actor.session_token
    now = clock.now()
    # 7001's receipt, with 3492's session: as if it did not exist.
    assert tuple(call(kiosk_engine, token, receipts["7001"], now)) == (None, "not_found")
    # No session, a forged one, an ended one: nothing.
    assert call(kiosk_engine, None, receipts["3492"], now).reason == "no_session"
    forged = "forged-token-" + "x" * 40
    assert call(kiosk_engine, forged, receipts["3492"], now).reason == "no_session"
    # Not a PDF: nothing.
    assert call(kiosk_engine, token, receipts["3492"], now, b"MZ\x90\x00").reason == "malformed"
    kiosk.auth.logout(signed.actor)
    assert call(kiosk_engine, token, receipts["3492"], now).reason == "no_session"
    assert letters(cluster) == []
    with cluster.owner.read() as s:
        assert not s.scalar(
            select(func.count()).where(AuditEntry.action == AuditAction.RECEIPT_MAIL)
        )


def test_at_most_five_a_day_and_the_kiosk_cannot_reset_the_count(
    cluster: Cluster,  # noqa: F811
    desks: tuple[Services, Services],
    receipts: dict[str, int],
    kiosk_engine: Engine,
    clock: FixedClock,
) -> None:
    kiosk, _ = desks
    signed = kiosk.auth.login("3492", OWN_PASSWORD, kiosk=True)
    account = signed.account_id
    assert account is not None
    for _ in range(PER_DAY):
        mail_receipt(kiosk, signed.actor, account, MAY)
    with pytest.raises(AccessDeniedError) as told:
        mail_receipt(kiosk, signed.actor, account, MAY)
    assert str(told.value) == limit_text(24)
    # By hand: the database refuses with its SQLSTATE and the same words.
    with pytest.raises(DBAPIError) as raw:
        call(kiosk_engine, signed.actor.session_token, receipts["3492"], clock.now())
    assert isinstance(raw.value.orig, psycopg.errors.DatabaseError)
    assert raw.value.orig.sqlstate == LIMIT_SQLSTATE
    assert str(raw.value.orig).splitlines()[0] == limit_text(24)
    assert len(letters(cluster)) == PER_DAY
    # A day later the count has run out: the next goes.
    clock.advance(hours=24, seconds=1)
    signed = kiosk.auth.login("3492", OWN_PASSWORD, kiosk=True)
    mail_receipt(kiosk, signed.actor, account, MAY)
    assert len(letters(cluster)) == PER_DAY + 1
