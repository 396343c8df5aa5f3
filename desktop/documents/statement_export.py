"""The statement (ведомость) exported: XLSX with numbers as numbers, and a landscape A4 PDF.

Both keep the cabinet's layout: a block per month, newest first, with the rows Сальдо нач.,
Начислено, Оплачено, Перерасчет, Сальдо кон.; the column ИТОГО, then one per service.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import BinaryIO

from desktop.formatting import money, ru_date
from desktop.months import month_name
from desktop.statement import MonthBlock, Statement

# Russian-looking in any Excel: thousands grouped, two places; a zero shows as an empty cell,
# as in the cabinet, while the cell still holds the number 0.
NUMBER_FORMAT = "#,##0.00;-#,##0.00;"


def _title(statement: Statement) -> str:
    return f"Ведомость по лицевому счету {statement.account_number}"


# -- XLSX ------------------------------------------------------------------------------------


def write_statement_xlsx(
    statement: Statement, out: BinaryIO, *, fio: str, address: str, generated_on: date
) -> None:
    """The statement as an Excel workbook: one sheet, month blocks, bold headers, frozen
    headers and labels, printed landscape to the width of one page."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.properties import PageSetupProperties
    from openpyxl.worksheet.worksheet import Worksheet

    workbook = Workbook()
    sheet = workbook.active
    assert isinstance(sheet, Worksheet)  # a new workbook's one sheet
    sheet.title = "Ведомость"
    names = [column.name for column in statement.columns]
    width = 2 + len(names)
    bold = Font(bold=True)
    thin = Side(style="thin", color="999999")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    header_fill = PatternFill("solid", fgColor="E6E6E6")
    month_fill = PatternFill("solid", fgColor="F3F3F3")

    sheet.append([_title(statement)])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([f"{fio}, {address}"])
    sheet.append([f"Сформирована {ru_date(generated_on)}"])
    sheet.append([])
    header_row = 5
    sheet.append(["", "ИТОГО", *names])
    for column in range(1, width + 1):
        cell = sheet.cell(header_row, column)
        cell.font = bold
        cell.fill = header_fill
        cell.border = border
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    sheet.row_dimensions[header_row].height = 45

    for block in statement.months:
        sheet.append([month_name(block.month)])
        row = sheet.max_row
        for column in range(1, width + 1):
            cell = sheet.cell(row, column)
            cell.fill = month_fill
            cell.border = border
        sheet.cell(row, 1).font = bold
        for line in block.lines:
            # Decimals go in as they are: openpyxl writes their exact digits.
            sheet.append([line.label, line.total, *line.amounts])
            row = sheet.max_row
            for column in range(1, width + 1):
                cell = sheet.cell(row, column)
                cell.border = border
                if column > 1:
                    cell.number_format = NUMBER_FORMAT
            sheet.cell(row, 2).font = bold
    if not statement.months:
        sheet.append(["Начислений пока нет."])
    for problem in statement.problems:
        sheet.append([f"Внимание: {problem}"])

    sheet.column_dimensions["A"].width = 14
    for column in range(2, width + 1):
        sheet.column_dimensions[get_column_letter(column)].width = 12.5
    sheet.freeze_panes = sheet.cell(header_row + 1, 2).coordinate
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0  # as many pages down as the months need
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.page_margins.top = sheet.page_margins.bottom = 0.5
    footer = sheet.oddFooter
    assert footer is not None  # a new sheet has an empty one
    footer.center.text = "Страница &P из &N"
    workbook.properties.title = _title(statement)
    workbook.properties.creator = "Личный кабинет жителя"
    workbook.save(out)


# -- PDF ---------------------------------------------------------------------------------------


def _pages(blocks: Sequence[MonthBlock], per_page: int) -> list[list[MonthBlock]]:
    """Month blocks (6 rows each) packed into pages; a block never splits."""
    pages: list[list[MonthBlock]] = [[]]
    for block in blocks:
        if len(pages[-1]) == per_page:
            pages.append([])
        pages[-1].append(block)
    return pages


def write_statement_pdf(
    statement: Statement, out: BinaryIO, *, fio: str, address: str, generated_on: date
) -> None:
    """The statement as a landscape A4 PDF: every column on the page's width, the header
    repeated on each page, month blocks never split."""
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.utils import simpleSplit
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.pdfgen.canvas import Canvas

    from desktop.documents.fonts import register_fonts

    regular, bold = register_fonts()
    page_width, page_height = landscape(A4)
    margin = 28.0
    names = ["ИТОГО", *(column.name for column in statement.columns)]
    label_width = 64.0
    amount_width = (page_width - 2 * margin - label_width) / len(names)
    size = min(7.5, amount_width / 6.2)
    # Headers wrap between words; the longest word («Электроэнергия») sets their size.
    widest = max(stringWidth(word, bold, 1) for name in names for word in name.split())
    head = min(size - 0.5, (amount_width - 5) / widest)
    header_lines = [simpleSplit(name, bold, head, amount_width - 4) for name in names]
    header_height = max(len(lines) for lines in header_lines) * (head + 1) + 6
    row_height = size + 5.5
    top_of_table = 84.0
    per_page = max(
        1, int((page_height - margin - top_of_table - header_height - 14) // (6 * row_height))
    )
    pages = _pages(statement.months, per_page)

    canvas = Canvas(
        out,
        pagesize=(page_width, page_height),
        pageCompression=1,
        # The stubs type the initial font's name as a float; reportlab takes the name.
        initialFontName=regular,  # type: ignore[arg-type]
    )
    canvas.setTitle(_title(statement))
    canvas.setCreator("Личный кабинет жителя")
    canvas.setLineWidth(0.5)

    def text(
        x: float, top: float, value: str, font_size: float, *, heavy: bool = False, align: str = "l"
    ) -> None:
        canvas.setFont(bold if heavy else regular, font_size)
        y = page_height - top - font_size * 0.78
        if align == "r":
            canvas.drawRightString(x, y, value)
        elif align == "c":
            canvas.drawCentredString(x, y, value)
        else:
            canvas.drawString(x, y, value)

    def band(top: float, height: float, grey: float) -> None:
        canvas.setFillGray(grey)
        canvas.rect(
            margin, page_height - top - height, page_width - 2 * margin, height, stroke=0, fill=1
        )
        canvas.setFillGray(0)

    right = page_width - margin
    for number, blocks in enumerate(pages, 1):
        text(margin, margin, _title(statement), 14, heavy=True)
        text(margin, margin + 20, f"{fio}, {address}", 9)
        text(right, margin, f"Сформирована {ru_date(generated_on)}", 8.5, align="r")
        text(right, margin + 20, f"Страница {number} из {len(pages)}", 8.5, align="r")
        top = top_of_table
        band(top, header_height, 0.9)
        x = margin + label_width
        for lines in header_lines:
            line_top = top + (header_height - len(lines) * (head + 1)) / 2 + 0.5
            for line in lines:
                text(x + amount_width / 2, line_top, line, head, heavy=True, align="c")
                line_top += head + 1
            x += amount_width
        table_top = top
        top += header_height
        for block in blocks:
            band(top, row_height, 0.95)
            text(margin + 3, top + 3, month_name(block.month), size, heavy=True)
            top += row_height
            for line in block.lines:
                canvas.setStrokeGray(0.75)
                canvas.line(margin, page_height - top, right, page_height - top)
                text(margin + 3, top + 3, line.label, size)
                x = margin + label_width
                for index, amount in enumerate((line.total, *line.amounts)):
                    text(
                        x + amount_width - 3,
                        top + 3,
                        _amount(amount),
                        size,
                        heavy=index == 0,
                        align="r",
                    )
                    x += amount_width
                top += row_height
        if not blocks:
            text(margin + 3, top + 4, "Начислений пока нет.", size + 1)
            top += row_height
        canvas.setStrokeGray(0.45)
        canvas.rect(
            margin, page_height - top, page_width - 2 * margin, top - table_top, stroke=1, fill=0
        )
        x = margin + label_width
        for _name in names:
            canvas.line(x, page_height - table_top, x, page_height - top)
            x += amount_width
        if number == len(pages):
            top += 10
            for problem in statement.problems:
                text(margin, top, f"Внимание: {problem}", 8)
                top += 11
        canvas.showPage()
    canvas.save()


def _amount(value: Decimal) -> str:
    return money(value, blank_zero=True)
