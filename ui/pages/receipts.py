"""«Квитанции»: the account's receipts, newest first, to open, save or print."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QItemSelection, QModelIndex, Qt
from PySide6.QtGui import QImage, QKeySequence, QPixmap, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.errors import UserError
from desktop.files import atomic_file
from desktop.months import month_name
from ui import dialogs
from ui.context import PageContext
from ui.forms import make_button
from ui.messages import MessageBar
from ui.models.receipts import ReceiptsModel
from ui.pages.base import BasePage
from ui.pdf_pages import PRINT_DPI_LIMIT, paint_pages, render_pages

if TYPE_CHECKING:
    from desktop.receipts import ReceiptInfo

OPEN = "Открыть"
SAVE = "Сохранить"
HINT = (
    "Выберите квитанцию и нажмите «Открыть» (или дважды щёлкните по ней), «Сохранить» или "
    "«Распечатать»."
)
HINT_TOUCH = "Коснитесь квитанции в списке и нажмите «Открыть» или «Распечатать»."  # a kiosk's
PRINT = "Распечатать"
CLOSE = "Закрыть"
FIT_WIDTH = "По ширине"
FIT_PAGE = "Страница целиком"
ZOOM_IN = "Крупнее"
ZOOM_OUT = "Мельче"
ZOOM_STEPS = (0.5, 0.67, 0.75, 0.9, 1.0, 1.25, 1.5, 2.0)  # of the rendered page
PREVIEW_DPI = 108  # an A4 page about 890 pixels wide: readable without scrolling sideways


def write_file(path: str, data: bytes) -> None:
    """Save ``data``; the file appears only once it is complete. Runs in the background."""
    with atomic_file(path) as out:
        out.write(data)


def kiosk_mail_button(row: QHBoxLayout, clicked: Callable[[], None]) -> QPushButton:
    """«Отправить на почту»: on a kiosk only, in place of «Сохранить» (``ui.kiosk.mailing``)."""
    button = make_button("Отправить на почту", row=row, clicked=clicked)
    if not dialogs.system_dialogs_forbidden():
        button.hide()  # (never shown here: the button may have no parent yet)
    return button


def receipt_title(receipt: ReceiptInfo) -> str:
    return f"Квитанция за {month_name(receipt.month).lower()} г."


class ReceiptPreview(QDialog):
    """The receipt's pages on screen, with save and print of the very same PDF."""

    def __init__(
        self, page: ReceiptsPage, receipt: ReceiptInfo, pdf: bytes, images: list[QImage]
    ) -> None:
        super().__init__(page)
        self.receipt = receipt
        self.pdf = pdf
        self.setWindowTitle(receipt_title(receipt))
        self.setAccessibleName(receipt_title(receipt))
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        # An explicit minimum: the layout then never changes the window's size constraints
        # after it is shown (a message appearing in the bar would otherwise).
        self.setMinimumSize(480, 360)
        layout = QVBoxLayout(self)
        self.messages = MessageBar(self)
        layout.addWidget(self.messages)

        sheets = QWidget()
        sheets.setObjectName("previewSheets")
        sheets.setStyleSheet("#previewSheets { background: #8a939e; }")
        column = QVBoxLayout(sheets)
        column.setContentsMargins(16, 16, 16, 16)
        column.setSpacing(16)
        self.images = images
        self.pages: list[QLabel] = []
        for number in range(1, len(images) + 1):
            label = QLabel()
            label.setAccessibleName(f"Страница {number}")
            column.addWidget(label, 0, Qt.AlignmentFlag.AlignHCenter)
            self.pages.append(label)
        self.scroll = QScrollArea()
        self.scroll.setWidget(sheets)
        self.scroll.setWidgetResizable(True)
        self.scroll.setAccessibleName("Страницы квитанции")
        layout.addWidget(self.scroll, 1)

        zoom_row = QHBoxLayout()
        self.fit_width_button = make_button(
            FIT_WIDTH, row=zoom_row, clicked=lambda: self.set_zoom(FIT_WIDTH)
        )
        self.fit_page_button = make_button(
            FIT_PAGE, row=zoom_row, clicked=lambda: self.set_zoom(FIT_PAGE)
        )
        self.zoom_out_button = make_button("−", row=zoom_row, clicked=self.zoom_out)
        self.zoom_out_button.setAccessibleName(ZOOM_OUT)
        self.zoom_in_button = make_button("+", row=zoom_row, clicked=self.zoom_in)
        self.zoom_in_button.setAccessibleName(ZOOM_IN)
        self.zoom_label = QLabel()
        self.zoom_label.setObjectName("hint")
        zoom_row.addWidget(self.zoom_label)
        zoom_row.addStretch(1)
        for button, keys, what in (
            (self.zoom_in_button, "Ctrl++", ZOOM_IN),
            (self.zoom_out_button, "Ctrl+-", ZOOM_OUT),
            (self.fit_width_button, "Ctrl+0", FIT_WIDTH),
        ):
            sequence = QKeySequence(keys)
            button.setShortcut(sequence)
            shown = sequence.toString(QKeySequence.SequenceFormat.NativeText)
            if not page.ctx.kiosk:  # a kiosk has no keyboard, and a finger does not hover
                button.setToolTip(f"{what} ({shown})")
        layout.insertLayout(1, zoom_row)
        self.zoom_mode: str | float = FIT_WIDTH  # a fit, or a scale of the rendered page

        buttons = QHBoxLayout()
        self.save_button = make_button(SAVE, row=buttons, clicked=lambda: page.save_receipt(self))
        self.print_button = make_button(
            PRINT, row=buttons, clicked=lambda: page.print_receipt(self)
        )
        self.mail_button = kiosk_mail_button(buttons, lambda: page.mail_receipt(self))
        if not page.can_mail:
            self.mail_button.hide()
        buttons.addStretch(1)
        self.close_button = make_button(CLOSE, row=buttons, clicked=self.close)
        layout.addLayout(buttons)

        ratio = self.devicePixelRatioF()
        width = images[0].width() / ratio if images else 600
        screen = self.screen().availableGeometry()
        self.resize(min(int(width) + 70, screen.width() - 40), min(1000, screen.height() - 60))
        self._fit()
        self.scroll.setFocus()

    def scale(self) -> float:
        """The pages' scale against their rendering (1.0: ``PREVIEW_DPI``) for the zoom."""
        if not self.images:
            return 1.0
        first = self.images[0]
        ratio = self.devicePixelRatioF()
        room_w = max(self.scroll.viewport().width() - 34, 200) * ratio
        room_h = max(self.scroll.viewport().height() - 34, 200) * ratio
        if self.zoom_mode == FIT_WIDTH:
            return room_w / first.width()
        if self.zoom_mode == FIT_PAGE:
            return min(room_w / first.width(), room_h / first.height())
        assert isinstance(self.zoom_mode, float)
        return self.zoom_mode

    def set_zoom(self, mode: str | float) -> None:
        if isinstance(mode, float):
            mode = min(max(mode, ZOOM_STEPS[0]), ZOOM_STEPS[-1])
        self.zoom_mode = mode
        self._fit()

    def zoom_in(self) -> None:
        now = self.scale()
        self.set_zoom(next((z for z in ZOOM_STEPS if z > now + 0.01), ZOOM_STEPS[-1]))

    def zoom_out(self) -> None:
        now = self.scale()
        self.set_zoom(next((z for z in reversed(ZOOM_STEPS) if z < now - 0.01), ZOOM_STEPS[0]))

    def _fit(self) -> None:
        """Show the pages at the zoom's scale: as wide as the window, the whole page in it,
        or a chosen step."""
        ratio = self.devicePixelRatioF()
        scale = self.scale()
        self.zoom_label.setText(f"Масштаб {round(scale * 100)} %")
        self.zoom_in_button.setEnabled(scale < ZOOM_STEPS[-1] - 0.01)
        self.zoom_out_button.setEnabled(scale > ZOOM_STEPS[0] + 0.01)
        for label, image in zip(self.pages, self.images, strict=True):
            width = max(int(image.width() * scale), 1)
            if label.pixmap().width() == width:
                continue
            scaled = image.scaledToWidth(int(width), Qt.TransformationMode.SmoothTransformation)
            pixmap = QPixmap.fromImage(scaled)
            pixmap.setDevicePixelRatio(ratio)
            label.setPixmap(pixmap)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()


class ReceiptsPage(BasePage):
    """The list with three actions on the selected receipt; double-click or Enter opens it."""

    title = "Квитанции"

    def __init__(self, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.busy = False
        self.preview: ReceiptPreview | None = None
        hint = QLabel(HINT_TOUCH if ctx.kiosk else HINT)
        hint.setObjectName("hint")
        hint.setWordWrap(True)
        self.layout_.addWidget(hint)

        self.model = ReceiptsModel(self)
        self.view = QTableView(self)
        self.view.setModel(self.model)
        self.view.setAccessibleName("Список квитанций")
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setWordWrap(False)
        self.view.verticalHeader().hide()
        header = self.view.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.view.activated.connect(self._activated)
        self.view.selectionModel().selectionChanged.connect(self._selection_changed)
        self.layout_.addWidget(self.view, 1)

        self.empty = QLabel("Квитанций по лицевому счету пока нет.")
        self.empty.setObjectName("hint")
        self.empty.hide()
        self.layout_.addWidget(self.empty)

        buttons = QHBoxLayout()
        self.open_button = make_button(OPEN, "primary", row=buttons, clicked=self.open_receipt)
        self.save_button = make_button(SAVE, row=buttons, clicked=self.save_receipt)
        self.print_button = make_button(PRINT, row=buttons, clicked=self.print_receipt)
        self.mail_button = kiosk_mail_button(buttons, self.mail_receipt)
        self.mail_button.hide()  # until the desk is known to send mail (show_receipts)
        self.can_mail = False
        buttons.addStretch(1)
        self.layout_.addLayout(buttons)
        self._selection_changed()

    def activate(self) -> None:
        actor, account_id = self.ctx.actor, self.ctx.served.id
        ctx, kiosk = self.ctx, dialogs.system_dialogs_forbidden()

        def read() -> tuple[list[ReceiptInfo], bool]:
            from desktop.receipt_mail import mail_possible

            services = ctx.services
            receipts = services.receipts.receipts(actor, account_id)
            return receipts, kiosk and mail_possible(services)

        self.load(read, lambda result: self.show_receipts(*result))

    def show_receipts(self, receipts: list[ReceiptInfo], can_mail: bool = False) -> None:
        # «Отправить на почту» only where this desk can send at all (desktop.receipt_mail).
        self.can_mail = can_mail
        self.mail_button.setVisible(can_mail)
        self.model.set_receipts(receipts)
        self.view.setVisible(bool(receipts))
        self.empty.setVisible(not receipts)
        for column in (0, 2):  # the date and the period, with air around them
            self.view.resizeColumnToContents(column)
            self.view.setColumnWidth(column, self.view.columnWidth(column) + 24)
        if receipts:
            self.view.selectRow(0)
        self._selection_changed()

    def selected(self) -> ReceiptInfo | None:
        rows = self.view.selectionModel().selectedRows()
        return self.model.receipt_at(rows[0].row()) if rows else None

    def _selection_changed(
        self,
        _selected: QItemSelection | None = None,
        _deselected: QItemSelection | None = None,
    ) -> None:
        chosen = self.selected() is not None and not self.busy
        for button in (self.open_button, self.save_button, self.print_button, self.mail_button):
            button.setEnabled(chosen)

    def _activated(self, index: QModelIndex) -> None:
        if index.isValid():
            self.open_receipt()

    # --- the actions -------------------------------------------------------------------

    def _pdf_job(self, receipt: ReceiptInfo) -> Callable[[], bytes]:
        ctx = self.ctx
        actor, account_id = ctx.actor, ctx.served.id
        return lambda: ctx.services.documents.receipt_pdf(actor, account_id, receipt.month)

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self._selection_changed()

    def _failed(self, bar: MessageBar) -> Callable[[Exception], None]:
        def show(error: Exception) -> None:
            self._set_busy(False)
            bar.error(error)

        return show

    def open_receipt(self) -> None:
        """Show the selected receipt in a preview window."""
        receipt = self.selected()
        if receipt is None or self.busy:
            return
        make = self._pdf_job(receipt)
        dpi = PREVIEW_DPI * self.devicePixelRatioF()  # asked here: widgets stay on this thread

        def work() -> tuple[bytes, list[QImage]]:
            pdf = make()
            return pdf, render_pages(pdf, dpi)

        self._set_busy(True)
        self.messages.clear()
        self.call(
            work, lambda result: self._show_preview(receipt, *result), self._failed(self.messages)
        )

    def _show_preview(self, receipt: ReceiptInfo, pdf: bytes, images: list[QImage]) -> None:
        self._set_busy(False)
        self.preview = ReceiptPreview(self, receipt, pdf, images)
        self.preview.finished.connect(self._preview_closed)
        self.preview.open()

    def _preview_closed(self, _result: int) -> None:
        self.preview = None  # the dialog deletes itself on close

    def save_receipt(self, preview: ReceiptPreview | None = None) -> None:
        """Ask where to save the receipt's PDF, then write it."""
        receipt = preview.receipt if preview else self.selected()
        if receipt is None or self.busy:
            return
        bar = preview.messages if preview else self.messages
        name = f"Квитанция {self.ctx.served.number} {month_name(receipt.month)}.pdf"
        path = dialogs.save_path(
            preview or self, "Сохранить квитанцию", name, "Документ PDF (*.pdf)"
        )
        if not path:
            return
        if not path.lower().endswith(".pdf"):
            path += ".pdf"
        make = (lambda pdf=preview.pdf: pdf) if preview else self._pdf_job(receipt)
        self._set_busy(True)

        def saved(_result: None) -> None:
            self._set_busy(False)
            bar.success(f"Квитанция сохранена: {path}")

        self.call(lambda: write_file(path, make()), saved, self._failed(bar))

    def print_receipt(self, preview: ReceiptPreview | None = None) -> None:
        """Ask for a printer, then print the receipt on it."""
        receipt = preview.receipt if preview else self.selected()
        if receipt is None or self.busy:
            return
        bar = preview.messages if preview else self.messages
        make = (lambda pdf=preview.pdf: pdf) if preview else self._pdf_job(receipt)
        if dialogs.system_dialogs_forbidden():  # a kiosk: straight to its printer
            from ui.kiosk.printing import print_on_kiosk

            print_on_kiosk(self, bar, receipt_title(receipt), make, self._set_busy)
            return
        printer = dialogs.choose_printer(preview or self)
        if printer is None:
            return
        printer.setDocName(receipt_title(receipt))
        dpi = min(printer.resolution(), PRINT_DPI_LIMIT)
        self._set_busy(True)

        def rendered(images: list[QImage]) -> None:
            self._set_busy(False)
            try:
                paint_pages(printer, images)
            except UserError as error:
                bar.error(error)
                return
            bar.success(f"{receipt_title(receipt)} отправлена на печать.")

        self.call(lambda: render_pages(make(), dpi), rendered, self._failed(bar))

    def mail_receipt(self, preview: ReceiptPreview | None = None) -> None:
        """On a kiosk: the receipt's figures to the resident's e-mail on file."""
        receipt = preview.receipt if preview else self.selected()
        if receipt is None or self.busy:
            return
        from ui.kiosk.mailing import mail_on_kiosk

        bar = preview.messages if preview else self.messages
        mail_on_kiosk(self, bar, receipt, self._set_busy)
