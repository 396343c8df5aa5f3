"""A PDF's pages as images (pdfium) and those images on a printer: the one print path of
the receipt's preview, the office's print dialog and the kiosk's own printer."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QImage, QPainter

from desktop.errors import UserError

if TYPE_CHECKING:
    from PySide6.QtPrintSupport import QPrinter

PRINT_DPI_LIMIT = 300  # finer than this only makes the print job bigger


def iter_pages(pdf: bytes, dpi: float) -> Iterator[QImage]:
    """The PDF's pages as images at ``dpi``, one at a time: a 300 dpi page is ≈35 MB, so a
    printer gets each page painted before the next is rendered. Safe off the GUI thread
    (QImage, not QPixmap)."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    try:
        for number in range(len(document)):
            page = document[number]
            try:
                bitmap = page.render(scale=dpi / 72, prefer_bgrx=True)
                try:
                    # BGRx bytes are QImage's RGB32 on every little-endian machine we run on.
                    image = QImage(
                        bytes(bitmap.buffer),
                        bitmap.width,
                        bitmap.height,
                        bitmap.stride,
                        QImage.Format.Format_RGB32,
                    ).copy()
                finally:
                    bitmap.close()
            finally:
                page.close()
            yield image
            del image  # not held while the next page renders
    finally:
        document.close()


def render_pages(pdf: bytes, dpi: float) -> list[QImage]:
    """All the PDF's pages as images at ``dpi`` (the preview shows them all at once)."""
    return list(iter_pages(pdf, dpi))


SPOOL_FAILED = "Принтер не принял задание: печать не удалась. Проверьте, что он включён и доступен."


def paint_pages(printer: QPrinter, images: Iterable[QImage]) -> None:
    """Print the rendered pages, each scaled to the paper as the PDF lays it out; a
    ``UserError`` in Russian when the printer refuses a page or the job."""
    from PySide6.QtPrintSupport import QPrinter

    printer.setFullPage(True)  # the receipt has its own margins
    painter = QPainter()
    if not painter.begin(printer):
        raise UserError("Не удалось начать печать. Проверьте, что принтер включён и доступен.")
    ended = False
    try:
        paper = printer.paperRect(QPrinter.Unit.DevicePixel).size().toSize()
        for number, image in enumerate(images):
            if number and not printer.newPage():
                raise UserError(SPOOL_FAILED)
            size = image.size().scaled(paper, Qt.AspectRatioMode.KeepAspectRatio)
            painter.drawImage(QRect(QPoint(0, 0), size), image)
            del image
        ended = True
        if not painter.end():
            raise UserError(SPOOL_FAILED)
    finally:
        if not ended and painter.isActive():
            painter.end()
