"""The keyboard alone: the sidebar reached with Tab and moved with the arrows, a shortcut for
each page shown in its tooltip."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from tests.ui.conftest import wait_idle
from ui.context import PageContext
from ui.main_window import MainWindow
from ui.pages.registry import Page
from ui.sidebar import LOGOUT


def open_window(qtbot, ctx: PageContext) -> MainWindow:
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.resize(1024, 700)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    wait_idle(qtbot, ctx.app)
    return window


def test_tab_reaches_the_sidebar_and_the_arrows_move_through_the_pages(qtbot, page_ctx):
    window = open_window(qtbot, page_ctx)
    sidebar = window.sidebar
    assert window.stack.currentWidget() is window.page(Page.METERS)
    reached = False
    for _ in range(30):  # around the window's tab chain, from the page's first field
        qtbot.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_Tab)
        if QApplication.focusWidget() is sidebar:
            reached = True
            break
    assert reached, "Tab never reached the sidebar"
    assert sidebar.currentItem().text() == "Приборы учета"
    qtbot.keyClick(sidebar, Qt.Key.Key_Down)
    wait_idle(qtbot, page_ctx.app)
    assert window.stack.currentWidget() is window.page(Page.RECEIPTS)
    qtbot.keyClick(sidebar, Qt.Key.Key_Up)
    qtbot.keyClick(sidebar, Qt.Key.Key_Up)
    wait_idle(qtbot, page_ctx.app)
    assert window.stack.currentWidget() is window.page(Page.DEBT)


def test_each_page_has_a_shortcut_shown_in_its_tooltip(qtbot, page_ctx):
    window = open_window(qtbot, page_ctx)
    sidebar = window.sidebar
    titles = [sidebar.item(row).text() for row in range(sidebar.count())]
    assert titles[-1] == LOGOUT
    tips = [sidebar.item(row).toolTip() for row in range(sidebar.count() - 1)]
    assert tips == [f"{title} (Ctrl+{n})" for n, title in enumerate(titles[:-1], start=1)]

    page = window.page(Page.METERS)
    page.periods_view.setFocus()
    qtbot.keyClick(page.periods_view, Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier)
    wait_idle(qtbot, page_ctx.app)
    assert window.stack.currentWidget() is window.page(Page.STATEMENT)
    assert sidebar.currentItem().text() == "Ведомость"
    qtbot.keyClick(window.stack.currentWidget(), Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    wait_idle(qtbot, page_ctx.app)
    assert window.stack.currentWidget() is window.page(Page.DEBT)


def test_the_sidebar_shows_where_the_focus_is(qtbot, page_ctx):
    """The current page's item looks different with the keyboard's focus on it: a ring."""
    window = open_window(qtbot, page_ctx)
    sidebar = window.sidebar
    window.page(Page.METERS).periods_view.setFocus()
    qtbot.waitUntil(lambda: not sidebar.hasFocus())
    unfocused = sidebar.grab().toImage()
    sidebar.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(sidebar.hasFocus)
    focused = sidebar.grab().toImage()
    assert focused != unfocused
