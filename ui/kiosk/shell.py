"""The kiosk's one window: full screen, frameless, always on top, without window controls.

It never closes by itself (Alt+F4 and any other close request are refused) until the
service menu releases it. Its stack shows the welcome screen, the login form under a bar
with «На главную», or the cabinet; the screens come and go, the window stays, so the desktop
never shows between them.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent, QGuiApplication, QMouseEvent, QResizeEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLayout,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.settings import Settings
from ui.forms import centered, hint_label, make_button

TITLE = "Личный кабинет жителя"
LOGIN = "Войти"
REGISTER = "Зарегистрироваться"
HOME = "‹ На главную"
CORNER = 72  # px: the hidden corner the administrator taps

# Without a frame, a title bar or any of its buttons, above every other window.
FLAGS = (
    Qt.WindowType.Window
    | Qt.WindowType.FramelessWindowHint
    | Qt.WindowType.WindowStaysOnTopHint
    | Qt.WindowType.CustomizeWindowHint
)


class WelcomePage(QWidget):
    """What a resident walking up sees: the title, «Войти», «Зарегистрироваться», and the
    office's phone and hours (the organisation's, once the database is open)."""

    login_requested = Signal()
    register_requested = Signal()

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("kioskWelcome")
        column = QVBoxLayout(self)
        column.setContentsMargins(48, 48, 48, 48)
        column.setSpacing(18)
        column.addStretch(2)
        title = centered(QLabel(TITLE))
        title.setObjectName("welcomeTitle")
        column.addWidget(title)
        intro = centered(
            hint_label(
                "Передайте показания счетчиков, посмотрите задолженность и квитанции. Для "
                "входа нужен номер лицевого счета из квитанции."
            )
        )
        intro.setObjectName("welcomeIntro")
        column.addWidget(intro)
        column.addSpacing(24)
        buttons = QHBoxLayout()
        buttons.setSpacing(32)
        buttons.addStretch(1)
        self.login_button = make_button(LOGIN, "welcomePrimary", clicked=self.login_requested.emit)
        self.register_button = make_button(
            REGISTER, "welcomeSecondary", clicked=self.register_requested.emit
        )
        for button in (self.login_button, self.register_button):
            button.setAutoDefault(False)
            buttons.addWidget(button)
        buttons.addStretch(1)
        column.addLayout(buttons)
        column.addSpacing(24)
        self.phone_label = centered(QLabel())
        self.phone_label.setObjectName("welcomePhone")
        column.addWidget(self.phone_label)
        self.hours_label = centered(hint_label(""))
        column.addWidget(self.hours_label)
        column.addStretch(3)
        self.show_office(settings)

    def show_office(self, settings: Settings) -> None:
        self.phone_label.setText(f"Телефон офиса: {settings.office_phone}")
        window = settings.readings
        self.hours_label.setText(
            f"Часы работы офиса: {settings.office_hours}.\nПоказания принимаются с "
            f"{window.window_start} по {window.window_end} число каждого месяца."
        )


class HotCorner(QWidget):
    """An invisible square in the window's top left corner: it counts the taps on it."""

    tapped = Signal()

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("hotCorner")
        self.setFixedSize(CORNER, CORNER)
        self.setAccessibleName("")  # nothing for a screen reader to announce either

    def mousePressEvent(self, event: QMouseEvent) -> None:
        event.accept()
        self.tapped.emit()


class KioskShell(QWidget):
    """The window. ``release()`` (from the service menu) is the only way to let it close."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(None, FLAGS)
        self.setObjectName("kioskShell")
        self.setWindowTitle(TITLE)
        self._released = False
        self._following = False  # the screen's geometry
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        # The screen's size, whatever the screens inside ask: a window whose minimum size
        # changes once shown makes some platforms warn, and a kiosk's never changes size.
        layout.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        self.stack = QStackedWidget()
        layout.addWidget(self.stack)
        self.welcome = WelcomePage(settings)
        self.stack.addWidget(self.welcome)
        self._frames: dict[QWidget, QWidget] = {}  # a screen → what holds it in the stack
        self.corner = HotCorner(self)
        self.corner.raise_()

    # -- the screens

    def show_welcome(self) -> None:
        self.stack.setCurrentWidget(self.welcome)

    def show_screen(self, screen: QWidget, *, home: bool = False) -> None:
        """Put ``screen`` in front; with ``home``, under a bar with «На главную»."""
        frame = self._frames.get(screen)
        if frame is None:
            frame = self._home_frame(screen) if home else screen
            self._frames[screen] = frame
            self.stack.addWidget(frame)
        self.stack.setCurrentWidget(frame)
        self.corner.raise_()

    def _home_frame(self, screen: QWidget) -> QWidget:
        frame = QFrame()
        layout = QVBoxLayout(frame)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        bar = QFrame()
        bar.setObjectName("kioskBar")
        row = QHBoxLayout(bar)
        row.setContentsMargins(CORNER + 8, 8, 24, 8)
        self.home_button = make_button(HOME, "kioskHome", clicked=self.show_welcome)
        self.home_button.setAutoDefault(False)
        row.addWidget(self.home_button)
        row.addStretch(1)
        layout.addWidget(bar)
        layout.addWidget(screen, 1)
        return frame

    def remove_screen(self, screen: QWidget) -> QWidget | None:
        """Take ``screen`` out of the stack; what held it (to delete), if anything."""
        frame = self._frames.pop(screen, None)
        if frame is None:
            return None
        if self.stack.currentWidget() is frame:
            self.show_welcome()
        self.stack.removeWidget(frame)
        return frame

    def current_screen(self) -> QWidget | None:
        current = self.stack.currentWidget()
        for screen, frame in self._frames.items():
            if frame is current:
                return screen
        return None

    def cover_screen(self) -> None:
        """Full screen, also where nothing manages windows (a bare X server, where
        showFullScreen alone leaves the window at its own size): the screen's whole
        geometry, followed when the resolution changes."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        if screen is not None:
            self.setGeometry(screen.geometry())
            if not self._following:
                screen.geometryChanged.connect(lambda _rect: self.cover_screen())
                self._following = True
        self.showFullScreen()

    # -- no way out

    def release(self) -> None:
        """Let the window close (the administrator chose «Выйти из режима киоска»)."""
        self._released = True

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._released:
            super().closeEvent(event)
        else:
            event.ignore()  # Alt+F4, the task manager's polite close, a stray close()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.corner.move(0, 0)
        self.corner.raise_()
