"""The tab «Выгрузка показаний» of «Обмен данными»: a month's readings written for 1C (CSV,
XLSX) or ГИС ЖКХ in the background, with progress and «Отмена»; the report under it, the
meters without a ГИС ЖКХ number in a table."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from desktop.months import month_name, month_start
from ui import dialogs
from ui.context import PageContext
from ui.exchange_tables import SkippedModel, button_row, hint, make_table, progress_bar
from ui.forms import make_button
from ui.job_controls import JobControls
from ui.messages import MessageBar
from ui.tasks import TaskState

if TYPE_CHECKING:
    from desktop.exchange.export_service import ExportReport

EXPORT = "Выгрузить показания…"
CANCEL = "Отмена"
MONTH = "Месяц"
FORMAT = "Формат"
EXPORT_CANCELLED = "Выгрузка отменена: файл не сохранён, ничего не отмечено."
FORMATS = (
    ("csv", "Для 1С, CSV", "CSV (*.csv)", ".csv"),
    ("xlsx", "Для 1С, XLSX", "Excel (*.xlsx)", ".xlsx"),
    ("gis", "Для ГИС ЖКХ, XLSX (шаблон 13.1.3.1)", "Excel (*.xlsx)", ".xlsx"),
)


class ExportTab(QWidget):
    """Month, format, «Выгрузить показания…», «Отмена», progress and the report."""

    def __init__(self, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 14)
        layout.setSpacing(8)
        layout.addWidget(
            hint(
                "Показания за месяц, переданные жителями, в офисе, в терминале и через банк: "
                "для 1С (CSV или XLSX) или для ГИС ЖКХ (XLSX по шаблону «Импорт показаний "
                "ИПУ»). Выгруженные месяцы отмечаются; повторная выгрузка скажет, что "
                "изменилось с прошлой."
            )
        )
        form = QFormLayout()
        form.setHorizontalSpacing(14)
        self.month = QDateEdit()
        self.month.setAccessibleName(MONTH)
        self.month.setDisplayFormat("MM.yyyy")
        self.month.setMinimumWidth(120)
        self.month_hint = QLabel()
        self.month_hint.setObjectName("hint")
        self.month.dateChanged.connect(
            lambda: self.month_hint.setText(month_name(self.selected_month()))
        )
        month_row = QHBoxLayout()
        month_row.addWidget(self.month)
        month_row.addSpacing(8)
        month_row.addWidget(self.month_hint, 1)
        month_label = QLabel(MONTH)
        month_label.setBuddy(self.month)
        form.addRow(month_label, month_row)
        self.format = QComboBox()
        self.format.setAccessibleName(FORMAT)
        for code, title, _filter, _suffix in FORMATS:
            self.format.addItem(title, code)
        self.format.setMinimumWidth(300)
        self.format.setMaximumWidth(420)
        format_label = QLabel(FORMAT)
        format_label.setBuddy(self.format)
        form.addRow(format_label, self.format)
        layout.addLayout(form)

        self.export_button = make_button(EXPORT, "primary")
        self.export_button.setEnabled(False)  # until the month is known
        self.export_button.clicked.connect(self.choose_output)
        self.export_cancel = make_button(CANCEL)
        layout.addLayout(button_row(self.export_button, self.export_cancel))
        self.export_progress = progress_bar("Ход выгрузки")
        self.export_progress.setFormat("%v из %m")
        layout.addWidget(self.export_progress)
        self.export_messages = MessageBar(self)
        layout.addWidget(self.export_messages)
        self.job = JobControls(
            self.export_button,
            self.export_cancel,
            self.export_progress,
            self.export_messages,
            (self.month, self.format),
            stopping="Выгрузка останавливается…",
            cancelled=EXPORT_CANCELLED,
        )
        self.export_summary = QLabel()
        self.export_summary.setAccessibleName("Отчет о выгрузке")
        self.export_summary.setWordWrap(True)
        self.export_summary.hide()
        layout.addWidget(self.export_summary)
        self.skipped = SkippedModel(self)
        self.skipped_table = make_table(self.skipped, "Приборы без номера в ГИС ЖКХ", 1)
        self.skipped_table.hide()
        layout.addWidget(self.skipped_table, 10)
        layout.addStretch(1)

    def set_today(self, today: date) -> None:
        month = month_start(today)
        self.month.setDate(QDate(month.year, month.month, 1))
        self.export_button.setEnabled(not self.job.running)

    def selected_month(self) -> date:
        chosen = self.month.date()
        return date(chosen.year(), chosen.month(), 1)

    def choose_output(self) -> None:
        if self.job.running:
            return
        month = self.selected_month()
        code = self.format.currentData()
        _code, _title, filters, suffix = next(f for f in FORMATS if f[0] == code)
        where = "ГИС ЖКХ" if code == "gis" else "1С"
        name = f"Показания {month:%m.%Y} для {where}{suffix}"
        path = dialogs.save_path(self, "Сохранить показания", name, filters)
        if not path:
            return
        if not path.lower().endswith(suffix):
            path += suffix
        self.start_export(path, month, code)

    def start_export(self, path: str, month: date, file_format: str) -> None:
        ctx, actor = self.ctx, self.ctx.actor
        self._show_export(None)
        self.job.begin("Показания выгружаются…")

        def work(state: TaskState) -> ExportReport:
            return ctx.services.readings_export.export(
                actor,
                month,
                file_format,  # type: ignore[arg-type]  # one of FORMATS
                path,
                state=state,
            )

        self.job.task = ctx.tasks.run_with_progress(
            work, self._export_progressed, self._exported, self._export_failed, owner=self
        )

    def _export_progressed(self, step: tuple[int, int]) -> None:
        done, total = step
        self.export_progress.setRange(0, max(total, 1))
        self.export_progress.setValue(done)

    def _exported(self, report: ExportReport) -> None:
        self.job.ended()
        self._show_export(report)
        text = f"Готово: файл {report.file_name}, строк {report.rows}."
        if report.skipped:
            self.export_messages.warning(
                f"{text} Не выгружено приборов без номера в ГИС ЖКХ: {len(report.skipped)}."
            )
        else:
            self.export_messages.success(text)

    def _export_failed(self, error: Exception) -> None:
        self._show_export(None)
        self.job.failed(error)

    def _show_export(self, report: ExportReport | None) -> None:
        self.skipped.set_skipped(report.skipped if report else [])
        self.skipped_table.setVisible(bool(report and report.skipped))
        self.export_summary.setVisible(report is not None)
        if report is None:
            self.export_summary.clear()
            return
        # The meters without a ГИС number go to the table, not into the text.
        lines = [line for line in report.lines() if not line.startswith("  лицевой счет")]
        self.export_summary.setText("\n".join(lines))

    def closing(self) -> None:
        """Logout meanwhile: the export leaves no file."""
        self.job.closing()
