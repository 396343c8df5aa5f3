"""«Ведомость»: the seed's statement on screen, formatted, with fixed row labels; export."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from importlib import resources
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from desktop.demo import DEMO_ACCOUNT
from desktop.formatting import money
from desktop.months import add_months
from desktop.statement import ROW_LABELS, Column, Line, MonthBlock, Statement
from tests.ui.conftest import wait_idle
from ui.main_window import MainWindow
from ui.models.statement import StatementModel, arrange
from ui.pages.statement import EXPORT_PDF, EXPORT_XLSX, MIN_COLUMN_WIDTH, StatementPage
from ui.sidebar import PAGES, Page

JUNE = date(2017, 6, 1)
MARCH = date(2017, 3, 1)
SEED_COLUMNS = [
    "ИТОГО", "Водоотведение", "ГВС (ХВС на ГВС)", "ОДН ГВС", "ОДН ХВС", "Отопление",
    "Подогрев воды", "Содержание жилого помещения", "Содержание и ремонт", "ХВС",
    "Электричество Т1", "Электричество Т1 ОДН", "Электричество Т2", "Электричество Т2 ОДН",
    "Электроэнергия ОДН", "Пеня",
]  # fmt: skip


@pytest.fixture
def window(qtbot, page_ctx) -> MainWindow:
    """The main window at 1280×800 with only this page (the others are not under test)."""
    window = MainWindow(page_ctx, pages=tuple(s for s in PAGES if s.page == Page.STATEMENT))
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    return window


@pytest.fixture
def page(qtbot, window, app_ctx) -> StatementPage:
    page = window.show_page(Page.STATEMENT)
    wait_idle(qtbot, app_ctx)
    assert isinstance(page, StatementPage)
    return page


def shown_grid(page: StatementPage) -> list[list[str]]:
    """What the table shows, row by row: the row's label, then every cell's text."""
    model = page.model
    return [
        [model.headerData(row, Qt.Orientation.Vertical)]
        + [model.index(row, column).data() or "" for column in range(model.columnCount())]
        for row in range(model.rowCount())
    ]


def seed_grid() -> list[list[str]]:
    """The seed's table, copied verbatim from the original cabinet (a month title in <i>)."""
    text = resources.files("desktop").joinpath("data/demo_seed_statement.tsv").read_text("utf-8")
    lines = [line for line in text.splitlines() if not line.startswith("#")][1:]
    grid = []
    for line in lines:
        cells = line.split("\t")
        label = cells[0].replace("<i>", "").replace("</i>", "")
        grid.append([label, *cells[1:], *[""] * (len(SEED_COLUMNS) + 1 - len(cells))])
    return grid


def test_the_seeds_statement_is_shown_as_in_the_original_cabinet(page, qtmodeltester):
    model = page.model
    assert [
        model.headerData(c, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
        for c in range(model.columnCount())
    ] == SEED_COLUMNS
    # Every label and amount, blanks for zero, month blocks newest first — to the kopeck.
    assert shown_grid(page) == seed_grid()
    assert model.text(JUNE, "Сальдо нач.", "ИТОГО") == "5 955,86"
    assert model.text(JUNE, "Оплачено", "Пеня") == "11,86"
    assert model.text(JUNE, "Сальдо кон.", "ИТОГО") == "-11,86"
    assert model.text(MARCH, "Сальдо кон.", "ИТОГО") == "15 720,33"
    assert model.text(JUNE, "Начислено", "ИТОГО") == ""
    assert model.text(JUNE, "Сальдо нач.", "Содержание и ремонт") == ""
    qtmodeltester.check(model)


def ten_years(services: int = 15) -> Statement:
    """120 months × 5 lines × (ИТОГО + 15 services) of varied amounts: blanks (zero), debts
    and overpayments, a few in the hundred thousands."""
    columns = tuple(Column(f"s{number}", f"Услуга {number}") for number in range(services))
    months = []
    for back in range(120):
        lines = []
        for number, label in enumerate(ROW_LABELS):
            seeds = [(back * 7919 + number * 104729 + c * 1299709) for c in range(services)]
            amounts = tuple(
                Decimal(0) if seed % 5 == 0 else Decimal(seed % 2_000_003 - 400_000) / 100
                for seed in seeds
            )
            lines.append(Line(label, sum(amounts, Decimal(0)) * 3, amounts))
        months.append(MonthBlock(add_months(JUNE, -back), tuple(lines)))
    return Statement("3492", columns, tuple(months), ())


def test_a_long_statement_is_formatted_cell_by_cell_as_asked(qtbot, monkeypatch):
    """Showing ten years formats no cell on the GUI thread: the layout and the widest texts
    come from the background job (two amounts per column), a cell is formatted the first
    time a view asks for it, and only once."""
    formatted = []

    def counted(value, **options):
        formatted.append(value)
        return money(value, **options)

    monkeypatch.setattr("ui.models.statement.money", counted)
    statement = ten_years()
    model = StatementModel()
    model.set_statement(statement)
    assert len(formatted) <= 2 * model.columnCount()  # not 600 × 16
    formatted.clear()
    grid = arrange(statement)  # what the page's background job does
    assert len(formatted) <= 2 * model.columnCount()
    formatted.clear()
    model.set_statement(grid)
    assert formatted == []
    cell = model.index(model.row_of(JUNE, "Оплачено"), 3)
    amount = statement.months[0].line("Оплачено").amounts[2]
    assert cell.data() == money(amount, blank_zero=True) == cell.data()
    assert formatted == [amount]
    # Every text as before (blank for zero), and per column a longest one for the widths.
    rows = [r for r in range(model.rowCount()) if r not in model.title_rows()]
    texts = [[model.index(r, c).data() for r in rows] for c in range(model.columnCount())]
    expected = [
        [money(line.total, blank_zero=True)] + [money(a, blank_zero=True) for a in line.amounts]
        for block in statement.months
        for line in block.lines
    ]
    assert texts == [list(column) for column in zip(*expected, strict=True)]
    widest = model.widest_texts()
    assert [len(text) for text in widest] == [max(map(len, column)) for column in texts]
    assert all(text in column for text, column in zip(widest, texts, strict=True))
    assert any(text.startswith("-") for text in widest)  # a debt can be the widest


def test_a_page_shown_from_code_reads_its_data_once(qtbot, page_ctx, app_ctx, monkeypatch):
    """``show_page`` marks the page in the sidebar, whose signal must not show it again."""
    shown = (Page.STATEMENT, Page.PASSWORD)
    window = MainWindow(page_ctx, pages=tuple(s for s in PAGES if s.page in shown))
    qtbot.addWidget(window)
    window.show()
    window.show_page(Page.PASSWORD)
    wait_idle(qtbot, app_ctx)
    reads = []
    statements = app_ctx.services.statements
    read = statements.statement
    monkeypatch.setattr(statements, "statement", lambda *args: reads.append(args) or read(*args))
    window.show_page(Page.STATEMENT)
    wait_idle(qtbot, app_ctx)
    assert len(reads) == 1
    assert window.sidebar.currentItem().data(Qt.ItemDataRole.UserRole) == Page.STATEMENT


def test_month_titles_span_the_row_and_stand_out(page):
    model, view = page.model, page.view
    titles = model.title_rows()
    assert [model.headerData(r, Qt.Orientation.Vertical) for r in titles] == [
        "Июнь 17",
        "Май 17",
        "Апрель 17",
        "Март 17",
    ]
    assert titles == [0, 6, 12, 18]
    for row in titles:
        assert view.columnSpan(row, 0) == model.columnCount()
        font = model.headerData(row, Qt.Orientation.Vertical, Qt.ItemDataRole.FontRole)
        assert font.italic() and font.bold()
    assert model.headerData(1, Qt.Orientation.Vertical, Qt.ItemDataRole.FontRole) is None


def test_amounts_are_right_aligned_and_wide_headers_wrapped(page):
    model = page.model
    row = model.row_of(JUNE, "Сальдо нач.")
    for column in range(model.columnCount()):
        alignment = model.index(row, column).data(Qt.ItemDataRole.TextAlignmentRole)
        assert alignment & Qt.AlignmentFlag.AlignRight
    wide = model.column_of("Содержание жилого помещения")
    assert "\n" in model.headerData(wide, Qt.Orientation.Horizontal)
    header = page.view.horizontalHeader()
    assert header.height() >= 2 * header.fontMetrics().height()


def test_columns_fit_their_widest_text_without_asking_every_cell(page):
    """The widths come from the texts the model has: never narrower than what Qt would
    measure cell by cell (nothing is cut off), and barely wider."""
    chosen = [page.view.columnWidth(c) for c in range(page.model.columnCount())]
    page.view.resizeColumnsToContents()  # Qt's own measure, every cell: for comparison only
    measured = [page.view.columnWidth(c) for c in range(page.model.columnCount())]
    for column, (mine, qt) in enumerate(zip(chosen, measured, strict=True)):
        assert qt <= mine <= max(qt, MIN_COLUMN_WIDTH) + 12, page.model.headerData(
            column, Qt.Orientation.Horizontal
        )
    tip = page.model.index(page.model.row_of(JUNE, "Сальдо нач."), 0).data(
        Qt.ItemDataRole.ToolTipRole
    )
    assert tip == "Июнь 2017, Сальдо нач., ИТОГО: 5 955,86 ₽"


def test_the_row_labels_stay_visible_while_scrolling_sideways(page, qtbot):
    view = page.view
    bar = view.horizontalScrollBar()
    assert bar.maximum() > 0, "at 1280 px the sixteen columns need a horizontal scroll"
    bar.setValue(bar.maximum())
    qtbot.wait(10)
    labels = view.verticalHeader()
    assert labels.isVisible() and labels.width() > 0
    assert view.columnViewportPosition(0) < 0  # ИТОГО scrolled away, the labels did not
    assert (
        labels.mapTo(page, labels.rect().topLeft()).x()
        < view.viewport().mapTo(page, view.viewport().rect().topLeft()).x()
    )


def test_the_total_column_stays_beside_the_row_labels_while_scrolling_sideways(page, qtbot):
    view, total = page.view, page.total_column
    bar = view.horizontalScrollBar()
    bar.setValue(bar.maximum())
    qtbot.wait(10)
    assert view.columnViewportPosition(0) < 0  # the grid's own ИТОГО went left…
    assert total.isVisible()  # …the frozen one did not
    labels = view.verticalHeader()
    assert total.geometry().left() == labels.geometry().right() + 1
    assert total.columnWidth(0) == view.columnWidth(0) > 0
    assert [c for c in range(total.model().columnCount()) if not total.isColumnHidden(c)] == [0]
    assert total.horizontalHeader().height() == view.horizontalHeader().height()
    row = page.model.row_of(JUNE, "Сальдо нач.")
    assert total.model().index(row, 0).data() == "5 955,86"
    # Rows scroll together: the frozen ИТОГО of a row is level with that row.
    view.verticalScrollBar().setValue(view.verticalScrollBar().maximum())
    qtbot.wait(10)
    assert total.verticalScrollBar().value() == view.verticalScrollBar().value()
    assert total.rowViewportPosition(row) == view.rowViewportPosition(row)
    # A cell chosen with the keyboard is never left under it.
    view.setCurrentIndex(page.model.index(row, 1))
    view.scrollTo(page.model.index(row, 1))
    assert view.columnViewportPosition(1) >= view.columnWidth(0)


def test_balance_summary_and_no_warning_for_consistent_data(page):
    assert page.summary.text() == "На конец июня 2017 г.: переплата 11,86 ₽."
    assert page.problems.isHidden()


def test_buttons_have_their_labels_as_accessible_names(page):
    assert page.export_xlsx.accessibleName() == page.export_xlsx.text() == EXPORT_XLSX
    assert page.export_pdf.accessibleName() == page.export_pdf.text() == EXPORT_PDF
    assert page.export_xlsx.isEnabled() and page.export_pdf.isEnabled()


def test_export_to_xlsx_writes_the_statement(page, qtbot, app_ctx, monkeypatch, tmp_path):
    from openpyxl import load_workbook

    asked = []

    def save_path(parent, title, suggested, filters):
        asked.append((title, Path(suggested).name, filters))
        return str(tmp_path / "ведомость")  # no extension typed: the page adds it

    monkeypatch.setattr("ui.dialogs.save_path", save_path)
    qtbot.mouseClick(page.export_xlsx, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, app_ctx)
    target = tmp_path / "ведомость.xlsx"
    assert asked == [
        ("Сохранить ведомость", f"Ведомость {DEMO_ACCOUNT}.xlsx", "Книга Excel (*.xlsx)")
    ]
    assert page.messages.kind == "success" and str(target) in page.messages.text()
    values = [
        cell for row in load_workbook(target).active.iter_rows(values_only=True) for cell in row
    ]
    assert "Июнь 17" in values or "Июнь 2017" in values
    assert 5955.86 in values
    assert not list(tmp_path.glob(".*.part"))


def test_export_to_pdf_writes_a_pdf(page, qtbot, app_ctx, monkeypatch, tmp_path):
    target = tmp_path / "statement.pdf"
    monkeypatch.setattr("ui.dialogs.save_path", lambda *_args: str(target))
    qtbot.mouseClick(page.export_pdf, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, app_ctx)
    assert target.read_bytes().startswith(b"%PDF")
    assert page.messages.kind == "success"


def test_a_cancelled_export_does_nothing(page, qtbot, app_ctx, monkeypatch, tmp_path):
    monkeypatch.setattr("ui.dialogs.save_path", lambda *_args: "")
    shown = page.messages.text()  # the verification reminder of 3492's overdue meter
    qtbot.mouseClick(page.export_pdf, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, app_ctx)
    assert page.messages.text() == shown and page.messages.kind != "error"
    assert list(tmp_path.glob("*.pdf")) == []
    assert page.export_pdf.isEnabled()


def test_an_unwritable_place_is_reported_inline(page, qtbot, app_ctx, monkeypatch, tmp_path):
    target = tmp_path / "missing-folder" / "statement.pdf"
    monkeypatch.setattr("ui.dialogs.save_path", lambda *_args: str(target))
    qtbot.mouseClick(page.export_pdf, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, app_ctx)
    assert page.messages.kind == "error"
    assert "missing-folder» не существует" in page.messages.text()
    assert page.export_pdf.isEnabled()


def test_a_breach_of_the_balance_invariant_shows_a_warning(qtbot, window, app_ctx, services):
    from sqlalchemy import select

    from db.models import Service, StatementRow

    with services.db.unit_of_work() as s:
        row = s.scalars(
            select(StatementRow)
            .join(Service)
            .where(
                StatementRow.account_id == window.ctx.served.id,
                StatementRow.month == JUNE,
                Service.name == "Отопление",
            )
        ).one()
        row.closing += Decimal("1.00")
    page = window.show_page(Page.STATEMENT)
    wait_idle(qtbot, app_ctx)
    assert page.problems.isVisible() and page.problems.kind == "warning"
    assert "Июнь 2017, «Отопление»" in page.problems.text()
    assert page.model.text(JUNE, "Сальдо кон.", "Отопление") == "1,00"
