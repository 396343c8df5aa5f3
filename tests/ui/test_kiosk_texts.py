"""On a kiosk no text names a keyboard, a mouse or a file: every hint, tooltip, placeholder
and message that reaches the kiosk's screens — the login, each resident page, a value being
typed, the receipt's preview — speaks of touches and the on-screen keypad, and names no
button the kiosk does not show («Сохранить» a file)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)

from desktop.app import Services
from tests.ui.conftest import wait_idle
from tests.ui.kiosk_helpers import FakeTime, kiosk_running, sign_in
from ui.kiosk.controller import KioskController
from ui.pages.readings import ReadingsPage
from ui.pages.receipts import ReceiptsPage
from ui.pages.registry import KIOSK, RESIDENT, pages_for

# Keys, mouse gestures and files: what a resident at a touch screen cannot act on.
DESKTOP = re.compile(
    r"Ctrl|Alt\+|Shift|\bF\d{1,2}\b|\bEsc\b|Enter|\bTab\b|клавиш|дважды|щёлкн|щелкн|мыш|"
    r"наведите|файл|Экспорт",
    re.IGNORECASE,
)


@pytest.fixture
def kiosk(qtbot, services: Services, tmp_path) -> Iterator[KioskController]:
    with kiosk_running(qtbot, services, tmp_path, FakeTime()) as controller:
        yield controller


def _count(method) -> int:
    try:
        return method(QModelIndex())
    except TypeError:  # a list model's columnCount takes no parent from Python
        return 1


def texts_of(root: QWidget) -> list[str]:
    """What ``root`` shows or would show: texts, tooltips, placeholders, descriptions, and
    its tables' cell and header tooltips."""
    texts: list[str] = []
    for widget in [root, *root.findChildren(QWidget)]:
        if not widget.isVisible():
            continue
        texts += [widget.toolTip(), widget.statusTip(), widget.accessibleDescription()]
        if isinstance(widget, QLabel | QAbstractButton):
            texts.append(widget.text())
        if isinstance(widget, QLineEdit | QPlainTextEdit):
            texts.append(widget.placeholderText())
        model = widget.model() if isinstance(widget, QAbstractItemView) else None
        if model is None:
            continue
        columns = _count(model.columnCount)
        for column in range(columns):
            texts.append(
                str(
                    model.headerData(column, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
                    or ""
                )
            )
        for row in range(min(_count(model.rowCount), 40)):
            for column in range(columns):
                texts.append(str(model.index(row, column).data(Qt.ItemDataRole.ToolTipRole) or ""))
    return [t for t in texts if t]


def desktop_words(root: QWidget) -> list[str]:
    texts = texts_of(root)
    offending = [t for t in texts if DESKTOP.search(t)]
    buttons = {b.text() for b in root.findChildren(QAbstractButton) if b.isVisible()}
    if "Сохранить" not in buttons:  # a file's «Сохранить» is not on a kiosk
        offending += [t for t in texts if "«Сохранить»" in t]
    return offending


def test_no_kiosk_screen_names_a_key_a_mouse_or_a_file(qtbot, kiosk) -> None:
    login = kiosk.open_login(register=False)
    assert desktop_words(kiosk.shell) == []
    login.go_to_registration()
    assert desktop_words(kiosk.shell) == []
    sign_in(qtbot, kiosk)
    main = kiosk.main
    assert main is not None
    for spec in pages_for(KIOSK, RESIDENT):
        page = main.show_page(spec.page)
        wait_idle(qtbot, kiosk.ctx)
        assert desktop_words(kiosk.shell) == [], spec.title
        if isinstance(page, ReadingsPage):  # a month's values being typed
            qtbot.mouseClick(page.add_button, Qt.MouseButton.LeftButton)
            wait_idle(qtbot, kiosk.ctx)
            assert page.entry_hint.isVisible() and "Коснитесь" in page.entry_hint.text()
            assert desktop_words(kiosk.shell) == [], spec.title
            qtbot.mouseClick(page.cancel_button, Qt.MouseButton.LeftButton)
            wait_idle(qtbot, kiosk.ctx)
        if isinstance(page, ReceiptsPage):
            page.open_receipt()
            wait_idle(qtbot, kiosk.ctx)
            preview = page.preview
            assert preview is not None
            qtbot.waitExposed(preview)
            assert desktop_words(preview) == []
            preview.close()
    assert "Ctrl" not in main.sidebar.item(0).toolTip()


def test_the_office_keeps_its_keyboard_hints(qtbot, page_ctx) -> None:
    """The same pages at the office's desk still teach the keys."""
    from ui.main_window import MainWindow
    from ui.pages.registry import Page

    window = MainWindow(page_ctx)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    wait_idle(qtbot, page_ctx.app)
    page = window.show_page(Page.METERS)
    assert isinstance(page, ReadingsPage)
    assert "F2" in page.entry_hint.text() and "Ctrl" in window.sidebar.item(0).toolTip()
    window.close()
