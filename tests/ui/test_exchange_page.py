"""«Обмен данными», driven as the office administrator would on the demo (SQLite and
PostgreSQL): the example files from 1C loaded with their report, a bad file refused with its
rows and columns and nothing changed, a dry run, «Отмена» with nothing applied, the same file
twice, and a month's readings exported for 1C and ГИС ЖКХ."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QWidget
from sqlalchemy import func, select, update

from db.engine import Database
from db.models import Account, ImportBatch, Meter
from desktop.app import Services
from desktop.resources import resource
from tests.ui.conftest import pause_at_progress, wait_idle
from tests.ui.test_office import click_item, staff_window
from ui import dialogs
from ui.context import AppContext
from ui.exchange import IMPORT_CANCELLED, ExchangePage
from ui.exchange_export import EXPORT_CANCELLED
from ui.pages.registry import Page

LEFT = Qt.MouseButton.LeftButton
EXAMPLES = resource("exchange")


@pytest.fixture
def page(qtbot, app_ctx: AppContext, services: Services) -> ExchangePage:
    window = staff_window(qtbot, app_ctx, services, "admin")
    click_item(qtbot, window, "Обмен данными")
    page = window.page(Page.EXCHANGE)
    assert isinstance(page, ExchangePage) and window.stack.currentWidget() is page
    wait_idle(qtbot, app_ctx)
    return page


def load(qtbot, page: ExchangePage, monkeypatch, path: Path, *, dry_run: bool = False) -> None:
    monkeypatch.setattr(dialogs, "open_path", lambda *args: str(path))
    page.dry_run.setChecked(dry_run)
    qtbot.mouseClick(page.load_button, LEFT)
    wait_idle(qtbot, page.ctx)


def rows(page: QWidget, model: str) -> list[tuple[str, ...]]:
    table = getattr(page, model)
    return [
        tuple(table.text(r, c) for c in range(table.columnCount())) for r in range(table.rowCount())
    ]


def count(database: Database, what) -> int:
    with database.read() as s:
        return s.scalar(select(func.count()).select_from(what)) or 0


def new_accounts(database: Database) -> int:
    with database.read() as s:
        return s.scalar(select(func.count()).where(Account.number == "6101")) or 0


def test_a_clerk_has_no_exchange_page(qtbot, app_ctx, services) -> None:
    window = staff_window(qtbot, app_ctx, services, "operator")
    titles = [window.sidebar.item(i).text() for i in range(window.sidebar.count())]
    assert "Обмен данными" not in titles and "Памятки для жителей" in titles


def test_the_example_files_load_into_the_demo_with_their_report(
    qtbot, page: ExchangePage, database: Database, monkeypatch
) -> None:
    assert page.load_button.isEnabled() and not page.import_cancel.isEnabled()
    assert rows(page, "batches") == []
    accounts = EXAMPLES / "accounts.csv"

    load(qtbot, page, monkeypatch, accounts, dry_run=True)
    assert page.import_messages.kind == "success"
    assert "В базе ничего не изменено" in page.import_messages.full_text
    assert rows(page, "tallies")[0] == ("Лицевые счета", "10", "0", "2")
    assert (new_accounts(database), count(database, ImportBatch)) == (0, 0)

    load(qtbot, page, monkeypatch, accounts)
    assert page.import_messages.full_text == "Загружено, пакет № 1."
    assert page.import_summary.text().startswith(
        "Файл accounts.csv (CSV, Windows-1251): лицевые счета. Строк с данными: 12."
    )
    assert rows(page, "tallies") == [
        ("Лицевые счета", "10", "0", "2"),
        ("Дома", "1", "0", "1"),
        ("Помещения", "10", "0", "2"),
    ]
    assert page.tally_table.isVisible() and not page.problem_table.isVisible()
    assert new_accounts(database) == 1

    load(qtbot, page, monkeypatch, EXAMPLES / "meters.csv")
    assert ("Приборы учета", "31", "0", "0") in rows(page, "tallies")
    load(qtbot, page, monkeypatch, EXAMPLES / "statement.csv")
    assert page.import_messages.full_text == "Загружено, пакет № 3."

    load(qtbot, page, monkeypatch, accounts)  # the same bytes again
    assert page.import_messages.kind == "warning"
    assert "Этот файл уже загружен" in page.import_messages.full_text
    assert "пакет № 1" in page.import_messages.full_text
    assert not page.tally_table.isVisible() and count(database, ImportBatch) == 3

    page.tabs.setCurrentIndex(2)
    batches = rows(page, "batches")
    assert [(b[0], b[2], b[3], b[5]) for b in batches] == [
        ("3", "admin", "statement.csv", "48"),
        ("2", "admin", "meters.csv", "31"),
        ("1", "admin", "accounts.csv", "12"),
    ]
    assert batches[2][4] == "лицевые счета"


def test_a_registry_s_refused_readings_are_listed_under_the_buttons(
    qtbot, page: ExchangePage, database: Database, monkeypatch, tmp_path: Path
) -> None:
    """The payer's readings a rule refused do not refuse the registry: the page says so."""
    path = tmp_path / "registry.txt"
    path.write_bytes(
        "10-06-2017;10-31-25;9040;9040/1;77;3492;ИВАНОВ;АДРЕС;0617;10,00;10,00;0,00;"
        "CounterVal_1:300\r\n=1;10,00;10,00;0,00\r\n".encode("cp1251")
    )
    load(qtbot, page, monkeypatch, path)
    assert page.import_messages.kind == "warning"
    assert page.import_messages.full_text == (
        "Загружено, пакет № 1, но не принято: 1 — список под кнопками."
    )
    summary = page.import_summary.text().splitlines()
    assert summary[1:] == [
        "Не принято (1), остальное загружено:",
        "строка 1, ЛС 3492: показания (CounterVal_1) не приняты — переданы 10.06.2017, а "
        "показания за июнь 2017 принимаются с 15 по 25 число того же месяца.",
    ]
    assert ("Платежи", "1", "0", "0") in rows(page, "tallies")


def test_a_bad_file_shows_each_row_and_column_and_changes_nothing(
    qtbot, page: ExchangePage, database: Database, monkeypatch, tmp_path: Path
) -> None:
    text = (EXAMPLES / "accounts.csv").read_text(encoding="cp1251").splitlines()
    header = next(i for i, line in enumerate(text) if line.startswith("№ п/п"))
    cells = text[header + 2].split(";")
    cells[5] = "много"  # Площадь общая
    text[header + 2] = ";".join(cells)
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join(text) + "\n", encoding="cp1251")
    before = count(database, Account)

    load(qtbot, page, monkeypatch, bad)
    assert page.import_messages.kind == "error"
    assert page.import_messages.full_text.startswith("Файл не загружен: 1 ошибка.")
    assert "Ничего не изменено" in page.import_messages.full_text
    assert page.problem_table.isVisible() and not page.tally_table.isVisible()
    [(row, column, what)] = rows(page, "problems")
    assert (row, column) == (str(header + 3), "Площадь общая, м2")
    assert what
    assert (count(database, Account), count(database, ImportBatch)) == (before, 0)
    assert page.load_button.isEnabled()


def test_a_file_of_no_known_kind_is_refused_in_russian(
    qtbot, page: ExchangePage, database: Database, monkeypatch, tmp_path: Path
) -> None:
    odd = tmp_path / "odd.csv"
    odd.write_text("Что-то;Другое\n1;2\n", encoding="utf-8")
    load(qtbot, page, monkeypatch, odd)
    assert page.import_messages.kind == "error"
    assert "столб" in page.import_messages.full_text.lower()
    assert not page.problem_table.isVisible() and count(database, ImportBatch) == 0


def test_cancel_applies_nothing(
    qtbot, page: ExchangePage, services: Services, database: Database, monkeypatch
) -> None:
    # The import pauses at its progress report until «Отмена» has been pressed: no race.
    reached, go_on = pause_at_progress(monkeypatch, services.exchange, "import_file")
    monkeypatch.setattr(dialogs, "open_path", lambda *args: str(EXAMPLES / "accounts.csv"))
    qtbot.mouseClick(page.load_button, LEFT)
    assert page.import_cancel.isEnabled() and not page.load_button.isEnabled()
    assert page.import_progress.isVisible()
    assert reached.wait(10)
    qtbot.mouseClick(page.import_cancel, LEFT)
    go_on.set()
    wait_idle(qtbot, page.ctx)

    assert page.import_messages.full_text == IMPORT_CANCELLED
    assert (new_accounts(database), count(database, ImportBatch)) == (0, 0)
    assert page.load_button.isEnabled() and not page.import_cancel.isEnabled()
    assert not page.import_progress.isVisible()


def export_to(qtbot, page: ExchangePage, monkeypatch, path: Path, file_format: str) -> None:
    page.tabs.setCurrentIndex(1)
    page.exporter.format.setCurrentIndex(page.exporter.format.findData(file_format))
    monkeypatch.setattr(dialogs, "save_path", lambda *args: str(path))
    qtbot.mouseClick(page.exporter.export_button, LEFT)
    wait_idle(qtbot, page.ctx)


def test_export_writes_the_month_s_readings(
    qtbot, page: ExchangePage, monkeypatch, tmp_path: Path
) -> None:
    assert page.exporter.month.date() == QDate(2026, 11, 1)
    assert page.exporter.export_button.isEnabled()
    target = tmp_path / "readings.csv"
    export_to(qtbot, page, monkeypatch, target, "csv")
    assert page.exporter.export_messages.kind == "success", page.exporter.export_messages.full_text
    assert page.exporter.export_messages.full_text.startswith("Готово: файл readings.csv")
    assert target.exists() and target.stat().st_size > 0
    assert "За этот месяц для 1С выгружено впервые." in page.exporter.export_summary.text()

    export_to(qtbot, page, monkeypatch, target, "csv")
    assert "уже выгружался для 1С" in page.exporter.export_summary.text()

    gis = tmp_path / "gis"  # the suffix is added
    export_to(qtbot, page, monkeypatch, gis, "gis")
    # The demo's meters carry no ГИС ЖКХ number: none can go, and the page says why.
    assert page.exporter.export_messages.kind == "error"
    assert "нет номера в ГИС ЖКХ" in page.exporter.export_messages.full_text
    assert not (tmp_path / "gis.xlsx").exists()


def test_cancel_of_an_export_leaves_no_file(
    qtbot, page: ExchangePage, services: Services, monkeypatch, tmp_path: Path
) -> None:
    reached, go_on = pause_at_progress(monkeypatch, services.readings_export, "export")
    folder = tmp_path / "out"
    folder.mkdir()
    page.tabs.setCurrentIndex(1)
    monkeypatch.setattr(dialogs, "save_path", lambda *args: str(folder / "r.csv"))
    qtbot.mouseClick(page.exporter.export_button, LEFT)
    assert reached.wait(10)
    qtbot.mouseClick(page.exporter.export_cancel, LEFT)
    go_on.set()
    wait_idle(qtbot, page.ctx)
    assert page.exporter.export_messages.full_text == EXPORT_CANCELLED
    assert list(folder.iterdir()) == []


def test_the_gis_export_lists_the_meters_without_a_gis_number(
    qtbot, page: ExchangePage, database: Database, monkeypatch, tmp_path: Path
) -> None:
    with database.unit_of_work() as s:
        s.execute(update(Meter).where(Meter.title == "ХВС 3493018").values(gis_number="111-1"))
    target = tmp_path / "gis.xlsx"
    export_to(qtbot, page, monkeypatch, target, "gis")
    tab = page.exporter
    assert tab.export_messages.kind == "warning", tab.export_messages.full_text
    assert "Не выгружено приборов без номера в ГИС ЖКХ" in tab.export_messages.full_text
    assert target.exists()
    assert tab.skipped_table.isVisible()
    skipped = rows(tab, "skipped")
    assert skipped and all(len(row) == 3 for row in skipped)
    assert "ХВС 3493018" not in [row[1] for row in skipped]
    assert "Не выгружены" in tab.export_summary.text()


def test_no_file_chooser_opens_on_a_kiosk(qapp) -> None:
    dialogs.forbid_system_dialogs(True)
    try:
        assert dialogs.open_path(None, "Файл для загрузки", "CSV (*.csv)") == ""
    finally:
        dialogs.forbid_system_dialogs(False)
