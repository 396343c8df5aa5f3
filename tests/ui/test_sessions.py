"""Two windows of one resident: a password changed in one sends the other back to the login
window at its next action, saying why; the window that changed it goes on."""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import Qt

from db.engine import Database
from desktop.app import build_services
from desktop.clock import FixedClock
from desktop.demo import DEMO_PASSWORD, DEMO_STAFF
from desktop.settings import Settings
from tests.ui.conftest import running, wait_idle
from tests.ui.test_app import log_in
from tests.ui.test_office import staff_sign_in
from ui import app as app_module
from ui.app import Controller
from ui.pages.password import CHANGED, PasswordPage
from ui.pages.registry import Page
from ui.window_state import WindowState

NEW_PASSWORD = "Snegopad-na-Sadovoi-7"
ENDED = "Сеанс завершён: пароль был изменён. Войдите снова."


def test_a_password_changed_in_one_window_sends_the_other_back_to_login(
    qtbot, services, database: Database, ui_clock: FixedClock, tmp_path
):
    # Two desks (two processes' worth of services) on the one database.
    other = build_services(database, Settings(), ui_clock, device="second-desk")
    with running(qtbot, services) as home_ctx, running(qtbot, other) as office_ctx:
        home = Controller(home_ctx, WindowState(str(tmp_path / "home.ini")))
        home.show_login()
        log_in(qtbot, home)
        office = Controller(office_ctx, WindowState(str(tmp_path / "office.ini")))
        office.show_login()
        log_in(qtbot, office)
        wait_idle(qtbot, home_ctx)
        wait_idle(qtbot, office_ctx)
        home_window = home.main

        page = office.main.show_page(Page.PASSWORD)
        assert isinstance(page, PasswordPage)
        for field, text in (
            (page.form.current, DEMO_PASSWORD),
            (page.form.new, NEW_PASSWORD),
            (page.form.repeat, NEW_PASSWORD),
        ):
            qtbot.keyClicks(field, text)
        qtbot.keyClick(page.form.repeat, Qt.Key.Key_Return)
        wait_idle(qtbot, office_ctx)
        assert page.messages.text() == CHANGED

        # The other window's next action: it opens the statement.
        home_window.show_page(Page.STATEMENT)
        qtbot.waitUntil(lambda: home.main is None, timeout=10_000)
        wait_idle(qtbot, home_ctx)
        assert home.login is not None and home.login.isVisible()
        assert home.login.login_messages.text() == ENDED
        qtbot.waitUntil(lambda: not shiboken6.isValid(home_window), timeout=5_000)

        # The window that changed the password goes on working.
        statement = office.main.show_page(Page.STATEMENT)
        wait_idle(qtbot, office_ctx)
        assert office.main is not None and statement.messages.kind != "error"
        office.main.close()
        home.login.close()


def test_a_disabled_clerk_is_signed_out_at_their_desk_without_touching_anything(
    qtbot, services, database: Database, ui_clock: FixedClock, monkeypatch
):
    """The administrator disables the clerk at another desk; the clerk's window, left alone,
    returns to the login window within the heartbeat, saying why."""
    monkeypatch.setattr(app_module, "SESSION_CHECK_MS", 100)
    admin_desk = build_services(database, Settings(), ui_clock, device="admin-desk")
    with running(qtbot, services) as ctx:
        desk = Controller(ctx)
        login = desk.show_login()
        qtbot.waitExposed(login)
        staff_sign_in(qtbot, login)
        qtbot.waitUntil(lambda: desk.main is not None, timeout=10_000)
        wait_idle(qtbot, ctx)
        office = desk.main

        admin = admin_desk.auth.staff_login("admin", DEMO_STAFF["admin"]).actor
        admin_desk.auth.set_staff_active("operator", False, by=admin)

        qtbot.waitUntil(lambda: desk.main is None, timeout=10_000)
        wait_idle(qtbot, ctx)
        assert desk.login is not None and desk.login.isVisible()
        assert desk.login.login_messages.text() == (
            "Сеанс завершён: учетная запись отключена. Обратитесь к администратору."
        )
        qtbot.waitUntil(lambda: not shiboken6.isValid(office), timeout=5_000)
        desk.login.close()
