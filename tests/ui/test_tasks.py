from __future__ import annotations

import threading

import shiboken6
from PySide6.QtWidgets import QWidget

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
