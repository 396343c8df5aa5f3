"""Work off the GUI thread: service calls run on one background thread (SQLite has one
writer anyway) and their results come back to the GUI thread through a queued signal."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import shiboken6
from PySide6.QtCore import QObject, Signal, Slot

from desktop.common.tasks import Cancelled, TaskState

if TYPE_CHECKING:
    from concurrent.futures import Future, ThreadPoolExecutor

T = TypeVar("T")

__all__ = ["Cancelled", "TaskRunner", "TaskState"]


class TaskRunner(QObject):
    """Runs callables in the background; callbacks run on the GUI thread."""

    busy_changed = Signal(bool)
    _deliver = Signal(object, object, object, bool)  # owner, callback, payload, final

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._executor: ThreadPoolExecutor | None = None  # started with the first job
        # Emitted on the worker thread only, so delivery is queued to the GUI thread (an
        # explicit Qt.ConnectionType would create PySide's Qt namespace before the first paint).
        self._deliver.connect(self._on_deliver)
        self._pending = 0

    def run(
        self,
        work: Callable[[], T],
        on_done: Callable[[T], None],
        on_error: Callable[[Exception], None] | None = None,
        *,
        owner: QObject | None = None,
    ) -> Future[T]:
        """Call ``work()`` in the background, then ``on_done(result)`` or ``on_error(error)``
        on the GUI thread — unless ``owner`` has been destroyed meanwhile (logout)."""
        self._set_pending(+1)

        def job() -> T:
            try:
                result = work()
            except Exception as error:
                self._deliver.emit(owner, on_error or _reraise, error, True)
                raise
            self._deliver.emit(owner, on_done, result, True)
            return result

        if self._executor is None:
            from concurrent.futures import ThreadPoolExecutor

            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="db")
        return self._executor.submit(job)

    def run_with_progress(
        self,
        work: Callable[[TaskState], T],
        on_progress: Callable[[tuple[int, int]], None],
        on_done: Callable[[T], None],
        on_error: Callable[[Exception], None] | None = None,
        *,
        owner: QObject | None = None,
    ) -> TaskState:
        """Like ``run``, for long work that reports progress and can be cancelled."""
        state = TaskState(
            lambda done, total: self._deliver.emit(owner, on_progress, (done, total), False)
        )
        self.run(lambda: work(state), on_done, on_error, owner=owner)
        return state

    @Slot(object, object, object, bool)
    def _on_deliver(
        self, owner: QObject | None, callback: Callable[[Any], None], payload: Any, final: bool
    ) -> None:
        if final:
            self._set_pending(-1)
        if owner is not None and not shiboken6.isValid(owner):
            return
        callback(payload)

    def _set_pending(self, delta: int) -> None:
        before = self._pending
        self._pending += delta
        if (before == 0) != (self._pending == 0):
            self.busy_changed.emit(self._pending > 0)

    @property
    def idle(self) -> bool:
        return self._pending == 0

    def shutdown(self) -> None:
        """Wait for running work to finish (before the application quits)."""
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)


def _reraise(error: Exception) -> None:
    raise error
