from __future__ import annotations

import threading

import shiboken6
from PySide6.QtWidgets import QWidget
from sqlalchemy import select

from db.models import Account
from ui.tasks import Cancelled, TaskRunner


def test_work_runs_off_the_gui_thread_and_results_come_back_on_it(qtbot):
    runner = TaskRunner()
    gui = threading.current_thread()
    seen = {}

    def work():
        seen["worker"] = threading.current_thread()
        return 42

    runner.run(work, lambda result: seen.update(result=result, callback=threading.current_thread()))
    qtbot.waitUntil(lambda: runner.idle)
    assert seen == {"worker": seen["worker"], "result": 42, "callback": gui}
    assert seen["worker"] is not gui
    runner.shutdown()


def test_errors_go_to_the_error_callback(qtbot):
    runner = TaskRunner()
    errors = []
    runner.run(lambda: 1 / 0, lambda _r: None, errors.append)
    qtbot.waitUntil(lambda: runner.idle)
    assert isinstance(errors[0], ZeroDivisionError)
    runner.shutdown()


def test_a_destroyed_owner_gets_nothing(qtbot):
    runner = TaskRunner()
    owner = QWidget()
    gate = threading.Event()
    delivered = []
    runner.run(lambda: gate.wait(5), delivered.append, owner=owner)
    owner.deleteLater()
    qtbot.waitUntil(lambda: not shiboken6.isValid(owner))
    gate.set()
    qtbot.waitUntil(lambda: runner.idle)
    assert delivered == []
    runner.shutdown()


def test_progress_and_cancel(qtbot):
    runner = TaskRunner()
    progress, outcome = [], []

    def work(state):
        for i in range(1, 1000):
            state.progress(i, 1000)
            if i == 3:
                state.cancel()
        return "finished"

    runner.run_with_progress(
        work, progress.append, outcome.append, lambda error: outcome.append(type(error))
    )
    qtbot.waitUntil(lambda: runner.idle)
    assert progress == [(1, 1000), (2, 1000), (3, 1000)]
    assert outcome == [Cancelled]
    runner.shutdown()


def test_busy_signal(qtbot):
    runner = TaskRunner()
    with qtbot.waitSignal(runner.busy_changed) as busy:
        runner.run(lambda: None, lambda _r: None)
    assert busy.args == [True]
    qtbot.waitUntil(lambda: runner.idle)
    runner.shutdown()


# -- two lanes -----------------------------------------------------------------------------------


def test_an_interactive_call_does_not_wait_behind_a_long_job(qtbot):
    runner = TaskRunner()
    started, release = threading.Event(), threading.Event()
    seen: list[str] = []

    def long_job(state):
        started.set()
        assert release.wait(10)
        return "printed"

    runner.run_with_progress(long_job, lambda _step: None, seen.append)
    assert started.wait(10)
    runner.run(lambda: "found", seen.append)
    qtbot.waitUntil(lambda: seen == ["found"], timeout=5_000)  # while the long job is blocked
    assert not runner.idle  # the long job still counts
    release.set()
    qtbot.waitUntil(lambda: runner.idle)
    assert seen == ["found", "printed"]
    runner.shutdown()


def test_interactive_calls_keep_their_order_and_long_jobs_their_lane(qtbot):
    runner = TaskRunner()
    threads: dict[str, str] = {}
    order: list[int] = []
    for i in range(5):
        runner.run(lambda i=i: order.append(i) or threading.current_thread().name, lambda _r: None)
    runner.run(
        lambda: threads.setdefault("interactive", threading.current_thread().name),
        lambda _r: None,
    )
    runner.run(
        lambda: threads.setdefault("long", threading.current_thread().name),
        lambda _r: None,
        lane="long",
    )
    qtbot.waitUntil(lambda: runner.idle)
    assert order == [0, 1, 2, 3, 4]
    assert threads["interactive"] != threads["long"]
    runner.shutdown()


def test_a_long_job_started_while_the_database_opens_finds_it_open(qtbot, services):
    """AppContext.open's job comes first; a long job started right after it (before the
    services are there) starts only once they are, instead of failing."""
    from ui.context import AppContext

    opening = threading.Event()

    def slow_open():
        assert opening.wait(10)
        return services

    ctx = AppContext(services.settings, TaskRunner())
    ctx.open(slow_open)
    outcome: list[object] = []
    ctx.tasks.run_with_progress(
        lambda state: ctx.services.clock.today(), lambda _step: None, outcome.append,
        outcome.append,
    )  # fmt: skip
    opening.set()
    qtbot.waitUntil(lambda: ctx.tasks.idle, timeout=10_000)
    assert outcome == [services.clock.today()]
    ctx.tasks.shutdown()


def test_shutdown_cancels_a_long_job_and_drains_both_lanes(qtbot):
    runner = TaskRunner()
    started = threading.Event()
    ended: list[str] = []

    def endless(state):
        started.set()
        try:
            while True:
                state.check()
                threading.Event().wait(0.01)
        except Cancelled:
            ended.append("cancelled")
            raise

    runner.run_with_progress(endless, lambda _step: None, lambda _r: None, lambda _e: None)
    runner.run(lambda: ended.append("interactive"), lambda _r: None)
    assert started.wait(10)
    runner.shutdown()  # returns: the long job was told to stop
    assert sorted(ended) == ["cancelled", "interactive"]


def test_a_batch_print_and_a_reading_saved_meanwhile_overlap(qtbot, services):
    """On the real services (SQLite and PostgreSQL): a building's receipts are printed in the
    long lane and held half-way inside a read transaction; a resident saves readings in the
    interactive lane meanwhile, and the print then finishes as well."""
    import io

    from desktop.demo import DEMO_ACCOUNT, DEMO_PASSWORD, DEMO_STAFF

    clerk = services.auth.staff_login("operator", DEMO_STAFF["operator"]).actor
    resident = services.auth.login(DEMO_ACCOUNT, DEMO_PASSWORD)
    month = services.clock.today().replace(day=1)
    reading, release = threading.Event(), threading.Event()
    runner = TaskRunner()
    results: list[object] = []

    def batch(state):
        with services.db.read() as s:  # a snapshot held open while the resident writes
            s.execute(select(Account.id)).all()
            reading.set()
            assert release.wait(20)
        return services.documents.write_receipts(clerk, previous(month), io.BytesIO(), state=state)

    def save():
        services.readings.create_period(resident.actor, resident.account_id)
        rows = services.readings.readings(resident.actor, resident.account_id, month)
        key = next(row.key for row in rows if not row.locked_reason)
        value = next(row.previous for row in rows if row.key == key) + 1
        return services.readings.submit(
            resident.actor, resident.account_id, month, {key: value}
        ).changed

    runner.run_with_progress(batch, lambda _step: None, results.append, results.append)
    assert reading.wait(20)
    runner.run(save, results.append, results.append)
    qtbot.waitUntil(lambda: results == [1], timeout=20_000)  # saved while the print waits
    release.set()
    qtbot.waitUntil(lambda: runner.idle, timeout=60_000)
    assert results[1].printed > 0  # type: ignore[attr-defined]
    runner.shutdown()


def previous(month):
    from desktop.months import add_months

    return add_months(month, -1)


class _Probe:
    """Records the thread that lets go of it last: a widget destroyed off the GUI thread
    crashes Qt, and a job's closures usually hold a widget."""

    def __init__(self, record: list[str]) -> None:
        self.record = record

    def __del__(self) -> None:
        self.record.append(threading.current_thread().name)


def _fail_holding(probe: _Probe) -> None:
    raise ValueError("refused")  # the traceback's frame holds the probe


def test_a_jobs_closures_result_and_error_are_let_go_on_the_gui_thread(qtbot):
    runner = TaskRunner()
    record: list[str] = []
    started = threading.Event()

    def slow(probe: _Probe) -> _Probe:
        started.set()
        threading.Event().wait(0.2)  # the GUI thread has dropped its references by now
        return _Probe(record)  # the result is a new object the worker made

    probe = _Probe(record)
    runner.run(lambda held=probe: slow(held), lambda _result: None)
    failing = _Probe(record)
    runner.run(lambda held=failing: _fail_holding(held), lambda _r: None, lambda _e: None)
    del probe, failing
    assert started.wait(5)
    qtbot.waitUntil(lambda: runner.idle)
    qtbot.waitUntil(lambda: len(record) == 3)
    assert record == [threading.main_thread().name] * 3
    runner.shutdown()
