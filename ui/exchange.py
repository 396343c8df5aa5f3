"""«Обмен данными», a page of the administrator's workplace: a file from 1C or a bank loaded
(checked whole first; with any problem nothing changes and every problem is listed with its
row and column), a month's readings written for 1C or ГИС ЖКХ, and the latest import batches.
Imports and exports run in the background with progress and «Отмена»."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ui import dialogs
from ui.context import PageContext
from ui.exchange_export import ExportTab
from ui.exchange_tables import (
    BatchModel,
    ProblemModel,
    TallyModel,
    button_row,
    hint,
    make_table,
    progress_bar,
)
from ui.forms import make_button
from ui.job_controls import JobControls
from ui.messages import MessageBar
from ui.pages.base import BasePage
from ui.tasks import TaskState

if TYPE_CHECKING:
    from desktop.exchange.report import BatchInfo, ImportReport

TITLE = "Обмен данными"
LOAD = "Загрузить файл…"
CANCEL = "Отмена"
REFRESH = "Обновить"
DRY_RUN = "Только проверить"
DETECT = "Определить по заголовкам"
KIND = "Вид файла"
IMPORT_CANCELLED = "Загрузка отменена: в базе ничего не изменено."
WRAPPED_PROBLEMS = 300  # problems shown whole, on as many lines as they need
NOTES_SHOWN = 20  # what an applied import left out (a bank's refused readings), listed
OPEN_FILTERS = (
    "Файлы 1С и банка (*.csv *.xlsx *.txt);;CSV (*.csv);;Excel (*.xlsx);;"
    "Реестр банка (*.txt);;Все файлы (*)"
)
# desktop.exchange.kinds.KINDS (not imported here: it brings the database layer along).
KINDS = (
    ("accounts", "Лицевые счета"),
    ("meters", "Приборы учета"),
    ("statement", "Ведомость (сальдо и обороты)"),
    ("receipts", "Квитанции"),
    ("accepted", "Ответ 1С о приёме показаний"),
    ("payments", "Реестр платежей банка"),
)


class ExchangePage(BasePage):
    """«Загрузка», «Выгрузка показаний» and «Последние загрузки», on tabs."""

    title = TITLE

    def __init__(self, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName(TITLE)
        self.tabs.addTab(self._import_tab(), "Загрузка из 1С и банка")
        self.exporter = ExportTab(ctx)
        self.tabs.addTab(self.exporter, "Выгрузка показаний")
        self.tabs.addTab(self._batches_tab(), "Последние загрузки")
        self.layout_.addWidget(self.tabs, 1)
        self._started = False

    # -- layout

    def _import_tab(self) -> QWidget:
        tab = QWidget()
        layout = QVBoxLayout(tab)
        layout.setContentsMargins(16, 14, 16, 14)
        layout.setSpacing(8)
        layout.addWidget(
            hint(
                "Файл из 1С (лицевые счета, приборы учета, ведомость, квитанции, ответ о приёме "
                "показаний) или реестр платежей банка: CSV, XLSX или TXT. Сначала проверяется "
                "весь файл: при любой ошибке в базе ничего не меняется. Столбцы — по "
                "заголовкам (docs/exchange.md)."
            )
        )
        form = QFormLayout()
        form.setHorizontalSpacing(14)
        self.kind = QComboBox()
        self.kind.setAccessibleName(KIND)
        self.kind.addItem(DETECT, None)
        for name, title in KINDS:
            self.kind.addItem(title, name)
        self.kind.setMinimumWidth(300)
        self.kind.setMaximumWidth(420)
        kind_label = QLabel(KIND)
        kind_label.setBuddy(self.kind)
        form.addRow(kind_label, self.kind)
        self.dry_run = QCheckBox(DRY_RUN + " (ничего не записывать)")
        self.dry_run.setAccessibleName(DRY_RUN)
        form.addRow("", self.dry_run)
        layout.addLayout(form)

        self.load_button = make_button(LOAD, "primary")
        self.load_button.clicked.connect(self.choose_file)
        self.import_cancel = make_button(CANCEL)
        layout.addLayout(button_row(self.load_button, self.import_cancel))
        self.import_progress = progress_bar("Ход загрузки")
        self.import_progress.setFormat("%p%")
        layout.addWidget(self.import_progress)
        self.import_messages = MessageBar(tab)
        layout.addWidget(self.import_messages)
        self.import_job = JobControls(
            self.load_button,
            self.import_cancel,
            self.import_progress,
            self.import_messages,
            (self.kind, self.dry_run),
            stopping="Загрузка останавливается…",
            cancelled=IMPORT_CANCELLED,
        )

        self.import_summary = QLabel()
        self.import_summary.setAccessibleName("Отчет о загрузке")
        self.import_summary.setWordWrap(True)
        self.import_summary.hide()
        layout.addWidget(self.import_summary)
        self.tallies = TallyModel(self)
        self.tally_table = make_table(self.tallies, "Что загружено", 0)
        self.tally_table.hide()
        # A few kinds of record: the table as small as they are, the spare height below it.
        self.tally_table.setMaximumSize(760, 200)
        layout.addWidget(self.tally_table)
        self.problems = ProblemModel(self)
        self.problem_table = make_table(self.problems, "Ошибки в файле", 2)
        self.problem_table.hide()
        layout.addWidget(self.problem_table, 10)
        layout.addStretch(1)
        return tab

    def _batches_tab(self) -> QWidget:
        tab = QWidget()
        layout = QVBoxLayout(tab)
        layout.setContentsMargins(16, 14, 16, 14)
        layout.setSpacing(8)
        layout.addWidget(hint("Последние загруженные файлы, новые сверху."))
        self.batches = BatchModel(self)
        self.batch_table = make_table(self.batches, "Последние загрузки", 3)
        layout.addWidget(self.batch_table, 1)
        row = QHBoxLayout()
        row.addStretch(1)
        self.refresh_button = make_button(REFRESH)
        self.refresh_button.clicked.connect(self.load_batches)
        row.addWidget(self.refresh_button)
        layout.addLayout(row)
        return tab

    # -- data

    def activate(self) -> None:
        if not self._started:
            self._started = True
            services = self.ctx.services
            self.load(services.clock.today, self.exporter.set_today)
        self.load_batches()

    def load_batches(self) -> None:
        ctx, actor = self.ctx, self.ctx.actor
        self.load(lambda: ctx.services.exchange.recent_batches(actor), self._batches_loaded)

    def _batches_loaded(self, batches: list[BatchInfo]) -> None:
        self.batches.set_batches(batches)

    # -- import

    def choose_file(self) -> None:
        if self.import_job.running:
            return
        path = dialogs.open_path(self, "Файл для загрузки", OPEN_FILTERS)
        if path:
            self.start_import(path, self.kind.currentData(), self.dry_run.isChecked())

    def start_import(self, path: str, kind: str | None, dry_run: bool) -> None:
        ctx, actor = self.ctx, self.ctx.actor
        self._show_import(None)
        self.import_job.begin(f"Проверяется файл {Path(path).name}…")

        def work(state: TaskState) -> ImportReport:
            return ctx.services.exchange.import_file(
                actor, path, kind=kind, dry_run=dry_run, state=state
            )

        self.import_job.task = ctx.tasks.run_with_progress(
            work, self._import_progressed, self._imported, self._import_failed, owner=self
        )

    def _import_progressed(self, step: tuple[int, int]) -> None:
        done, total = step
        if total > 0:  # bytes of the file
            self.import_progress.setRange(0, 1000)
            self.import_progress.setValue(min(1000, done * 1000 // total))

    def _imported(self, report: ImportReport) -> None:
        self.import_job.ended()
        self._show_import(report)
        lines = report.lines()
        if report.earlier is not None:
            self.import_messages.warning(lines[1])
        elif report.dry_run:
            self.import_messages.success(
                "Проверка прошла: ошибок нет. В базе ничего не изменено — чтобы загрузить, "
                f"снимите «{DRY_RUN}» и загрузите файл снова."
            )
        elif not report.changed:
            self.import_messages.success(
                f"Загружено, пакет № {report.batch_id}: все данные файла уже были в базе."
            )
        else:
            self.import_messages.success(f"Загружено, пакет № {report.batch_id}.")
        if report.notes and report.earlier is None:
            loaded = "Проверено" if report.dry_run else f"Загружено, пакет № {report.batch_id}"
            self.import_messages.warning(
                f"{loaded}, но не принято: {len(report.notes)} — список под кнопками."
            )
        if report.batch_id is not None:
            self.load_batches()

    def _import_failed(self, error: Exception) -> None:
        from desktop.exchange.report import ImportRefused

        if isinstance(error, ImportRefused):
            self.import_job.ended()
            self._show_import(error.report)
            self.import_messages.error(error.report.lines()[2])
        else:
            self._show_import(None)
            self.import_job.failed(error)

    def _show_import(self, report: ImportReport | None) -> None:
        """The report under the buttons: what the file is, then its problems or its tallies."""
        refused = report is not None and report.problem_count > 0
        applied = report is not None and not refused and report.earlier is None
        self.problems.set_problems(report.problems if refused and report else [])
        self.tallies.set_tallies(report.tallies if applied and report else [])
        # A long message wraps onto a second line; past a few hundred rows measuring each
        # would slow the table down, and the tooltip shows the whole message anyway.
        rows = self.problem_table.verticalHeader()
        rows.setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
            if self.problems.rowCount() <= WRAPPED_PROBLEMS
            else QHeaderView.ResizeMode.Fixed
        )
        self.problem_table.setVisible(refused)
        self.tally_table.setVisible(applied)
        self.import_summary.setVisible(report is not None)
        if report is None:
            self.import_summary.clear()
            return
        text = f"Файл {report.file_name} ({report.file_format}): {report.kind_title}."
        text += f" Строк с данными: {report.rows}."
        if refused:
            hidden = report.problem_count - len(report.problems)
            text += f" Ошибок: {report.problem_count}" + (
                f" (показаны первые {len(report.problems)})." if hidden else "."
            )
        if report.unused_columns:
            names = ", ".join(f"«{name}»" for name in report.unused_columns)
            text += f" Не использованы столбцы: {names}."
        if report.notes and not refused:
            rest = "было бы загружено" if report.dry_run else "загружено"
            text += f"\nНе принято ({len(report.notes)}), остальное {rest}:\n"
            text += "\n".join(report.notes[:NOTES_SHOWN])
            if len(report.notes) > NOTES_SHOWN:
                text += f"\n… и ещё {len(report.notes) - NOTES_SHOWN}."
        self.import_summary.setText(text)

    def closing(self) -> None:
        super().closing()
        # Logout meanwhile: the import rolls back, the export leaves no file.
        self.import_job.closing()
        self.exporter.closing()
