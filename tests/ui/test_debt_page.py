"""«Моя задолженность»: no debt with the overpayment for 3492, arrears with penalty for 4105."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt

from desktop.demo import DEMO_PASSWORD
from desktop.formatting import money, ru_date
from desktop.months import month_name, months_between
from tests.ui.conftest import wait_idle
from ui.context import PageContext
from ui.main_window import MainWindow
from ui.pages.debt import NO_DEBT, DebtPage
from ui.sidebar import PAGES, Page

TODAY_MONTH = date(2026, 11, 1)  # the ui_clock's month


def open_debt_page(qtbot, ctx: PageContext, app_ctx) -> tuple[MainWindow, DebtPage]:
    window = MainWindow(ctx, pages=tuple(s for s in PAGES if s.page == Page.DEBT))
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    page = window.show_page(Page.DEBT)
    wait_idle(qtbot, app_ctx)
    assert isinstance(page, DebtPage)
    return window, page


@pytest.fixture
def arrears_ctx(app_ctx, services) -> PageContext:
    """Logged in as 4105, the demo account that stopped paying months ago."""
    return PageContext.for_sign_in(app_ctx, services.auth.login("4105", DEMO_PASSWORD))


def test_no_debt_shows_the_overpayment(qtbot, page_ctx, app_ctx):
    window, page = open_debt_page(qtbot, page_ctx, app_ctx)
    assert page.states.currentWidget() is page.no_debt_view
    assert page.no_debt_title.isVisible() and page.no_debt_title.text() == NO_DEBT
    assert page.no_debt_balance.text().startswith("Переплата 11,86 ₽")
    assert not page.arrears_view.isVisible()
    assert page.arrears.rowCount() == 0


def test_the_hint_explains_what_counts_as_debt(qtbot, page_ctx, app_ctx):
    window, page = open_debt_page(qtbot, page_ctx, app_ctx)
    hint = page.hint.text()
    assert page.hint.isVisible()
    assert "не оплаченные более 3 месяцев" in hint
    assert "ч. 14 ст. 155 Жилищного кодекса РФ" in hint
    assert "Расчет на 20.11.2026" in hint


def test_arrears_are_listed_by_month_and_service_with_the_penalty(
    qtbot, qtmodeltester, arrears_ctx, app_ctx, services
):
    window, page = open_debt_page(qtbot, arrears_ctx, app_ctx)
    debt = services.statements.debt(arrears_ctx.actor, arrears_ctx.served.id)
    assert debt.has_debt and debt.penalty > 0

    assert page.states.currentWidget() is page.debt_view
    assert page.arrears_view.isVisible() and page.by_service_view.isVisible()
    # One story: the amount to pay is the receipt's, to the kopeck; of it the old debt and
    # the receipt's penalty; the penalty accrued since is apart, and named as such.
    receipt = services.documents.receipt(arrears_ctx.actor, arrears_ctx.served.id, TODAY_MONTH)
    assert debt.statement_month == TODAY_MONTH
    assert page.to_pay_caption.text() == "К оплате за ноябрь 2026"
    assert page.to_pay_value.text() == f"{money(receipt.to_pay)} ₽" == f"{money(debt.balance)} ₽"
    penalty_line = next(line for line in receipt.services if line.name == "Пеня")
    assert penalty_line.closing == debt.penalty_charged > 0
    assert page.penalty_value.text() == f"{money(debt.penalty_charged)} ₽"
    assert page.total_caption.text() == "в т. ч. долг старше 3 месяцев"
    assert page.total_value.text() == f"{money(debt.total)} ₽"
    assert debt.total + debt.penalty_charged <= debt.balance
    assert page.accrued_caption.text() == "Пеня с 01.11.2026" and page.accrued_value.isVisible()
    assert page.accrued_value.text() == f"{money(debt.penalty_accrued)} ₽"
    assert debt.penalty == debt.penalty_charged + debt.penalty_accrued
    assert debt.penalty_accrued > 0
    assert page.penalty_note.text() == (
        f"Пеня в квитанции — {money(debt.penalty_charged)} ₽: начислена по ведомости и ещё не "
        f"оплачена. С 01.11.2026 по 20.11.2026 на все неоплаченные начисления набежало ещё "
        f"{money(debt.penalty_accrued)} ₽: эта пеня войдёт в следующую квитанцию, в таблицах "
        "она показана по каждому долгу."
    )
    assert page.balance_note.text().endswith(
        f"Чтобы погасить всё на 20.11.2026 вместе с новой пеней, нужно "
        f"{money(debt.balance + debt.penalty_accrued)} ₽."
    )
    # No figure of the card is a sum the receipt does not know («долг + пеня» was one).
    figures = {page.to_pay_value.text(), page.total_value.text(), page.penalty_value.text()}
    assert f"{money(debt.total + debt.penalty)} ₽" not in figures
    assert all(i.service != "Пеня" for i in debt.items)  # not a debt and a penalty at once

    model = page.arrears
    headers = [
        model.headerData(c, Qt.Orientation.Horizontal, Qt.ItemDataRole.AccessibleTextRole)
        for c in range(model.columnCount())
    ]
    assert headers == ["Месяц", "Услуга", "Сумма", "Срок оплаты", "Дней просрочки", "Пеня"]
    assert model.rowCount() == len(debt.items)
    shown = [
        tuple(model.index(r, c).data() for c in range(model.columnCount()))
        for r in range(model.rowCount())
    ]
    assert shown == [
        (
            month_name(i.month),
            i.service,
            money(i.amount),
            ru_date(i.due),
            str(i.days_overdue),
            money(i.penalty, blank_zero=True),
        )
        for i in debt.items
    ]
    # Only months more than three before November 2026, oldest first.
    assert all(months_between(i.month, TODAY_MONTH) > 3 for i in debt.items)
    assert shown[0][0] == "Март 2026"
    assert any(row[5] for row in shown)
    assert model.index(0, 2).data(Qt.ItemDataRole.TextAlignmentRole) & Qt.AlignmentFlag.AlignRight

    summary = page.by_service
    by_service = {
        summary.index(r, 0).data(): summary.index(r, 1).data() for r in range(summary.rowCount())
    }
    assert by_service == {name: money(amount) for name, amount in debt.by_service().items()}
    amounts = [
        Decimal(summary.index(r, 1).data().replace(" ", "").replace(",", "."))
        for r in range(summary.rowCount())
    ]
    assert sum(amounts) == debt.total
    qtmodeltester.check(model)
    qtmodeltester.check(summary)


def test_the_tables_go_one_above_the_other_on_a_narrow_screen(qtbot, arrears_ctx, app_ctx):
    window, page = open_debt_page(qtbot, arrears_ctx, app_ctx)
    assert page.splitter.orientation() == Qt.Orientation.Horizontal
    window.resize(1024, 768)
    qtbot.waitUntil(lambda: page.splitter.orientation() == Qt.Orientation.Vertical)
    window.resize(1600, 900)
    qtbot.waitUntil(lambda: page.splitter.orientation() == Qt.Orientation.Horizontal)


def test_tables_have_accessible_names_and_labelled_sections(qtbot, arrears_ctx, app_ctx):
    window, page = open_debt_page(qtbot, arrears_ctx, app_ctx)
    assert page.arrears_view.accessibleName() == "Задолженность по месяцам и услугам"
    assert page.by_service_view.accessibleName() == "Задолженность по услугам"


def test_at_1024_by_768_the_tables_show_all_their_rows_and_the_page_scrolls(
    qtbot, arrears_ctx, app_ctx
):
    """One above the other on a narrow window, each table is as tall as its rows: nothing
    scrolls inside them, the page scrolls as one (4105 has arrears in many months)."""
    window, page = open_debt_page(qtbot, arrears_ctx, app_ctx)
    window.resize(1024, 698)  # a 1024×768 screen less the task bar and title
    qtbot.waitUntil(lambda: page.splitter.orientation() == Qt.Orientation.Vertical)
    for view in (page.arrears_view, page.by_service_view):
        model = view.model()
        assert model.rowCount() > 5
        qtbot.waitUntil(lambda view=view: view.verticalScrollBar().maximum() == 0)
        last = view.visualRect(model.index(model.rowCount() - 1, 0))
        assert view.viewport().rect().contains(last), view.accessibleName()
    bar = page.scroll.verticalScrollBar()
    table = page.by_service_view

    def last_table_reached() -> bool:
        bar.setValue(bar.maximum())
        bottom = table.mapTo(page.scroll.viewport(), table.rect().bottomLeft()).y()
        return bottom <= page.scroll.viewport().height()

    # The page is taller than the window (the payments below too), and the last table's end
    # can be reached once the layout has settled.
    qtbot.waitUntil(lambda: bar.maximum() > 0)
    qtbot.waitUntil(last_table_reached)

    window.resize(1280, 800)  # side by side again, each scrolling within the page
    qtbot.waitUntil(lambda: page.splitter.orientation() == Qt.Orientation.Horizontal)
    qtbot.waitUntil(lambda: page.scroll.verticalScrollBar().maximum() == 0)
    assert page.arrears_view.verticalScrollBar().maximum() > 0
