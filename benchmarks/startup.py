"""Start-up: time to a painted login window, and to a login that can be *used* (the services
open, so a sign-in would be answered), against a bare Qt window with a comparable form.

Runs each program several times from a fresh interpreter and prints the medians, their
spread and their ratios to the bare window's paint (the goal: at most 1.5× for both).
Prints figures; asserts nothing. The application is first byte-compiled, as an installed
one is (scripts/bootstrap.sh does the same).

The login is usable when the job that opens the services (``AppContext.open``, queued
after the first paint) is done: sign-in jobs run on the same lane after it. The application
has no hook for that moment, so the program is started through a small driver (``USABLE``)
that runs ``python -m desktop`` as it is and wraps two of ``ui.app``'s names: the first
paint's callback, to print the paint, and ``Controller.apply_settings`` — the answer of the
job queued right after the opening one — to print the usable moment and quit.

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
window.resize(min(1100, available.width()), min(900, available.height()))


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


USABLE = r"""
import runpy, sys, time
from PySide6.QtWidgets import QApplication
import ui.app

class FirstPaint(ui.app._FirstPaint):
    def __init__(self, window, callback):
        def painted():
            print(f"painted {time.time():.6f}", flush=True)
            callback()
        super().__init__(window, painted)

opened = ui.app.Controller.apply_settings

def apply_settings(self, settings):
    opened(self, settings)
    print(f"usable {time.time():.6f}", flush=True)
    QApplication.instance().quit()

ui.app._FirstPaint = FirstPaint
ui.app.Controller.apply_settings = apply_settings
sys.argv = ["desktop", *sys.argv[1:]]
runpy.run_module("desktop", run_name="__main__", alter_sys=True)
"""


def moments(command: list[str], env: dict[str, str]) -> dict[str, float]:
    """Seconds from the start of ``command`` to each moment it prints («painted», «usable»)."""
    started = time.time()
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=True, timeout=60)
    found = {}
    for line in done.stdout.splitlines():
        name, _, stamp = line.partition(" ")
        if name in ("painted", "usable"):
            found[name] = float(stamp) - started
    if "painted" not in found:
        raise SystemExit(f"no paint reported by {command}: {done.stdout}\n{done.stderr}")
    return found


def time_to_paint(command: list[str], env: dict[str, str]) -> float:
    return moments(command, env)["painted"]


def figure(name: str, times: list[float], bare: float | None = None) -> str:
    median = statistics.median(times)
    spread = f"{min(times) * 1000:.0f}–{max(times) * 1000:.0f}"
    text = f"{name}: median {median * 1000:.0f} ms ({spread})"
    if bare is not None:
        text += f", ×{median / bare:.2f} the bare window's paint (goal ≤ 1.5×)"
    return text


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
        usable = [sys.executable, "-c", USABLE, "--database-url", url]
        bare = [sys.executable, "-c", BARE]
        # Warm the file cache; the first start also creates the database's schema.
        moments(usable, env), time_to_paint(app, env), time_to_paint(bare, env)
        app_times, usable_times, bare_times = [], [], []
        for _ in range(args.runs):  # interleaved, so drift affects all alike
            app_times.append(time_to_paint(app, env))
            found = moments(usable, env)
            if "usable" not in found:
                raise SystemExit(f"the services never opened: {found}")
            usable_times.append(found["usable"])
            bare_times.append(time_to_paint(bare, env))
    bare_median = statistics.median(bare_times)
    print(f"runs: {args.runs}, platform: {env['QT_QPA_PLATFORM']}")
    print(figure("login window painted", app_times, bare_median))
    print(figure("login usable (services open)", usable_times, bare_median))
    print(figure("bare Qt window painted", bare_times))


if __name__ == "__main__":
    main()
