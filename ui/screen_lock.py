"""A staff member's desk locks after ``office_lock_minutes`` without input (15 by default, an
organisation setting) and asks for the password again; what was open stays open behind it.

Locking takes the window's whole content out (``QMainWindow.takeCentralWidget``; kept hidden
and disabled as the window's child, so a logout from the lock deletes it with the window):
nothing of an account is shown or reachable with Tab or a shortcut while the lock is on,
dialogs over the window are closed, and unlocking puts the same content back — the pages as
they were.
The password is checked by the core (``auth.unlock``: throttled and audited as a sign-in);
a session that ended meanwhile (the staff member disabled, the 12 hours over) sends the
desk to the login window as any call does.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QMainWindow, QVBoxLayout, QWidget

from ui.context import PageContext
from ui.forms import add_field, card, hint_label, make_button, set_button_text
from ui.idle import IdleWatch
from ui.messages import MessageBar

TITLE = "Рабочее место заблокировано"
UNLOCK = "Разблокировать"


class LockPanel(QWidget):
    """What a locked desk shows: who is signed in, the password field, «Разблокировать»
    and «Выйти»."""

    def __init__(self, who: str, minutes: int) -> None:
        super().__init__()
        self.setObjectName("lockPanel")
        self.setAccessibleName(TITLE)
        frame, layout = card(TITLE)
        frame.setMaximumWidth(520)
        layout.addWidget(
            hint_label(
                f"{who}: рабочее место заблокировано после {minutes} мин без действий. "
                "Введите свой пароль — открытые счета и страницы сохранены."
            )
        )
        self.password = add_field(layout, "Пароль", password=True)
        self.messages = MessageBar()
        layout.addWidget(self.messages)
        buttons = QHBoxLayout()
        self.unlock_button = make_button(UNLOCK, "primary", row=buttons)
        self.unlock_button.setDefault(True)
        self.logout_button = make_button("Выйти", row=buttons)
        buttons.addStretch(1)
        layout.addSpacing(10)
        layout.addLayout(buttons)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(frame, 10)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(2)
        self.password.returnPressed.connect(self.unlock_button.click)
        frame.setFrameShape(QFrame.Shape.NoFrame)


class ScreenLock(QObject):
    """Watches the application's input for a staff member's window and locks it when idle.
    ``close_dialogs`` closes what is open over the window; ``logout`` signs out (from the
    lock's «Выйти»)."""

    def __init__(
        self,
        window: QMainWindow,
        ctx: PageContext,
        minutes: int,
        *,
        close_dialogs: Callable[[], None],
        logout: Callable[[], None],
    ) -> None:
        super().__init__(window)
        self.window, self.ctx = window, ctx
        self._close_dialogs, self._logout = close_dialogs, logout
        self.panel: LockPanel | None = None
        self._content: QWidget | None = None
        self.watch = IdleWatch(minutes * 60, 0, parent=self)
        self.watch.expired.connect(self.lock)
        self.watch.start()

    @property
    def locked(self) -> bool:
        return self.panel is not None

    def set_minutes(self, minutes: int) -> None:
        """The organisation's setting, once the database has given it."""
        self.watch.idle_seconds = minutes * 60

    def lock(self) -> None:
        if self.panel is not None:
            return
        self.watch.stop()
        self._close_dialogs()
        content = self.window.takeCentralWidget()
        if content is not None:
            # Still the window's (deleted with it at a logout), but hidden and disabled: none
            # of its shortcuts works and nothing of it is shown or reached by Tab.
            content.setParent(self.window)
            content.hide()
            content.setEnabled(False)
        self._content = content
        who = self.ctx.actor_name or self.ctx.actor.name
        self.panel = LockPanel(who, self.watch.idle_seconds // 60)
        self.panel.unlock_button.clicked.connect(self._unlock)
        self.panel.logout_button.clicked.connect(self._logout)
        self.window.setCentralWidget(self.panel)
        self.panel.show()  # a widget given to a shown window is not shown by itself
        self.panel.password.setFocus(Qt.FocusReason.OtherFocusReason)

    def _unlock(self) -> None:
        panel = self.panel
        if panel is None or not panel.unlock_button.isEnabled():
            return
        password = panel.password.text()
        if not password:
            panel.messages.error("Введите пароль.")
            return
        panel.unlock_button.setEnabled(False)
        set_button_text(panel.unlock_button, "Проверка…")
        actor, services = self.ctx.actor, self.ctx.services
        self.ctx.tasks.run(
            lambda: services.auth.unlock(actor, password),
            lambda _none: self._restore(),
            self._refused,
            owner=panel,
        )

    def _refused(self, error: Exception) -> None:
        panel = self.panel
        if panel is None:
            return
        panel.unlock_button.setEnabled(True)
        set_button_text(panel.unlock_button, UNLOCK)
        panel.password.clear()
        panel.password.setFocus(Qt.FocusReason.OtherFocusReason)
        if not getattr(error, "session_ended", False):  # else the login window says why
            panel.messages.error(error)

    def _restore(self) -> None:
        if self.panel is None or self._content is None:
            return
        self.window.takeCentralWidget()
        self.panel.deleteLater()
        self.panel = None
        self._content.setEnabled(True)
        self.window.setCentralWidget(self._content)
        self._content.show()
        self._content = None
        self.watch.start()
