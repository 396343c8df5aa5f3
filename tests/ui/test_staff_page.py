"""The administrator's «Сотрудники» and «Резервная копия» pages, driven as a person would;
a clerk sees neither."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from desktop.app import Services
from desktop.auth import LoginError
from desktop.demo import DEMO_STAFF
from tests.ui.conftest import wait_idle
from tests.ui.test_login import type_text
from tests.ui.test_office import click_item, staff_window
from ui import dialogs
from ui.context import AppContext
from ui.pages.backup import BackupPage
from ui.pages.registry import Page
from ui.pages.staff import StaffPage

LEFT = Qt.MouseButton.LeftButton


@pytest.fixture
def slips(monkeypatch) -> list[tuple[str, str, str]]:
    """The temporary passwords the page showed (the dialog is modal: recorded instead)."""
    shown: list[tuple[str, str, str]] = []
    monkeypatch.setattr(
        "ui.pages.staff.show_password", lambda _parent, *slip: shown.append(tuple(slip))
    )
    return shown


def _staff_page(qtbot, app_ctx: AppContext, services: Services) -> StaffPage:
    window = staff_window(qtbot, app_ctx, services, login="admin")
    click_item(qtbot, window, "Сотрудники")
    page = window.page(Page.STAFF)
    assert isinstance(page, StaffPage) and window.stack.currentWidget() is page
    wait_idle(qtbot, app_ctx)
    return page


def _select(qtbot, page: StaffPage, login: str) -> None:
    row = next(i for i, s in enumerate(page.model.staff) if s.login == login)
    rect = page.table.visualRect(page.model.index(row, 0))
    qtbot.mouseClick(page.table.viewport(), LEFT, pos=rect.center())
    assert page.selected() is not None and page.selected().login == login


def _rows(page: StaffPage) -> list[tuple[str, ...]]:
    model = page.model
    return [tuple(model.text(r, c) for c in range(5)) for r in range(model.rowCount())]


def test_a_clerk_sees_neither_administration_page(qtbot, app_ctx, services) -> None:
    window = staff_window(qtbot, app_ctx, services)  # the operator
    titles = [window.sidebar.item(i).text() for i in range(window.sidebar.count())]
    assert "Сотрудники" not in titles and "Резервная копия" not in titles
    window.close()


def test_the_administrator_adds_a_clerk_with_a_temporary_password_shown_once(
    qtbot, app_ctx, services, slips, qtmodeltester
) -> None:
    page = _staff_page(qtbot, app_ctx, services)
    assert [r[0] for r in _rows(page)] == ["admin", "operator"]
    assert [r[2:] for r in _rows(page)] == [("Администратор", "да", ""), ("Оператор", "да", "")]
    qtmodeltester.check(page.model)
    type_text(qtbot, page.login, "petrova")
    type_text(qtbot, page.full_name, "Петрова Е.В.")
    qtbot.mouseClick(page.add, LEFT)
    wait_idle(qtbot, app_ctx)
    [(name, login, password)] = slips
    assert (name, login) == ("Петрова Е.В.", "petrova") and len(password) >= 8
    assert ("petrova", "Петрова Е.В.", "Оператор", "да", "да") in _rows(page)
    assert page.selected() is not None and page.selected().login == "petrova"
    assert page.login.text() == "" and page.messages.kind == "success"
    signed = services.auth.staff_login("petrova", password)
    assert signed.must_change_password  # the administrator's choice is never permanent
    # A login that is taken: a Russian message, the form kept, nobody added.
    type_text(qtbot, page.login, "petrova")
    type_text(qtbot, page.full_name, "Другая А.А.\n")
    wait_idle(qtbot, app_ctx)
    assert "уже есть" in page.messages.full_text and page.login.text() == "petrova"
    assert len(slips) == 1 and len(_rows(page)) == len(services.auth.list_staff())
    page.window().close()


def test_the_administrator_disables_enables_and_resets_a_clerk_after_confirming(
    qtbot, app_ctx, services, slips, monkeypatch
) -> None:
    answers: list[bool] = []
    asked: list[str] = []

    def confirm(_parent, text: str, **_kw) -> bool:
        asked.append(text)
        return answers.pop(0)

    monkeypatch.setattr(dialogs, "confirm", confirm)
    page = _staff_page(qtbot, app_ctx, services)
    assert not page.disable.isEnabled() and not page.reset.isEnabled()
    _select(qtbot, page, "operator")
    assert page.disable.isEnabled() and not page.enable.isEnabled()
    answers.append(False)  # «Отмена»: nothing changes
    qtbot.mouseClick(page.disable, LEFT)
    wait_idle(qtbot, app_ctx)
    assert "сеансы" in asked[-1] and all(s.active for s in services.auth.list_staff())
    answers.append(True)
    qtbot.mouseClick(page.disable, LEFT)
    wait_idle(qtbot, app_ctx)
    (operator,) = [s for s in services.auth.list_staff() if s.login == "operator"]
    assert not operator.active and page.enable.isEnabled() and not page.disable.isEnabled()
    assert [r[3] for r in _rows(page) if r[0] == "operator"] == ["нет"]
    answers.append(True)
    qtbot.mouseClick(page.enable, LEFT)
    wait_idle(qtbot, app_ctx)
    assert all(s.active for s in services.auth.list_staff())
    answers.append(True)
    qtbot.mouseClick(page.reset, LEFT)
    wait_idle(qtbot, app_ctx)
    [(_name, login, password)] = slips
    assert login == "operator" and page.messages.kind == "success"
    with pytest.raises(LoginError):
        services.auth.staff_login("operator", DEMO_STAFF["operator"])
    assert services.auth.staff_login("operator", password).must_change_password
    # Their own account: refused in Russian.
    _select(qtbot, page, "admin")
    answers.append(True)
    qtbot.mouseClick(page.disable, LEFT)
    wait_idle(qtbot, app_ctx)
    assert "Свою учетную запись" in page.messages.full_text
    page.window().close()


def test_the_administrator_makes_a_backup_into_a_chosen_folder(
    qtbot, app_ctx, services, monkeypatch, tmp_path: Path
) -> None:
    window = staff_window(qtbot, app_ctx, services, login="admin")
    click_item(qtbot, window, "Резервная копия")
    page = window.page(Page.BACKUP)
    assert isinstance(page, BackupPage)
    wait_idle(qtbot, app_ctx)
    if not services.db.is_sqlite:
        assert "pg_dump" in page.explanation.text() and not page.create.isVisible()
        window.close()
        return
    monkeypatch.setattr(dialogs, "choose_folder", lambda *_: str(tmp_path))
    qtbot.mouseClick(page.choose, LEFT)
    assert str(tmp_path) in page.folder_label.text()
    qtbot.mouseClick(page.create, LEFT)
    wait_idle(qtbot, app_ctx)
    (copy,) = tmp_path.glob("cabinet-*.db")
    assert page.messages.kind == "success" and copy.name in page.messages.full_text
    assert page.progress.value() == 100
    # Restored from that copy after confirming.
    monkeypatch.setattr(dialogs, "open_path", lambda *_: str(copy))
    monkeypatch.setattr(dialogs, "confirm", lambda *_a, **_k: True)
    qtbot.mouseClick(page.restore, LEFT)
    wait_idle(qtbot, app_ctx)
    assert "База восстановлена" in page.messages.full_text
    window.close()
