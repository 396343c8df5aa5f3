"""«Квитанции»: the seed's six receipts, newest first; open, save and print a receipt."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtPrintSupport import QPrinter

from tests.ui.conftest import wait_idle
from ui.main_window import MainWindow
from ui.pages.receipts import OPEN, PRINT, SAVE, ReceiptPreview, ReceiptsPage
from ui.sidebar import PAGES, Page

SPECIAL = "Квитанция 679/30 Моск. области (с заданной спр.информацией)"
SEED_RECEIPTS = [
    ("30.06.2017", "Квитанция 679/30 Моск. области 3492", "Июнь 2017 г."),
    ("30.05.2017", "Квитанция 679/30 Моск. области 3492", "Май 2017 г."),
    ("29.04.2017", SPECIAL, "Апрель 2017 г."),
    ("30.03.2017", SPECIAL, "Март 2017 г."),
    ("28.02.2017", SPECIAL, "Февраль 2017 г."),
    ("31.01.2017", SPECIAL, "Январь 2017 г."),
]


@pytest.fixture
def window(qtbot, page_ctx) -> MainWindow:
    window = MainWindow(page_ctx, pages=tuple(s for s in PAGES if s.page == Page.RECEIPTS))
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    return window


@pytest.fixture
def page(qtbot, window, app_ctx) -> ReceiptsPage:
    page = window.show_page(Page.RECEIPTS)
    wait_idle(qtbot, app_ctx)
    assert isinstance(page, ReceiptsPage)
    return page


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_the_seeds_receipts_newest_first(page, qtmodeltester):
    model = page.model
    shown = [
        tuple(model.index(r, c).data() for c in range(model.columnCount()))
        for r in range(model.rowCount())
    ]
    assert shown == SEED_RECEIPTS
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(3)]
    assert headers == ["Дата", "Описание", "Период"]
    qtmodeltester.check(model)


def test_the_newest_receipt_is_selected_and_the_actions_are_ready(page):
    assert page.selected() is not None and page.selected().issued_on.isoformat() == "2017-06-30"
    for button, text in (
        (page.open_button, OPEN),
        (page.save_button, SAVE),
        (page.print_button, PRINT),
    ):
        assert button.isEnabled()
        assert button.text() == button.accessibleName() == text


def test_enter_opens_a_preview_of_the_receipt(page, qtbot, app_ctx):
    page.view.setFocus()
    page.view.selectRow(2)
    qtbot.keyClick(page.view, Qt.Key.Key_Return)
    wait_idle(qtbot, app_ctx)
    preview = page.preview
    assert isinstance(preview, ReceiptPreview) and preview.isVisible()
    assert preview.windowTitle() == "Квитанция за апрель 2017 г."
    assert len(preview.pages) == 1
    assert not preview.pages[0].pixmap().isNull()
    assert preview.pages[0].pixmap().width() > 300
    assert "3492" in pdf_text(preview.pdf)
    qtbot.keyClick(preview, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: page.preview is None)


def test_the_preview_zooms_to_the_width_the_whole_page_and_in_steps(page, qtbot, app_ctx):
    qtbot.mouseClick(page.open_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, app_ctx)
    preview = page.preview
    preview.resize(900, 700)
    qtbot.wait(20)
    sheet, viewport = preview.pages[0], preview.scroll.viewport()
    ratio = preview.devicePixelRatioF()

    def shown() -> tuple[float, float]:
        pixmap = sheet.pixmap()
        return pixmap.width() / ratio, pixmap.height() / ratio

    width, _ = shown()  # it opens as wide as the window
    assert viewport.width() - 40 <= width <= viewport.width()
    assert preview.zoom_label.text() == f"Масштаб {round(preview.scale() * 100)} %"

    qtbot.mouseClick(preview.fit_page_button, Qt.MouseButton.LeftButton)
    width, height = shown()
    assert height <= viewport.height() and width < viewport.width() - 40  # all of it in view

    before = shown()[0]
    qtbot.mouseClick(preview.zoom_in_button, Qt.MouseButton.LeftButton)
    assert shown()[0] > before
    for _ in range(10):
        qtbot.mouseClick(preview.zoom_in_button, Qt.MouseButton.LeftButton)
    assert preview.zoom_label.text() == "Масштаб 200 %" and not preview.zoom_in_button.isEnabled()
    for _ in range(10):
        qtbot.mouseClick(preview.zoom_out_button, Qt.MouseButton.LeftButton)
    assert preview.zoom_label.text() == "Масштаб 50 %" and not preview.zoom_out_button.isEnabled()
    assert preview.zoom_in_button.accessibleName() == "Крупнее"
    assert "Ctrl" in preview.zoom_in_button.toolTip()

    qtbot.mouseClick(preview.fit_width_button, Qt.MouseButton.LeftButton)
    assert viewport.width() - 40 <= shown()[0] <= viewport.width()
    preview.close()
    qtbot.waitUntil(lambda: page.preview is None)


def test_double_click_opens_the_preview(page, qtbot, app_ctx):
    rect = page.view.visualRect(page.model.index(1, 1))
    qtbot.mouseClick(page.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(page.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    wait_idle(qtbot, app_ctx)
    assert page.preview is not None and page.preview.receipt.month.month == 5
    page.preview.close()


def test_save_writes_the_receipts_pdf(page, qtbot, app_ctx, monkeypatch, tmp_path):
    asked = []

    def save_path(parent, title, suggested, filters):
        asked.append((title, suggested.rsplit("/", 1)[-1], filters))
        return str(tmp_path / "receipt")

    monkeypatch.setattr("ui.dialogs.save_path", save_path)
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, app_ctx)
    target = tmp_path / "receipt.pdf"
    assert asked == [
        ("Сохранить квитанцию", "Квитанция 3492 Июнь 2017.pdf", "Документ PDF (*.pdf)")
    ]
    data = target.read_bytes()
    assert data.startswith(b"%PDF")
    assert "Иванов И.И." in pdf_text(data)
    assert page.messages.kind == "success" and str(target) in page.messages.text()


def test_print_paints_the_receipt_on_the_chosen_printer(
    page, qtbot, app_ctx, monkeypatch, tmp_path
):
    target = tmp_path / "printed.pdf"
    printers = []

    def choose_printer(parent):
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(target))
        printers.append(printer)
        return printer

    monkeypatch.setattr("ui.dialogs.choose_printer", choose_printer)
    qtbot.mouseClick(page.print_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, app_ctx)
    assert page.messages.kind == "success", page.messages.text()
    assert page.messages.text() == "Квитанция за июнь 2017 г. отправлена на печать."
    assert len(PdfReader(target).pages) == 1
    assert printers[0].docName() == "Квитанция за июнь 2017 г."


def test_a_cancelled_print_or_save_does_nothing(page, qtbot, app_ctx, monkeypatch):
    monkeypatch.setattr("ui.dialogs.choose_printer", lambda parent: None)
    monkeypatch.setattr("ui.dialogs.save_path", lambda *args: "")
    shown = page.messages.text()  # the verification reminder of 3492's overdue meter
    qtbot.mouseClick(page.print_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, app_ctx)
    assert page.messages.text() == shown and page.messages.kind != "error"
    assert page.print_button.isEnabled()


def test_the_preview_saves_the_pdf_it_shows(page, qtbot, app_ctx, monkeypatch, tmp_path):
    qtbot.mouseClick(page.open_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, app_ctx)
    preview = page.preview
    target = tmp_path / "from-preview.pdf"
    monkeypatch.setattr("ui.dialogs.save_path", lambda *args: str(target))
    qtbot.mouseClick(preview.save_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, app_ctx)
    assert target.read_bytes() == preview.pdf
    assert preview.messages.kind == "success"
    assert preview.save_button.accessibleName() == SAVE
    qtbot.mouseClick(preview.close_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.preview is None)
