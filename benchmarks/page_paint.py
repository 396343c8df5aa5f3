"""Each page of a ten-year account, from the click to the page painted with its data,
beside the floor: a bare ``QTableView`` over a bare ``QAbstractTableModel`` holding the same
rows and columns of preformatted strings, painted at the same size.

Builds ``demo --accounts N --months 120`` (a tenth of the accounts with ten years) in a
temporary SQLite file and, if the server answers, a scratch PostgreSQL database; opens the
main window offscreen as a clerk serving the account with the longest history, at
1280×800, and for each page — «Ведомость», «Моя задолженность», «Приборы учета»,
«Квитанции» — times, after a switch away to «Изменить пароль»: ``show_page`` (what the
sidebar's click calls), the page's background job, its answer shown, the posted layout
work, and a synchronous ``repaint()`` of the page. The floor is measured on the tables the page
shows, with the texts they show, from a new model to painted.

    .venv/bin/python benchmarks/page_paint.py [--accounts 1000] [--runs 15] [--no-postgres]

Figures only, never assertions.
"""

from __future__ import annotations

import argparse
import os
import time
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from large_account import CLERK, CLOCK, LargeAccount, backends, large_account, line, timing
from PySide6.QtCore import QAbstractTableModel, QEventLoop, QModelIndex, Qt, QTimer
from PySide6.QtWidgets import QApplication, QTableView, QVBoxLayout, QWidget

from desktop.app import build_services
from desktop.settings import Settings
from ui import theme
from ui.context import AppContext, PageContext, ServedAccount
from ui.main_window import MainWindow
from ui.pages.registry import Page, pages_for
from ui.tasks import TaskRunner

PAGES = (Page.STATEMENT, Page.DEBT, Page.METERS, Page.RECEIPTS)
ELSEWHERE = Page.PASSWORD  # shows no data: switching to it loads nothing
DISPLAY = Qt.ItemDataRole.DisplayRole


class TimedRunner(TaskRunner):
    """The application's task runner, adding up the time its jobs take on their thread."""

    worked = 0.0  # seconds

    def run(self, work: Any, on_done: Any, on_error: Any = None, **options: Any) -> Any:
        def timed_work() -> Any:
            started = time.perf_counter()
            try:
                return work()
            finally:
                self.worked += time.perf_counter() - started

        return super().run(timed_work, on_done, on_error, **options)


def wait_idle(tasks: TaskRunner) -> None:
    """Run the event loop until every background job's answer has been shown."""
    if tasks.idle:
        return
    loop = QEventLoop()
    # busy_changed(False) comes just before the last answer's callback, in the same event:
    # the loop returns once that event (the callback included) is handled.
    tasks.busy_changed.connect(loop.quit)
    QTimer.singleShot(60_000, loop.quit)
    while not tasks.idle:
        loop.exec()
    tasks.busy_changed.disconnect(loop.quit)


class Strings(QAbstractTableModel):
    """The floor's model: rows of ready texts, the headers' texts, nothing else."""

    def __init__(self, cells: list[list[str]], columns: list[str], rows: list[str]) -> None:
        super().__init__()
        self.cells, self.columns, self.rows = cells, columns, rows

    def rowCount(self, parent: Any = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.cells)

    def columnCount(self, parent: Any = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: Any, role: int = DISPLAY) -> Any:
        return self.cells[index.row()][index.column()] if role == DISPLAY else None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = DISPLAY) -> Any:
        if role != DISPLAY:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self.columns[section]
        return self.rows[section]


def shown_tables(page: QWidget) -> list[tuple[QTableView, list[list[str]], list[str], list[str]]]:
    """Each table the page shows, with every text its cells and headers show."""
    found = []
    for view in page.findChildren(QTableView):
        if not view.isVisible() or view.model() is None:
            continue
        model = view.model()
        rows, columns = model.rowCount(), model.columnCount()
        cells = [[str(model.index(r, c).data() or "") for c in range(columns)] for r in range(rows)]
        column_titles = [
            str(model.headerData(c, Qt.Orientation.Horizontal) or "") for c in range(columns)
        ]
        row_titles = [str(model.headerData(r, Qt.Orientation.Vertical) or "") for r in range(rows)]
        found.append((view, cells, column_titles, row_titles))
    return found


class Floor:
    """The page's tables as bare views at the same sizes, in a window of the page's size."""

    def __init__(self, app: QApplication, page: QWidget) -> None:
        self.app = app
        self.tables = shown_tables(page)
        self.window = QWidget()
        layout = QVBoxLayout(self.window)
        self.views = []
        for original, _cells, _columns, _rows in self.tables:
            view = QTableView()
            view.setFixedSize(original.size())
            view.verticalHeader().setVisible(original.verticalHeader().isVisible())
            layout.addWidget(view)
            self.views.append(view)
        self.window.resize(page.size())
        self.window.show()
        app.processEvents()
        self.paint()  # warm-up

    @property
    def sizes(self) -> str:
        return " + ".join(f"{len(c)}×{len(h)}" for _v, c, h, _r in self.tables) or "no table"

    def paint(self) -> float:
        """New models with the same texts, to painted: milliseconds."""
        started = time.perf_counter()
        for view, (_original, cells, columns, rows) in zip(self.views, self.tables, strict=True):
            view.setModel(Strings(cells, columns, rows))
        self.app.processEvents()
        self.window.repaint()
        return (time.perf_counter() - started) * 1000

    def close(self) -> None:
        self.window.close()
        self.window.deleteLater()
        self.app.processEvents()


def measure(app: QApplication, large: LargeAccount, runs: int) -> None:
    services = build_services(large.db, Settings(), CLOCK)
    info = services.accounts.get_by_id(CLERK, large.account_id)
    runner = TimedRunner()
    ctx = AppContext(services.settings, runner)
    ctx.open(lambda: services)
    wait_idle(ctx.tasks)
    served = ServedAccount(info.id, info.number, info.fio, info.address)
    page_ctx = PageContext(ctx, CLERK, served, "bench")
    window = MainWindow(page_ctx, pages=pages_for("office", "resident"))
    window.resize(1280, 800)
    window.show()
    wait_idle(ctx.tasks)
    app.processEvents()
    try:
        for page in PAGES:
            totals, jobs, bare = [], [], []
            first, floor = 0.0, None
            for _run in range(runs + 1):
                window.show_page(ELSEWHERE)
                wait_idle(ctx.tasks)
                app.processEvents()
                runner.worked = 0.0
                started = time.perf_counter()
                shown = window.show_page(page)
                wait_idle(ctx.tasks)
                app.processEvents()
                shown.repaint()
                ended = time.perf_counter()
                if floor is None:  # the first click built the page; its texts make the floor
                    first = (ended - started) * 1000
                    floor = Floor(app, shown)
                    continue
                totals.append((ended - started) * 1000)
                jobs.append(runner.worked * 1000)
                bare.append(floor.paint())  # in turn with the page: alike under load
            assert floor is not None
            floor.close()
            job, total = timing(jobs).median, timing(totals).median
            note = (
                f"job {job:.1f} ms, GUI {total - job:.1f} ms; {floor.sizes}; first click, the page "
                f"built: {first:.0f} ms"
            )
            name = f"{page.value} page painted"
            print(line(large.backend, name, timing(totals), timing(bare), note), flush=True)
    finally:
        window.close()
        window.deleteLater()
        ctx.close()
        app.processEvents()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    theme.apply(app)
    for backend, url in backends(not args.no_postgres):
        with large_account(backend, url, args.accounts) as large:
            measure(app, large, args.runs)


if __name__ == "__main__":
    main()
