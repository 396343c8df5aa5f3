"""Entry point of the frozen programs: ``cabinet`` (windowed) and ``cabinet-cli`` (console).

Both run ``python -m desktop``: no command opens the window, a command runs in the console.
A windowed program has no console (``sys.stdout`` and ``sys.stderr`` are None), so what it
would print goes to a log in the user's data folder, and a failure is shown in a message box
instead of vanishing (unless ZHK_CABINET_NO_ERROR_BOX is set: unattended runs, the smoke test).
"""

from __future__ import annotations

import io
import os
import sys
import time
from pathlib import Path

LOG_NAME = "cabinet.log"
TAIL = 4000  # characters of the output kept for the message box


class _Log(io.TextIOBase):
    """A text stream that appends to the log file (opened on first write) and keeps a tail."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.tail = ""
        self._file: io.TextIOBase | None = None
        self._failed = False

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self.tail = (self.tail + text)[-TAIL:]
        if self._file is None and not self._failed:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._file = open(self.path, "a", encoding="utf-8")  # noqa: SIM115
                self._file.write(f"\n--- {time.strftime('%Y-%m-%d %H:%M:%S')} {sys.argv!r}\n")
            except OSError:  # an unwritable profile must not stop the program
                self._failed = True
        if self._file is not None:
            self._file.write(text)
            self._file.flush()
        return len(text)


def _log_path() -> Path:
    from platformdirs import user_data_path

    from desktop import APP_NAME

    return user_data_path(APP_NAME, appauthor=False) / LOG_NAME


def _show_error(text: str) -> None:
    if sys.platform != "win32" or os.environ.get("ZHK_CABINET_NO_ERROR_BOX"):
        return
    import ctypes

    mb_iconerror = 0x10
    ctypes.windll.user32.MessageBoxW(None, text, "Личный кабинет жителя", mb_iconerror)


def run_windowed() -> int:
    from desktop.cli import main

    log = _Log(_log_path())
    sys.stdout = sys.stderr = log
    try:
        code = main()
    except SystemExit as stop:  # argparse exits this way on a malformed command line
        code = stop.code if isinstance(stop.code, int) else 1 if stop.code else 0
    except BaseException:
        import traceback

        traceback.print_exc()
        code = 1
    if code and log.tail.strip():
        _show_error(f"{log.tail.strip()}\n\nПодробности записаны в файл {log.path}")
    return code


def run_console() -> int:
    from desktop.cli import main

    return main()


if __name__ == "__main__":
    sys.exit(run_windowed() if sys.stdout is None or sys.stderr is None else run_console())
