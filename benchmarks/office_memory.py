"""The office's memory after serving many accounts one after another, beside the floor: a bare
process with Qt loaded and a window shown.

Builds ``demo --accounts N --months 120`` in a temporary SQLite file (and, if the server
answers, a scratch PostgreSQL database), then starts a fresh process that does what a clerk
at the counter does with the windows as they exist now: for each of the first ``--open``
accounts (a tenth of them with ten years), a main window serving it (``MainWindow``, the
resident's pages, 1280×800, offscreen), each page shown with its data — «Приборы учета»,
«Моя задолженность», «Квитанции», «Ведомость» — and painted, then the window closed and
deleted as at the end of a visit (``Controller._close``). Prints the resident memory
after the first account, the peak over the whole run and the memory once the last window
is gone; the floor is a fresh process with ``QApplication`` and one shown window.

    .venv/bin/python benchmarks/office_memory.py [--accounts 1000] [--open 100] [--no-postgres]

Figures only, never assertions.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
PAGES = ("meters", "debt", "receipts", "statement")

BARE = r"""
import resource, sys
from PySide6.QtWidgets import QApplication, QLabel
app = QApplication(sys.argv[:1])
window = QLabel("Рабочее место сотрудника")
window.resize(1280, 800)
window.show()
for _ in range(5):
    app.processEvents()
window.repaint()
print("rss", open("/proc/self/statm").read().split()[1], flush=True)
print("peak", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, flush=True)
"""


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(url: str, count: int) -> None:
    """The office process: serve ``count`` accounts one after another; print the memory."""
    from PySide6.QtCore import QCoreApplication, QEvent
    from PySide6.QtWidgets import QApplication

    from ui.memory import tune_allocator
    from ui.startup_imports import install_cheap_hook

    # As ui.app.main and the services' opening do, before the core is imported.
    tune_allocator()
    install_cheap_hook()

    from large_account import CLERK, CLOCK
    from page_paint import wait_idle
    from sqlalchemy import select

    from db.engine import Database
    from db.models import Account
    from desktop.app import build_services
    from desktop.settings import Settings
    from ui import theme
    from ui.context import AppContext, PageContext, ServedAccount
    from ui.forms import delete_on_close
    from ui.main_window import MainWindow
    from ui.pages.registry import Page, pages_for
    from ui.tasks import TaskRunner

    app = QApplication([])
    theme.apply(app)
    services = build_services(Database(url), Settings(), CLOCK)
    ctx = AppContext(services.settings, TaskRunner())
    ctx.open(lambda: services)
    wait_idle(ctx.tasks)
    with services.db.read() as s:
        ids = list(s.scalars(select(Account.id).order_by(Account.id).limit(count)))
    pages = pages_for("office", "resident")
    after_first = 0.0
    for number, account_id in enumerate(ids, 1):
        info = services.accounts.get_by_id(CLERK, account_id)
        served = ServedAccount(info.id, info.number, info.fio, info.address)
        window = MainWindow(PageContext(ctx, CLERK, served, "bench"), pages=pages)
        window.resize(1280, 800)
        window.show()
        for name in PAGES:
            page = window.show_page(Page(name))
            wait_idle(ctx.tasks)
            app.processEvents()
            page.repaint()
        delete_on_close(window)
        window.close()
        del window, page
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        app.processEvents()
        if number == 1:
            after_first = rss_mb()
    print(f"accounts {len(ids)}", flush=True)
    print(f"first {after_first:.1f}", flush=True)
    print(f"after {rss_mb():.1f}", flush=True)
    print(f"peak {peak_mb():.1f}", flush=True)
    ctx.close()


def run_child(arguments: list[str]) -> dict[str, float]:
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")}
    done = subprocess.run(
        [sys.executable, *arguments], capture_output=True, text=True, env=env, cwd=HERE,
        check=False, timeout=3600,
    )  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"{arguments[:2]} failed:\n{done.stderr[-3000:]}")
    found = {}
    for text in done.stdout.splitlines():
        name, _, value = text.partition(" ")
        found[name] = float(value)
    return found


def bare_mb() -> tuple[float, float]:
    """A fresh process with Qt loaded and a window painted: resident and peak MB."""
    found = run_child(["-c", BARE])
    return found["rss"] * os.sysconf("SC_PAGE_SIZE") / 2**20, found["peak"] / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=1000)
    parser.add_argument("--open", type=int, default=100, help="accounts served one after another")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--child", help=argparse.SUPPRESS)  # the office process, on this URL
    args = parser.parse_args()
    if args.child:
        child(args.child, args.open)
        return
    from large_account import backends, large_account

    bare_rss, bare_peak = bare_mb()
    for backend, url in backends(not args.no_postgres):
        with large_account(backend, url, args.accounts):
            found = run_child([__file__, "--child", url, "--open", str(args.open)])
        accounts = int(found["accounts"])
        peak, after, first = found["peak"], found["after"], found["first"]
        print(
            f"{backend:<10} office memory, {accounts} accounts served: peak {peak:.0f} MB, "
            f"after closing them {after:.0f} MB (after the first {first:.0f} MB)   "
            f"floor {bare_rss:.0f} MB (peak {bare_peak:.0f} MB)   ×{peak / bare_peak:.1f} peak",
            flush=True,
        )


if __name__ == "__main__":
    main()
