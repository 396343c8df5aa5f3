"""The kiosk's on-screen keypad: beside an account number or a meter's value as it takes the
focus, digits (and a decimal comma for readings) typed by touch alone, «Готово» as Enter;
and on a kiosk no button that would open a file or print dialog is there at all."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QRect, Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QFileDialog, QPushButton

from desktop.app import Services
from tests.ui.conftest import wait_idle
from tests.ui.kiosk_helpers import FakeTime, kiosk_running
from ui.kiosk import touch
from ui.kiosk.controller import KioskController
from ui.kiosk.keypad import Keypad
from ui.pages.readings import ReadingsPage
from ui.pages.receipts import ReceiptPreview, ReceiptsPage
from ui.pages.registry import KIOSK, RESIDENT, Page, pages_for
from ui.pages.statement import StatementPage


@pytest.fixture
def kiosk(qtbot, qapp, services: Services, tmp_path) -> Iterator[KioskController]:
    touch.apply(qapp)
    try:
        with kiosk_running(qtbot, services, tmp_path, FakeTime()) as controller:
            controller.shell.setWindowState(Qt.WindowState.WindowNoState)
            controller.shell.resize(1920, 1080)
            qtbot.wait(50)
            yield controller
    finally:
        touch.remove(qapp)


def tap(qtbot, keypad: Keypad, keys: str) -> None:
    for key in keys:
        qtbot.mouseClick(keypad.keys[key], Qt.MouseButton.LeftButton)


def in_shell(kiosk: KioskController, widget) -> QRect:
    return QRect(widget.mapTo(kiosk.shell, widget.rect().topLeft()), widget.size())


def test_a_resident_signs_in_with_the_keypad_alone(qtbot, kiosk) -> None:
    qtbot.mouseClick(kiosk.shell.welcome.login_button, Qt.MouseButton.LeftButton)
    login = kiosk.login
    card = kiosk.keypad
    qtbot.waitUntil(card.isVisible)
    assert card.field is login.account and card.digits.isVisible()
    assert not card.decimal.isVisible()  # an account number takes no comma
    assert not in_shell(kiosk, card).intersects(in_shell(kiosk, login.account))
    assert kiosk.shell.rect().contains(in_shell(kiosk, card))
    tap(qtbot, card.digits, "34922")
    tap(qtbot, card.digits, "⌫")
    assert login.account.text() == "3492" and login.account.hasFocus()

    qtbot.mouseClick(login.password, Qt.MouseButton.LeftButton)  # the next field
    assert login.password.hasFocus() and card.field is login.password
    keyboard = card.keyboard
    assert keyboard.isVisible() and not card.digits.isVisible()
    assert not in_shell(kiosk, card).intersects(in_shell(kiosk, login.password))
    qtbot.mouseClick(keyboard.keys["ABC"], Qt.MouseButton.LeftButton)  # a Latin password
    for key in "demo2017pass":
        qtbot.mouseClick(keyboard.keys[key], Qt.MouseButton.LeftButton)
    assert login.password.text() == "demo2017pass"
    qtbot.mouseClick(keyboard.keys["Готово"], Qt.MouseButton.LeftButton)  # = Enter
    qtbot.waitUntil(lambda: kiosk.main is not None, timeout=10_000)
    assert not card.isVisible()


def test_the_next_resident_finds_the_keyboard_as_the_first_did(qtbot, kiosk) -> None:
    """Tried on a real display: the Latin layout (or a capital) one resident chose for a
    password stayed for the next one after the logout."""
    login = kiosk.open_login(register=True)
    card = kiosk.keypad
    qtbot.waitUntil(card.isVisible)
    keyboard = card.keyboard
    qtbot.mouseClick(keyboard.keys["ABC"], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(keyboard.keys["⇧"], Qt.MouseButton.LeftButton)
    assert "q" in keyboard.keys and keyboard.keys["q"].text() == "Q"
    kiosk.show_welcome()  # as the idle logout and «На главную» do
    login = kiosk.open_login(register=True)
    qtbot.waitUntil(lambda: card.isVisible() and card.field is login.fio)
    assert "й" in keyboard.keys and keyboard.keys["й"].text() == "й"
    assert keyboard.keys["ABC"].text() == "ABC"


def test_the_keyboard_types_russian_capitals_spaces_and_corrections(qtbot, kiosk) -> None:
    login = kiosk.open_login(register=True)
    card = kiosk.keypad
    qtbot.waitUntil(card.isVisible)
    assert card.field is login.fio and card.keyboard.isVisible()
    keyboard = card.keyboard
    for key in ("⇧", "п", "е", "т", "р", "о", "в", "в", "⌫", "Пробел", "⇧", "п", "."):
        qtbot.mouseClick(keyboard.keys[key], Qt.MouseButton.LeftButton)
    assert login.fio.text() == "Петров П."


def test_a_reading_is_typed_with_a_comma_and_stored_by_touch(
    qtbot, kiosk, services: Services
) -> None:
    from tests.ui.kiosk_helpers import sign_in

    sign_in(qtbot, kiosk)
    main = kiosk.main
    page = main.show_page(Page.METERS)
    assert isinstance(page, ReadingsPage)
    wait_idle(qtbot, kiosk.ctx)
    qtbot.mouseClick(page.add_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, kiosk.ctx)
    view = page.readings_view
    first = view.currentIndex()
    rect = view.visualRect(first)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())  # one tap
    card = kiosk.keypad
    qtbot.waitUntil(card.isVisible)
    assert card.decimal.isVisible() and card.field is view.indexWidget(first)
    assert not in_shell(kiosk, card).intersects(in_shell(kiosk, card.field))
    card.field.clear()
    tap(qtbot, card.decimal, "9950,5")
    qtbot.mouseClick(card.decimal.keys["Готово"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.currentIndex().row() == first.row() + 1)
    assert page.readings.index(first.row(), first.column()).data() == "9950,500"


def test_no_kiosk_page_offers_to_save_a_file_or_opens_a_file_dialog(qtbot, kiosk) -> None:
    from tests.ui.kiosk_helpers import sign_in

    sign_in(qtbot, kiosk)
    main = kiosk.main
    seen: list[str] = []

    def close_dialogs() -> None:
        for widget in QApplication.topLevelWidgets():
            if widget.isVisible() and isinstance(widget, QDialog):
                seen.append(type(widget).__name__)
                if not isinstance(widget, ReceiptPreview):  # the receipt itself may show
                    widget.reject()

    closer = QTimer()
    closer.timeout.connect(close_dialogs)
    closer.start(100)
    try:
        for spec in pages_for(KIOSK, RESIDENT):
            page = main.show_page(spec.page)
            wait_idle(qtbot, kiosk.ctx)
            shown = [b.text() for b in page.findChildren(QPushButton) if b.isVisible()]
            assert not [t for t in shown if t.startswith("Экспорт")]
            if isinstance(page, ReceiptsPage):
                # «Распечатать» stays: straight to the kiosk's printer (ui.kiosk.printing).
                assert not page.save_button.isVisible() and page.print_button.isVisible()
                page.open_receipt()
                wait_idle(qtbot, kiosk.ctx)
                preview = page.preview
                assert preview is not None and preview.isVisible()
                assert not preview.save_button.isVisible() and preview.print_button.isVisible()
                page.save_receipt(preview)  # even if reached: no dialog, nothing written
                page.print_receipt(preview)  # no dialog: the kiosk's printer, or why not
                wait_idle(qtbot, kiosk.ctx)
                preview.close()
            if isinstance(page, StatementPage):
                assert not page.export_xlsx.isVisible() and not page.export_pdf.isVisible()
                page.export("pdf")
            wait_idle(qtbot, kiosk.ctx)
    finally:
        closer.stop()
    assert "QFileDialog" not in seen and "QPrintDialog" not in seen
    assert not kiosk.shell.findChildren(QFileDialog)


def test_the_statement_and_receipts_still_show(qtbot, kiosk, services: Services) -> None:
    """Only the file buttons go: the resident still reads the receipt and the statement."""
    from tests.ui.kiosk_helpers import sign_in

    sign_in(qtbot, kiosk)
    receipts = kiosk.main.show_page(Page.RECEIPTS)
    wait_idle(qtbot, kiosk.ctx)
    assert receipts.open_button.isVisible() and receipts.open_button.isEnabled()
    assert receipts.view.model().rowCount() > 0
