"""The kiosk's idle logout always works: a countdown with «Продолжить», then every dialog
closed (modal, nested, in exec or not), the pages destroyed, the clipboard and the kiosk's
temporary folder emptied, and the welcome screen back."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import shiboken6
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

from desktop.app import Services
from tests.ui.conftest import wait_idle
from tests.ui.kiosk_helpers import FakeTime, idle_for, kiosk_running, shown_texts, sign_in
from ui import dialogs
from ui.kiosk.controller import KioskController
from ui.pages.base import BasePage
from ui.pages.registry import Page


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def kiosk(qtbot, services: Services, tmp_path, fake_time) -> Iterator[KioskController]:
    with kiosk_running(qtbot, services, tmp_path, fake_time) as controller:
        yield controller


def assert_nothing_of_the_account_left(kiosk: KioskController, pages: list[BasePage]) -> None:
    assert kiosk.main is None and kiosk.login is None
    assert kiosk.shell.stack.currentWidget() is kiosk.shell.welcome
    assert not any(shiboken6.isValid(page) for page in pages)
    assert not any("3492" in t or "Иванов" in t or "Садовая" in t for t in shown_texts())
    assert QGuiApplication.clipboard().text() == ""
    assert list(kiosk.scratch.path.iterdir()) == []
    assert QApplication.activeModalWidget() is None
    assert not [w for w in QApplication.topLevelWidgets() if w.isVisible() and w is not kiosk.shell]


def leave_traces(kiosk: KioskController) -> list[BasePage]:
    """What a resident's session leaves: pages, something copied, a receipt's PDF."""
    QGuiApplication.clipboard().setText("3492 Иванов")
    (kiosk.scratch.path / "tmp-receipt.pdf").write_bytes(b"%PDF-1.4")
    (kiosk.scratch.path / "qt-temp").mkdir()
    (kiosk.scratch.path / "qt-temp" / "page.png").write_bytes(b"png")
    assert kiosk.main is not None
    return kiosk.main.findChildren(BasePage)


def test_the_countdown_shows_and_continue_keeps_the_session(qtbot, kiosk, fake_time) -> None:
    sign_in(qtbot, kiosk)
    main = kiosk.main
    wait_idle(qtbot, kiosk.ctx)
    idle_for(kiosk, fake_time, 75)
    assert main.idle_bar.isVisible() and "через 15 с" in main.idle_label.text()
    stay = next(b for b in main.idle_bar.findChildren(type(main.support_button)))
    assert stay.text() == "Продолжить"
    qtbot.mouseClick(stay, Qt.MouseButton.LeftButton)
    assert not main.idle_bar.isVisible()
    idle_for(kiosk, fake_time, 80)
    assert kiosk.main is main  # 80 s after the touch: still in


# A message box fixes its own size as it shows, which the offscreen platform warns about.
MESSAGE_BOX = pytest.mark.qt_log_ignore("does not support propagateSizeHints")


@MESSAGE_BOX
def test_idle_logout_closes_a_modal_question_in_exec_and_leaves_nothing(
    qtbot, kiosk, fake_time
) -> None:
    sign_in(qtbot, kiosk)
    main = kiosk.main
    wait_idle(qtbot, kiosk.ctx)
    main.show_page(Page.RECEIPTS)
    wait_idle(qtbot, kiosk.ctx)
    pages = leave_traces(kiosk)
    QTimer.singleShot(200, lambda: idle_for(kiosk, fake_time, 90))
    # The resident walked away from a question: exec() returns once the logout closed it.
    assert dialogs.confirm(main, "Удалить показания?") is False
    qtbot.waitUntil(lambda: not shiboken6.isValid(main), timeout=5_000)
    assert_nothing_of_the_account_left(kiosk, pages)


@MESSAGE_BOX
def test_idle_logout_closes_nested_dialogs_opened_without_exec(qtbot, kiosk, fake_time) -> None:
    sign_in(qtbot, kiosk)
    main = kiosk.main
    wait_idle(qtbot, kiosk.ctx)
    pages = leave_traces(kiosk)
    outer = QDialog(main)
    outer.setWindowTitle("Первый")
    outer.open()
    inner = QMessageBox(QMessageBox.Icon.Information, "Второй", "Текст", parent=outer)
    inner.open()
    qtbot.waitExposed(inner)
    idle_for(kiosk, fake_time, 90)
    qtbot.waitUntil(lambda: not shiboken6.isValid(main), timeout=5_000)
    assert_nothing_of_the_account_left(kiosk, pages)


def test_idle_logout_closes_the_support_form_in_exec(qtbot, kiosk, fake_time) -> None:
    sign_in(qtbot, kiosk)
    main = kiosk.main
    wait_idle(qtbot, kiosk.ctx)
    pages = leave_traces(kiosk)
    QTimer.singleShot(200, lambda: idle_for(kiosk, fake_time, 90))
    main.open_support()
    qtbot.waitUntil(lambda: not shiboken6.isValid(main), timeout=5_000)
    assert_nothing_of_the_account_left(kiosk, pages)


def test_an_idle_login_form_goes_home_with_what_was_typed(qtbot, kiosk, fake_time) -> None:
    login = kiosk.open_login(register=True)
    login.fio.setText("Петров П.П.")
    login.email.setText("petrov@mail.ru")
    reset = login.open_reset()  # «Забыли пароль?» left open too
    qtbot.waitExposed(reset)
    idle_for(kiosk, fake_time, 90)
    qtbot.waitUntil(lambda: not shiboken6.isValid(login), timeout=5_000)
    assert kiosk.login is None and kiosk.shell.stack.currentWidget() is kiosk.shell.welcome
    assert not any("Петров" in t or "petrov@" in t for t in shown_texts())


def test_a_pin_dialog_left_open_is_closed_when_idle(qtbot, kiosk, fake_time) -> None:
    dialog = kiosk.ask_pin()
    dialog.pin.setText("4829")
    idle_for(kiosk, fake_time, 90)
    assert not dialog.isVisible() if shiboken6.isValid(dialog) else True
    assert QApplication.activeModalWidget() is None


def test_the_kiosk_as_started_signs_out_even_while_a_system_dialog_is_open(
    qtbot, qapp, services: Services, tmp_path, monkeypatch
) -> None:
    """Nothing holds the kiosk's idle logout back: it opens no save or print dialog, and
    closes what it opened. Started as ``--kiosk`` starts it: touch sizes, its temporary folder in the data directory."""
    import dataclasses
    import tempfile

    from tests.ui.conftest import running
    from ui.kiosk import touch
    from ui.kiosk.app import start_kiosk
    from ui.kiosk.scratch import TEMP_VARIABLES

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    for name in TEMP_VARIABLES:  # restored afterwards: the kiosk makes them its own
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(tempfile, "tempdir", tempfile.tempdir)
    settings = dataclasses.replace(services.settings, mode="kiosk")
    with running(qtbot, services, settings) as ctx:
        controller, shell = start_kiosk(qapp, ctx)
        controller.exit_requested.disconnect()  # not the test run's application: no quit
        try:
            qtbot.waitExposed(shell)
            assert shell.isFullScreen() and controller.scratch is not None
            assert controller.scratch.path.is_relative_to(tmp_path / "data")
            assert tempfile.gettempdir() == str(controller.scratch.path)
            with tempfile.NamedTemporaryFile(suffix=".pdf", delete=False) as left:
                left.write(b"%PDF-1.4")  # a receipt on its way to the printer
            sign_in(qtbot, controller)
            main = controller.main
            watch = controller.idle
            assert watch is not None
            watch._last_input -= settings.kiosk.idle_seconds
            watch.tick()
            qtbot.waitUntil(lambda: not shiboken6.isValid(main), timeout=5_000)
            assert controller.main is None and not list(controller.scratch.path.iterdir())
        finally:
            wait_idle(qtbot, ctx)
            controller.leave_kiosk()
            touch.remove(qapp)
            wait_idle(qtbot, ctx)
