"""«Журнал действий» through the screen (SQLite and PostgreSQL): after a clerk enters a reading
for 3492 the log shows the clerk in «Кто» and 3492 in «Лицевой счет»; a clerk sees none of the
administrator's entries; the filters narrow; the export reads back with openpyxl; the
administrator checks the chain."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from openpyxl import load_workbook
from PySide6.QtCore import Qt
from sqlalchemy import select

from db.models import Account
from desktop.app import Services
from desktop.audit import AuditAction
from desktop.common.plural import plural
from tests.ui.conftest import wait_idle
from tests.ui.test_office import click_item, staff_window
from ui import dialogs
from ui.main_window import MainWindow
from ui.pages.audit_log import AuditLogPage
from ui.pages.registry import Page

JUNE = date(2017, 6, 1)
CLERK = "Оператор Смирнова Т.В. (оператор, демо) (operator)"
ADMIN = "Администратор Администратор (демо) (admin)"


def log_page(qtbot, app_ctx, window: MainWindow) -> AuditLogPage:
    click_item(qtbot, window, "Журнал действий")
    wait_idle(qtbot, app_ctx)
    page = window.page(Page.AUDIT_LOG)
    assert isinstance(page, AuditLogPage) and window.stack.currentWidget() is page
    return page


def cells(page: AuditLogPage) -> list[list[str]]:
    model = page.model
    return [[model.index(r, c).data() for c in range(6)] for r in range(model.rowCount())]


def enter_a_reading(services: Services, window: MainWindow) -> None:
    """The clerk's reading for 3492, through the services as the counter screen calls them."""
    actor = window.ctx.actor
    with services.db.read() as s:
        account = s.scalars(select(Account.id).where(Account.number == "3492")).one()
    row = services.readings.readings(actor, account, JUNE)[1]
    assert row.current is not None
    services.readings.submit(
        actor, account, JUNE, {(row.meter_id, row.zone): row.current + 1}, reason="по звонку"
    )


def test_the_clerk_and_the_account_in_their_own_columns(
    qtbot, qtmodeltester, app_ctx, services
) -> None:
    window = staff_window(qtbot, app_ctx, services)
    enter_a_reading(services, window)
    page = log_page(qtbot, app_ctx, window)
    model = page.model
    assert [model.headerData(c, Qt.Orientation.Horizontal) for c in range(6)] == [
        "Когда", "Кто", "Лицевой\nсчет", "Действие", "Итог", "Подробности",
    ]  # fmt: skip
    rows = cells(page)
    assert rows[0][1:5] == [CLERK, "3492", "Передача показаний", "успешно"]
    assert "месяц: июнь 2017" in rows[0][5]
    assert {row[1] for row in rows} == {CLERK}  # a clerk: their own entries only
    assert not page.verify_button.isVisible() and not page.status.isVisible()
    assert page.count.text() == f"Всего: {plural(len(rows), 'запись', 'записи', 'записей')}."
    assert not page.more_button.isVisible()
    page.table.selectRow(0)  # the chosen entry whole, under the table
    assert page.detail.text().startswith(f"№{page.model.entries[0].id}: Передача показаний")
    assert "лицевой счет 3492" in page.detail.text()
    qtmodeltester.check(model)
    window.close()


def test_a_clerk_does_not_see_the_administrators_entries(
    qtbot, app_ctx, services, tmp_path: Path, monkeypatch
) -> None:
    admin = staff_window(qtbot, app_ctx, services, login="admin")
    page = log_page(qtbot, app_ctx, admin)
    assert page.verify_button.isVisible()
    monkeypatch.setattr(dialogs, "save_path", lambda *args: str(tmp_path / "all"))
    qtbot.mouseClick(page.export_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, app_ctx)
    assert (tmp_path / "all.xlsx").exists()
    assert cells(page)[0][1:4] == [ADMIN, "—", "Выгрузка журнала действий"]

    clerk = staff_window(qtbot, app_ctx, services)
    page = log_page(qtbot, app_ctx, clerk)
    assert ADMIN not in {row[1] for row in cells(page)}
    assert [page.staff.itemText(i) for i in range(page.staff.count())] == [
        "Все сотрудники",
        "Смирнова Т.В. (оператор, демо) (operator)",
    ]
    clerk.close()
    admin.close()


def test_filters_narrow_the_log_and_a_wrong_account_is_said_in_russian(
    qtbot, qtmodeltester, app_ctx, services
) -> None:
    window = staff_window(qtbot, app_ctx, services, login="admin")
    enter_a_reading(services, window)  # the administrator enters one too
    page = log_page(qtbot, app_ctx, window)
    everything = cells(page)
    assert {row[1] for row in everything} >= {ADMIN, "Система"}

    page.action.setCurrentIndex(page.action.findData(AuditAction.DEMO_BUILD))
    wait_idle(qtbot, app_ctx)
    assert [row[1:4] for row in cells(page)] == [["Система", "—", "Создание демонстрационной базы"]]
    page.action.setCurrentIndex(0)

    qtbot.keyClicks(page.account, "3492")
    qtbot.keyClick(page.account, Qt.Key.Key_Return)
    wait_idle(qtbot, app_ctx)
    assert cells(page) and {row[2] for row in cells(page)} == {"3492"}
    qtmodeltester.check(page.model)

    page.account.setText("99999")
    qtbot.keyClick(page.account, Qt.Key.Key_Return)
    wait_idle(qtbot, app_ctx)
    assert page.messages.kind == "error"
    assert "Лицевого счета «99999» нет" in page.messages.full_text
    page.account.clear()

    page.staff.setCurrentIndex(page.staff.findData("operator"))
    wait_idle(qtbot, app_ctx)
    assert cells(page) == [] and page.count.text() == "Записей нет: измените отбор."
    assert not page.messages.isVisible()  # the refusal went with its cause
    window.close()


def test_the_export_reads_back_and_the_chain_is_checked(
    qtbot, app_ctx, services, tmp_path: Path, monkeypatch
) -> None:
    window = staff_window(qtbot, app_ctx, services, login="admin")
    enter_a_reading(services, window)
    page = log_page(qtbot, app_ctx, window)
    page.account.setText("3492")
    qtbot.keyClick(page.account, Qt.Key.Key_Return)
    wait_idle(qtbot, app_ctx)
    suggested = []

    def save_path(parent, title, name, filters):
        suggested.append(name)
        return str(tmp_path / "журнал.xlsx")

    monkeypatch.setattr(dialogs, "save_path", save_path)
    qtbot.mouseClick(page.export_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, app_ctx)
    assert suggested == ["Журнал действий 20.11.2026.xlsx"]
    assert page.messages.kind == "success"
    sheet = load_workbook(tmp_path / "журнал.xlsx").active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("Когда", "Кто", "Лицевой счет", "Действие", "Итог", "Подробности")
    assert [row[1:5] for row in rows[1:]] == [(ADMIN, "3492", "Передача показаний", "успешно")]

    qtbot.mouseClick(page.verify_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, app_ctx)
    assert page.status.text().startswith("Журнал цел: проверено ")
    window.close()


def test_older_entries_come_a_page_at_a_time(qtbot, qtmodeltester, app_ctx, services) -> None:
    window = staff_window(qtbot, app_ctx, services, login="admin")
    for _ in range(4):
        enter_a_reading(services, window)
    page = log_page(qtbot, app_ctx, window)
    everything = [row[0:4] for row in cells(page)]
    page.page_size = 2
    page.reload()
    wait_idle(qtbot, app_ctx)
    assert page.model.rowCount() == 2 and page.more_button.isVisible()
    assert page.count.text().startswith("Показаны последние 2 записи; есть и более ранние")
    page.table.selectRow(1)
    qtbot.mouseClick(page.more_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, app_ctx)
    assert [row[0:4] for row in cells(page)] == everything[:4]
    assert page.table.currentIndex().row() == 1  # the chosen entry stays chosen
    qtmodeltester.check(page.model)
    window.close()
