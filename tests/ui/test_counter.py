"""«Лицевые счета»: a clerk finds an account by a fragment of the ФИО as they type, opens it
from the keyboard, serves it in a tab with the resident's own pages, and closes it leaving
nothing of it on screen; the recently served are one click away."""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import Qt

from tests.ui.conftest import wait_idle
from tests.ui.test_kiosk_idle import MESSAGE_BOX
from tests.ui.test_login import type_text
from tests.ui.test_office import staff_window
from ui.account_tab import AccountTab
from ui.pages.accounts import SEARCH_NAME, AccountsPage, count_text
from ui.pages.debt import DebtPage
from ui.pages.readings import ReadingsPage
from ui.pages.registry import Page


def accounts_page(qtbot, app_ctx, services) -> AccountsPage:
    window = staff_window(qtbot, app_ctx, services)
    page = window.page(Page.ACCOUNTS)
    assert isinstance(page, AccountsPage) and window.stack.currentWidget() is page
    window.activateWindow()  # shortcuts work in the active window
    qtbot.waitUntil(window.isActiveWindow)
    return page


def test_a_clerk_finds_an_account_by_a_fragment_of_the_fio_and_serves_it(
    qtbot, qtmodeltester, app_ctx, services
):
    page = accounts_page(qtbot, app_ctx, services)
    assert page.search.accessibleName() == SEARCH_NAME
    qtbot.waitUntil(lambda: page.window().focusWidget() is page.search)  # ready to type
    type_text(qtbot, page.search, "иван")
    wait_idle(qtbot, app_ctx)
    model = page.model
    assert [model.headerData(c, Qt.Orientation.Horizontal) for c in range(5)] == [
        "Лицевой счет", "ФИО", "Адрес", "Долг, ₽", "Последние\nпоказания",
    ]  # fmt: skip
    rows = [[model.index(r, c).data() for c in range(5)] for r in range(model.rowCount())]
    assert rows == [
        ["3492", "Иванов И.И.", "Московская обл., г. Королёв, ул. Садовая, д. 7, кв. 30",
         "-11,86", "16.06.2017"],
    ]  # fmt: skip
    assert page.count.text() == "Найдено: 1."
    qtmodeltester.check(model)

    qtbot.keyClick(page.search, Qt.Key.Key_Down)  # into the results, then Enter opens
    assert page.window().focusWidget() is page.table and page.table.currentIndex().row() == 0
    qtbot.keyClick(page.table, Qt.Key.Key_Return)
    wait_idle(qtbot, app_ctx)
    tab = page.account_tab()
    assert isinstance(tab, AccountTab) and page.tabs.tabText(1) == "3492 Иванов И.И."
    assert tab.header.text().startswith("Лицевой счет 3492 · Иванов И.И.\n")
    assert "площадь 61 м² · проживает: 3 · зарегистрирован в кабинете" in tab.header.text()
    debt = tab.pages.widget(0).findChild(DebtPage)
    assert debt is not None and debt.ctx.account.number == "3492"
    assert debt.ctx.actor.name == "operator"  # the clerk acts, the account is served
    readings = tab.page(Page.METERS)
    wait_idle(qtbot, app_ctx)
    assert isinstance(readings, ReadingsPage) and readings.periods.rowCount() > 0

    # Ctrl+W closes the account: nothing of it stays; the search has the focus again.
    qtbot.keyClick(page, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    assert page.tabs.count() == 1 and page.window().focusWidget() is page.search
    qtbot.waitUntil(lambda: not shiboken6.isValid(tab), timeout=5_000)
    # The recently served: one click away.
    [button] = [page.recent_buttons.itemAt(i).widget() for i in range(page.recent_buttons.count())]
    assert button.text() == "3492 Иванов И.И."
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, app_ctx)
    assert page.tabs.count() == 2 and page.account_tab().account.number == "3492"
    # Opening it again goes to its tab rather than a second one.
    page.focus_search()
    page.open_account(tab_id(page))
    wait_idle(qtbot, app_ctx)
    assert page.tabs.count() == 2


def tab_id(page: AccountsPage) -> int:
    tab = page.tabs.widget(1)
    assert isinstance(tab, AccountTab)
    return tab.account.id


def test_a_number_prefix_finds_many_and_says_how_many_are_not_shown(qtbot, app_ctx, services):
    page = accounts_page(qtbot, app_ctx, services)
    qtbot.keyClicks(page.search, "1")
    wait_idle(qtbot, app_ctx)
    shown = page.model.rowCount()
    assert shown > 0 and page.count.text().startswith(("Найдено", "Показаны первые"))
    type_text(qtbot, page.search, "ё-нет-такого")
    wait_idle(qtbot, app_ctx)
    assert page.model.rowCount() == 0 and page.count.text().startswith("Ничего не найдено")
    page.search.clear()
    wait_idle(qtbot, app_ctx)
    assert page.model.rowCount() == 0 and page.count.text() == ""


def test_the_count_says_what_is_shown():
    from desktop.account_search import SearchResult

    assert (
        count_text(SearchResult((), 0)) == "Ничего не найдено. Проверьте номер, фамилию или адрес."
    )
    rows = tuple(object() for _ in range(50))
    assert count_text(SearchResult(rows, 50)) == "Найдено: 50."  # type: ignore[arg-type]
    assert count_text(SearchResult(rows, 70)) == "Показаны первые 50 из 70: уточните запрос."  # type: ignore[arg-type]
    assert count_text(SearchResult(rows, 1000, more=True)) == (  # type: ignore[arg-type]
        "Показаны первые 50 из более 1000: уточните запрос."
    )


@MESSAGE_BOX  # a dialog fixing its size as it shows: the offscreen platform warns
def test_a_clerk_registers_the_resident_at_the_counter_and_the_password_is_a_slip(
    qtbot, app_ctx, services
):
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from desktop.actors import SYSTEM
    from ui.counter_actions import CounterDialog

    page = accounts_page(qtbot, app_ctx, services)
    qtbot.keyClicks(page.search, "5210")
    wait_idle(qtbot, app_ctx)
    page.open_row(0)
    wait_idle(qtbot, app_ctx)
    tab = page.account_tab()
    assert tab is not None and "в кабинете не зарегистрирован" in tab.header.text()
    assert tab.register_button.isVisibleTo(tab) and not tab.reset_button.isVisibleTo(tab)
    seen: list[str] = []

    def fill() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, CounterDialog)
        seen.append(dialog.fields["fio"].text())
        QTimer.singleShot(10_000, dialog.reject)  # never left open, whatever fails
        dialog.fields["phone"].setText("+7 916 000-52-10")
        dialog.fields["email"].setText("fedorova@example.com")
        dialog.send.click()  # the office has no mail server: a slip to print

    QTimer.singleShot(0, fill)
    tab._ask("register")
    wait_idle(qtbot, app_ctx)
    assert seen == [tab.account.fio]  # the ФИО as on the receipt, ready to check
    assert tab.messages.kind == "success"
    assert "на памятке" in tab.messages.text() and "Памятки для жителей" in tab.messages.text()
    [slip] = services.outbox.pending(SYSTEM, account_id=tab.account.id)
    assert slip.account_number == "5210"
    assert "зарегистрирован в кабинете" in tab.header.text()
    assert tab.reset_button.isVisibleTo(tab) and not tab.register_button.isVisibleTo(tab)


def test_enter_before_the_answer_opens_what_the_typed_text_finds_never_an_older_answer(
    qtbot, app_ctx, services, monkeypatch
):
    """A fast typist or a barcode scanner: the number, then Enter, before its search is back."""
    import threading

    page = accounts_page(qtbot, app_ctx, services)
    type_text(qtbot, page.search, "иван")
    wait_idle(qtbot, app_ctx)
    assert page.model.rowCount() == 1  # 3492 on screen
    inner = services.accounts._inner
    real, gate = inner.search, threading.Event()

    def slow(actor, text, *args, **kwargs):
        gate.wait(5)
        return real(actor, text, *args, **kwargs)

    monkeypatch.setattr(inner, "search", slow)
    page.search.clear()
    qtbot.keyClicks(page.search, "3493")
    qtbot.keyClick(page.search, Qt.Key.Key_Return)  # 3492's row is still on screen
    assert page.account_tab() is None
    gate.set()
    wait_idle(qtbot, app_ctx)
    wait_idle(qtbot, app_ctx)  # the search's answer, then the account's header
    assert page.account_tab() is not None and page.account_tab().account.number == "3493"
    # Nothing matches: Enter opens nothing.
    page.focus_search()
    page.search.clear()
    type_text(qtbot, page.search, "жжжж")
    qtbot.keyClick(page.search, Qt.Key.Key_Return)
    wait_idle(qtbot, app_ctx)
    assert page.tabs.count() == 2


def test_a_double_enter_opens_one_tab(qtbot, app_ctx, services):
    page = accounts_page(qtbot, app_ctx, services)
    qtbot.keyClicks(page.search, "3492")
    wait_idle(qtbot, app_ctx)
    page.open_row(0)
    page.open_row(0)  # before the first tab is made
    wait_idle(qtbot, app_ctx)
    assert [page.tabs.tabText(i) for i in range(page.tabs.count())] == [
        "Поиск",
        "3492 Иванов И.И.",
    ]
