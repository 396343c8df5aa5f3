"""«Печать квитанций», a page of the staff workplace: a clerk prints a building's receipts for
a month into one PDF, in the background, with a progress bar and «Отмена»."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

from desktop.common.plural import plural
from desktop.months import add_months, month_name, month_start
from ui import dialogs
from ui.context import PageContext
from ui.forms import make_button
from ui.job_controls import JobControls
from ui.pages.base import BasePage
from ui.tasks import TaskState

if TYPE_CHECKING:
    from desktop.documents.model import BatchResult
    from desktop.documents.service import BuildingInfo

ALL_BUILDINGS = "Все дома"
BUILDING = "Дом"
MONTH = "Месяц"
MAKE_PDF = "Сформировать PDF…"
CANCEL = "Отмена"
CANCELLED = "Печать отменена: файл не сохранён."


def receipts_word(count: int) -> str:
    """«1 квитанция», «3 квитанции», «5 квитанций»."""
    return plural(count, "квитанция", "квитанции", "квитанций")


class ReceiptBatchPage(BasePage):
    """«Печать квитанций» for a clerk or administrator: a building's receipts in one PDF."""

    title = "Печать квитанций"

    def __init__(self, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.total = 0
        # The page's message bar goes into the card, under the progress it reports on.
        self.layout_.removeWidget(self.messages)
        self.layout_.addWidget(self._print_card())
        self.job = JobControls(
            self.make_button,
            self.cancel_button,
            self.progress,
            self.messages,
            (self.building, self.month),
            stopping="Печать останавливается…",
            cancelled=CANCELLED,
        )
        self.layout_.addStretch(1)

        self.setTabOrder(self.building, self.month)
        self.setTabOrder(self.month, self.make_button)
        self.setTabOrder(self.make_button, self.cancel_button)
        self._load()

    # -- layout

    def _print_card(self) -> QFrame:
        card = QFrame()
        card.setObjectName("card")
        card.setAccessibleName("Печать квитанций")
        card.setMaximumWidth(760)
        layout = QVBoxLayout(card)
        layout.setContentsMargins(28, 22, 28, 24)
        layout.setSpacing(10)
        intro = QLabel(
            "Квитанции всех лицевых счетов дома (или всех домов) за месяц — в один PDF-файл, "
            "по порядку квартир. Счета без начислений за месяц пропускаются."
        )
        intro.setObjectName("hint")
        intro.setWordWrap(True)
        layout.addWidget(intro)

        form = QFormLayout()
        form.setHorizontalSpacing(14)
        form.setVerticalSpacing(10)
        self.building = QComboBox()
        self.building.setAccessibleName(BUILDING)
        self.building.setMinimumWidth(320)
        self.building.addItem(ALL_BUILDINGS, None)
        building_label = QLabel(BUILDING)
        building_label.setBuddy(self.building)
        form.addRow(building_label, self.building)

        self.month = QDateEdit()
        self.month.setAccessibleName(MONTH)
        self.month.setDisplayFormat("MM.yyyy")
        self.month.setMinimumWidth(120)
        self.month_hint = QLabel()
        self.month_hint.setObjectName("hint")
        self.month.dateChanged.connect(self._month_changed)
        month_row = QHBoxLayout()
        month_row.addWidget(self.month)
        month_row.addSpacing(8)
        month_row.addWidget(self.month_hint, 1)
        month_label = QLabel(MONTH)
        month_label.setBuddy(self.month)
        form.addRow(month_label, month_row)
        layout.addLayout(form)

        layout.addSpacing(6)
        buttons = QHBoxLayout()
        self.make_button = make_button(MAKE_PDF, "primary")
        self.make_button.setDefault(True)
        self.make_button.setMinimumWidth(200)
        self.make_button.setEnabled(False)  # until the buildings are loaded
        self.make_button.clicked.connect(self.make_pdf)
        self.cancel_button = make_button(CANCEL)
        self.cancel_button.setEnabled(False)
        buttons.addWidget(self.make_button)
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)

        self.progress = QProgressBar()
        self.progress.setAccessibleName("Ход печати")
        self.progress.setFormat("%v из %m")
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setTextVisible(True)
        self.progress.hide()
        layout.addWidget(self.progress)
        layout.addWidget(self.messages)
        return card

    # -- data

    def _load(self) -> None:
        ctx, actor = self.ctx, self.ctx.actor

        def work() -> tuple[list[BuildingInfo], date]:
            services = ctx.services
            return services.documents.buildings(actor), services.clock.today()

        ctx.tasks.run(work, self._loaded, self.messages.error, owner=self)

    def _loaded(self, result: tuple[list[BuildingInfo], date]) -> None:
        buildings, today = result
        for info in buildings:
            self.building.addItem(f"{info.address} — лицевых счетов: {info.accounts}", info.id)
        previous = add_months(month_start(today), -1)
        self.month.setDate(QDate(previous.year, previous.month, 1))
        self._month_changed()
        self.make_button.setEnabled(True)
        self.building.setFocus()

    def _month_changed(self) -> None:
        self.month_hint.setText(month_name(self.selected_month()))

    def selected_month(self) -> date:
        chosen = self.month.date()
        return date(chosen.year(), chosen.month(), 1)

    def selected_building(self) -> int | None:
        return self.building.currentData()

    # -- the batch

    def make_pdf(self) -> None:
        """Ask where to save, then print the receipts in the background."""
        if self.job.running:
            return
        month = self.selected_month()
        name = f"Квитанции {month:%m.%Y}.pdf"
        path = dialogs.save_path(self, "Сохранить квитанции", name, "PDF (*.pdf)")
        if not path:
            return
        if not path.lower().endswith(".pdf"):
            path += ".pdf"
        self.start(path, month, self.selected_building())

    def start(self, path: str, month: date, building_id: int | None) -> None:
        ctx, actor = self.ctx, self.ctx.actor
        self.job.begin("Квитанции формируются…")  # busy until the first page tells the total
        self.progress.setValue(0)

        def work(state: TaskState) -> BatchResult:
            from desktop.files import atomic_file

            # A cancelled or failed batch leaves no file: atomic_file drops the partial one.
            with atomic_file(path) as out:
                return ctx.services.documents.write_receipts(
                    actor, month, out, building_id=building_id, state=state
                )

        self.job.task = ctx.tasks.run_with_progress(
            work,
            self._progressed,
            lambda result: self._done(result, path),
            self.job.failed,
            owner=self,
        )

    def _progressed(self, step: tuple[int, int]) -> None:
        done, total = step
        self.total = total
        self.progress.setRange(0, total)
        self.progress.setValue(done)

    def _done(self, result: BatchResult, path: str) -> None:
        self.job.set_running(False)  # the full bar stays
        self.progress.setRange(0, max(result.printed, 1))
        self.progress.setValue(result.printed)
        text = f"Готово: {receipts_word(result.printed)}, файл {path}."
        if result.skipped:
            text += f" Без начислений за месяц пропущено лицевых счетов: {result.skipped}."
        if result.registration_codes:
            text += (
                " Новые коды регистрации выданы лицевым счетам без пароля и без "
                f"действующего кода: {result.registration_codes}."
            )
        if result.void_codes:
            self.messages.warning(f"{text} {result.void_codes_text}")
            return
        self.messages.success(text)

    def closing(self) -> None:
        super().closing()
        self.job.closing()  # logout while printing: the batch's partial file is removed
