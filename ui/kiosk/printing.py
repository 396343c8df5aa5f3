"""Printing on a kiosk: straight to this machine's printer (``kiosk.printer`` in its settings
file, or the system's default one), never through a dialog.

``print_pdf`` is the one seam: the PDF's bytes and the printer's name in, the pages on paper
(or a Russian ``UserError`` saying why not: no such printer, none chosen, offline, out of
paper, a spool that failed). It runs on the tasks' own print lane, never on the database's
worker, and not at all once the resident who asked has logged out; ``open_printer`` is
what tests point at Qt's PDF output.
``print_on_kiosk`` is what a page's «Распечатать» does on a kiosk: «Печать…», then the answer
in the page's message bar.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QFont, QPainter

from desktop.errors import UserError
from ui.pdf_pages import PRINT_DPI_LIMIT, SPOOL_FAILED, iter_pages, paint_pages

if TYPE_CHECKING:
    from PySide6.QtPrintSupport import QPrinter

    from ui.messages import MessageBar
    from ui.pages.base import BasePage

PRINTING = "Печать…"
ASK_OFFICE = "Обратитесь, пожалуйста, к сотруднику офиса."


def printer_problem(name: str, state: QPrinter.PrinterState) -> str | None:
    """Why the printer ``name`` cannot print now, in words; None when it can. Qt tells an
    error (no paper, an open cover, switched off or offline — CUPS and Windows report these
    as one) from an aborted job, nothing finer."""
    from PySide6.QtPrintSupport import QPrinter

    if state == QPrinter.PrinterState.Error:
        return (
            f"Принтер «{name}» сейчас не печатает: он выключен, не подключён, в нём нет бумаги "
            f"или открыта крышка. {ASK_OFFICE}"
        )
    if state == QPrinter.PrinterState.Aborted:
        return f"Принтер «{name}» прервал печать. Попробуйте ещё раз. {ASK_OFFICE}"
    return None


def open_printer(name: str) -> QPrinter:
    """The printer ``name`` ("": the system's default), checked that it exists and reports
    no error; a ``UserError`` in Russian otherwise."""
    from PySide6.QtPrintSupport import QPrinter, QPrinterInfo

    info = QPrinterInfo.printerInfo(name) if name else QPrinterInfo.defaultPrinter()
    if info.isNull():
        if name:
            raise UserError(f"Принтер «{name}» не найден на этом компьютере. {ASK_OFFICE}")
        raise UserError(f"К киоску не подключён принтер. {ASK_OFFICE}")
    problem = printer_problem(info.printerName(), info.state())
    if problem:
        raise UserError(problem)
    return QPrinter(info, QPrinter.PrinterMode.HighResolution)


def printer_label(printer: QPrinter) -> str:
    return printer.printerName() or "PDF"


def print_pdf(pdf: bytes, printer_name: str, title: str) -> str:
    """Print the PDF's pages on the printer ``printer_name``; the printer's name back."""
    printer = open_printer(printer_name)
    printer.setDocName(title)
    paint_pages(printer, iter_pages(pdf, min(printer.resolution(), PRINT_DPI_LIMIT)))
    return printer_label(printer)


def print_test_page(printer_name: str, now: datetime) -> str:
    """A page that says which kiosk printer printed it and when; the printer's name back."""
    printer = open_printer(printer_name)
    printer.setDocName("Проверка принтера киоска")
    name = printer_label(printer)
    painter = QPainter()
    if not painter.begin(printer):
        raise UserError(f"Принтер «{name}» не начал печать. Проверьте, что он включён.")
    ended = False
    try:
        from PySide6.QtPrintSupport import QPrinter

        page = printer.pageRect(QPrinter.Unit.DevicePixel)  # the painter starts at its corner
        area = QRectF(0, 0, page.width(), page.height())
        font = QFont()
        font.setPointSize(16)
        painter.setFont(font)
        text = (
            "Проверка принтера киоска\n\n"
            f"Принтер: {name}\n"
            f"Напечатано: {now.astimezone():%d.%m.%Y %H:%M}\n\n"
            "Если вы читаете этот текст, киоск печатает квитанции на этом принтере."
        )
        flags = int(Qt.AlignmentFlag.AlignLeft) | int(Qt.TextFlag.TextWordWrap)
        painter.drawText(area, flags, text)
        ended = True
        if not painter.end():
            raise UserError(SPOOL_FAILED)
    finally:
        if not ended:
            painter.end()
    return name


def print_on_kiosk(
    page: BasePage,
    bar: MessageBar,
    title: str,
    make_pdf: Callable[[], bytes],
    busy: Callable[[bool], None],
) -> None:
    """«Распечатать» on a kiosk: the document to this machine's printer, «Печать…» while it
    goes, then where it went or why it did not. The PDF is made on the database's lane, the
    printing done on the print lane, and skipped if the page's session closed meanwhile."""
    name = page.ctx.settings.kiosk.printer
    tasks = page.ctx.tasks
    busy(True)
    bar.info(PRINTING)

    def printed(used: str) -> None:
        busy(False)
        bar.success(f"{title} отправлена на принтер «{used}». Заберите её из лотка.")

    def failed(error: Exception) -> None:
        busy(False)
        bar.error(error)

    def made(pdf: bytes) -> None:
        tasks.run(
            lambda: print_pdf(pdf, name, title),
            printed,
            failed,
            owner=page,
            lane="print",
            wanted=lambda: not page.closed.is_set(),
        )

    page.call(make_pdf, made, failed)
