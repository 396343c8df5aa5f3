"""Guards against a broken Qt binding: PySide6 6.12.0 dropped a reference to None on every
call returning nothing, which kills a long-running Python 3.11 process."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QLabel


def test_calls_returning_nothing_keep_none_alive(qtbot):
    label = QLabel()
    qtbot.addWidget(label)
    before = sys.getrefcount(None)
    for _ in range(1000):
        label.setText("Иванов И.И.")
    assert abs(sys.getrefcount(None) - before) < 50
