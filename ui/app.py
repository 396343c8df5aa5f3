"""The application: start-up, the login window, the cabinet, logout.

Start-up shows the login window first and opens the database only after it is painted, so
the window appears as fast as a bare Qt window would (SQLAlchemy and the services
load in the background while the resident types).
"""

from __future__ import annotations

import gc
import os
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtGui import QGuiApplication, QWindow
from PySide6.QtWidgets import QApplication, QDialog, QWidget

from desktop.settings import Settings
from ui import collector, theme, translations
from ui.collector import collection_paused
from ui.context import AppContext, PageContext, SignedInLike
from ui.forms import delete_on_close
from ui.idle import IdleWatch
from ui.login import LoginWindow
from ui.memory import tune_allocator
from ui.startup_imports import install_cheap_hook
from ui.tasks import TaskRunner
from ui.window_state import WindowState, fit_to_screen

if TYPE_CHECKING:  # the main window is imported after sign-in
    from desktop.actors import Actor
    from ui.main_window import MainWindow
    from ui.screen_lock import ScreenLock

APP_TITLE = "Личный кабинет жителя"
SESSION_CHECK_MS = 30_000  # how often a signed-in window asks whether its session still is


class _FirstPaint(QObject):
    """Calls back once, after a shown window is first painted: Qt paints a widget window
    while it handles the window's first expose event, so the callback is queued from there.
    (The window's own paint event is no signal: opaque children, such as a scroll area's
    viewport, can cover it so that it gets none.)"""

    def __init__(self, window: QWidget, callback: Callable[[], None]) -> None:
        super().__init__(window)
        self._callback: Callable[[], None] | None = callback
        handle = window.windowHandle()
        assert handle is not None, "the window is shown before its first paint is awaited"
        if handle.isExposed():  # exposed within show(): the paint is already queued
            self._callback = None
            QTimer.singleShot(0, callback)
        else:
            handle.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.Expose
            and self._callback is not None
            and isinstance(watched, QWindow)
            and watched.isExposed()
        ):
            callback, self._callback = self._callback, None
            watched.removeEventFilter(self)
            QTimer.singleShot(0, callback)  # after the painting this event causes
        return False


class Controller(QObject):
    """Switches between the login window and the cabinet; logout leaves nothing behind."""

    def __init__(self, ctx: AppContext, state: WindowState | None = None) -> None:
        super().__init__()
        self.ctx = ctx
        self.state = state
        self.login: LoginWindow | None = None
        self.main: MainWindow | None = None
        self.idle: IdleWatch | None = None
        self.lock: ScreenLock | None = None  # a staff member's desk, locked when idle
        self.actor: Actor | None = None  # who is signed in, for logout and a session's end
        ctx.session_ended.connect(self._session_ended)

    def show_login(self) -> LoginWindow:
        self.login = LoginWindow(self.ctx)
        self.login.setWindowTitle(APP_TITLE)
        self.login.logged_in.connect(self._signed_in)
        self.login.staff_logged_in.connect(self._signed_in)
        if not (self.state and self.state.restore(self.login, "login")):
            fit_to_screen(self.login, 1100, 900)  # the whole form and the office below it
        self._show(self.login)
        return self.login

    def _signed_in(self, signed_in: SignedInLike) -> None:
        """Open the main window with the pages the registry gives this actor in this mode."""
        from ui.main_window import MainWindow

        self.actor = signed_in.actor
        self.main = MainWindow(PageContext.for_sign_in(self.ctx, signed_in), self.state)
        delete_on_close(self.main)
        self.main.logout_requested.connect(self.logout)
        # A session ended elsewhere (a staff member disabled, a password changed, the 12 hours
        # of a staff session over) shows here within a minute even if nobody clicks.
        heartbeat = QTimer(self.main)
        heartbeat.timeout.connect(self._check_session)
        heartbeat.start(SESSION_CHECK_MS)
        if self.ctx.settings.mode != "kiosk" and str(signed_in.actor.kind) in ("clerk", "admin"):
            from ui.screen_lock import ScreenLock

            self.lock = ScreenLock(
                self.main,
                self.main.ctx,
                self.ctx.settings.office_lock_minutes,
                close_dialogs=_close_dialogs,
                logout=self.logout,
            )
        self._show(self.main)
        if self.login is not None:
            self._close(self.login, "login")
            self.login = None

    def _show(self, window: QWidget) -> None:
        if self.ctx.settings.mode == "kiosk":  # the keypad and the PIN to leave come later
            window.showFullScreen()
        else:
            window.show()

    def apply_settings(self, settings: Settings) -> None:
        """The organisation's settings, read from the database once it is open: every desk
        and kiosk on it shows the same phone, hours and reading window, and times out alike."""
        self.ctx.settings = settings
        if self.login is not None:
            self.login.show_office(settings)
        if self.lock is not None and shiboken6.isValid(self.lock):
            self.lock.set_minutes(settings.office_lock_minutes)
        if self.idle is not None:
            self.idle.idle_seconds = settings.kiosk.idle_seconds
            self.idle.countdown_seconds = settings.kiosk.countdown_seconds

    # -- the kiosk's idle logout

    def watch_idle(self, watch: IdleWatch) -> None:
        """Sign the resident out after the watch's idle time, counting the last seconds
        down in the cabinet; at the login window, clear what was typed."""
        self.idle = watch
        watch.countdown.connect(self._idle_countdown)
        watch.resumed.connect(lambda: self._idle_countdown(None))
        watch.expired.connect(self._idle_expired)
        watch.start()

    def _idle_countdown(self, seconds: int | None) -> None:
        if self.main is not None:
            self.main.show_idle_countdown(seconds)

    def _idle_expired(self) -> None:
        if self.main is not None:
            _close_dialogs()
            self.logout()
        elif self.login is not None and self.login.has_input():
            _close_dialogs()
            self._close(self.login, "login")
            self.show_login()

    def logout(self) -> None:
        """End the session and go back to the login window (see ``_leave``)."""
        actor, self.actor = self.actor, None
        if actor is not None:
            ctx = self.ctx
            ctx.tasks.run(lambda: ctx.services.auth.logout(actor), _ignore, _ignore)
        self._leave()

    def _check_session(self) -> None:
        actor, ctx = self.actor, self.ctx
        if actor is not None:  # an ended one is reported through ctx.session_ended
            ctx.tasks.run(lambda: ctx.services.sessions.check(actor), _ignore, _ignore)

    def _session_ended(self, session_id: int, message: str) -> None:
        """A call met this window's session ended elsewhere (a password changed in another
        window): back to the login window, saying why."""
        if self.actor is None or self.actor.session_id != session_id:
            return
        self.actor = None
        _close_dialogs()
        self._leave()
        if self.login is not None:
            self.login.login_messages.error(message)

    def _leave(self) -> None:
        """Back to the login window: the cabinet's pages are destroyed, the clipboard
        emptied, and nothing of the account stays on screen."""
        self.lock = None  # went with the window
        if self.main is not None:
            self._close(self.main, None)
            self.main: MainWindow | None = None
        QGuiApplication.clipboard().clear()
        self.show_login()

    def _close(self, window: QWidget, name: str | None) -> None:
        if name and self.state:
            self.state.save(window, name)
        delete_on_close(window)
        window.close()


def _close_dialogs() -> None:
    """Close what is in front (a menu, a question, the support form) before a window goes."""
    for _ in range(10):  # a dialog inside a dialog at most, in practice
        widget = QApplication.activePopupWidget() or QApplication.activeModalWidget()
        if widget is None:
            return
        if isinstance(widget, QDialog):
            widget.reject()
        else:
            widget.close()


def _ignore(_error: object) -> None:
    """Opening the database failed: the login window reports it at the first sign-in. (Also
    the answer to a logout: nothing is left on screen to show it.)"""


def open_services_for(url: str, settings: Settings, demo: bool):  # -> desktop.app.Services
    """Runs on the background thread: remove what a killed export left behind, import the
    core, prepare the database, open it (see ``ui.startup_imports`` for what makes the
    imports cheap)."""
    install_cheap_hook()
    with collection_paused():
        from desktop.app import ensure_demo, open_services
        from desktop.files import clean_stale_parts

        clean_stale_parts()

        if demo:
            ensure_demo(url)
        services = open_services(url, settings=settings)
    # What opening made (modules, the models, the services) stays for the process's life:
    # kept out of every later collection, so a full one (ui.collector) stays short.
    gc.freeze()
    if services.postman is not None:
        services.postman.notify()  # letters queued before a crash or restart go now
    return services


def main(
    url: str,
    settings: Settings,
    *,
    demo: bool = False,
    quit_after_start: bool = False,
    start: Callable[[QApplication, AppContext], tuple[Controller, QWidget]] | None = None,
) -> int:
    """Run the application: the login window, or what ``start`` shows first (the kiosk's
    window, ``ui.kiosk.app``) with the controller behind it."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName(APP_TITLE)
    app.setApplicationDisplayName(APP_TITLE)
    theme.apply(app)
    ctx = AppContext(settings, TaskRunner())
    if start is None:
        controller = Controller(ctx, WindowState())
        first: QWidget = controller.show_login()
    else:
        controller, first = start(app, ctx)
    if quit_after_start:
        report = os.environ.get("CABINET_STARTUP_REPORT")

        def painted() -> None:
            if report:
                print(f"painted {time.time():.6f}", flush=True)
                russian = translations.install(app)
                print(f"qt translations {'ru' if russian else 'missing'}", flush=True)
            app.exit(0)  # not quit(): that asks every window, and a kiosk's refuses

        _FirstPaint(first, painted)
    else:

        def painted() -> None:
            collector.install(app)  # before the services open: see ui.collector
            tune_allocator()  # closed windows give their memory back (ui.memory)
            ctx.open(lambda: open_services_for(url, settings, demo))
            translations.install(app)  # Qt's own dialogs and menus in Russian
            # Jobs on this lane run in order: this one finds the services open.
            ctx.tasks.run(lambda: ctx.services.settings, controller.apply_settings, _ignore)

        _FirstPaint(first, painted)
    try:
        return app.exec()
    finally:
        ctx.close()
