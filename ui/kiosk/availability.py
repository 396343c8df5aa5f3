"""Whether the kiosk's database answers: asked at start and then every few seconds while
no resident is signed in. When it does not, the kiosk shows «Сервис временно недоступен»
with the office's phone instead of a welcome that would fail at «Войти», and goes back
to the welcome screen by itself as soon as the database answers again — no restart.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from desktop.settings import Settings
from ui.context import AppContext
from ui.forms import centered, hint_label

CHECK_MS = 15_000  # between two questions to the database


class Availability(QObject):
    """Emits ``down`` when the database does not answer and ``up`` when it answers again
    (each once per change)."""

    down = Signal()
    up = Signal()

    def __init__(self, ctx: AppContext, interval_ms: int = CHECK_MS, parent=None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.available: bool | None = None  # not asked yet
        self._asking = False
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.check)

    def start(self) -> None:
        self.check()
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def check(self) -> None:
        """Ask once, in the background (the services open again if opening them failed)."""
        if self._asking or not self.ctx.opening:  # before start-up opens the database
            return
        self._asking = True
        ctx = self.ctx
        ctx.tasks.run(
            lambda: ctx.services.organisation.stored(), self._answered, self._failed, owner=self
        )

    def _answered(self, _stored: object) -> None:
        self._asking = False
        if self.available is not True:
            self.available = True
            self.up.emit()

    def _failed(self, _error: Exception) -> None:
        self._asking = False
        if self.available is not False:
            self.available = False
            self.down.emit()


class UnavailablePage(QWidget):
    """«Сервис временно недоступен»: what to do instead, and that the kiosk keeps trying."""

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("kioskUnavailable")
        column = QVBoxLayout(self)
        column.setContentsMargins(48, 48, 48, 48)
        column.setSpacing(18)
        column.addStretch(2)
        title = centered(QLabel("Сервис временно недоступен"))
        title.setObjectName("welcomeTitle")
        column.addWidget(title)
        column.addWidget(
            centered(
                hint_label(
                    "Киоск не может связаться с сервером. Мы уже пробуем снова — экран "
                    "вернётся сам, как только связь восстановится."
                )
            )
        )
        self.phone_label = centered(QLabel())
        self.phone_label.setObjectName("welcomePhone")
        column.addWidget(self.phone_label)
        self.hours_label = centered(hint_label(""))
        column.addWidget(self.hours_label)
        column.addStretch(3)
        self.show_office(settings)

    def show_office(self, settings: Settings) -> None:
        self.phone_label.setText(
            f"Показания и вопросы можно передать по телефону офиса: {settings.office_phone}"
        )
        self.hours_label.setText(f"Часы работы офиса: {settings.office_hours}.")
