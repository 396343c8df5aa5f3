"""The cabinet's pages in the seed's order: an enum, a registry and a list widget."""

from __future__ import annotations

import enum
import importlib
from dataclasses import dataclass

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QListWidget, QListWidgetItem, QWidget


class Page(enum.Enum):
    DEBT = "debt"
    METERS = "meters"
    RECEIPTS = "receipts"
    STATEMENT = "statement"
    PASSWORD = "password"


@dataclass(frozen=True)
class PageSpec:
    page: Page
    title: str
    module: str  # imported when the page is first opened
    class_name: str

    def load(self) -> type:
        return getattr(importlib.import_module(self.module), self.class_name)


PAGES = (
    PageSpec(Page.DEBT, "Моя задолженность", "ui.pages.debt", "DebtPage"),
    PageSpec(Page.METERS, "Приборы учета", "ui.pages.readings", "ReadingsPage"),
    PageSpec(Page.RECEIPTS, "Квитанции", "ui.pages.receipts", "ReceiptsPage"),
    PageSpec(Page.STATEMENT, "Ведомость", "ui.pages.statement", "StatementPage"),
    PageSpec(Page.PASSWORD, "Изменить пароль", "ui.pages.password", "PasswordPage"),
)
FIRST_PAGE = Page.METERS
LOGOUT = "Выйти"


class Sidebar(QListWidget):
    """Emits ``page_selected`` for a page and ``logout_requested`` for «Выйти»."""

    page_selected = Signal(object)
    logout_requested = Signal()

    def __init__(self, pages: tuple[PageSpec, ...] = PAGES, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sidebar")
        self.setAccessibleName("Разделы кабинета")
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
