"""The sidebar: the pages the registry chose for this window, then «Выйти».

It takes the focus with Tab like any list (arrows move between pages, Enter opens «Выйти»),
and each page has a shortcut, Ctrl+1 for the top one and so on, shown in its tooltip: Ctrl
and a digit types nothing in a field and is free in every page."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QAbstractItemView, QListWidget, QListWidgetItem, QWidget

from ui.pages.registry import PAGES, Page, PageSpec

__all__ = ["LOGOUT", "PAGES", "Page", "PageSpec", "Sidebar", "shortcut_of"]  # Page: see above


LOGOUT = "Выйти"


def shortcut_of(position: int) -> str:
    """The shortcut of the page at ``position`` (from 0) in the sidebar, as Qt spells it."""
    return f"Ctrl+{position + 1}"


class Sidebar(QListWidget):
    """Emits ``page_selected`` for a page and ``logout_requested`` for «Выйти»."""

    page_selected = Signal(object)
    logout_requested = Signal()

    def __init__(
        self, pages: tuple[PageSpec, ...], parent: QWidget | None = None, *, tips: bool = True
    ) -> None:
        super().__init__(parent)
        self.setObjectName("sidebar")
        self.setAccessibleName("Разделы")
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # Tab reaches it; arrows move in it
        self.setTabKeyNavigation(False)
        self.shortcuts: list[QShortcut] = []
        for position, spec in enumerate(pages):
            item = self._add(spec.title, spec.page)
            if position < 9:
                keys = shortcut_of(position)
                if tips:  # not on a kiosk: no keyboard, and a finger does not hover
                    item.setToolTip(f"{spec.title} ({keys})")
                shortcut = QShortcut(QKeySequence(keys), self)
                shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
                shortcut.activated.connect(lambda page=spec.page: self.open(page))
                self.shortcuts.append(shortcut)
        self._add(LOGOUT, None)
        self.itemActivated.connect(self._activated)
        self.itemClicked.connect(self._activated)
        self.currentItemChanged.connect(lambda item, _old: item and self._selected(item))

    def _add(self, title: str, page: Page | None) -> QListWidgetItem:
        item = QListWidgetItem(title)
        item.setData(Qt.ItemDataRole.UserRole, page)
        item.setData(Qt.ItemDataRole.AccessibleTextRole, title)
        item.setSizeHint(QSize(200, 42))
        self.addItem(item)
        return item

    def open(self, page: Page) -> None:
        """A page's shortcut: select it (which opens it) and leave the focus in the page."""
        self.select(page)

    def select(self, page: Page) -> None:
        for row in range(self.count()):
            if self.item(row).data(Qt.ItemDataRole.UserRole) == page:
                self.setCurrentRow(row)
                return

    def _selected(self, item: QListWidgetItem) -> None:
        page = item.data(Qt.ItemDataRole.UserRole)
        if page is not None:
            self.page_selected.emit(page)

    def _activated(self, item: QListWidgetItem) -> None:
        if item.data(Qt.ItemDataRole.UserRole) is None:
            self.logout_requested.emit()
