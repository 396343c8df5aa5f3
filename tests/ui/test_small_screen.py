"""A 1024×768 screen (less a 40-pixel task bar): every window opens within it, and the
meters page shows its whole table, «Текущее значение» and «Разница» included."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QScreen

from desktop.demo import DEMO_PASSWORD
from tests.ui.conftest import wait_idle
from ui.context import PageContext
from ui.login import LoginWindow
from ui.main_window import MainWindow
from ui.pages.readings import ReadingsPage
from ui.sidebar import Page

FREE = QRect(0, 0, 1024, 728)  # 1024×768 less the task bar
TITLE_BAR = 30


@pytest.fixture
def small_screen(monkeypatch):
    monkeypatch.setattr(QScreen, "availableGeometry", lambda _screen: QRect(FREE))


def test_the_main_window_opens_within_the_screen_and_may_be_made_that_small(
    qtbot, small_screen, page_ctx
):
    window = MainWindow(page_ctx)  # nothing remembered: the first start
    qtbot.addWidget(window)
    assert window.width() <= FREE.width() and window.height() <= FREE.height()
    assert window.minimumWidth() <= FREE.width()
    assert window.minimumHeight() + TITLE_BAR <= FREE.height()


def test_the_meters_table_shows_every_column_at_1024_by_768(qtbot, small_screen, page_ctx, app_ctx):
    window = MainWindow(page_ctx)
    qtbot.addWidget(window)
    window.resize(FREE.width(), FREE.height() - TITLE_BAR)
    window.show()
    page = window.show_page(Page.METERS)
    wait_idle(qtbot, app_ctx)
    assert isinstance(page, ReadingsPage)
    view = page.readings_view
    header = view.horizontalHeader()
    titles = [view.model().headerData(c, header.orientation()) for c in range(header.count())]
    assert any("Текущее" in str(t) for t in titles) and any("Разница" in str(t) for t in titles)
    for column, title in enumerate(titles):
        if header.isSectionHidden(column):
            continue
        right = header.sectionViewportPosition(column) + header.sectionSize(column)
        assert header.sectionViewportPosition(column) >= 0, title
        assert right <= view.viewport().width(), f"«{title}» is cut off"


def test_the_login_window_opens_within_the_screen(qtbot, small_screen, app_ctx):
    login = LoginWindow(app_ctx)
    qtbot.addWidget(login)
    assert login.minimumWidth() <= FREE.width()
    assert login.minimumHeight() + TITLE_BAR <= FREE.height()


def test_the_office_phone_and_hours_are_in_view_at_1024_by_768(qtbot, small_screen, app_ctx):
    login = LoginWindow(app_ctx)
    qtbot.addWidget(login)
    login.resize(FREE.width(), FREE.height() - TITLE_BAR)
    login.show()
    qtbot.waitExposed(login)
    assert login.phone_label.text() == "Телефон офиса: 8 495 780 70 83"
    assert login.footer.text().startswith("Часы работы: ")
    for label in (login.phone_label, login.footer):
        assert label.isVisible()
        where = QRect(label.mapTo(login, QPoint(0, 0)), label.size())
        assert login.rect().contains(where), label.text()
    # The forms scroll above it; the sign-in's fields and button are in view too.
    for widget in (login.account, login.password, login.login_button):
        where = QRect(widget.mapTo(login.forms.viewport(), QPoint(0, 0)), widget.size())
        assert login.forms.viewport().rect().contains(where), widget.accessibleName()


def test_on_a_short_window_the_chart_folds_away_while_readings_are_typed(
    qtbot, small_screen, page_ctx, app_ctx
):
    window = MainWindow(page_ctx)
    qtbot.addWidget(window)
    window.resize(FREE.width(), FREE.height() - TITLE_BAR)
    window.show()
    page = window.show_page(Page.METERS)
    wait_idle(qtbot, app_ctx)
    assert isinstance(page, ReadingsPage) and page.consumption.isVisible()
    qtbot.mouseClick(page.add_button, Qt.MouseButton.LeftButton)  # November 2026 opens
    wait_idle(qtbot, app_ctx)
    assert page.readings.editing and not page.consumption.isVisible()
    qtbot.mouseClick(page.cancel_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, app_ctx)
    assert not page.readings.editing and page.consumption.isVisible()


@pytest.mark.parametrize("number", ["3492", "3517"])
def test_while_typing_at_1024_by_768_the_table_shows_every_meter_and_the_messages_one_line(
    qtbot, small_screen, app_ctx, services, number
):
    """With the window's notice, a verification reminder and a refusal above it, every row
    of the entry table (the refusal's note too) is in view, without scrolling."""
    ctx = PageContext.for_sign_in(app_ctx, services.auth.login(number, DEMO_PASSWORD))
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.resize(FREE.width(), FREE.height() - TITLE_BAR)
    window.show()
    page = window.show_page(Page.METERS)
    wait_idle(qtbot, app_ctx)
    assert isinstance(page, ReadingsPage)
    qtbot.mouseClick(page.add_button, Qt.MouseButton.LeftButton)  # November 2026 opens
    wait_idle(qtbot, app_ctx)
    model = page.readings
    first = model.first_editable_row()
    assert first is not None
    below = model.rows[0].previous - 1  # less than the previous value: refused beside its row
    assert model.setData(model.index(first, model.CURRENT), str(below))
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, app_ctx)
    assert page.messages.kind == "error" and page.readings.problem_rows()
    assert page.notice.isVisible()
    if number == "3492":  # its ГВС 59537062 ran out in 2023
        assert page.consumption.reminders.isVisible()

    line = page.messages.fontMetrics().lineSpacing()
    for bar in (page.notice, page.consumption.reminders, page.messages):
        if bar.isVisible():
            assert bar.height() < 3 * line, bar.full_text  # one line
            assert bar.toolTip() in ("", bar.full_text)
    assert "меньше предыдущего" in page.messages.toolTip()

    view = page.readings_view
    qtbot.waitUntil(lambda: view.verticalScrollBar().maximum() == 0)
    viewport = view.viewport().rect()
    for row in range(model.rowCount()):
        rect = view.visualRect(model.index(row, 0))
        assert viewport.contains(rect), f"row {row} ({model.index(row, 0).data()}) is cut off"
    save = page.save_button
    assert save.isVisible()
    assert window.rect().contains(QRect(save.mapTo(window, QPoint(0, 0)), save.size()))

    qtbot.mouseClick(page.cancel_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, app_ctx)
    assert page.periods_view.isVisible() and not page.messages.compact


def test_on_a_large_screen_the_login_window_opens_without_a_scroll_bar(qtbot, monkeypatch, app_ctx):
    """1920×1080: both forms and the office's phone below them, whole, at the first start."""
    from ui.app import Controller

    monkeypatch.setattr(QScreen, "availableGeometry", lambda _screen: QRect(0, 0, 1920, 1040))
    controller = Controller(app_ctx, None)
    login = controller.show_login()
    qtbot.addWidget(login)
    qtbot.waitExposed(login)
    bar = login.forms.verticalScrollBar()
    qtbot.wait(50)
    assert bar.maximum() == 0, "the forms scroll on a large screen"
    assert login.register_button.visibleRegion().boundingRect() == login.register_button.rect()
