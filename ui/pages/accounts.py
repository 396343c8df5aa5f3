"""«Лицевые счета»: the clerk finds an account as they type — by number, ФИО, address or meter
serial (``AccountService.search``) — and serves it in a tab of its own; several accounts can
be open at once, and the recently served are one click away.

The keyboard does it all: type, Down into the results, arrows, Enter opens; Ctrl+W closes the
open account's tab (nothing of it stays on screen), Ctrl+F returns to the search."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.failures import retry_read
from desktop.formatting import money
from ui.account_tab import AccountTab
from ui.context import PageContext
from ui.forms import make_button, row_table
from ui.models.text_table import TextTableModel
from ui.pages.base import BasePage
from ui.tasks import Cancelled

if TYPE_CHECKING:
    from desktop.account_rows import FoundAccount
    from desktop.account_search import SearchResult

SEARCH_NAME = "Поиск лицевого счета"
RECENT_LIMIT = 6
LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


class FoundModel(TextTableModel):
    """The search's rows: Лицевой счет, ФИО, Адрес, Долг, Последние показания."""

    headers = ("Лицевой счет", "ФИО", "Адрес", "Долг, ₽", "Последние\nпоказания")
    alignments = (LEFT, LEFT, LEFT, RIGHT, LEFT)

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.found: list[FoundAccount] = []

    def set_found(self, found: list[FoundAccount]) -> None:
        self.found = found
        self.set_rows([_cells(row) for row in found])


def _cells(row: FoundAccount) -> tuple[str, ...]:
    last = _day(row.last_reading_at) if row.last_reading_at is not None else "—"
    return (row.number, row.fio, row.address, money(row.debt), last)


def _day(moment: datetime) -> str:
    return moment.astimezone().strftime("%d.%m.%Y")


def count_text(result: SearchResult) -> str:
    """How many match: all shown, or the first N of how many."""
    shown = len(result.rows)
    if shown == 0:
        return "Ничего не найдено. Проверьте номер, фамилию или адрес."
    if result.total <= shown and not result.more:
        return f"Найдено: {shown}."
    total = f"более {result.total}" if result.more else str(result.total)
    return f"Показаны первые {shown} из {total}: уточните запрос."


class AccountsPage(BasePage):
    title = "Лицевые счета"

    def __init__(self, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.tabs = QTabWidget()
        self.tabs.setTabsClosable(True)
        self.tabs.tabCloseRequested.connect(self.close_tab)
        self.layout_.addWidget(self.tabs, 1)

        search = QWidget()
        column = QVBoxLayout(search)
        column.setContentsMargins(0, 12, 0, 0)
        self.search = QLineEdit()
        self.search.setAccessibleName(SEARCH_NAME)
        self.search.setPlaceholderText("Номер счета, фамилия, адрес или номер счетчика")
        self.search.setClearButtonEnabled(True)
        self.search.setMaxLength(200)
        self.search.textChanged.connect(self._query)
        self.search.installEventFilter(self)
        column.addWidget(self.search)
        self.count = QLabel("")
        self.count.setObjectName("hint")
        column.addWidget(self.count)
        self.model = FoundModel(self)
        widths = {0: 120, 1: 220, 3: 110, 4: 120}
        self.table = row_table(self.model, "Найденные лицевые счета", widths, (2,))
        self.table.activated.connect(lambda index: self.open_row(index.row()))
        column.addWidget(self.table, 1)
        recent_row = QHBoxLayout()
        self.recent_label = QLabel("Недавние:")
        recent_row.addWidget(self.recent_label)
        self.recent_buttons = QHBoxLayout()
        recent_row.addLayout(self.recent_buttons)
        recent_row.addStretch(1)
        column.addLayout(recent_row)
        self.recent: list[tuple[int, str]] = []  # (account id, «3492 Иванов И.И.»), newest first
        self._show_recent()
        self.tabs.addTab(search, "Поиск")
        self.tabs.tabBar().setTabButton(0, self.tabs.tabBar().ButtonPosition.RightSide, None)

        self._asked = 0  # the latest keystroke's number: older answers are dropped
        self._current = True  # the rows shown answer the text in the field
        self._open_when_found = False  # Enter pressed before the answer came
        self._opening: set[int] = set()  # accounts whose tab is being made
        for keys, slot in (("Ctrl+F", self.focus_search), ("Ctrl+W", self.close_current)):
            QShortcut(QKeySequence(keys), self, slot)

    # -- search

    def activate(self) -> None:
        if self.tabs.currentIndex() == 0 and self.isVisible():
            self.focus_search()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self.tabs.currentIndex() == 0:  # a page made before its window shows (sign-in)
            QTimer.singleShot(0, self.focus_search)

    def focus_search(self) -> None:
        self.tabs.setCurrentIndex(0)
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def _query(self, text: str) -> None:
        self._asked += 1
        self._current = False  # the rows shown answer an earlier text: Enter waits
        asked, actor, accounts = self._asked, self.ctx.actor, self.ctx.services.accounts
        if not text.strip():
            self.model.set_found([])
            self.count.setText("")
            self._current, self._open_when_found = True, False
            return
        # A keystroke's search still queued when the next comes is skipped (``wanted``).
        self.ctx.tasks.run(
            lambda: accounts.search(actor, text),
            lambda result: self._found(asked, result),
            self._search_failed,
            owner=self,
            wanted=lambda: asked == self._asked,
        )

    def _search_failed(self, error: Exception) -> None:
        if not isinstance(error, Cancelled):  # a later keystroke's search replaced it
            self.messages.error(error)

    def _found(self, asked: int, result: SearchResult) -> None:
        if asked != self._asked:
            return  # a later keystroke's answer is on its way
        self.model.set_found(list(result.rows))
        self.count.setText(count_text(result))
        self._current = True
        if result.rows:
            self.table.selectRow(0)
        if self._open_when_found:  # Enter came before this answer (a fast typist, a scanner)
            self._open_when_found = False
            self.open_row(0)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.search and isinstance(event, QKeyEvent):
            if event.type() != QEvent.Type.KeyPress:
                return False
            key = event.key()
            if key == Qt.Key.Key_Down and self.model.rowCount():
                self.table.setFocus(Qt.FocusReason.OtherFocusReason)
                self.table.selectRow(max(self.table.currentIndex().row(), 0))
                return True
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                if not self._current:
                    self._open_when_found = True  # the rows on screen are not this text's
                elif self.model.rowCount():
                    self.open_row(max(self.table.currentIndex().row(), 0))
                return True
        return super().eventFilter(watched, event)

    # -- serving an account

    def open_row(self, row: int) -> None:
        if 0 <= row < len(self.model.found):
            self.open_account(self.model.found[row].id)

    def open_account(self, account_id: int) -> None:
        """Its tab if open, else a new one with its header read first."""
        for index in range(1, self.tabs.count()):
            tab = self.tabs.widget(index)
            if isinstance(tab, AccountTab) and tab.account.id == account_id:
                self.tabs.setCurrentIndex(index)
                return
        if account_id in self._opening:
            return  # a second Enter or click while its tab is being made
        self._opening.add(account_id)
        actor, accounts = self.ctx.actor, self.ctx.services.accounts
        self.ctx.tasks.run(
            lambda: retry_read(lambda: accounts.get_by_id(actor, account_id)),
            self._opened,
            lambda error: self._not_opened(account_id, error),
            owner=self,
        )

    def _not_opened(self, account_id: int, error: Exception) -> None:
        self._opening.discard(account_id)
        self.messages.error(error)

    def _opened(self, info: Any) -> None:
        self._opening.discard(info.id)
        tab = AccountTab(self.ctx, info)
        index = self.tabs.addTab(tab, f"{info.number} {info.fio}")
        self.tabs.setTabToolTip(index, f"Лицевой счет {info.number}, {info.address}")
        self.tabs.setCurrentIndex(index)
        tab.start()
        entry = (info.id, f"{info.number} {info.fio}")
        others = [r for r in self.recent if r[0] != info.id]
        self.recent = [entry, *others][:RECENT_LIMIT]
        self._show_recent()

    def account_tab(self) -> AccountTab | None:
        tab = self.tabs.currentWidget()
        return tab if isinstance(tab, AccountTab) else None

    def close_current(self) -> None:
        if self.tabs.currentIndex() > 0:
            self.close_tab(self.tabs.currentIndex())

    def close_tab(self, index: int) -> None:
        tab = self.tabs.widget(index)
        if not isinstance(tab, AccountTab):
            return  # the search stays
        tab.closing()
        self.tabs.removeTab(index)
        tab.deleteLater()  # nothing of the account stays on screen or in memory
        if self.tabs.currentIndex() == 0:
            self.focus_search()

    def _show_recent(self) -> None:
        while self.recent_buttons.count():
            item = self.recent_buttons.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.recent_label.setVisible(bool(self.recent))
        for account_id, text in self.recent:
            button: QPushButton = make_button(
                text, "link", clicked=lambda a=account_id: self.open_account(a)
            )
            self.recent_buttons.addWidget(button)

    def closing(self) -> None:
        for index in range(1, self.tabs.count()):
            tab = self.tabs.widget(index)
            if isinstance(tab, AccountTab):
                tab.closing()
        super().closing()
