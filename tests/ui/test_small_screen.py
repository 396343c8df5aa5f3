"""A 1024×768 screen (less a 40-pixel task bar): every window opens within it, and the
meters page shows its whole table, «Текущее значение» and «Разница» included."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QScreen

from tests.ui.conftest import wait_idle
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
