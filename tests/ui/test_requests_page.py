"""«Обращения»: a clerk sees the demo's waiting requests (№1, №3, №4; the two written without
signing in shown as such), takes one in work, answers request №1 — the resident sees the
answer on their support form — and closes one; the filters narrow the list."""

from __future__ import annotations

from PySide6.QtCore import Qt

from desktop.app import Services
from desktop.demo import DEMO_PASSWORD
from tests.ui.conftest import wait_idle
from tests.ui.test_login import type_text
from tests.ui.test_office import click_item, staff_window
from ui.context import AppContext
from ui.pages.registry import Page
from ui.pages.requests import FILTER_NAME, PLACES, SHOWN, RequestsPage, count_text

LEFT = Qt.MouseButton.LeftButton
OPERATOR = "Смирнова Т.В. (оператор, демо)"


def requests_page(qtbot, app_ctx: AppContext, services: Services, login: str = "operator"):
    window = staff_window(qtbot, app_ctx, services, login=login)
    click_item(qtbot, window, "Обращения")
    page = window.page(Page.REQUESTS)
    assert isinstance(page, RequestsPage) and window.stack.currentWidget() is page
    wait_idle(qtbot, app_ctx)
    return page


def rows(page: RequestsPage) -> list[list[str]]:
    model = page.model
    return [
        [model.index(r, c).data() for c in range(model.columnCount())]
        for r in range(model.rowCount())
    ]


def choose(qtbot, page: RequestsPage, request_id: int) -> None:
    row = page.model.row_of(request_id)
    rect = page.table.visualRect(page.model.index(row, 3))
    qtbot.mouseClick(page.table.viewport(), LEFT, pos=rect.center())
    assert page.current() is not None and page.current().id == request_id


def test_the_queue_answers_request_1_and_the_resident_sees_the_answer(
    qtbot, qtmodeltester, app_ctx: AppContext, services: Services
):
    page = requests_page(qtbot, app_ctx, services)
    assert page.filter.accessibleName() == FILTER_NAME
    assert page.place.currentText() == "Ожидают ответа"
    table = rows(page)
    assert [row[0] for row in table] == ["4", "3", "1"]
    assert [row[2] for row in table] == [
        "без лицевого счета",
        "без лицевого счета (со слов: 3517)",
        "3493",
    ]
    assert {row[4] for row in table} == {"Новое"} and {row[5] for row in table} == {"—"}
    qtmodeltester.check(page.model)

    choose(qtbot, page, 1)
    assert "Передача показаний" in page.thread.toPlainText()
    assert page.holder.text() == "Новое. Обращение никто не взял в работу."
    type_text(qtbot, page.answer, "Показания приняты, перерасчет будет в июле.")
    qtbot.mouseClick(page.answer_button, LEFT)
    wait_idle(qtbot, app_ctx)
    assert page.messages.kind == "success"
    assert page.messages.text().startswith("Ответ на обращение № 1 сохранен. Житель увидит")
    assert page.answer.toPlainText() == ""
    assert [row[0] for row in rows(page)] == ["4", "3"]  # answered: no longer waiting

    page.place.setCurrentIndex([label for label, *_ in PLACES].index("С ответом"))
    wait_idle(qtbot, app_ctx)
    assert [(row[0], row[4], row[5]) for row in rows(page)] == [
        ("1", "Есть ответ", OPERATOR),
        ("2", "Есть ответ", OPERATOR),
    ]
    qtmodeltester.check(page.model)

    resident = services.auth.login("3493", DEMO_PASSWORD).actor
    [mine] = services.support.list_for(resident)
    assert [a.body for a in mine.answers] == ["Показания приняты, перерасчет будет в июле."]


def test_take_in_work_and_close_keep_the_selection(qtbot, app_ctx: AppContext, services: Services):
    page = requests_page(qtbot, app_ctx, services)
    choose(qtbot, page, 3)
    qtbot.mouseClick(page.take_button, LEFT)
    wait_idle(qtbot, app_ctx)
    assert page.current() is not None and page.current().id == 3  # still chosen after reload
    assert rows(page)[page.model.row_of(3)][4:] == ["В работе", OPERATOR]
    assert page.holder.text() == "В работе. Обращение ведете вы."
    assert not page.take_button.isEnabled()

    # The administrator sees who has it.
    admin_page = requests_page(qtbot, app_ctx, services, login="admin")
    choose(qtbot, admin_page, 3)
    assert admin_page.holder.text() == f"В работе. Обращение ведет {OPERATOR}."
    assert admin_page.take_button.isEnabled()

    choose(qtbot, page, 4)
    qtbot.mouseClick(page.close_button, LEFT)
    wait_idle(qtbot, app_ctx)
    assert page.messages.text() == "Обращение № 4 закрыто."
    assert [row[0] for row in rows(page)] == ["3", "1"]
    page.place.setCurrentIndex([label for label, *_ in PLACES].index("Закрытые"))
    wait_idle(qtbot, app_ctx)
    assert [row[0] for row in rows(page)] == ["4"]
    choose(qtbot, page, 4)
    assert not page.answer_button.isEnabled() and not page.close_button.isEnabled()


def test_filters_from_the_keyboard(qtbot, app_ctx: AppContext, services: Services):
    page = requests_page(qtbot, app_ctx, services)
    page.window().activateWindow()
    qtbot.waitUntil(page.window().isActiveWindow)
    qtbot.keyClick(page, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert page.window().focusWidget() is page.filter
    type_text(qtbot, page.filter, "3517")
    qtbot.waitUntil(lambda: [row[0] for row in rows(page)] == ["3"])
    page.filter.clear()
    type_text(qtbot, page.filter, "ПЕТРОВА")  # the account's ФИО, any case
    qtbot.waitUntil(lambda: [row[0] for row in rows(page)] == ["1"])
    page.filter.clear()
    page.place.setCurrentIndex([label for label, *_ in PLACES].index("Все"))
    qtbot.waitUntil(lambda: [row[0] for row in rows(page)] == ["4", "3", "1", "2"])
    choose(qtbot, page, 4)
    qtbot.keyClick(page.table, Qt.Key.Key_F8)
    assert page.current() is not None and page.current().id == 3
    type_text(qtbot, page.filter, "нет такого")
    qtbot.waitUntil(lambda: page.model.rowCount() == 0)
    assert page.count.text() == "Обращений нет."
    assert page.thread.toPlainText() == "" and not page.answer_button.isEnabled()


def test_the_count_says_when_only_the_newest_are_listed():
    assert count_text(0) == "Обращений нет."
    assert count_text(SHOWN) == f"Обращений: {SHOWN}."
    assert count_text(SHOWN + 1).startswith(f"Показаны {SHOWN} самых новых")
