"""Start-up: time to a painted login window, against a bare Qt window with a comparable form.

Runs each program several times from a fresh interpreter and prints the medians and their
ratio (the goal: at most 1.5×). Prints figures; asserts nothing. The application is first
byte-compiled, as an installed one is (scripts/bootstrap.sh does the same).

    .venv/bin/python benchmarks/startup.py [--runs 9]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

BARE = r"""
import sys, time
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import (QApplication, QFormLayout, QHBoxLayout, QLabel, QLineEdit,
                               QPushButton, QWidget)

app = QApplication(sys.argv[:1])
window = QWidget()
row = QHBoxLayout(window)
for title in ("Выполнить вход", "Регистрация"):
    pane = QWidget()
    form = QFormLayout(pane)
    form.addRow(QLabel(title))
    for label in ("Номер лицевого счета", "Пароль", "Телефон"):
        form.addRow(label, QLineEdit())
    form.addRow(QPushButton("Войти"))
    row.addWidget(pane)
available = app.primaryScreen().availableGeometry()  # the login window's size rule
window.resize(min(1100, available.width()), min(780, available.height()))


class FirstPaint(QObject):
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            QTimer.singleShot(0, lambda: (print(f"painted {time.time():.6f}", flush=True),
                                          app.quit()))
        return False


window.installEventFilter(FirstPaint(window))
window.show()
app.exec()
"""


def time_to_paint(command: list[str], env: dict[str, str]) -> float:
    started = time.time()
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=True, timeout=60)
    painted = [line for line in done.stdout.splitlines() if line.startswith("painted ")]
    if not painted:
        raise SystemExit(f"no paint reported by {command}: {done.stdout}\n{done.stderr}")
    return float(painted[-1].split()[1]) - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    env = {**os.environ, "CABINET_STARTUP_REPORT": "1", "PYTHONPATH": str(ROOT)}
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", "db", "desktop", "ui"],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    with tempfile.TemporaryDirectory() as home:
        env["XDG_CONFIG_HOME"] = env["XDG_DATA_HOME"] = home
        url = f"sqlite:///{home}/cabinet.db"
        app = [sys.executable, "-m", "desktop", "--quit-after-start", "--database-url", url]
        bare = [sys.executable, "-c", BARE]
        time_to_paint(app, env), time_to_paint(bare, env)  # warm the file cache
        app_times, bare_times = [], []
        for _ in range(args.runs):  # interleaved, so drift affects both alike
            app_times.append(time_to_paint(app, env))
            bare_times.append(time_to_paint(bare, env))
    app_median, bare_median = statistics.median(app_times), statistics.median(bare_times)
    print(f"runs: {args.runs}, platform: {env['QT_QPA_PLATFORM']}")
    print(f"login window painted: median {app_median * 1000:.0f} ms")
    print(f"bare Qt window painted: median {bare_median * 1000:.0f} ms")
    print(f"ratio: {app_median / bare_median:.2f}× (goal ≤ 1.5×)")


if __name__ == "__main__":
    main()
