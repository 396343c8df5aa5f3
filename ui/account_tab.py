"""One account served at the counter: a header (number, ФИО, address, area, residents, the
cabinet's status) over the resident's own pages — the same classes the resident sees, given
the clerk as the actor and this account as the one served (``PageContext``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QTabWidget, QVBoxLayout, QWidget

from desktop.formatting import money
from ui.context import PageContext, ServedAccount
from ui.forms import make_button
from ui.messages import MessageBar
from ui.pages.base import BasePage
from ui.pages.registry import PAGES, Page

if TYPE_CHECKING:
    from desktop.accounts import AccountInfo

# The resident's pages a clerk works with for them, in the cabinet's order (the password is
# the resident's own: the office resets it instead).
COUNTER_PAGES = (Page.DEBT, Page.METERS, Page.RECEIPTS, Page.STATEMENT)
# The resident's «Моя задолженность» is the account's debt to the clerk.
COUNTER_TITLES = {Page.DEBT: "Задолженность"}


def header_text(info: AccountInfo) -> str:
    """«Лицевой счет 3492 · Иванов И.И.» over «address · area · residents · cabinet status»."""
    area = money(info.area).rstrip("0").rstrip(",")
    status = "зарегистрирован в кабинете" if info.registered else "в кабинете не зарегистрирован"
    return (
        f"Лицевой счет {info.number} · {info.fio}\n"
        f"{info.address} · площадь {area} м² · проживает: {info.residents} · {status}"
    )


class AccountTab(QWidget):
    """The counter's view of one account; its pages are made when first shown."""

    def __init__(self, ctx: PageContext, info: AccountInfo) -> None:
        super().__init__()
        account = ServedAccount(info.id, info.number, info.fio, info.address)
        self.ctx = PageContext(ctx.app, ctx.actor, account, ctx.actor_name)
        self.account = account
        self.setAccessibleName(f"Лицевой счет {account.number}")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        top = QHBoxLayout()
        top.setContentsMargins(24, 0, 24, 0)
        self.header = QLabel(header_text(info))
        self.header.setObjectName("accountHeader")
        self.header.setWordWrap(True)
        top.addWidget(self.header, 1)
        self.register_button = make_button(
            "Зарегистрировать жителя…", row=top, clicked=lambda: self._ask("register")
        )
        self.reset_button = make_button(
            "Восстановить пароль…", row=top, clicked=lambda: self._ask("reset")
        )
        layout.addLayout(top)  # before the buttons are shown: never a window of their own
        self._show_status(info)
        self.messages = MessageBar()
        self.messages.setContentsMargins(24, 0, 24, 0)
        layout.addWidget(self.messages)
        self.pages = QTabWidget()
        self.pages.setDocumentMode(True)
        self._specs = {spec.page: spec for spec in PAGES if spec.page in COUNTER_PAGES}
        self._loaded: dict[int, BasePage] = {}
        for page in COUNTER_PAGES:
            holder = QWidget()
            QVBoxLayout(holder).setContentsMargins(0, 0, 0, 0)
            self.pages.addTab(holder, COUNTER_TITLES.get(page, self._specs[page].title))
        layout.addWidget(self.pages, 1)
        self.pages.currentChanged.connect(self._show)

    def _show_status(self, info: AccountInfo) -> None:
        self.header.setText(header_text(info))
        self.register_button.setVisible(not info.registered)
        self.reset_button.setVisible(info.registered)

    def _ask(self, action: str) -> None:
        """Register the resident or start a reset, in a dialog over the counter."""
        from ui.counter_actions import register_dialog, reset_dialog

        dialog = (register_dialog if action == "register" else reset_dialog)(self.ctx, self)
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        dialog.deleteLater()  # the typed contacts go with it
        if accepted:
            self.messages.success(dialog.result_text)
            actor, accounts, number = self.ctx.actor, self.ctx.services.accounts, self.account.id
            self.ctx.tasks.run(
                lambda: accounts.get_by_id(actor, number), self._show_status, owner=self
            )

    def start(self) -> None:
        """Show the first page (the debt, as 1C's cashier workplace opens)."""
        self._show(self.pages.currentIndex())

    def page(self, page: Page) -> BasePage:
        """The page, made and shown."""
        index = COUNTER_PAGES.index(page)
        self.pages.setCurrentIndex(index)
        self._show(index)
        return self._loaded[index]

    def _show(self, index: int) -> None:
        if index < 0:
            return
        widget = self._loaded.get(index)
        if widget is None:
            widget = self._specs[COUNTER_PAGES[index]].load()(self.ctx)
            self._loaded[index] = widget
            widget.heading.hide()  # the tab names it: the height goes to the page
            holder = self.pages.widget(index)
            layout = holder.layout()
            assert layout is not None
            layout.addWidget(widget)
        widget.activate()

    def closing(self) -> None:
        """The tab or its window closes: stop what its pages still run."""
        for widget in self._loaded.values():
            widget.closing()
