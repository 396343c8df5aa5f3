"""The sidebar: the pages the registry chose for this window, then «Выйти»."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QListWidget, QListWidgetItem, QWidget

from ui.pages.registry import PAGES, Page, PageSpec

__all__ = ["LOGOUT", "PAGES", "Page", "PageSpec", "Sidebar"]  # Page: where pages once lived


LOGOUT = "Выйти"


class Sidebar(QListWidget):
    """Emits ``page_selected`` for a page and ``logout_requested`` for «Выйти»."""

    page_selected = Signal(object)
    logout_requested = Signal()

    def __init__(self, pages: tuple[PageSpec, ...], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sidebar")
        self.setAccessibleName("Разделы")
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        for spec in pages:
            self._add(spec.title, spec.page)
        self._add(LOGOUT, None)
        self.itemActivated.connect(self._activated)
        self.itemClicked.connect(self._activated)
        self.currentItemChanged.connect(lambda item, _old: item and self._selected(item))

    def _add(self, title: str, page: Page | None) -> None:
        item = QListWidgetItem(title)
        item.setData(Qt.ItemDataRole.UserRole, page)
        item.setData(Qt.ItemDataRole.AccessibleTextRole, title)
        item.setSizeHint(QSize(200, 42))
        self.addItem(item)

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
