"""«Ведомость»: the account's history by month and service, newest month first."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QBrush, QFont, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QStyle,
    QStyleOptionHeader,
    QWidget,
)

from desktop.files import atomic_file
from desktop.formatting import money
from desktop.months import MONTHS_GENITIVE
from ui import dialogs
from ui.context import PageContext
from ui.forms import make_button
from ui.messages import MessageBar
from ui.models.statement import StatementGrid, StatementModel, arrange
from ui.pages.base import BasePage
from ui.pages.frozen_column import FrozenFirstColumnTable

if TYPE_CHECKING:
    from desktop.actors import Actor
    from desktop.app import Services
    from desktop.statement import Statement

EXPORT_XLSX = "Экспорт в XLSX"
EXPORT_PDF = "Экспорт в PDF"
PRINT = "Распечатать"
FILTERS = {"xlsx": "Книга Excel (*.xlsx)", "pdf": "Документ PDF (*.pdf)"}
MIN_COLUMN_WIDTH = 88  # «15 720,33» with room to spare, and narrow headers such as «Пеня»


def balance_text(statement: Statement) -> str:
    """The newest closing balance in words: what is owed, or what was paid in advance."""
    if not statement.months:
        return ""
    month = statement.months[0].month
    when = f"На конец {MONTHS_GENITIVE[month.month - 1]} {month.year} г."
    balance = statement.balance
    if balance > 0:
        return f"{when}: к оплате {money(balance)} ₽."
    if balance < 0:
        return f"{when}: переплата {money(-balance)} ₽."
    return f"{when}: задолженности и переплаты нет."


def export_statement(
    services: Services, actor: Actor, account_id: int, path: str, fmt: str
) -> Statement:
    """Write the statement to ``path``; the file appears only once it is complete.
    Runs in the background."""
    with atomic_file(path) as out:
        return services.documents.write_statement(actor, account_id, out, fmt)  # type: ignore[arg-type]


class RowLabels(QHeaderView):
    """The vertical header with the model's fonts and backgrounds: the style sheet would
    otherwise force one font on every section, and the month titles must stand out."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(Qt.Orientation.Vertical, parent)
        self._plain = QFont(self.font())
        self._plain.setBold(False)

    def paintSection(self, painter: QPainter, rect: QRect, index: int) -> None:
        if not rect.isValid():
            return
        option = QStyleOptionHeader()
        self.initStyleOption(option)
        self.initStyleOptionForIndex(option, index)
        option.rect = rect
        text, option.text = option.text, ""
        self.style().drawControl(QStyle.ControlElement.CE_Header, option, painter, self)
        model = self.model()
        font = model.headerData(index, self.orientation(), Qt.ItemDataRole.FontRole)
        brush = model.headerData(index, self.orientation(), Qt.ItemDataRole.BackgroundRole)
        painter.save()
        if isinstance(brush, QBrush):
            painter.fillRect(rect.adjusted(0, 0, -1, -1), brush)
        painter.setFont(font if isinstance(font, QFont) else self._plain)
        painter.setPen(self.palette().color(QPalette.ColorRole.WindowText))
        align = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        painter.drawText(rect.adjusted(8, 0, -6, 0), align, text)
        painter.restore()


class StatementPage(BasePage):
    """The statement grid with the row labels fixed at the left, and export buttons."""

    title = "Ведомость"

    def __init__(self, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.statement: Statement | None = None

        self.problems = MessageBar(self)
        self.layout_.addWidget(self.problems)

        top = QHBoxLayout()
        self.summary = QLabel("Загрузка ведомости…")
        self.summary.setObjectName("hint")
        self.summary.setWordWrap(True)
        top.addWidget(self.summary, 1)
        self.export_xlsx = make_button(EXPORT_XLSX, row=top, clicked=lambda: self.export("xlsx"))
        self.export_pdf = make_button(EXPORT_PDF, row=top, clicked=lambda: self.export("pdf"))
        # On a kiosk only, in place of the exports: straight to the kiosk's printer.
        self.print_button = make_button(PRINT, row=top, clicked=self.print_statement)
        if not dialogs.system_dialogs_forbidden():
            self.print_button.hide()
        self.layout_.addLayout(top)

        self.model = StatementModel(self)
        self.view = FrozenFirstColumnTable(self)
        self.view.setVerticalHeader(RowLabels(self.view))
        self.view.setModel(self.model)
        self.view.setAccessibleName("Ведомость по месяцам и услугам")
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.view.setWordWrap(False)
        self.view.setCornerButtonEnabled(False)
        self.view.setStyleSheet(
            "QTableCornerButton::section { background: #eef1f5; border: none; "
            "border-right: 1px solid #dde3ea; border-bottom: 1px solid #dde3ea; }"
        )
        header = self.view.horizontalHeader()
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignCenter)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setHighlightSections(False)
        rows = self.view.verticalHeader()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        rows.setHighlightSections(False)
        # ИТОГО stays beside the row labels while the services scroll sideways.
        self.total_column = self.view.freeze_first_column()
        self.layout_.addWidget(self.view, 1)

        self.empty = QLabel("Начислений и оплат по лицевому счету пока нет.")
        self.empty.setObjectName("hint")
        self.empty.hide()
        self.layout_.addWidget(self.empty)
        self._set_exports_enabled(False)

    def _set_exports_enabled(self, enabled: bool) -> None:
        self.export_xlsx.setEnabled(enabled)
        self.export_pdf.setEnabled(enabled)
        self.print_button.setEnabled(enabled)

    def activate(self) -> None:
        actor, account_id = self.ctx.actor, self.ctx.served.id
        # The grid is laid out in the background too; its cells are formatted as painted.
        self.load(
            lambda: arrange(self.ctx.services.statements.statement(actor, account_id)),
            self.show_statement,
        )

    def show_statement(self, grid: StatementGrid) -> None:
        statement = self.statement = grid.statement
        self.model.set_statement(grid)
        self.view.clearSpans()
        for row in self.model.title_rows():
            self.view.setSpan(row, 0, 1, self.model.columnCount())
        self._size_columns()
        self.total_column.refresh()
        self.summary.setText(balance_text(statement))
        has_months = bool(statement.months)
        self.view.setVisible(has_months)
        self.empty.setVisible(not has_months)
        self._set_exports_enabled(has_months)
        if statement.problems:
            self.problems.warning(
                "В данных ведомости найдены расхождения; сообщите о них в офис:\n"
                + "\n".join(statement.problems)
            )
        else:
            self.problems.clear()

    def _size_columns(self) -> None:
        """Each column as wide as its longest text or its header, from the texts the model
        already has: not ``resizeColumnsToContents``, which asks every cell on the GUI
        thread."""
        header = self.view.horizontalHeader()
        plain = QFontMetrics(self.view.font())
        bold_font = QFont(self.view.font())
        bold_font.setBold(True)
        bold = QFontMetrics(bold_font)
        margin = 2 * (self.view.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin) + 1)
        for column, text in enumerate(self.model.widest_texts()):
            metrics = bold if column == 0 else plain  # ИТОГО is bold
            width = metrics.horizontalAdvance(text) + margin + 1
            self.view.setColumnWidth(
                column, max(width, header.sectionSizeHint(column), MIN_COLUMN_WIDTH)
            )

    def export(self, fmt: str) -> None:
        """Ask where to save the statement as XLSX or PDF, then write it in the background."""
        if not self.statement or not self.statement.months:
            return
        account = self.ctx.served
        name = f"Ведомость {account.number}.{fmt}"
        path = dialogs.save_path(self, "Сохранить ведомость", name, FILTERS[fmt])
        if not path:
            return
        if not path.lower().endswith(f".{fmt}"):
            path += f".{fmt}"
        actor, account_id, ctx = self.ctx.actor, account.id, self.ctx
        self._set_exports_enabled(False)
        self.messages.info("Сохранение ведомости…")
        self.call(
            lambda: export_statement(ctx.services, actor, account_id, path, fmt),
            lambda _statement: self._exported(path),
            self._export_failed,
        )

    def print_statement(self) -> None:
        """On a kiosk: the statement's PDF to the kiosk's printer, without a dialog."""
        if not self.statement or not self.statement.months:
            return
        from ui.kiosk.printing import print_on_kiosk

        services, actor, account_id = self.ctx.services, self.ctx.actor, self.ctx.served.id

        def make() -> bytes:
            out = io.BytesIO()
            services.documents.write_statement(actor, account_id, out, "pdf")
            return out.getvalue()

        print_on_kiosk(
            self, self.messages, "Ведомость", make, lambda busy: self._set_exports_enabled(not busy)
        )

    def _exported(self, path: str) -> None:
        self._set_exports_enabled(True)
        self.messages.success(f"Ведомость сохранена: {path}")

    def _export_failed(self, error: Any) -> None:
        self._set_exports_enabled(True)
        self.messages.error(error)
