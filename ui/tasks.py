"""Work off the GUI thread, in three lanes: interactive service calls run one after another on
one background thread, long jobs (a building's receipts, an import) on another, so a page
never waits behind a 100 000-receipt print, and a printer's spooling on a third, so a hung
printer never holds the database calls up. Results come back to the GUI thread through a
queued signal."""

from __future__ import annotations

import itertools
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
    _finished = Signal(int)  # the job's key
    _progress = Signal(object, object, object)  # owner, callback, (done, total)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._lanes: dict[Lane, ThreadPoolExecutor] = {}  # each started with its first job
        self._last_interactive: Future[Any] | None = None
        # Weak: a finished job's state goes with it; shutdown cancels those still held.
        self._long_states: weakref.WeakSet[TaskState] = weakref.WeakSet()
        # The jobs not yet delivered, by key; touched by the GUI thread only, but for the
        # worker's lookup of its own job.
        self._jobs: dict[int, _Job] = {}
        self._keys = itertools.count()
        # Emitted on the worker threads only, so delivery is queued to the GUI thread (an
        # explicit Qt.ConnectionType would create PySide's Qt namespace before the first paint).
        self._finished.connect(self._on_finished)
        self._progress.connect(self._on_progress)
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
    ) -> Future[None]:
        """Call ``work()`` in the background, then ``on_done(result)`` or ``on_error(error)``
        on the GUI thread — unless ``owner`` has been destroyed meanwhile (logout). When
        ``wanted()`` (asked on the worker, just before ``work``) says no, ``work`` is skipped
        and ``Cancelled`` is the answer: a print queued before a logout is not printed.

        The job (its callables, owner, result or error) is held here, on the GUI thread, and
        let go only there, after delivery: ``work`` is usually a closure over a widget, and a
        widget whose last reference a worker thread dropped would be destroyed on that thread,
        which crashes Qt."""
        self._set_pending(+1)
        before = self._last_interactive if lane == "long" else None
        key = next(self._keys)
        self._jobs[key] = _Job(work, on_done, on_error or _reraise, owner, wanted)

        def job() -> None:
            if before is not None:
                from concurrent.futures import wait

                wait([before])  # never the other way round: no deadlock
            self._execute(key)
            self._finished.emit(key)

        future = self._executor(lane).submit(job)
        if lane == "interactive":
            self._last_interactive = future
        return future

    def _execute(self, key: int) -> None:
        """On a worker: run the job, keeping its outcome in the job. Nothing of it is left on
        this thread afterwards (``del job``: a caught error's traceback holds this frame)."""
        job = self._jobs[key]
        try:
            if job.wanted is not None and not job.wanted():
                raise Cancelled()
            job.outcome = job.work()
        except Exception as error:
            job.outcome, job.failed = error, True
        del job

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
            lambda done, total: self._progress.emit(owner, on_progress, (done, total))
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

    @Slot(int)
    def _on_finished(self, key: int) -> None:
        self._set_pending(-1)
        job = self._jobs.pop(key)
        if job.owner is not None and not shiboken6.isValid(job.owner):
            return
        (job.on_error if job.failed else job.on_done)(job.outcome)

    @Slot(object, object, object)
    def _on_progress(
        self, owner: QObject | None, callback: Callable[[Any], None], payload: Any
    ) -> None:
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


class _Job:
    """One job's callables and, once it has run, its outcome (a result or an error)."""

    __slots__ = ("failed", "on_done", "on_error", "outcome", "owner", "wanted", "work")

    def __init__(
        self,
        work: Callable[[], Any],
        on_done: Callable[[Any], None],
        on_error: Callable[[Exception], None],
        owner: QObject | None,
        wanted: Callable[[], bool] | None,
    ) -> None:
        self.work, self.on_done, self.on_error = work, on_done, on_error
        self.owner, self.wanted = owner, wanted
        self.outcome: Any = None
        self.failed = False


def _reraise(error: Exception) -> None:
    raise error
