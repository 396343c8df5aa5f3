"""The main window for everyone who signs in: a header with the account served (or the staff
member), the sidebar with the pages the registry chose for the actor and mode, the pages."""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QResizeEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ui.context import PageContext
from ui.forms import make_button
from ui.memory import release_freed_memory
from ui.pages.base import BasePage
from ui.pages.registry import Page, PageSpec, first_page, pages_for
from ui.pages.verification import remind_after_sign_in
from ui.sidebar import Sidebar
from ui.window_state import WindowState, fit_to_screen

SUPPORT = "Обратиться в техподдержку"
STAY = "Продолжить"
# The smallest window: a 1024×768 screen less a task bar (40) and a title bar (30).
MIN_WIDTH, MIN_HEIGHT = 900, 640


class MainWindow(QMainWindow):
    logout_requested = Signal()

    def __init__(
        self,
        ctx: PageContext,
        state: WindowState | None = None,
        pages: tuple[PageSpec, ...] | None = None,
    ) -> None:
        super().__init__()
        self.ctx = ctx
        self._state = state
        if pages is None:
            pages = pages_for(ctx.settings.mode, ctx.role)
        self._specs = {spec.page: spec for spec in pages}
        self._pages: dict[Page, BasePage] = {}
        self.setWindowTitle(self._title())
        # Usable on a 1024×768 screen with a task bar and a title bar: the pages scroll or
        # stack their tables below this (ui.forms, the debt page's splitter).
        self.setMinimumSize(MIN_WIDTH, MIN_HEIGHT)

        central = QWidget()
        outer = QVBoxLayout(central)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        self.header = self._header()
        outer.addWidget(self.header)

        body = QHBoxLayout()
        body.setContentsMargins(0, 0, 0, 0)
        body.setSpacing(0)
        side = QFrame()
        side.setObjectName("sidebarPanel")
        side.setFixedWidth(240)
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 10, 0, 10)
        self.sidebar = Sidebar(pages, tips=not ctx.kiosk)
        side_layout.addWidget(self.sidebar, 1)
        self.support_button = make_button(SUPPORT, "link", clicked=self.open_support)
        support_row = QHBoxLayout()
        support_row.setContentsMargins(18, 0, 12, 0)
        support_row.addWidget(self.support_button)
        side_layout.addLayout(support_row)
        phone = QLabel(f"Телефон офиса:\n{ctx.settings.office_phone}")
        phone.setObjectName("hint")
        phone.setContentsMargins(18, 6, 12, 0)
        side_layout.addWidget(phone)
        body.addWidget(side)

        self.stack = QStackedWidget()
        body.addWidget(self.stack, 1)
        outer.addLayout(body, 1)
        self.setCentralWidget(central)
        self._idle_bar(central)

        self.sidebar.page_selected.connect(self.show_page)
        self.sidebar.logout_requested.connect(self.logout_requested)
        self.destroyed.connect(_release_once_deleted)
        if not (state and state.restore(self, "main")):
            fit_to_screen(self, 1280, 800)
        first = first_page(pages)
        if first is not None:
            self.sidebar.select(first)
            opened = self._pages.get(first)
            if opened is not None:
                remind_after_sign_in(opened, ctx.tasks)

    def _title(self) -> str:
        ctx = self.ctx
        if ctx.account is not None:
            return f"Личный кабинет — лицевой счет {ctx.account.number}"
        return f"Рабочее место сотрудника — {ctx.actor.name}"

    def _header(self) -> QWidget:
        """The account served, with its ФИО and address; for staff, their name and login."""
        ctx = self.ctx
        header = QFrame()
        header.setObjectName("header")
        layout = QHBoxLayout(header)
        layout.setContentsMargins(20, 12, 20, 12)
        if ctx.account is not None:
            place = QLabel(f"Лицевой счет {ctx.account.number}")
            who = QLabel(f"{ctx.account.fio}\n{ctx.account.address}")
        else:
            place = QLabel("Рабочее место сотрудника")
            who = QLabel(f"{ctx.actor_name}\nЛогин: {ctx.actor.name}")
        place.setObjectName("headerAccount")
        who.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(place)
        layout.addSpacing(24)
        layout.addWidget(who, 1)
        labels = [place, who]
        if ctx.account is not None and ctx.role != "resident":  # a clerk serving a resident
            staff = QLabel(f"Сотрудник: {ctx.actor_name}\nЛогин: {ctx.actor.name}")
            staff.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            layout.addWidget(staff)
            labels.append(staff)
        self.header_labels = tuple(labels)
        return header

    def _idle_bar(self, central: QWidget) -> None:
        """The kiosk's warning before it signs the resident out; hidden until then. It lies
        over the page rather than in the layout, so that hiding it on the touch that keeps
        the resident in moves nothing under their finger."""
        self.idle_bar = QFrame(central)
        self.idle_bar.setObjectName("idleBar")
        layout = QHBoxLayout(self.idle_bar)
        layout.setContentsMargins(20, 10, 20, 10)
        self.idle_label = QLabel()
        self.idle_label.setAccessibleName("Выход из кабинета")
        self.idle_label.setWordWrap(True)
        stay = make_button(STAY, "primary", clicked=lambda: self.show_idle_countdown(None))
        layout.addWidget(self.idle_label, 1)
        layout.addWidget(stay)
        self.idle_bar.hide()

    def show_idle_countdown(self, seconds: int | None) -> None:
        """Seconds left before the kiosk signs the resident out; None hides the warning."""
        if seconds is None:
            self.idle_bar.hide()
            return
        self.idle_label.setText(
            f"Вы давно ничего не нажимали. Выход из кабинета через {seconds} с — коснитесь "
            "экрана или нажмите «Продолжить», чтобы остаться."
        )
        self._place_idle_bar()
        self.idle_bar.show()
        self.idle_bar.raise_()

    def _place_idle_bar(self) -> None:
        width = self.idle_bar.parentWidget().width()
        height = self.idle_bar.heightForWidth(width)
        height = height if height > 0 else self.idle_bar.sizeHint().height()
        self.idle_bar.setGeometry(0, self.header.height(), width, height)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.idle_bar.isVisible():
            self._place_idle_bar()

    def show_page(self, page: Page) -> BasePage:
        """Create the page the first time it is shown; reload it every time."""
        widget = self._pages.get(page)
        if widget is None:
            widget = self._specs[page].load()(self.ctx)
            self._pages[page] = widget
            self.stack.addWidget(widget)
        self.stack.setCurrentWidget(widget)
        # Marked in the sidebar without its page_selected, which would call this again and
        # load the page twice (a click in the sidebar comes here through that signal).
        with QSignalBlocker(self.sidebar):
            self.sidebar.select(page)
        widget.activate()
        return widget

    def page(self, page: Page) -> BasePage | None:
        return self._pages.get(page)

    def open_support(self) -> None:
        from ui.support import SupportDialog

        SupportDialog(self.ctx.app, self.ctx, parent=self).exec()

    def closeEvent(self, event: QCloseEvent) -> None:
        for page in self._pages.values():
            page.closing()
        if self._state is not None:
            self._state.save(self, "main")
        super().closeEvent(event)


def _release_once_deleted() -> None:
    """A main window is being deleted (a logout, a visit's end): once it and its pages are
    gone, what they freed goes back to the system (``ui.memory``)."""
    QTimer.singleShot(0, release_freed_memory)
