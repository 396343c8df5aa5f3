"""The receipt as an A4 page in the spirit of the unified payment document (ЕПД, Minstroy
order 43/пр): payer and payee, the amount to pay with the payment QR code, the calculation
per service, the meter readings and the office's contacts.

``ReceiptWriter`` streams any number of receipts into one PDF, a page each, writing every
page out as soon as it is drawn; ``render_receipt`` writes a single one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from types import TracebackType
from typing import BinaryIO, Literal

from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth

from desktop.documents.fonts import register_fonts
from desktop.documents.model import ZERO, ReceiptData
from desktop.documents.pdfstream import StreamingCanvas
from desktop.documents.qr import draw_matrix, qr_matrix
from desktop.formatting import meter_value, money, ru_date, unit_text
from desktop.months import MONTHS_NOMINATIVE

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 34.0  # 12 mm
LEFT, RIGHT = MARGIN, PAGE_WIDTH - MARGIN
WIDTH = RIGHT - LEFT
QR_BOX = 118.0  # the QR code with its quiet zone, ~42 mm: easy for a phone at arm's length
QUIET = 4  # modules of quiet zone each side, as ISO/IEC 18004 requires
GREY = (0.93, 0.93, 0.93)
FOOTER = 120.0  # the reference notes at the bottom
TABLE_HEADER = 30.0  # a table's wrapped header row
LINE = (0.55, 0.55, 0.55)

Align = Literal["l", "r", "c"]


def month_title(month: date) -> str:
    """«май 2017 г.»."""
    return f"{MONTHS_NOMINATIVE[month.month - 1].lower()} {month.year} г."


def rub(value: Decimal) -> str:
    """«5 955,86 ₽»."""
    return f"{money(value)} ₽"


class _Page:
    """Drawing helpers over one canvas: top-down coordinates, the two PT Sans faces."""

    def __init__(self, canvas: StreamingCanvas, regular: str, bold: str) -> None:
        self.c = canvas
        self.regular = regular
        self.bold = bold

    def text(
        self,
        x: float,
        top: float,
        value: str,
        size: float = 8.5,
        *,
        bold: bool = False,
        align: Align = "l",
    ) -> None:
        """Text whose cap line hangs at ``top`` (measured from the page's top)."""
        c = self.c
        c.setFont(self.bold if bold else self.regular, size)
        y = PAGE_HEIGHT - top - size * 0.78
        if align == "r":
            c.drawRightString(x, y, value)
        elif align == "c":
            c.drawCentredString(x, y, value)
        else:
            c.drawString(x, y, value)

    def lines(
        self, value: str, width: float, size: float = 8.5, *, bold: bool = False
    ) -> list[str]:
        return simpleSplit(value, self.bold if bold else self.regular, size, width) or [""]

    def paragraph(
        self,
        x: float,
        top: float,
        value: str,
        width: float,
        size: float = 8.5,
        *,
        bold: bool = False,
        leading: float | None = None,
    ) -> float:
        """Wrapped text; returns the top of the next line."""
        leading = leading or size * 1.25
        for line in self.lines(value, width, size, bold=bold):
            self.text(x, top, line, size, bold=bold)
            top += leading
        return top

    def label_value(
        self, x: float, top: float, label: str, value: str, width: float, size: float = 8.5
    ) -> float:
        """«Label: value», the value wrapped under itself; returns the next line's top."""
        self.text(x, top, label, size)
        indent = stringWidth(label + " ", self.regular, size)
        return self.paragraph(x + indent, top, value, width - indent, size, bold=True)

    def rect(
        self,
        x: float,
        top: float,
        width: float,
        height: float,
        *,
        fill: tuple[float, float, float] | None = None,
        stroke: bool = True,
    ) -> None:
        c = self.c
        if fill:
            c.setFillColorRGB(*fill)
        c.setStrokeColorRGB(*LINE)
        c.rect(
            x, PAGE_HEIGHT - top - height, width, height, stroke=int(stroke), fill=int(bool(fill))
        )
        c.setFillColorRGB(0, 0, 0)

    def hline(self, x1: float, x2: float, top: float) -> None:
        self.c.setStrokeColorRGB(*LINE)
        self.c.line(x1, PAGE_HEIGHT - top, x2, PAGE_HEIGHT - top)

    def section(self, top: float, title: str) -> float:
        """A section's heading; returns the top of its content."""
        self.text(LEFT, top, title, 9.5, bold=True)
        return top + 14

    def table(
        self,
        top: float,
        columns: Sequence[tuple[str, float, Align]],
        rows: Sequence[Sequence[str]],
        *,
        size: float = 8.5,
        bold_last: bool = False,
    ) -> float:
        """A ruled table: a grey header whose titles wrap, then one line per row; returns the
        top of what follows."""
        header_lines = [self.lines(title, width - 6, size - 0.5) for title, width, _a in columns]
        header_height = max(len(lines) for lines in header_lines) * (size + 1) + 6
        row_height = size + 6.5
        height = header_height + row_height * len(rows)
        self.rect(LEFT, top, WIDTH, header_height, fill=GREY)
        x = LEFT
        for (_title, width, _align), lines in zip(columns, header_lines, strict=True):
            line_top = top + (header_height - len(lines) * (size + 1)) / 2 + 0.5
            for line in lines:
                self.text(x + width / 2, line_top, line, size - 0.5, bold=True, align="c")
                line_top += size + 1
            x += width
        row_top = top + header_height
        for index, row in enumerate(rows):
            bold = bold_last and index == len(rows) - 1
            if bold:
                self.rect(LEFT, row_top, WIDTH, row_height, fill=GREY, stroke=False)
            x = LEFT
            for (_title, width, align), cell in zip(columns, row, strict=True):
                if align == "r":
                    self.text(x + width - 3, row_top + 3.5, cell, size, bold=bold, align="r")
                elif align == "c":
                    self.text(x + width / 2, row_top + 3.5, cell, size, bold=bold, align="c")
                else:
                    self.text(x + 3, row_top + 3.5, cell, size, bold=bold)
                x += width
            row_top += row_height
            if index < len(rows) - 1:
                self.hline(LEFT, RIGHT, row_top)
        self.rect(LEFT, top, WIDTH, height)
        x = LEFT
        c = self.c
        for _title, width, _align in columns[:-1]:
            x += width
            c.line(x, PAGE_HEIGHT - top, x, PAGE_HEIGHT - top - height)
        return top + height


def _blank(value: Decimal) -> str:
    return money(value, blank_zero=True)


def _service_rows(data: ReceiptData) -> list[list[str]]:
    rows = [
        [
            line.name,
            unit_text(line.unit),
            meter_value(line.volume),
            "" if line.tariff is None else money(line.tariff),
            _blank(line.opening),
            _blank(line.charged),
            _blank(line.recalculation),
            _blank(line.paid),
            _blank(line.closing),
        ]
        for line in data.services
    ]
    rows.append(
        [
            "Итого",
            "",
            "",
            "",
            money(data.opening),
            money(data.charged),
            money(data.recalculation),
            money(data.paid),
            money(data.closing),
        ]
    )
    return rows


SERVICE_COLUMNS: tuple[tuple[str, float, Align], ...] = (
    ("Вид услуги", 138.0, "l"),
    ("Ед. изм.", 34.0, "c"),
    ("Объём", 40.0, "r"),
    ("Тариф, ₽", 40.0, "r"),
    ("Долг (+), аванс (−) на начало, ₽", 56.0, "r"),
    ("Начислено, ₽", 50.0, "r"),
    ("Перерасчет, ₽", 50.0, "r"),
    ("Оплачено, ₽", 50.0, "r"),
    ("Итого к оплате, ₽", WIDTH - 458.0, "r"),
)
METER_COLUMNS: tuple[tuple[str, float, Align], ...] = (
    ("Прибор учета", 148.0, "l"),
    ("№ прибора", 72.0, "l"),
    ("Дата выбытия", 62.0, "c"),
    ("Ед. изм.", 40.0, "c"),
    ("Предыдущие показания", 64.0, "r"),
    ("Текущие показания", 64.0, "r"),
    ("Расход", WIDTH - 450.0, "r"),
)


def draw_receipt(page: _Page, data: ReceiptData, qr: Callable[[str], Sequence[bytearray]]) -> None:
    """Draw one receipt on the canvas's current page."""
    payer, payee = data.payer, data.payee
    column = WIDTH - QR_BOX - 14  # the text beside the QR code

    # -- title
    page.text(LEFT, MARGIN, "ЕДИНЫЙ ПЛАТЁЖНЫЙ ДОКУМЕНТ", 13, bold=True)
    page.paragraph(
        LEFT,
        MARGIN + 17,
        "для внесения платы за содержание жилого помещения и коммунальные услуги",
        column,
        8.5,
    )
    page.text(LEFT, MARGIN + 31, f"за {month_title(data.month)}", 11, bold=True)
    stamp = (
        f"Квитанция № {data.number} от {ru_date(data.issued_on)}"
        if data.number
        else f"Сформирована {ru_date(data.issued_on)}"
    )
    page.text(LEFT + column, MARGIN + 33, stamp, 8, align="r")

    # -- section 1: payer and payee, side by side
    top = MARGIN + 50
    half = (column - 8) / 2
    box_top = top
    page.text(LEFT + 6, top + 5, "ПЛАТЕЛЬЩИК", 7.5, bold=True)
    y = top + 17
    page.text(LEFT + 6, y, "Лицевой счет", 8.5)
    page.text(LEFT + half - 6, y - 2, payer.number, 13, bold=True, align="r")
    y += 16
    y = page.label_value(LEFT + 6, y, "ФИО:", payer.fio, half - 12)
    y = page.label_value(LEFT + 6, y, "Адрес:", payer.address, half - 12)
    y = page.label_value(
        LEFT + 6,
        y,
        "Площадь:",
        f"{money(payer.area)} м², проживает: {payer.residents} чел.",
        half - 12,
    )
    left_bottom = y
    x = LEFT + half + 8
    page.text(x + 6, top + 5, "ПОЛУЧАТЕЛЬ ПЛАТЕЖА (ИСПОЛНИТЕЛЬ УСЛУГ)", 7.5, bold=True)
    y = page.paragraph(x + 6, top + 17, payee.name, half - 12, 8.5, bold=True)
    inn = f"ИНН {payee.inn}" + (f"   КПП {payee.kpp}" if payee.kpp else "")
    page.text(x + 6, y, inn, 8.5)
    y += 10.6
    y = page.label_value(x + 6, y, "Р/с", payee.settlement_account, half - 12)
    y = page.label_value(x + 6, y, "Банк:", payee.bank_name, half - 12)
    page.text(x + 6, y, f"БИК {payee.bic}   К/с {payee.correspondent_account}", 8.5)
    y += 10.6
    bottom = max(left_bottom, y) + 4
    page.rect(LEFT, box_top, half, bottom - box_top)
    page.rect(x, box_top, half, bottom - box_top)

    # -- the QR code in the top right corner, with its caption
    qr_left = RIGHT - QR_BOX
    if data.qr_payload is not None:
        matrix = qr(data.qr_payload)
        module = QR_BOX / (len(matrix) + 2 * QUIET)
        inner = module * len(matrix)
        draw_matrix(
            page.c,
            matrix,
            qr_left + module * QUIET,
            PAGE_HEIGHT - MARGIN - QUIET * module - inner,
            inner,
        )
        caption_top = MARGIN + QR_BOX + 1
        page.text(qr_left + QR_BOX / 2, caption_top, "Оплата по QR-коду", 8, bold=True, align="c")
        page.paragraph(
            qr_left + 6, caption_top + 11, "Наведите камеру в приложении банка: реквизиты и сумма "
            "заполнятся сами", QR_BOX - 12, 7,
        )  # fmt: skip
    else:
        page.rect(qr_left, MARGIN, QR_BOX, QR_BOX, fill=GREY, stroke=False)
        page.text(qr_left + QR_BOX / 2, MARGIN + 44, "Оплата", 10, bold=True, align="c")
        page.text(qr_left + QR_BOX / 2, MARGIN + 57, "не требуется", 10, bold=True, align="c")
        if data.overpaid:
            page.text(
                qr_left + QR_BOX / 2, MARGIN + 74, f"переплата {rub(data.overpaid)}", 8, align="c"
            )

    # -- section 2: the amount to pay
    top = max(bottom, MARGIN + QR_BOX + 44) + 8
    band = 40.0
    page.rect(LEFT, top, WIDTH, band, fill=GREY)
    page.text(LEFT + 8, top + 7, f"ИТОГО К ОПЛАТЕ за {month_title(data.month)}", 11, bold=True)
    page.text(RIGHT - 8, top + 5, rub(data.to_pay), 17, bold=True, align="r")
    if data.overpaid:
        note = f"Переплата {rub(data.overpaid)} будет учтена в следующем месяце."
    else:
        note = (
            f"Долг (+), аванс (−) на начало: {rub(data.opening)}   Начислено: {rub(data.charged)}"
            f"   Перерасчет: {rub(data.recalculation)}   Оплачено: {rub(data.paid)}"
        )
    page.text(LEFT + 8, top + 25, note, 7.5)
    if data.to_pay > ZERO:
        page.text(
            RIGHT - 8, top + 25, f"Оплатить до {ru_date(data.due_on)}", 7.5, bold=True, align="r"
        )
    top += band + 12

    # -- section 3: the calculation; a long one is set smaller so that the page holds it all
    rows = len(data.services) + 1 + len(data.meters)
    room = PAGE_HEIGHT - MARGIN - top - FOOTER - 2 * (TABLE_HEADER + 14 + 12)
    size = max(6.0, min(8.5, room / rows - 6.5))
    top = page.section(
        top, "Расчет размера платы за содержание жилого помещения и коммунальные услуги"
    )
    top = page.table(top, SERVICE_COLUMNS, _service_rows(data), size=size, bold_last=True) + 12

    # -- section 4: meter readings
    if data.meters:
        top = page.section(
            top, f"Показания индивидуальных приборов учета за {month_title(data.month)}"
        )
        cells = [
            [
                m.title,
                m.serial,
                ru_date(m.retired_on),
                unit_text(m.unit),
                meter_value(m.previous),
                meter_value(m.current),
                meter_value(m.difference),
            ]
            for m in data.meters
        ]
        top = page.table(top, METER_COLUMNS, cells, size=size) + 12

    # -- the office
    first, last = data.reading_window
    top = page.section(top, "Справочная информация")
    notes = [
        f"Показания приборов учета передавайте с {first} по {last} число месяца: в личном "
        "кабинете, в терминале в офисе или по телефону.",
        f"Телефон офиса: {data.office_phone}." if data.office_phone else "",
        f"Часы приёма: {data.office_hours}." if data.office_hours else "",
        f"Адрес офиса: {payee.address}." if payee.address else "",
        f"Электронная почта: {payee.email}." if payee.email else "",
    ]
    for note in filter(None, notes):
        top = page.paragraph(LEFT, top, note, WIDTH, 8.5)
    if data.to_pay > ZERO:
        top = page.paragraph(
            LEFT,
            top + 4,
            "Оплатить можно в банке, в приложении банка по QR-коду или в офисе управляющей "
            "компании. Пожалуйста, указывайте номер лицевого счета.",
            WIDTH,
            8.5,
        )
    if data.registration_code:
        draw_registration_code(page, top + 6, data.registration_code)


def draw_registration_code(page: _Page, top: float, code: str) -> float:
    """The box with the account's registration code; returns the top of what follows."""
    height = 34.0
    page.rect(LEFT, top, WIDTH, height)
    label = "Код регистрации в личном кабинете:"
    page.text(LEFT + 8, top + 7, label, 10)
    page.text(LEFT + 12 + stringWidth(label, page.regular, 10), top + 5.5, code, 12, bold=True)
    page.text(
        LEFT + 8,
        top + 21,
        "Введите его при регистрации вместе с ФИО и номером лицевого счета. Код действует "
        "до следующей квитанции и подходит один раз; не сообщайте его посторонним.",
        7,
    )
    return top + height


class ReceiptWriter:
    """Receipts into one PDF, a page each, each page written out as soon as it is drawn:
    memory stays flat however many there are. Use as a context manager; leaving it by an
    exception abandons the document (the stream then holds an incomplete file)."""

    def __init__(self, out: BinaryIO, *, title: str = "Квитанция", author: str = "") -> None:
        self.regular, self.bold = register_fonts()
        self.canvas = StreamingCanvas(
            out, pagesize=A4, pageCompression=1, initialFontName=self.regular
        )
        self.canvas.setTitle(title)
        self.canvas.setAuthor(author)
        self.canvas.setCreator("Личный кабинет жителя")
        self.canvas.setSubject("Единый платёжный документ")
        self.canvas.setLineWidth(0.6)
        self.page = _Page(self.canvas, self.regular, self.bold)
        self.pages = 0

    def add(self, data: ReceiptData) -> None:
        """Draw one receipt on a page of its own and write the page out."""
        self.canvas.setLineWidth(0.6)
        draw_receipt(self.page, data, qr_matrix)
        self.canvas.showPage()
        self.pages += 1

    def close(self) -> None:
        self.canvas.save()

    def discard(self) -> None:
        self.canvas.discard()

    def __enter__(self) -> ReceiptWriter:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if kind is None:
            self.close()
        else:
            self.discard()


def render_receipt(data: ReceiptData, out: BinaryIO) -> None:
    """One receipt as a one-page PDF written to ``out``."""
    title = f"Квитанция за {month_title(data.month)}, лицевой счет {data.payer.number}"
    with ReceiptWriter(out, title=title, author=data.payee.name) as writer:
        writer.add(data)
