"""A closed window's memory goes back to the system (glibc): large blocks keep their own
mapping however large a block was freed before, and a deleted main window trims the heap."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QEvent

import ui.main_window
from tests.ui.conftest import wait_idle
from ui.context import PageContext
from ui.forms import delete_on_close
from ui.main_window import MainWindow
from ui.memory import _glibc

ROOT = Path(__file__).resolve().parents[2]

glibc_only = pytest.mark.skipif(_glibc() is None, reason="glibc's allocator only")

KEPT = r"""
import os, sys
from ui.memory import tune_allocator
if sys.argv[1] == "tuned":
    assert tune_allocator()
def rss():
    return int(open("/proc/self/statm").read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
block = bytearray(8 * 2**20); del block  # a window's backing store, freed
before = rss()
block = bytearray(8 * 2**20); del block  # the next window's
print(rss() - before)
"""


def kept_after_the_second_block(mode: str) -> int:
    done = subprocess.run(
        [sys.executable, "-c", KEPT, mode],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=60,
        check=True,
    )
    return int(done.stdout.strip())


@glibc_only
def test_a_large_block_freed_goes_back_however_large_the_one_before():
    # glibc alone: its threshold rose to the first block's size, the second stays in the heap.
    assert kept_after_the_second_block("untuned") >= 7 * 2**20
    assert kept_after_the_second_block("tuned") < 2**20


@glibc_only
def test_a_deleted_main_window_gives_its_memory_back(qtbot, page_ctx: PageContext, monkeypatch):
    released: list[bool] = []

    def release() -> bool:
        released.append(True)
        return True

    monkeypatch.setattr(ui.main_window, "release_freed_memory", release)
    window = MainWindow(page_ctx)
    window.show()
    qtbot.waitExposed(window)
    wait_idle(qtbot, page_ctx.app)
    assert released == []
    delete_on_close(window)
    window.close()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    qtbot.waitUntil(lambda: released == [True])
