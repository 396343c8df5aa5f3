"""The statement exported as XLSX and PDF: the seed's figures read back as numbers and text."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from decimal import Decimal

import openpyxl
import pypdfium2 as pdfium
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader
from sqlalchemy import select

from db.engine import Database
from db.models import Account, AuditEntry
from desktop.actors import Actor
from desktop.app import build_services
from desktop.clock import FixedClock
from desktop.demo import build_demo
from desktop.documents.service import DocumentService
from desktop.documents.statement_export import NUMBER_FORMAT, write_statement_xlsx
from desktop.errors import AccessDeniedError
from desktop.settings import Settings
from desktop.statement import ROW_LABELS, Column, Line, MonthBlock, Statement
from tests.desktop.test_cli import SEED_STATEMENT_CSV

SYSTEM_ACTOR = Actor("system", "test")


@pytest.fixture
def demo(database: Database, clock: FixedClock) -> tuple[DocumentService, int]:
    build_demo(database, clock)
    with database.read() as s:
        account = s.scalar(select(Account.id).where(Account.number == "3492"))
    assert account is not None
    return build_services(database, Settings(), clock).documents, account


def seed_rows() -> dict[tuple[str, str], list[Decimal]]:
    """The seed's statement as {(YYYY-MM, row label): [ИТОГО, services…]}, zero for empty."""
    lines = SEED_STATEMENT_CSV.splitlines()
    rows = {}
    for line in lines[1:]:
        month, label, *cells = line.split(";")
        rows[(month, label)] = [Decimal(c.replace(",", ".")) if c else Decimal(0) for c in cells]
    return rows


def xlsx_blocks(sheet) -> dict[tuple[str, str], list]:  # type: ignore[no-untyped-def]
    """The sheet's month blocks as {(YYYY-MM, label): [cell values…]}."""
    months = {
        f"{name} {year}": f"{year}-{index:02d}"
        for index, name in enumerate(
            ("Январь", "Февраль", "Март", "Апрель", "Май", "Июнь", "Июль", "Август",
             "Сентябрь", "Октябрь", "Ноябрь", "Декабрь"), 1)
        for year in range(2015, 2031)
    }  # fmt: skip
    blocks, month = {}, None
    for row in sheet.iter_rows(min_row=6):
        first = row[0].value
        if first in months:
            month = months[first]
        elif first in ROW_LABELS and month:
            blocks[(month, first)] = row[1:]
    return blocks


def test_the_xlsx_holds_the_seeds_figures_as_numbers_to_the_kopeck(demo):
    service, account = demo
    out = io.BytesIO()
    service.write_statement(SYSTEM_ACTOR, account, out, "xlsx")
    workbook = openpyxl.load_workbook(io.BytesIO(out.getvalue()))
    sheet = workbook["Ведомость"]
    assert sheet["A1"].value == "Ведомость по лицевому счету 3492"
    assert sheet["A2"].value.startswith("Иванов И.И., Московская обл.")
    header = [cell.value for cell in sheet[5]]
    assert header[:4] == [None, "ИТОГО", "Водоотведение", "ГВС (ХВС на ГВС)"]
    assert header[-1] == "Пеня" and all(cell.font.b for cell in sheet[5])
    blocks = xlsx_blocks(sheet)
    for key, expected in seed_rows().items():
        cells = blocks[key]
        assert len(cells) == len(expected)
        for cell, amount in zip(cells, expected, strict=True):
            assert isinstance(cell.value, int | float), (key, cell.value)
            # The file holds the Decimal's own digits; read back, they are that number.
            assert Decimal(repr(cell.value)) == amount, (key, cell.value, amount)
            assert cell.number_format == NUMBER_FORMAT
    assert blocks[("2017-05", "Сальдо кон.")][0].value == 5955.86
    assert blocks[("2017-06", "Сальдо кон.")][0].value == -11.86
    raw = zipfile.ZipFile(io.BytesIO(out.getvalue())).read("xl/worksheets/sheet1.xml").decode()
    assert "<v>5955.86</v>" in raw and "<v>-11.86</v>" in raw and "<v>15720.33</v>" in raw
    # Newest month first, headers frozen, printed landscape to one page's width.
    firsts = [row[0].value for row in sheet.iter_rows(min_row=6, max_row=6 + 6 * 4)]
    assert firsts[0] == "Июнь 2017" and firsts[6] == "Май 2017"
    assert sheet.freeze_panes == "B6"
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.page_setup.fitToWidth == 1 and sheet.page_setup.fitToHeight == 0
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.print_title_rows == "$5:$5"


_AMOUNTS = st.decimals(
    min_value=Decimal("-99999999.99"), max_value=Decimal("99999999.99"), places=2
).filter(lambda d: d.is_finite())


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_AMOUNTS, min_size=3, max_size=3))
def test_any_amount_reaches_the_xlsx_exactly(amounts):
    lines = tuple(Line(label, sum(amounts, Decimal(0)), tuple(amounts)) for label in ROW_LABELS)
    statement = Statement(
        "1", tuple(Column(f"s{i}", f"Услуга {i}") for i in range(3)),
        (MonthBlock(date(2024, 1, 1), lines),), (),
    )  # fmt: skip
    out = io.BytesIO()
    write_statement_xlsx(statement, out, fio="Ф", address="А", generated_on=date(2024, 2, 1))
    sheet = openpyxl.load_workbook(out).active
    values = [cell.value for cell in sheet[7][1:]]
    assert [Decimal(repr(v)) for v in values] == [lines[0].total, *amounts]


def test_the_pdf_is_landscape_with_every_column_on_the_page(demo):
    service, account = demo
    out = io.BytesIO()
    statement = service.write_statement(SYSTEM_ACTOR, account, out, "pdf")
    assert statement.account_number == "3492" and statement.problems == ()
    data = out.getvalue()
    reader = PdfReader(io.BytesIO(data), strict=True)
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert box.width > box.height  # landscape A4
    text = reader.pages[0].extract_text()
    for expected in ("Ведомость по лицевому счету 3492", "Июнь 2017", "Март 2017",
                     "Сальдо нач.", "Перерасчет", "5 955,86", "15 720,33", "-11,86", "Пеня"):  # fmt: skip
        assert expected in text, expected
    # Only what lies inside the page's box: every column, the last (Пеня) included.
    page = pdfium.PdfDocument(data)[0]
    width, height = page.get_size()
    inside = page.get_textpage().get_text_bounded(0, 0, width, height)
    assert "Пеня" in inside and "-11,86" in inside and "Электроэнергия" in inside


def test_exports_are_audited_and_a_resident_exports_only_their_own(demo):
    service, account = demo
    resident = Actor.resident(account, "3492")
    service.write_statement(resident, account, io.BytesIO(), "xlsx")
    with service.db.read() as s:
        (entry,) = s.scalars(select(AuditEntry).where(AuditEntry.action == "statement.export"))
    assert entry.account_id == account and entry.actor == "resident:3492"
    assert '"format": "xlsx"' in entry.details
    with service.db.read() as s:
        other = s.scalar(select(Account.id).where(Account.number == "3493"))
    with pytest.raises(AccessDeniedError):
        service.write_statement(resident, other, io.BytesIO(), "pdf")
