"""Python's cyclic garbage collector runs on the GUI thread only.

The collector runs in whichever thread happens to allocate when a generation's count passes
its threshold — usually a worker, which allocates the most (rows, ORM objects). A widget or
timer caught in a garbage cycle would then be destroyed on that worker, which crashes Qt.
So automatic collection is switched off and a timer on the GUI thread does what it would do,
by the same thresholds (the way long-lived Qt applications such as calibre do it).
Reference counting frees everything else at once, as always.

While the services open (``collection_paused``) nothing is collected at all: opening creates
some 50 000 tracked objects that nearly all stay, and collecting meanwhile finds next to
nothing (about 60 ms of CPU, measured; ``ui.startup_imports``).
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS = 500
_pauses = 0
_pauses_lock = threading.Lock()


class GuiThreadCollector(QObject):
    """Owned by the application object; switches automatic collection off while it lives."""

    def __init__(self, parent: QObject, interval_ms: int = INTERVAL_MS) -> None:
        super().__init__(parent)
        gc.disable()
        self._timer = QTimer(self)
        self._timer.timeout.connect(collect_due)
        self._timer.start(interval_ms)


def collect_due() -> int:
    """Collect the oldest generation whose count is past its threshold (younger ones with
    it), as the automatic collector would; the number of objects found unreachable."""
    if _pauses:
        return 0
    counts, thresholds = gc.get_count(), gc.get_threshold()
    due = [g for g in range(3) if counts[g] > thresholds[g]]
    return gc.collect(max(due)) if due else 0


def install(parent: QObject) -> GuiThreadCollector:
    """Once per application: the collector as a child of ``parent`` (the QApplication)."""
    existing = parent.findChild(GuiThreadCollector)
    return existing if existing is not None else GuiThreadCollector(parent)


@contextmanager
def collection_paused() -> Iterator[None]:
    """No cyclic garbage collection while the block runs, on any thread (reference counting
    frees as always); afterwards the collector runs again as it did before, whatever the
    block raised."""
    global _pauses
    with _pauses_lock:
        _pauses += 1
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        with _pauses_lock:
            _pauses -= 1
        if was_enabled:
            gc.enable()
