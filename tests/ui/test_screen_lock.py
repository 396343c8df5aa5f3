"""A staff member's desk locks after the organisation's idle minutes: nothing of the open
account is shown or reachable, the staff member's own password opens it again with every page
as it was, and «Выйти» signs out."""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from desktop.demo import DEMO_STAFF
from tests.ui.conftest import wait_idle
from tests.ui.test_kiosk_idle import MESSAGE_BOX
from tests.ui.test_office import staff_sign_in
from ui.app import Controller
from ui.pages.base import BasePage
from ui.screen_lock import LockPanel


def signed_in_desk(qtbot, app_ctx) -> Controller:
    controller = Controller(app_ctx)
    login = controller.show_login()
    qtbot.waitExposed(login)
    staff_sign_in(qtbot, login)
    qtbot.waitUntil(lambda: controller.main is not None, timeout=10_000)
    wait_idle(qtbot, app_ctx)
    return controller


@MESSAGE_BOX
def test_an_idle_desk_locks_and_opens_again_with_the_staff_members_password(qtbot, app_ctx):
    desk = signed_in_desk(qtbot, app_ctx)
    main = desk.main
    assert desk.lock is not None and desk.lock.watch.idle_seconds == 15 * 60
    content, page = main.centralWidget(), main.stack.currentWidget()
    question = QMessageBox(QMessageBox.Icon.Question, "Вопрос", "Напечатать?", parent=main)
    question.open()
    qtbot.waitExposed(question)

    desk.lock.lock()  # what the idle watch does after 15 minutes
    panel = main.centralWidget()
    assert isinstance(panel, LockPanel) and panel.isVisible()
    assert not content.isVisible() and not question.isVisible()
    assert panel.password.hasFocus()
    # Nothing of the account, or the sidebar, is left to see or to reach with Tab.
    visible = [w for w in main.findChildren(type(page)) if w.isVisible()]
    assert visible == [] and not main.sidebar.isVisible()

    qtbot.keyClicks(panel.password, "wrong-password")
    qtbot.keyClick(panel.password, Qt.Key.Key_Return)
    wait_idle(qtbot, app_ctx)
    assert panel.messages.kind == "error" and "Неверный пароль" in panel.messages.text()
    assert panel.password.text() == "" and main.centralWidget() is panel

    qtbot.keyClicks(panel.password, DEMO_STAFF["operator"])
    qtbot.keyClick(panel.password, Qt.Key.Key_Return)
    wait_idle(qtbot, app_ctx)
    assert main.centralWidget() is content and content.isVisible()
    assert main.stack.currentWidget() is page  # the same page, as it was
    assert not desk.lock.locked
    qtbot.waitUntil(lambda: not shiboken6.isValid(panel), timeout=5_000)
    main.close()


def test_a_locked_desk_signs_out_with_its_own_button(qtbot, app_ctx):
    desk = signed_in_desk(qtbot, app_ctx)
    desk.lock.lock()
    panel = desk.main.centralWidget()
    qtbot.mouseClick(panel.logout_button, Qt.MouseButton.LeftButton)
    assert desk.main is None and desk.login is not None and desk.login.isVisible()
    assert QApplication.clipboard().text() == ""
    # The pages behind the lock went with the window: nothing of the desk is left.
    qtbot.waitUntil(lambda: not [w for w in QApplication.allWidgets() if isinstance(w, BasePage)])
    wait_idle(qtbot, app_ctx)
    desk.login.close()


def test_the_resident_cabinet_has_no_lock(qtbot, app_ctx):
    from tests.ui.test_app import log_in

    desk = Controller(app_ctx)
    desk.show_login()
    log_in(qtbot, desk)
    assert desk.lock is None
    wait_idle(qtbot, app_ctx)
    desk.main.close()
