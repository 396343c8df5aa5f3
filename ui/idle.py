"""Idle logout for the kiosk: no touch, click or key for a while signs the resident out.

The last seconds are counted down on screen, so a resident who is still reading can touch
the screen and stay. Time comes from an injectable monotonic clock, so tests need not wait.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from math import ceil

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication

# What a person present does: a touch, a click, a key, the wheel, the mouse moved.
INPUT_EVENTS = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseMove,
        QEvent.Type.Wheel,
        QEvent.Type.TouchBegin,
        QEvent.Type.TouchUpdate,
        QEvent.Type.InputMethod,
    }
)


class IdleWatch(QObject):
    """Watches the whole application's input. ``countdown(seconds_left)`` each second of
    the last ``countdown_seconds``; ``resumed()`` when input stops a countdown; then
    ``expired()`` once ``idle_seconds`` have passed without input (the watch restarts).
    Nothing holds it back: on a kiosk no dialog may keep a session open."""

    countdown = Signal(int)
    resumed = Signal()
    expired = Signal()

    def __init__(
        self,
        idle_seconds: int,
        countdown_seconds: int,
        *,
        now: Callable[[], float] = time.monotonic,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.idle_seconds = idle_seconds
        self.countdown_seconds = countdown_seconds
        self._now = now
        self._last_input = now()
        self._counting = False
        self._timer = QTimer(self)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self.tick)

    def start(self) -> None:
        self._last_input = self._now()
        QApplication.instance().installEventFilter(self)
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        QApplication.instance().removeEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in INPUT_EVENTS:
            self.poke()
        return False

    def poke(self) -> None:
        """Someone is here: start counting again."""
        self._last_input = self._now()
        if self._counting:
            self._counting = False
            self.resumed.emit()

    @property
    def seconds_left(self) -> int:
        return max(0, ceil(self.idle_seconds - (self._now() - self._last_input)))

    def tick(self) -> None:
        left = self.seconds_left
        if left == 0:
            self._counting = False
            self._last_input = self._now()
            self.expired.emit()
        elif left <= self.countdown_seconds:
            self._counting = True
            self.countdown.emit(left)
