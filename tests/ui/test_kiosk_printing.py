"""Printing on a kiosk without a dialog, and the receipt by e-mail: «Распечатать» sends the
receipt or the statement straight to the kiosk's printer (Qt's PDF output here, read back
with pypdf), a missing printer is named in Russian, «Отправить на почту» queues the letter to
the address on file with the address masked, and the service menu prints a test page."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QApplication, QDialog
from sqlalchemy import select, update
from sqlalchemy.orm import undefer

from db.engine import Database
from db.models import Account, OutboxMessage, ResidentCredential
from desktop.app import Services, build_services
from desktop.clock import FixedClock
from desktop.demo import DEMO_ACCOUNT, DEMO_PASSWORD, build_demo
from desktop.errors import UserError
from desktop.receipt_mail import (
    NO_EMAIL,
    NO_SMTP,
    Mailed,
    mail_possible,
    mail_receipt,
    mask_email,
)
from desktop.settings import KioskSettings, Settings, SmtpSettings
from tests.ui.conftest import wait_idle
from tests.ui.kiosk_helpers import FakeTime, kiosk_running, sign_in
from ui import pdf_pages
from ui.kiosk import printing
from ui.kiosk.controller import KioskController
from ui.kiosk.mailing import SEND, sent_text
from ui.kiosk.printing import PRINTING, printer_problem
from ui.kiosk.service import ServiceMenu
from ui.pages.receipts import ReceiptsPage
from ui.pages.registry import Page
from ui.pages.statement import StatementPage

MISSING = "Принтер в холле 2"  # no such printer on the test machine


def pdf_printer(target: Path) -> QPrinter:
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(target))
    return printer


ASKED: list[str] = []  # the printer names the kiosk asked for


@pytest.fixture
def printed(monkeypatch, tmp_path: Path) -> Path:
    """The kiosk's printer is Qt's PDF output into this file (the seam ``open_printer``);
    the name it was asked for is kept in ``ASKED``."""
    target = tmp_path / "printed.pdf"
    ASKED.clear()

    def open_printer(name: str) -> QPrinter:
        ASKED.append(name)
        return pdf_printer(target)

    monkeypatch.setattr(printing, "open_printer", open_printer)
    return target


def make_services(database: Database, clock: FixedClock, **settings: object) -> Services:
    build_demo(database, clock)
    return build_services(database, Settings(**settings), clock)  # type: ignore[arg-type]


@pytest.fixture
def services(database: Database, ui_clock: FixedClock) -> Services:
    """A kiosk with a named printer and an SMTP server that refuses at once (the letter
    stays queued: what matters here is that it was queued)."""
    return make_services(
        database,
        ui_clock,
        kiosk=KioskSettings(printer=MISSING),
        smtp=SmtpSettings(host="127.0.0.1", port=1, sender="uk@demo.example", timeout=2),
    )


@pytest.fixture
def kiosk(qtbot, services: Services, tmp_path: Path) -> Iterator[KioskController]:
    with kiosk_running(qtbot, services, tmp_path, FakeTime()) as controller:
        sign_in(qtbot, controller)
        yield controller


def receipts_page(qtbot, kiosk: KioskController) -> ReceiptsPage:
    assert kiosk.main is not None
    page = kiosk.main.show_page(Page.RECEIPTS)
    assert isinstance(page, ReceiptsPage)
    wait_idle(qtbot, kiosk.ctx)
    qtbot.waitUntil(lambda: page.print_button.isEnabled())
    return page


def no_dialog_open() -> bool:
    return not [
        w for w in QApplication.topLevelWidgets() if w.isVisible() and isinstance(w, QDialog)
    ]


def test_print_sends_the_receipt_to_the_kiosk_printer_without_a_dialog(
    qtbot, kiosk, printed: Path
) -> None:
    page = receipts_page(qtbot, kiosk)
    assert page.print_button.isVisible() and not page.save_button.isVisible()
    qtbot.mouseClick(page.print_button, Qt.MouseButton.LeftButton)
    assert page.messages.text() == PRINTING and not page.print_button.isEnabled()
    assert no_dialog_open()
    wait_idle(qtbot, kiosk.ctx)
    assert "отправлена на принтер «" in page.messages.text()
    assert "Заберите её из лотка" in page.messages.text()
    assert ASKED == [MISSING]
    reader = PdfReader(printed)
    assert len(reader.pages) >= 1
    box = reader.pages[0].mediabox
    assert abs(float(box.width) - 595) < 3 and abs(float(box.height) - 842) < 3  # A4
    assert reader.pages[0].images  # the rendered receipt itself
    assert page.print_button.isEnabled()


def test_the_preview_prints_to_the_same_printer(qtbot, kiosk, printed: Path) -> None:
    page = receipts_page(qtbot, kiosk)
    qtbot.mouseClick(page.open_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, kiosk.ctx)
    preview = page.preview
    assert preview is not None and not preview.save_button.isVisible()
    qtbot.mouseClick(preview.print_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, kiosk.ctx)
    assert "отправлена на принтер" in preview.messages.text()
    assert len(PdfReader(printed).pages) >= 1


def test_the_statement_prints_on_a_kiosk(qtbot, kiosk, printed: Path) -> None:
    assert kiosk.main is not None
    page = kiosk.main.show_page(Page.STATEMENT)
    assert isinstance(page, StatementPage)
    wait_idle(qtbot, kiosk.ctx)
    assert page.print_button.isVisible() and not page.export_pdf.isVisible()
    qtbot.mouseClick(page.print_button, Qt.MouseButton.LeftButton)
    assert page.messages.text() == PRINTING
    wait_idle(qtbot, kiosk.ctx)
    assert page.messages.text().startswith("Ведомость отправлена на принтер")
    assert len(PdfReader(printed).pages) >= 1


def test_a_missing_printer_is_named_and_nothing_else_happens(qtbot, kiosk) -> None:
    page = receipts_page(qtbot, kiosk)
    qtbot.mouseClick(page.print_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, kiosk.ctx)
    assert page.messages.text() == (
        f"Принтер «{MISSING}» не найден на этом компьютере. "
        "Обратитесь, пожалуйста, к сотруднику офиса."
    )
    assert no_dialog_open() and page.print_button.isEnabled()


def test_printer_states_are_told_in_russian() -> None:
    error = printer_problem("HP", QPrinter.PrinterState.Error)
    assert error is not None and "нет бумаги" in error and "выключен" in error
    aborted = printer_problem("HP", QPrinter.PrinterState.Aborted)
    assert aborted is not None and "прервал печать" in aborted
    assert printer_problem("HP", QPrinter.PrinterState.Idle) is None
    assert printer_problem("HP", QPrinter.PrinterState.Active) is None


def test_mail_queues_the_receipt_to_the_address_on_file_masked(
    qtbot, kiosk, services: Services
) -> None:
    page = receipts_page(qtbot, kiosk)
    assert page.mail_button.isVisible() and page.mail_button.text() == SEND
    receipt = page.selected()
    assert receipt is not None
    qtbot.mouseClick(page.mail_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, kiosk.ctx)
    text = page.messages.text()
    assert text == sent_text(Mailed("i***@demo.example", "")) and "ivanov@" not in text
    assert "Квитанция (PDF) отправлена на i***@demo.example" in text
    with services.db.read() as s:
        account_id = s.scalar(select(Account.id).where(Account.number == DEMO_ACCOUNT))
        (letter,) = s.scalars(
            select(OutboxMessage)
            .options(undefer(OutboxMessage.attachment), undefer(OutboxMessage.attachment_name))
            .where(
                OutboxMessage.account_id == account_id,
                OutboxMessage.subject.startswith("Квитанция за"),
            )
        )
    assert letter.recipient == "ivanov@demo.example" and letter.channel == "email"
    assert receipt.number in letter.body and "К оплате:" in letter.body
    # The receipt itself goes with it: the PDF the desktop saves.
    assert letter.attachment is not None and letter.attachment_name.endswith(".pdf")
    assert DEMO_ACCOUNT in PdfReader(io.BytesIO(letter.attachment)).pages[0].extract_text()


def test_without_an_email_on_file_the_resident_is_sent_to_the_office(
    qtbot, kiosk, services: Services
) -> None:
    with services.db.unit_of_work() as s:
        account_id = s.scalar(select(Account.id).where(Account.number == DEMO_ACCOUNT))
        s.execute(
            update(ResidentCredential)
            .where(ResidentCredential.account_id == account_id)
            .values(email="")
        )
    page = receipts_page(qtbot, kiosk)
    qtbot.mouseClick(page.mail_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, kiosk.ctx)
    assert page.messages.text() == NO_EMAIL
    with services.db.read() as s:
        assert not s.scalars(
            select(OutboxMessage).where(OutboxMessage.subject.startswith("Квитанция"))
        ).all()


def test_without_smtp_the_kiosk_says_so(database: Database, ui_clock: FixedClock) -> None:
    services = make_services(database, ui_clock)
    signed = services.auth.login(DEMO_ACCOUNT, DEMO_PASSWORD)
    assert signed.account_id is not None
    month = services.receipts.receipts(signed.actor, signed.account_id)[0].month
    with pytest.raises(Exception, match="не настроена электронная почта") as caught:
        mail_receipt(services, signed.actor, signed.account_id, month)
    assert str(caught.value) == NO_SMTP


def test_the_masked_address_shows_its_first_letter_and_domain() -> None:
    assert mask_email("ivanov@mail.ru") == "i***@mail.ru"
    assert mask_email("a@b.ru") == "a***@b.ru"
    assert mask_email("broken") == "***"


def test_the_service_menu_prints_a_test_page(qtbot, kiosk, printed: Path) -> None:
    menu = kiosk.open_service_menu()
    qtbot.mouseClick(menu.printer_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, kiosk.ctx)
    assert isinstance(menu, ServiceMenu)
    assert menu.messages.text().startswith("Пробная страница отправлена на принтер")
    text = " ".join(PdfReader(printed).pages[0].extract_text().split())
    assert "Проверка принтера киоска" in text and "20.11.2026" in text
    menu.reject()


def test_the_service_menu_names_a_missing_printer(qtbot, kiosk) -> None:
    menu = kiosk.open_service_menu()
    qtbot.mouseClick(menu.printer_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, kiosk.ctx)
    assert menu.messages.text().startswith(f"Принтер «{MISSING}» не найден")
    menu.reject()


# --- the print lane, the logout, one page at a time, a failed spool, the desk's mail ---------


def test_a_hung_printer_does_not_hold_the_database_calls_up(
    qtbot, kiosk, monkeypatch, tmp_path: Path
) -> None:
    release = threading.Event()

    def hung_printer(name: str) -> QPrinter:
        release.wait(20)  # the spooler does not answer
        return pdf_printer(tmp_path / "late.pdf")

    monkeypatch.setattr(printing, "open_printer", hung_printer)
    page = receipts_page(qtbot, kiosk)
    qtbot.mouseClick(page.print_button, Qt.MouseButton.LeftButton)
    answers: list[int] = []
    ctx = page.ctx
    actor, account_id = ctx.actor, ctx.served.id
    try:
        ctx.tasks.run(
            lambda: len(ctx.services.receipts.receipts(actor, account_id)), answers.append
        )
        qtbot.waitUntil(lambda: bool(answers), timeout=5_000)
        assert page.messages.text() == PRINTING  # still printing meanwhile
    finally:
        release.set()
    wait_idle(qtbot, ctx)
    assert "отправлена на принтер" in page.messages.text()


def test_a_print_still_queued_at_logout_is_not_printed(qtbot, kiosk, printed: Path) -> None:
    page = receipts_page(qtbot, kiosk)
    tasks = kiosk.ctx.tasks
    release = threading.Event()
    tasks.run(lambda: release.wait(20), lambda _: None, lane="print")  # the printer is busy
    try:
        qtbot.mouseClick(page.print_button, Qt.MouseButton.LeftButton)
        made: list[bool] = []
        tasks.run(lambda: True, made.append)  # after the PDF: its print is queued by now
        qtbot.waitUntil(lambda: bool(made))
        kiosk.logout()
    finally:
        release.set()
    wait_idle(qtbot, kiosk.ctx)
    assert ASKED == [] and not printed.exists()


def blank_pdf(pages: int) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


class RecordingPrinter(QPrinter):
    """Qt's PDF output that counts its new pages, or refuses one as a failed spool does."""

    def __init__(self, target: Path, refuse: bool = False) -> None:
        super().__init__(QPrinter.PrinterMode.HighResolution)
        self.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        self.setOutputFileName(str(target))
        self.refuse, self.new_pages = refuse, 0

    def newPage(self) -> bool:
        self.new_pages += 1
        return False if self.refuse else super().newPage()


def test_pages_are_rendered_and_painted_one_at_a_time(qtbot, monkeypatch, tmp_path: Path) -> None:
    printer = RecordingPrinter(tmp_path / "three.pdf")
    monkeypatch.setattr(printing, "open_printer", lambda name: printer)
    real = pdf_pages.iter_pages
    painting_at: list[int] = []  # the printer's new pages so far, as each page renders

    def pages(pdf: bytes, dpi: float) -> Iterator[QImage]:
        for image in real(pdf, dpi):
            painting_at.append(printer.new_pages)
            yield image

    monkeypatch.setattr(printing, "iter_pages", pages)
    assert printing.print_pdf(blank_pdf(3), "", "Квитанция") == "PDF"
    assert painting_at == [0, 0, 1]  # the third renders once the second is on paper
    assert len(PdfReader(tmp_path / "three.pdf").pages) == 3


def test_a_failed_spool_is_reported_not_called_sent(qtbot, monkeypatch, tmp_path: Path) -> None:
    printer = RecordingPrinter(tmp_path / "two.pdf", refuse=True)
    monkeypatch.setattr(printing, "open_printer", lambda name: printer)
    with pytest.raises(UserError) as caught:
        printing.print_pdf(blank_pdf(2), "", "Квитанция")
    assert str(caught.value) == pdf_pages.SPOOL_FAILED and "не принял" in str(caught.value)


def test_a_desk_that_cannot_mail_shows_no_mail_button(
    qtbot, database: Database, ui_clock: FixedClock, tmp_path: Path
) -> None:
    services = make_services(database, ui_clock)  # no SMTP: no letter can leave this desk
    assert not mail_possible(services)
    with kiosk_running(qtbot, services, tmp_path, FakeTime()) as controller:
        sign_in(qtbot, controller)
        page = receipts_page(qtbot, controller)
        assert page.print_button.isVisible() and not page.mail_button.isVisible()
        qtbot.mouseClick(page.open_button, Qt.MouseButton.LeftButton)
        wait_idle(qtbot, controller.ctx)
        assert page.preview is not None and not page.preview.mail_button.isVisible()
        page.preview.reject()


def test_a_desk_that_can_mail_says_so(services: Services) -> None:
    assert mail_possible(services)
