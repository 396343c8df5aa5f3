"""What the command line's commands share: who acts, where output goes, tables, CSV and a
progress bar. ``desktop.cli`` and the feature's command modules (``desktop.documents.commands``)
import it; it imports neither, so the command line has no import cycle."""

from __future__ import annotations

import getpass
import io
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, TextIO

from desktop.common.errors import UserError
from desktop.common.tasks import TaskState

if TYPE_CHECKING:
    from desktop.actors import Actor


def cli_actor() -> Actor:
    """The office's scripts act as staff; the audit log records the OS user."""
    from desktop.actors import Actor, ActorKind

    try:
        user = getpass.getuser()
    except Exception:  # no login name in some service accounts
        user = "unknown"
    return Actor(ActorKind.SYSTEM, f"cli:{user}")


MAX_ID = 2**31 - 1
"""The largest number a record's key can have (the databases' INTEGER keys)."""


def parse_id(text: str, what: str, example: str = "1") -> int:
    """A record's number typed on the command line (``what`` names it: «Код дома»); a
    Russian refusal for anything but a number a record can have."""
    value = text.strip()
    if not value.isascii() or not value.isdigit():
        raise UserError(f"{what} «{text}» указан неверно: нужно число, например {example}.")
    if len(value) > 10 or not 1 <= int(value) <= MAX_ID:
        raise UserError(
            f"{what} «{text[:30]}» вне допустимых значений: нужно число от 1 до {MAX_ID}. "
            "Такой записи нет — проверьте число."
        )
    return int(value)


@contextmanager
def output_to(path: str | None, *, bom: bool = False) -> Iterator[TextIO]:
    """stdout, or a file that appears only once it is completely written (its binary
    stream is ``.buffer``)."""
    if path is None:
        if bom:  # CSV always carries it, so that `> file.csv` opens right in Excel
            sys.stdout.write("\ufeff")
        yield sys.stdout
        return
    from desktop.files import atomic_file

    with atomic_file(path) as raw:
        stream = io.TextIOWrapper(raw, encoding="utf-8-sig" if bom else "utf-8", newline="")
        yield stream
        stream.flush()
        stream.detach()


def render_table(headers: Sequence[str], rows: Sequence[Sequence[str]], right: set[int]) -> str:
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=True)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    return "\n".join([line(headers), line(["─" * w for w in widths]), *map(line, rows)])


def write_csv(stream: TextIO, rows: Sequence[Sequence[str]]) -> None:
    import csv

    writer = csv.writer(stream, delimiter=";", lineterminator="\r\n")
    writer.writerows(rows)


class ProgressBar:
    """A one-line progress bar on a terminal; silent when the stream is not one."""

    WIDTH = 30

    def __init__(self, stream: TextIO, title: str) -> None:
        self.stream = stream
        self.title = title
        self.live = stream.isatty()
        self._shown = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if not self.live or (done < total and now - self._shown < 0.1):
            return
        self._shown = now
        filled = self.WIDTH * done // max(total, 1)
        bar = "█" * filled + "░" * (self.WIDTH - filled)
        percent = 100 * done // max(total, 1)
        self.stream.write(f"\r{self.title}: {bar} {done} из {total} ({percent} %)")
        self.stream.flush()

    def close(self) -> None:
        if self.live and self._shown:
            self.stream.write("\n")
            self.stream.flush()


@contextmanager
def progress_state(title: str, stream: TextIO | None = None) -> Iterator[TaskState]:
    """A TaskState for long work started from the command line: its progress is drawn as a
    bar on the terminal (stderr by default), and the bar's line is ended however it stops."""
    bar = ProgressBar(stream or sys.stderr, title)
    try:
        yield TaskState(bar)
    finally:
        bar.close()
