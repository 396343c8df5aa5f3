"""Long work that reports progress and can be cancelled, with no Qt: the screens hand a
``TaskState`` to a service, the command line hands one that draws a progress bar."""

from __future__ import annotations

import threading
from collections.abc import Callable

from desktop.common.errors import UserError


class Cancelled(UserError):
    """Raised inside long work whose state was cancelled; nothing of it has been kept."""

    def __init__(self, message: str = "Операция отменена.") -> None:
        super().__init__(message)


class TaskState:
    """Handed to long work: it reports progress and learns whether to stop."""

    def __init__(self, report: Callable[[int, int], None] | None = None) -> None:
        self._report = report
        self._cancel = threading.Event()

    def progress(self, done: int, total: int) -> None:
        """Report ``done`` of ``total``; raises ``Cancelled`` once the state was cancelled."""
        self.check()
        if self._report is not None:
            self._report(done, total)

    def check(self) -> None:
        """Stop here if cancelled."""
        if self._cancel.is_set():
            raise Cancelled

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()
