"""The kiosk's keypad and keyboard on a 1920×1080 and a 1280×1024 screen: never over the
focused field nor over its form's default button («Войти», «Отправить»), the form scrolled
or the dialog moved so both stay in view; and dialogs opened over the kiosk's window (the
support form, «Забыли пароль?») get the keys too, typing into their own fields."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import QPushButton, QWidget

from desktop.app import Services
from tests.ui.kiosk_helpers import FakeTime, kiosk_running
from ui.kiosk import touch
from ui.kiosk.controller import KioskController
from ui.kiosk.keypad_follow import FollowingKeypad

SIZES = [(1920, 1080), (1280, 1024)]


@pytest.fixture(params=SIZES, ids=["1920x1080", "1280x1024"])
def kiosk(request, qtbot, qapp, services: Services, tmp_path) -> Iterator[KioskController]:
    touch.apply(qapp)
    try:
        with kiosk_running(qtbot, services, tmp_path, FakeTime()) as controller:
            controller.shell.setWindowState(Qt.WindowState.WindowNoState)
            controller.shell.resize(*request.param)
            qtbot.wait(50)
            yield controller
    finally:
        touch.remove(qapp)


def on_screen(widget: QWidget) -> QRect:
    """The part of ``widget`` not clipped by a scrolling parent, in screen coordinates."""
    shown = QRect(widget.mapToGlobal(QPoint(0, 0)), widget.size())
    parent = widget.parentWidget()
    while parent is not None:
        shown &= QRect(parent.mapToGlobal(QPoint(0, 0)), parent.size())
        if parent.isWindow():
            break
        parent = parent.parentWidget()
    return shown


def in_full_view(kiosk: KioskController, widget: QWidget) -> bool:
    whole = QRect(widget.mapToGlobal(QPoint(0, 0)), widget.size())
    return on_screen(widget) == whole and kiosk.shell.geometry().contains(whole)


def card_shown(kiosk: KioskController) -> FollowingKeypad:
    card = kiosk.keypads.shown()
    assert card is not None
    return card


def assert_clear(kiosk: KioskController, field: QWidget, button: QPushButton) -> None:
    """The card shows on the screen and leaves the field and the button in full view."""
    card = card_shown(kiosk)
    assert card.field is field
    box = QRect(card.mapToGlobal(QPoint(0, 0)), card.size())
    assert kiosk.shell.geometry().contains(box)
    for widget in (field, button):
        assert in_full_view(kiosk, widget), widget.objectName() or widget.accessibleName()
        assert not box.intersects(on_screen(widget)), widget.accessibleName() or widget.text()


def test_the_keyboard_leaves_the_password_and_sign_in_in_view(qtbot, kiosk) -> None:
    login = kiosk.open_login(register=False)
    qtbot.waitUntil(kiosk.keypad.isVisible)
    assert_clear(kiosk, login.account, login.login_button)
    qtbot.mouseClick(login.password, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: kiosk.keypad.keyboard.isVisible())
    assert_clear(kiosk, login.password, login.login_button)
    for field in (login.fio, login.reg_code, login.email):  # the registration's, down to its end
        field.setFocus()
        assert_clear(kiosk, field, login.register_button)
    login.account.setFocus()  # a keypad beside it again: the room the keyboard took is gone
    assert kiosk.keypad._padded is None
    assert_clear(kiosk, login.account, login.login_button)


def test_the_support_form_over_the_login_gets_the_keyboard(qtbot, kiosk) -> None:
    login = kiosk.open_login(register=False)
    dialog = login.open_support()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(lambda: dialog.topic.hasFocus())
    card = card_shown(kiosk)
    assert card is not kiosk.keypad and card.parentWidget() is dialog and card.isWindow()
    assert not kiosk.keypad.isVisible()  # the window's own card went
    assert_clear(kiosk, dialog.topic, dialog.send_button)
    for key in ("⇧", "н", "е", "т", "Пробел", "п", "а", "р", "о", "л", "я"):
        qtbot.mouseClick(card.keyboard.keys[key], Qt.MouseButton.LeftButton)
    assert dialog.topic.text() == "Нет пароля"

    qtbot.mouseClick(dialog.message.viewport(), Qt.MouseButton.LeftButton)
    assert_clear(kiosk, dialog.message, dialog.send_button)
    for key in ("д", "а", "⌫", "о"):
        qtbot.mouseClick(card.keyboard.keys[key], Qt.MouseButton.LeftButton)
    assert dialog.message.toPlainText() == "до"
    assert dialog.account is not None
    dialog.account.setFocus()  # the account number: digits, in the dialog too
    assert_clear(kiosk, dialog.account, dialog.send_button)
    assert card.digits.isVisible() and not card.keyboard.isVisible()
    for key in "3492":
        qtbot.mouseClick(card.digits.keys[key], Qt.MouseButton.LeftButton)
    assert dialog.account.text() == "3492"
    dialog.reject()
    qtbot.waitUntil(lambda: not _alive(card) or not card.isVisible())
    kiosk.shell.activateWindow()
    qtbot.waitUntil(kiosk.shell.isActiveWindow)
    login.password.setFocus()  # back in the window: its own card again
    assert card_shown(kiosk) is kiosk.keypad


def test_forgotten_password_dialog_types_account_and_email(qtbot, kiosk) -> None:
    login = kiosk.open_login(register=False)
    dialog = login.open_reset()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(lambda: dialog.account.hasFocus())
    card = card_shown(kiosk)
    assert card.field is dialog.account and card.digits.isVisible()
    assert_clear(kiosk, dialog.account, dialog.request_button)
    for key in "3492":
        qtbot.mouseClick(card.digits.keys[key], Qt.MouseButton.LeftButton)
    assert dialog.account.text() == "3492"
    dialog.email.setFocus()
    assert_clear(kiosk, dialog.email, dialog.request_button)
    card.keyboard.press("ABC")
    for key in "a@b.ru":
        qtbot.mouseClick(card.keyboard.keys[key], Qt.MouseButton.LeftButton)
    assert dialog.email.text() == "a@b.ru"
    dialog.reject()


def test_the_pin_dialog_keeps_its_own_keypad(qtbot, kiosk) -> None:
    pin = kiosk.ask_pin()
    qtbot.waitExposed(pin)
    pin.pin.setFocus()
    assert kiosk.keypads.shown() is None
    pin.reject()


def _alive(widget: QWidget) -> bool:
    import shiboken6

    return shiboken6.isValid(widget)


def test_an_idle_logout_takes_a_dialogs_keyboard_with_it(qtbot, kiosk) -> None:
    from PySide6.QtWidgets import QApplication

    login = kiosk.open_login(register=False)
    dialog = login.open_support()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(lambda: dialog.topic.hasFocus())
    card = card_shown(kiosk)
    assert card.isWindow()
    assert kiosk.idle is not None
    kiosk.idle.expired.emit()  # what the watch does when the time is up
    qtbot.waitUntil(lambda: kiosk.login is None)
    assert not _alive(card) or not card.isVisible()
    shown = [w for w in QApplication.topLevelWidgets() if w.isVisible() and w is not kiosk.shell]
    assert shown == []


def test_on_a_shorter_screen_the_form_scrolls_above_the_keyboard(qtbot, kiosk) -> None:
    """A 16:10 screen (1280×800): no side of the password has room for the keyboard, so it
    takes the window's bottom and the form scrolls the password and «Войти» above it — with
    room added below the form's end while the keyboard is open, and taken away after."""
    kiosk.shell.resize(1280, 800)
    qtbot.wait(50)
    login = kiosk.open_login(register=False)
    qtbot.mouseClick(login.password, Qt.MouseButton.LeftButton)
    card = card_shown(kiosk)
    assert card.keyboard.isVisible()
    assert in_shell_bottom(kiosk, card)
    assert_clear(kiosk, login.password, login.login_button)
    login.reg_code.setFocus()  # the registration's last field: the form gets room to scroll
    assert card._padded is not None
    assert_clear(kiosk, login.reg_code, login.register_button)
    login.account.setFocus()  # the keypad beside it: the form as it was
    assert card._padded is None
    assert_clear(kiosk, login.account, login.login_button)


def in_shell_bottom(kiosk: KioskController, card: QWidget) -> bool:
    box = QRect(card.mapToGlobal(QPoint(0, 0)), card.size())
    return box.bottom() == kiosk.shell.geometry().bottom()
