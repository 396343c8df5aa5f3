"""The administrator's way out: the PIN asked on the keypad, then a small service menu —
leave kiosk mode, test the printer, see this machine's settings.

Wrong PINs slow the next try down (from the third on), so the keypad cannot be run through
by hand; the PIN is checked against the database's hash on the worker thread.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlsplit, urlunsplit

from PySide6.QtCore import Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from desktop.kiosk_pin import MAX_DIGITS
from ui.context import AppContext
from ui.forms import make_button
from ui.kiosk.keypad import Keypad
from ui.messages import MessageBar, describe_error

TAPS = 5  # taps in the corner …
TAP_SECONDS = 4.0  # … within this long open the PIN dialog
FREE_TRIES = 2  # wrong PINs without a wait; then 2, 4, 8 … seconds, at most 5 minutes
NO_PIN = (
    "ПИН администратора не задан, поэтому служебное меню закрыто. Задайте ПИН в офисе "
    "командой: python -m desktop settings kiosk-pin"
)


class CornerTaps:
    """Counts taps; ``tap()`` is True on the ``TAPS``-th within ``TAP_SECONDS``."""

    def __init__(self, now: Callable[[], float] = time.monotonic) -> None:
        self._now = now
        self._taps: list[float] = []

    def tap(self) -> bool:
        now = self._now()
        self._taps = [t for t in self._taps if now - t <= TAP_SECONDS] + [now]
        if len(self._taps) >= TAPS:
            self._taps = []
            return True
        return False


class PinGate:
    """Remembers wrong PINs on this kiosk while it runs, and how long the next try waits."""

    def __init__(self, now: Callable[[], float] = time.monotonic) -> None:
        self._now = now
        self.wrong = 0
        self._until = 0.0

    def wait_left(self) -> int:
        return max(0, round(self._until - self._now()))

    def failed(self) -> None:
        self.wrong += 1
        if self.wrong > FREE_TRIES:
            self._until = self._now() + min(300, 2 ** (self.wrong - FREE_TRIES))

    def passed(self) -> None:
        self.wrong = 0
        self._until = 0.0


class PinDialog(QDialog):
    """Asks for the administrator's PIN; accepted once it is right."""

    def __init__(self, ctx: AppContext, gate: PinGate, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.gate = gate
        self.checking = False
        self.setObjectName("pinDialog")
        self.setWindowTitle("Служебное меню")
        self.setModal(True)
        layout = _fixed_layout(self)
        heading = QLabel("ПИН администратора")
        heading.setObjectName("sectionTitle")
        layout.addWidget(heading)
        self.messages = MessageBar()
        self.messages.reserve(3)  # a refusal moves no key from under the finger
        layout.addWidget(self.messages)
        self.pin = QLineEdit()
        self.pin.setAccessibleName("ПИН администратора")
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin.setMaxLength(MAX_DIGITS)
        self.pin.returnPressed.connect(self.check)
        layout.addWidget(self.pin)
        self.keypad = Keypad(self.pin, enter="Открыть")
        self.keypad.entered.connect(self.check)
        layout.addWidget(self.keypad)
        self.cancel_button = make_button("Отмена", clicked=self.reject)
        self.cancel_button.setAutoDefault(False)
        layout.addWidget(self.cancel_button)
        self.setMinimumSize(460, 560)
        _fit_height(self)
        self.pin.setFocus()

    def check(self) -> None:
        if self.checking:
            return
        pin = self.pin.text()
        self.pin.clear()  # typed during a wait too: the next PIN starts afresh
        wait = self.gate.wait_left()
        if wait:
            self.messages.error(f"Неверный ПИН. Следующая попытка — через {wait} с.")
            return
        if not pin:
            self.messages.error("Введите ПИН.")
            return
        self.checking = True

        def work() -> tuple[bool, bool]:
            pins = self.ctx.services.kiosk_pin
            return pins.is_set(), pins.verify(pin)

        self.ctx.tasks.run(work, self._checked, self._failed, owner=self)

    def _checked(self, answer: tuple[bool, bool]) -> None:
        self.checking = False
        is_set, right = answer
        if right:
            self.gate.passed()
            self.accept()
        elif not is_set:
            self.messages.error(NO_PIN)
        else:
            self.gate.failed()
            wait = self.gate.wait_left()
            later = f" Следующая попытка — через {wait} с." if wait else ""
            self.messages.error("Неверный ПИН." + later)

    def _failed(self, error: Exception) -> None:
        self.checking = False
        self.messages.error(describe_error(error))


class ServiceMenu(QDialog):
    """Leave kiosk mode, test the printer, this machine's settings."""

    exit_requested = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("serviceMenu")
        self.setWindowTitle("Служебное меню")
        self.setMinimumWidth(600)
        self.setModal(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 24, 28, 24)
        layout.setSpacing(12)
        heading = QLabel("Служебное меню киоска")
        heading.setObjectName("sectionTitle")
        layout.addWidget(heading)
        self.messages = MessageBar()
        self.messages.reserve(2)
        layout.addWidget(self.messages)
        self.exit_button = make_button(
            "Выйти из режима киоска", "primary", clicked=self._exit, row=layout
        )
        self.printer_button = make_button(
            "Проверить принтер", clicked=self.test_printer, row=layout
        )
        self.settings_button = make_button(
            "Настройки этого компьютера", clicked=self.show_settings, row=layout
        )
        # Read-only text of a fixed height: long paths wrap inside it, and the dialog's
        # size never changes once shown (a wrapping label's would).
        self.details = QPlainTextEdit()
        self.details.setObjectName("serviceDetails")
        self.details.setReadOnly(True)
        self.details.setAccessibleName("Настройки этого компьютера")
        self.details.setFixedHeight(self.fontMetrics().lineSpacing() * 8 + 16)
        self.details.hide()
        policy = self.details.sizePolicy()
        policy.setRetainSizeWhenHidden(True)
        self.details.setSizePolicy(policy)
        layout.addWidget(self.details)
        row = QHBoxLayout()
        row.addStretch(1)
        self.close_button = make_button("Закрыть", clicked=self.reject, row=row)
        layout.addLayout(row)
        self.setMinimumSize(640, 360)
        _fit_height(self)

    def _exit(self) -> None:
        self.accept()
        self.exit_requested.emit()

    def test_printer(self) -> None:
        """A test page to this machine's printer (``kiosk.printer``, else the system's
        default), on the print lane; its answer in the menu's message bar."""
        from ui.kiosk.printing import print_test_page

        name = self.ctx.settings.kiosk.printer
        ctx = self.ctx
        self.printer_button.setEnabled(False)
        self.messages.info("Печать пробной страницы…")

        def printed(used: str) -> None:
            self.printer_button.setEnabled(True)
            self.messages.success(f"Пробная страница отправлена на принтер «{used}».")

        def failed(error: Exception) -> None:
            self.printer_button.setEnabled(True)
            self.messages.error(describe_error(error))

        ctx.tasks.run(
            lambda: print_test_page(name, ctx.services.clock.now()),
            printed,
            failed,
            owner=self,
            lane="print",
        )

    def show_settings(self) -> None:
        settings = self.ctx.settings
        screen = QGuiApplication.primaryScreen()
        size = screen.geometry().size() if screen else None
        lines = [
            f"Режим: {'киоск' if settings.mode == 'kiosk' else 'рабочее место'}",
            f"База данных: {hidden_password(settings.database_url)}",
            f"Выход по бездействию: через {settings.kiosk.idle_seconds} с, отсчет — "
            f"{settings.kiosk.countdown_seconds} с",
            f"Телефон офиса: {settings.office_phone}",
            f"Принтер: {settings.kiosk.printer or 'принтер системы по умолчанию'}",
        ]
        if screen is not None and size is not None:
            lines.append(
                f"Экран: {size.width()}×{size.height()}, "
                f"{screen.physicalDotsPerInch():.0f} точек на дюйм"
            )
        try:
            from desktop.settings import settings_path

            lines.append(f"Файл настроек: {settings_path()}")
        except Exception:  # no config directory: the rest is still worth showing
            pass
        self.details.setPlainText("\n".join(lines))
        self.details.show()


def _fixed_layout(dialog: QDialog) -> QVBoxLayout:
    """A dialog's column that never changes the dialog's minimum size once it is shown
    (some platforms warn when it does); the dialog grows by ``_fit_height`` instead."""
    layout = QVBoxLayout(dialog)
    layout.setContentsMargins(28, 24, 28, 24)
    layout.setSpacing(12)
    layout.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
    return layout


def _fit_height(dialog: QDialog) -> None:
    """As tall as the content at the dialog's width (``adjustSize`` would also fix the
    minimum height, which some platforms warn about once the dialog is shown)."""
    width = max(dialog.width(), dialog.minimumWidth())
    height = dialog.heightForWidth(width)
    dialog.resize(width, height if height > 0 else dialog.sizeHint().height())


def hidden_password(url: str) -> str:
    """The database's address without its password."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))
