"""«Отправить на почту» on a kiosk whose database login is a member of ``cabinet_kiosk``
(issue 14): the button shows, a tap queues the receipt through the database
(``db.roles_mail``), the screen names the address masked, and the office's desk delivers
the letter with the receipt's PDF. PostgreSQL only: SQLite has no roles."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QScrollArea

from db.roles import KIOSK
from db.roles_outbox import MAILER
from desktop.app import Services
from desktop.clock import FixedClock
from desktop.receipt_mail import Mailed
from tests.db.test_kiosk_mail import ADDRESS, receipts  # noqa: F401 (fixture)
from tests.db.test_roles import (  # noqa: F401 (fixtures)
    OWN_PASSWORD,
    Cluster,
    cheap_hashing,
    cluster,
    services_as,
    smtp,
)
from tests.desktop.test_mail import SmtpServer
from tests.ui.conftest import wait_idle
from tests.ui.kiosk_helpers import FakeTime, kiosk_running
from ui.kiosk.controller import KioskController
from ui.kiosk.mailing import sent_text
from ui.pages.receipts import ReceiptsPage
from ui.pages.registry import Page


@pytest.fixture
def kiosk_services(
    cluster: Cluster,  # noqa: F811
    clock: FixedClock,
    smtp: SmtpServer,  # noqa: F811
) -> Iterator[Services]:
    services = services_as(cluster, KIOSK, clock, smtp.settings())
    yield services
    services.close()


def sign_in_as_3492(qtbot, controller: KioskController) -> None:
    qtbot.mouseClick(controller.shell.welcome.login_button, Qt.MouseButton.LeftButton)
    login = controller.login
    assert login is not None
    login.account.setText("3492")
    login.password.setText(OWN_PASSWORD)
    scroll = login.forms
    assert isinstance(scroll, QScrollArea)
    scroll.ensureWidgetVisible(login.login_button)
    qtbot.mouseClick(login.login_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: controller.main is not None, timeout=10_000)


def test_the_kiosk_role_mails_the_receipt_from_the_screen(
    qtbot,
    cluster: Cluster,  # noqa: F811
    clock: FixedClock,
    kiosk_services: Services,
    receipts: dict[str, int],  # noqa: F811
    smtp: SmtpServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    with kiosk_running(qtbot, kiosk_services, tmp_path, FakeTime()) as controller:
        sign_in_as_3492(qtbot, controller)
        assert controller.main is not None
        page = controller.main.show_page(Page.RECEIPTS)
        assert isinstance(page, ReceiptsPage)
        wait_idle(qtbot, controller.ctx)
        qtbot.waitUntil(lambda: page.print_button.isEnabled())
        assert page.mail_button.isVisible()  # shown on a kiosk's role now
        qtbot.mouseClick(page.mail_button, Qt.MouseButton.LeftButton)
        wait_idle(qtbot, controller.ctx)
        text = page.messages.text()
        assert "r***@mail.ru" in text and ADDRESS not in text
        assert text == sent_text(Mailed("r***@mail.ru", ""))
    office = services_as(cluster, MAILER, clock, smtp.settings())
    try:
        assert office.mail_sender is not None and office.mail_sender.send_due().sent == 1
    finally:
        office.close()
    [letter] = smtp.messages
    assert letter["To"] == ADDRESS
    [part] = list(letter.iter_attachments())
    assert "3492" in PdfReader(io.BytesIO(part.get_content())).pages[0].extract_text()
