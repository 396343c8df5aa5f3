"""No way out of the kiosk: Alt+F4 and close requests, Escape, context menus, links and the
save and print dialogs do nothing; five quick taps in the top left corner ask for the
administrator's PIN, which opens the service menu (exit, printer test, this machine)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import shiboken6
from PySide6.QtCore import QPoint, Qt, QTimer, QUrl
from PySide6.QtGui import QContextMenuEvent, QDesktopServices
from PySide6.QtWidgets import QApplication, QDialog, QFileDialog, QMenu

from db.models import StaffRole
from desktop.actors import Actor
from desktop.app import Services
from tests.ui.conftest import wait_idle
from tests.ui.kiosk_helpers import FakeTime, kiosk_running, shown_texts
from ui import dialogs
from ui.kiosk.controller import KioskController
from ui.kiosk.service import NO_PIN, TAPS, PinDialog, ServiceMenu

ADMIN = Actor.staff(1, "admin", StaffRole.ADMIN)
PIN = "482915"


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def kiosk(qtbot, services: Services, tmp_path, fake_time) -> Iterator[KioskController]:
    with kiosk_running(qtbot, services, tmp_path, fake_time) as controller:
        yield controller


def front() -> list[QDialog | QMenu]:
    """The dialogs and menus open now."""
    return [
        w
        for w in QApplication.topLevelWidgets()
        if w.isVisible() and isinstance(w, QDialog | QMenu)
    ]


def tap_corner(qtbot, kiosk: KioskController, fake_time: FakeTime, times: int, gap: float):
    for _ in range(times):
        qtbot.mouseClick(kiosk.shell.corner, Qt.MouseButton.LeftButton)
        fake_time.now += gap


def type_pin(qtbot, dialog: PinDialog, pin: str) -> None:
    """On the dialog's own keypad, as the administrator would."""
    for digit in pin:
        qtbot.mouseClick(dialog.keypad.keys[digit], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dialog.keypad.keys["Готово"], Qt.MouseButton.LeftButton)
    wait_idle(qtbot, dialog.ctx)


def pin_dialog() -> PinDialog:
    (dialog,) = [w for w in front() if isinstance(w, PinDialog)]
    return dialog


def test_close_requests_alt_f4_and_escape_leave_the_window_where_it_is(qtbot, kiosk) -> None:
    shell = kiosk.shell
    assert shell.close() is False  # what Alt+F4 or the task manager's «close» asks
    qtbot.keyClick(shell, Qt.Key.Key_F4, Qt.KeyboardModifier.AltModifier)
    assert shell.isVisible() and shell.isFullScreen()

    login = kiosk.open_login(register=False)
    support = login.open_support()  # a window-modal form over the login
    qtbot.waitExposed(support)
    qtbot.keyClick(support, Qt.Key.Key_Escape)
    qtbot.keyClick(login.account, Qt.Key.Key_Escape)
    assert support.isVisible() and kiosk.login is login  # Escape closes nothing
    support.reject()
    wait_idle(qtbot, kiosk.ctx)


def test_no_context_menu_opens_anywhere(qtbot, kiosk) -> None:
    login = kiosk.open_login(register=False)
    menus: list[QMenu] = []

    def close_any_menu() -> None:  # on the old code the menu would block in exec()
        popup = QApplication.activePopupWidget()
        if isinstance(popup, QMenu):
            menus.append(popup)
            popup.close()

    for field in (login.account, login.password, login.fio):
        QTimer.singleShot(300, close_any_menu)
        event = QContextMenuEvent(
            QContextMenuEvent.Reason.Mouse, QPoint(5, 5), field.mapToGlobal(QPoint(5, 5))
        )
        QApplication.sendEvent(field, event)
        qtbot.wait(350)
    assert menus == []


def test_links_open_no_other_program_and_no_file_or_print_dialog_opens(qtbot, kiosk) -> None:
    assert QDesktopServices.openUrl(QUrl("https://example.ru/help"))
    assert QDesktopServices.openUrl(QUrl("mailto:office@example.ru"))
    assert QDesktopServices.openUrl(QUrl.fromLocalFile("/"))
    assert kiosk.lockdown.refused_urls == [
        "https://example.ru/help",
        "mailto:office@example.ru",
        "file:///",
    ]
    seen: list[object] = []

    def close_any_dialog() -> None:  # on the old code the dialog would block
        for dialog in front():
            seen.append(dialog)
            dialog.reject()

    QTimer.singleShot(300, close_any_dialog)
    assert dialogs.save_path(kiosk.shell, "Сохранить", "Квитанция.pdf", "PDF (*.pdf)") == ""
    QTimer.singleShot(300, close_any_dialog)
    assert dialogs.choose_printer(kiosk.shell) is None
    qtbot.wait(350)
    assert seen == [] and not kiosk.shell.findChildren(QFileDialog)


def test_the_lockdown_ends_with_the_administrators_exit(qtbot, kiosk, services) -> None:
    services.kiosk_pin.change(ADMIN, PIN)
    kiosk.open_service_menu()
    (menu,) = [w for w in front() if isinstance(w, ServiceMenu)]
    with qtbot.waitSignal(kiosk.exit_requested, timeout=5_000):
        qtbot.mouseClick(menu.exit_button, Qt.MouseButton.LeftButton)
    assert not kiosk.shell.isVisible()
    assert not dialogs.system_dialogs_forbidden()


def test_five_quick_taps_in_the_corner_ask_for_the_pin_and_fewer_or_slower_do_not(
    qtbot, kiosk, fake_time
) -> None:
    tap_corner(qtbot, kiosk, fake_time, TAPS - 1, 0.3)
    assert front() == []
    fake_time.now += 10
    tap_corner(qtbot, kiosk, fake_time, TAPS, 1.5)  # spread over six seconds
    assert front() == []
    fake_time.now += 10
    tap_corner(qtbot, kiosk, fake_time, TAPS, 0.4)
    dialog = pin_dialog()
    assert dialog.pin.hasFocus() or dialog.isVisible()
    assert "Личный кабинет жителя" in shown_texts(kiosk.shell)  # the welcome stays behind


def test_without_a_pin_set_the_menu_stays_shut_and_says_how_to_set_one(
    qtbot, kiosk, fake_time
) -> None:
    tap_corner(qtbot, kiosk, fake_time, TAPS, 0.2)
    dialog = pin_dialog()
    type_pin(qtbot, dialog, "000000")
    assert dialog.messages.text() == NO_PIN
    assert not [w for w in front() if isinstance(w, ServiceMenu)]


def test_the_right_pin_opens_the_service_menu_and_wrong_ones_slow_down(
    qtbot, kiosk, fake_time, services: Services
) -> None:
    services.kiosk_pin.change(ADMIN, PIN)
    tap_corner(qtbot, kiosk, fake_time, TAPS, 0.2)
    dialog = pin_dialog()
    type_pin(qtbot, dialog, "111222")
    assert dialog.messages.text() == "Неверный ПИН."
    type_pin(qtbot, dialog, "111223")
    type_pin(qtbot, dialog, "111224")  # the third wrong one: a wait begins
    assert "Следующая попытка — через 2 с" in dialog.messages.text()
    type_pin(qtbot, dialog, PIN)  # refused unasked while the wait lasts
    assert "через 2 с" in dialog.messages.text() and dialog.isVisible()
    fake_time.now += 2
    type_pin(qtbot, dialog, PIN)
    qtbot.waitUntil(lambda: not shiboken6.isValid(dialog) or not dialog.isVisible())
    (menu,) = [w for w in front() if isinstance(w, ServiceMenu)]
    assert kiosk.gate.wrong == 0

    qtbot.mouseClick(menu.printer_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, kiosk.ctx)  # a test page, or why not (no printer on a test machine)
    assert menu.messages.text().startswith(
        ("К киоску не подключён", "Пробная страница", "Принтер «")
    )
    qtbot.mouseClick(menu.settings_button, Qt.MouseButton.LeftButton)
    details = menu.details.toPlainText()
    assert "Режим: киоск" in details and "Выход по бездействию: через" in details
    qtbot.mouseClick(menu.close_button, Qt.MouseButton.LeftButton)
    assert front() == [] and kiosk.shell.isVisible()


def test_the_database_password_is_never_shown() -> None:
    from ui.kiosk.service import hidden_password

    assert (
        hidden_password("postgresql://kiosk:s3cr%40t@db.local:5432/cabinet")
        == "postgresql://kiosk:***@db.local:5432/cabinet"
    )
    assert hidden_password("sqlite:///C:/cabinet.db") == "sqlite:///C:/cabinet.db"
