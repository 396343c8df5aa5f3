"""The kiosk's controller: the office's sign-in and logout (``ui.app.Controller``) inside the
kiosk's one window, beginning and ending at the welcome screen.

Logout — by «Выйти» or when idle — closes whatever dialog is open, destroys the pages,
empties the clipboard and the kiosk's temporary folder, and shows the welcome screen.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QDialog, QMenu, QWidget

from desktop.settings import Settings
from ui.app import Controller
from ui.context import AppContext
from ui.forms import delete_on_close
from ui.kiosk.availability import Availability, UnavailablePage
from ui.kiosk.keypad_follow import Keypads
from ui.kiosk.lockdown import Lockdown
from ui.kiosk.scratch import Scratch
from ui.kiosk.service import CornerTaps, PinDialog, PinGate, ServiceMenu
from ui.kiosk.shell import KioskShell
from ui.login import LoginWindow


class KioskController(Controller):
    """Switches the kiosk's window between the welcome screen, the login and the cabinet."""

    exit_requested = Signal()  # the administrator left kiosk mode from the service menu

    def __init__(
        self,
        ctx: AppContext,
        scratch: Scratch | None = None,
        *,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(ctx, None)  # a kiosk remembers no window geometry
        self.scratch = scratch
        self.lockdown = Lockdown(self)
        self.shell = KioskShell(ctx.settings)
        self.shell.welcome.login_requested.connect(lambda: self.open_login(register=False))
        self.shell.welcome.register_requested.connect(lambda: self.open_login(register=True))
        self.shell.stack.currentChanged.connect(self._screen_changed)
        self.unavailable = UnavailablePage(ctx.settings)
        self.shell.stack.addWidget(self.unavailable)
        self.availability = Availability(ctx, parent=self)
        self.availability.down.connect(self._went_down)
        self.availability.up.connect(self._came_back)
        self.keypads = Keypads(self.shell)
        self.keypad = self.keypads.main  # the window's own; a dialog's are made as needed
        self.taps = CornerTaps(now)
        self.gate = PinGate(now)
        self.shell.corner.tapped.connect(self._corner_tapped)

    def start(self) -> KioskShell:
        """Lock the application down and show the window full screen, welcoming."""
        if self.scratch is not None:
            self.scratch.wipe()  # what a killed kiosk left behind
        self.lockdown.install()
        self.shell.cover_screen()
        self.availability.start()
        return self.shell

    # -- the administrator's way out

    def _corner_tapped(self) -> None:
        if self.taps.tap():
            self.ask_pin()

    def ask_pin(self) -> PinDialog:
        dialog = PinDialog(self.ctx, self.gate, self.shell)
        delete_on_close(dialog)
        dialog.accepted.connect(self.open_service_menu)
        dialog.open()
        return dialog

    def open_service_menu(self) -> ServiceMenu:
        menu = ServiceMenu(self.ctx, self.shell)
        delete_on_close(menu)
        menu.exit_requested.connect(self.leave_kiosk)
        menu.open()
        return menu

    # -- the screens

    def open_login(self, *, register: bool) -> LoginWindow:
        """The login form (a fresh one unless a resident is still typing in it), the cursor
        in the account number, or in ФИО to register."""
        login = self.login if self.login is not None else self.show_login()
        self.shell.show_screen(login, home=True)
        if register:
            login.go_to_registration()
        else:
            login.account.setFocus()
        return login

    def show_welcome(self) -> None:
        """Back to the welcome screen (or to «Сервис временно недоступен» while the
        database does not answer); a login form left there is emptied away."""
        if self.login is not None:
            self._close(self.login, None)
            self.login = None
        if self.availability.available is False:
            self.shell.stack.setCurrentWidget(self.unavailable)
        else:
            self.shell.show_welcome()

    def _screen_changed(self, _index: int) -> None:
        # «На главную» from the login form: what was typed there goes.
        front = self.shell.stack.currentWidget()
        if front not in (self.shell.welcome, self.unavailable):
            return
        if self.login is not None:
            login, self.login = self.login, None
            self._close(login, None)
        for card in self.keypads.cards():  # the next resident's keyboard: Russian, no capital
            card.keyboard.reset()

    def _went_down(self) -> None:
        """No database: the welcome screen gives way to «Сервис временно недоступен» (a
        resident signed in, or typing, sees the failure where it happens instead)."""
        if self.shell.stack.currentWidget() is self.shell.welcome:
            self.shell.stack.setCurrentWidget(self.unavailable)

    def _came_back(self) -> None:
        if self.shell.stack.currentWidget() is self.unavailable:
            self.shell.show_welcome()

    def _show(self, window: QWidget) -> None:
        self.shell.show_screen(window, home=isinstance(window, LoginWindow))

    def _close(self, window: QWidget, name: str | None) -> None:
        frame = self.shell.remove_screen(window)
        window.close()  # the pages' own closing (a main window saves nothing here)
        (frame or window).deleteLater()

    def _leave(self) -> None:
        """Back to the welcome screen: dialogs closed, the pages destroyed, the clipboard
        and the temporary folder emptied."""
        close_everything_in_front()
        if self.main is not None:
            main, self.main = self.main, None
            self._close(main, None)
        QGuiApplication.clipboard().clear()
        if self.scratch is not None:
            self.scratch.wipe()
        self.show_welcome()

    def apply_settings(self, settings: Settings) -> None:
        super().apply_settings(settings)
        self.shell.welcome.show_office(settings)
        self.unavailable.show_office(settings)

    # -- idle

    def _idle_expired(self) -> None:
        close_everything_in_front()
        if self.main is not None:
            self.logout()
        elif self.login is not None:
            self.show_welcome()

    def leave_kiosk(self) -> None:
        """The administrator's «Выйти из режима киоска»: sign out, let the window close."""
        close_everything_in_front()
        if self.main is not None:
            self.logout()
        if self.idle is not None:
            self.idle.stop()
        self.lockdown.uninstall()
        self.availability.stop()
        self.shell.release()
        self.shell.close()
        self.exit_requested.emit()


def close_everything_in_front(attempts: int = 20) -> None:
    """Close every menu, popup and dialog — modal or not, nested or not — so that nothing
    holds the logout back. A dialog in ``exec()`` returns from it once rejected."""
    for _ in range(attempts):
        found = _in_front()
        if found is None:
            return
        found()


def _in_front() -> Callable[[], object] | None:
    popup = QApplication.activePopupWidget()
    if popup is not None:
        return popup.close
    modal = QApplication.activeModalWidget()
    if isinstance(modal, QDialog):
        return modal.reject
    if modal is not None:
        return modal.close
    for widget in QApplication.topLevelWidgets():
        if widget.isVisible() and isinstance(widget, QDialog | QMenu):
            return widget.reject if isinstance(widget, QDialog) else widget.close
    return None
