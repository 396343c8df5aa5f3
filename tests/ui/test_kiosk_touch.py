"""Touch-first sizes in kiosk mode: text at least 20 px and targets at least 12 mm at the
screen's real density, on every kiosk screen and resident page; lists and tables scroll by
dragging, with scroll bars a finger can catch. The office keeps its desktop look."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QFontInfo
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractScrollArea,
    QApplication,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QScroller,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from desktop.app import Services
from tests.ui.conftest import wait_idle
from tests.ui.kiosk_helpers import FakeTime, kiosk_running, sign_in
from ui.kiosk import touch
from ui.kiosk.controller import KioskController
from ui.kiosk.touch import MIN_BODY_PX, TouchSizes
from ui.pages.registry import KIOSK, RESIDENT, pages_for


@pytest.fixture
def sizes(qapp) -> Iterator[TouchSizes]:
    applied = touch.apply(qapp)
    yield applied
    touch.remove(qapp)


@pytest.fixture
def kiosk(qtbot, services: Services, tmp_path, sizes) -> Iterator[KioskController]:
    with kiosk_running(qtbot, services, tmp_path, FakeTime()) as controller:
        yield controller


@given(st.floats(min_value=50, max_value=400))
def test_a_target_is_12_mm_and_text_at_least_20_px_at_any_real_density(dpi: float) -> None:
    sizes = TouchSizes.for_dpi(dpi)
    assert sizes.target / dpi * 25.4 >= 12.0
    assert sizes.target / dpi * 25.4 < 12.0 + 25.4 / dpi  # no more than a pixel over
    assert sizes.body >= MIN_BODY_PX
    assert sizes.scroll_bar >= 28


@pytest.mark.parametrize("nonsense", [0.0, -1.0, 3.0, 10_000.0, float("nan")])
def test_a_screen_reporting_nonsense_is_taken_at_its_logical_density(nonsense: float) -> None:
    assert TouchSizes.for_dpi(nonsense, 96.0).target == TouchSizes.for_dpi(96.0).target == 46


def screen_of(qtbot, kiosk: KioskController, width: int, height: int) -> None:
    """The kiosk's window as a touch screen of this size shows it (offscreen's is 800×800)."""
    kiosk.shell.setWindowState(Qt.WindowState.WindowNoState)
    kiosk.shell.resize(width, height)
    qtbot.wait(50)


def too_small(root: QWidget, sizes: TouchSizes) -> list[str]:
    """Every visible control under ``root`` smaller than a finger, or text under 20 px."""
    problems = []
    for widget in root.findChildren(QWidget):
        if not widget.isVisible():
            continue
        name = f"{type(widget).__name__} «{getattr(widget, 'text', lambda: '')()}»"
        if isinstance(widget, QLabel | QLineEdit | QPushButton) and (
            QFontInfo(widget.font()).pixelSize() < MIN_BODY_PX
        ):
            problems.append(f"{name}: text {QFontInfo(widget.font()).pixelSize()} px")
        if isinstance(widget, QPushButton | QLineEdit) and widget.height() < sizes.target:
            problems.append(f"{name}: {widget.height()} px high")
        if isinstance(widget, QAbstractScrollArea) and not isinstance(widget, QHeaderView):
            if not QScroller.hasScroller(widget.viewport()):  # made by grabGesture
                problems.append(f"{name}: no drag-to-scroll")
            bar = widget.verticalScrollBar()
            if bar.isVisible() and bar.width() < sizes.scroll_bar:
                problems.append(f"{name}: scroll bar {bar.width()} px")
    return problems


def test_the_welcome_and_login_screens_are_sized_for_a_finger(qtbot, kiosk, sizes) -> None:
    shell = kiosk.shell
    screen_of(qtbot, kiosk, 1280, 1024)
    assert too_small(shell, sizes) == []
    welcome = shell.welcome
    assert welcome.login_button.height() >= 1.5 * sizes.target
    kiosk.open_login(register=False)
    qtbot.wait(50)
    assert too_small(shell, sizes) == []


def test_every_resident_page_is_sized_for_a_finger(qtbot, kiosk, sizes) -> None:
    screen_of(qtbot, kiosk, 1920, 1080)
    sign_in(qtbot, kiosk)
    main = kiosk.main
    assert main is not None
    sidebar = main.sidebar
    for row in range(sidebar.count()):
        height = sidebar.visualItemRect(sidebar.item(row)).height()
        assert height >= sizes.target, (sidebar.item(row).text(), height)
        assert sidebar.fontMetrics().horizontalAdvance(sidebar.item(row).text()) < (
            sidebar.viewport().width()
        )  # no title cut short: the panel widened to the larger text
    for spec in pages_for(KIOSK, RESIDENT):
        page = main.show_page(spec.page)
        wait_idle(qtbot, kiosk.ctx)
        qtbot.wait(20)
        problems = too_small(page, sizes)
        assert problems == [], "; ".join(problems)


def test_the_office_keeps_its_desktop_look(qapp, sizes) -> None:
    touch.remove(qapp)
    label = QLabel("Телефон офиса")
    assert QFontInfo(label.font()).pixelSize() < MIN_BODY_PX
    assert not qapp.findChildren(touch.Kinetic)
    touch.apply(qapp)  # for the fixture to take off again
    assert QApplication.font().pixelSize() == sizes.body


def swipe(
    qtbot, view: QAbstractItemView, start: QPoint, end: QPoint, steps: int = 12, pause: int = 30
) -> None:
    """A finger put down at ``start``, slid to ``end`` and lifted (the real display's events:
    the press, the moves with the button held, the release), ``pause`` ms between moves."""
    viewport = view.viewport()
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=start)
    for step in range(1, steps + 1):
        qtbot.wait(pause)
        QTest.mouseMove(viewport, start + (end - start) * step / steps)
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=end)
    qtbot.wait(50)


def test_a_swipe_on_a_list_with_nothing_to_scroll_picks_no_row_it_slides_over(qtbot, sizes) -> None:
    """Tried on a real display: a list or table whose rows all fit (a short receipts list,
    the sidebar, the periods once they fit) has nothing to drag, and the rows followed the
    finger as on a desktop — the row it was lifted on got chosen (another period shown,
    another page opened). A finger sliding is not a choice: the row it went down on stays
    the only one touched."""
    view = QTableWidget(4, 1)
    for row in range(4):
        view.setItem(row, 0, QTableWidgetItem(f"Квитанция {row + 1}"))
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.resize(360, 6 * sizes.target + 40)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitExposed(view)
    assert QScroller.hasScroller(view.viewport())  # the kiosk's drag-to-scroll is on
    assert view.verticalScrollBar().maximum() == 0  # and there is nothing to scroll
    first, last = (view.visualItemRect(view.item(row, 0)).center() for row in (0, 3))
    # Lifted before the scroller hands the press on and after; from a row not chosen yet and
    # from the row already chosen (which a desktop view chooses again only on release).
    for chosen, pause in ((1, 10), (1, 40), (0, 10), (0, 40)):
        view.setCurrentCell(chosen, 0)
        swipe(qtbot, view, first, last, pause=pause)
        assert view.currentRow() == 0, f"the row the finger was lifted on got chosen ({pause})"
    view.close()


def test_a_swipe_on_a_long_list_still_scrolls_it(qtbot, sizes) -> None:
    """The rows kept from a sliding finger are only the view's: dragging the content still
    scrolls it."""
    view = QTableWidget(40, 1)
    for row in range(40):
        view.setItem(row, 0, QTableWidgetItem(f"Период {row + 1}"))
    view.resize(360, 6 * sizes.target)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitExposed(view)
    bar = view.verticalScrollBar()
    assert bar.maximum() > 0 and bar.value() == 0
    bottom = view.viewport().rect().bottom() - 10
    swipe(qtbot, view, QPoint(100, bottom), QPoint(100, 10), steps=12)
    qtbot.waitUntil(lambda: bar.value() > sizes.target, timeout=3000)
    view.close()
