"""Work off the GUI thread, in three lanes: interactive service calls run one after another on
one background thread, long jobs (a building's receipts, an import) on another, so a page
never waits behind a 100 000-receipt print, and a printer's spooling on a third, so a hung
printer never holds the database calls up. Results come back to the GUI thread through a
queued signal."""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import shiboken6
from PySide6.QtCore import QObject, Signal, Slot

from desktop.common.tasks import Cancelled, TaskState

if TYPE_CHECKING:
    from concurrent.futures import Future, ThreadPoolExecutor

T = TypeVar("T")
Lane = Literal["interactive", "long", "print"]

__all__ = ["Cancelled", "Lane", "TaskRunner", "TaskState"]


class TaskRunner(QObject):
    """Runs callables in the background; callbacks run on the GUI thread.

    Interactive jobs run in the order they were started, one at a time (the first one opens
    the database: see ``AppContext.open``). A long job starts only once the interactive jobs
    started before it are over, so it, too, finds the database open; after that the two
    lanes run side by side. The print lane touches no database and waits for nothing.
    ``busy_changed`` and ``idle`` count the jobs of all lanes."""

    busy_changed = Signal(bool)
    _deliver = Signal(object, object, object, bool)  # owner, callback, payload, final

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._lanes: dict[Lane, ThreadPoolExecutor] = {}  # each started with its first job
        self._last_interactive: Future[Any] | None = None
        # Weak: a finished job's state goes with it; shutdown cancels those still held.
        self._long_states: weakref.WeakSet[TaskState] = weakref.WeakSet()
        # Emitted on the worker threads only, so delivery is queued to the GUI thread (an
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
        lane: Lane = "interactive",
        wanted: Callable[[], bool] | None = None,
    ) -> Future[T]:
        """Call ``work()`` in the background, then ``on_done(result)`` or ``on_error(error)``
        on the GUI thread — unless ``owner`` has been destroyed meanwhile (logout). When
        ``wanted()`` (asked on the worker, just before ``work``) says no, ``work`` is skipped
        and ``Cancelled`` is the answer: a print queued before a logout is not printed."""
        self._set_pending(+1)
        before = self._last_interactive if lane == "long" else None

        def job() -> T:
            try:
                if before is not None:
                    from concurrent.futures import wait

                    wait([before])  # never the other way round: no deadlock
                if wanted is not None and not wanted():
                    raise Cancelled()
                result = work()
            except Exception as error:
                self._deliver.emit(owner, on_error or _reraise, error, True)
                raise
            self._deliver.emit(owner, on_done, result, True)
            return result

        future = self._executor(lane).submit(job)
        if lane == "interactive":
            self._last_interactive = future
        return future

    def run_with_progress(
        self,
        work: Callable[[TaskState], T],
        on_progress: Callable[[tuple[int, int]], None],
        on_done: Callable[[T], None],
        on_error: Callable[[Exception], None] | None = None,
        *,
        owner: QObject | None = None,
        lane: Lane = "long",
    ) -> TaskState:
        """Like ``run``, for long work that reports progress and can be cancelled; it goes to
        the long lane unless told otherwise."""
        state = TaskState(
            lambda done, total: self._deliver.emit(owner, on_progress, (done, total), False)
        )
        if lane == "long":
            self._long_states.add(state)
        self.run(lambda: work(state), on_done, on_error, owner=owner, lane=lane)
        return state

    def _executor(self, lane: Lane) -> ThreadPoolExecutor:
        executor = self._lanes.get(lane)
        if executor is None:
            from concurrent.futures import ThreadPoolExecutor

            name = {"interactive": "db", "long": "db-long", "print": "print"}[lane]
            executor = self._lanes[lane] = ThreadPoolExecutor(
                max_workers=1, thread_name_prefix=name
            )
        return executor

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
        """Before the application quits: cancel the long jobs (a batch keeps no half-made
        file), drop what has not started, and wait for what is running in both lanes."""
        for state in list(self._long_states):
            state.cancel()
        for executor in self._lanes.values():
            executor.shutdown(wait=True, cancel_futures=True)


def _reraise(error: Exception) -> None:
    raise error
