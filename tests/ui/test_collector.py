"""Cyclic garbage is collected on the GUI thread only (``ui.collector``): a widget caught in
a garbage cycle must never be destroyed by a worker thread that happens to allocate."""

from __future__ import annotations

import gc
import threading

import pytest
from PySide6.QtWidgets import QApplication

from ui import collector
from ui.collector import GuiThreadCollector, collect_due, collection_paused


class _Cycle:
    """Garbage only the cyclic collector can free; records the thread that frees it."""

    def __init__(self, record: list[str]) -> None:
        self.record = record
        self.me = self

    def __del__(self) -> None:
        self.record.append(threading.current_thread().name)


def _allocate_a_lot(kept: list[list[int]]) -> None:
    kept.extend([i] for i in range(50_000))  # containers: each counts towards a collection


def test_the_application_collects_on_the_gui_thread_however_much_a_worker_allocates(qtbot):
    assert QApplication.instance().findChild(GuiThreadCollector) is not None  # as ui.app
    assert collector.install(QApplication.instance()) is collector.install(QApplication.instance())
    assert not gc.isenabled()
    record: list[str] = []
    _Cycle(record)  # unreachable at once, but for its own cycle
    kept: list[list[int]] = []  # what a worker's rows would be: alive for a while
    worker = threading.Thread(target=_allocate_a_lot, args=(kept,), name="worker")
    worker.start()
    worker.join()
    assert record == []  # the worker's allocations collected nothing
    qtbot.waitUntil(lambda: record != [], timeout=5_000)
    assert record == [threading.main_thread().name]


def test_nothing_is_collected_while_the_services_open_and_all_of_it_afterwards():
    assert not gc.isenabled()  # the collector is installed (tests/ui/conftest.py)
    gc.collect()
    record: list[str] = []
    with collection_paused():
        assert not gc.isenabled()
        for _ in range(1_000):
            _Cycle(record)
        assert collect_due() == 0 and record == []
    assert not gc.isenabled()  # left as it was
    assert collect_due() >= 1_000 and len(record) == 1_000
    with pytest.raises(RuntimeError), collection_paused():
        raise RuntimeError("opening failed")
    for _ in range(1_000):
        _Cycle(record)
    assert collect_due() >= 1_000  # the pause is over, whatever the block raised


def test_a_pause_outside_the_application_restores_automatic_collection():
    gc.enable()
    try:
        with collection_paused():
            assert not gc.isenabled()
        assert gc.isenabled()
    finally:
        gc.disable()
