"""«Моя задолженность»: arrears older than a few months with the penalty, or a clear
«Задолженности нет» with the current balance; below, the payments the banks' registries
brought («Платежи»)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QGridLayout,
    QHeaderView,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.debt_texts import (
    NO_DEBT,
    accrued_caption,
    balance_text,
    explanation,
    months_word,
    penalty_text,
    settle_text,
    to_pay_caption,
)
from desktop.formatting import money
from ui.context import PageContext
from ui.models.debt import ArrearsModel, DebtByServiceModel, TextTableModel
from ui.models.payments import PaymentsModel
from ui.pages.base import BasePage

if TYPE_CHECKING:
    from desktop.payments import PaymentItem
    from desktop.statement import Debt

NO_PAYMENTS = "Платежей из банков пока нет: они появятся, когда офис загрузит реестр банка."

SIDE_BY_SIDE_WIDTH = 980  # the page's width from which the two tables fit side by side
TABLE_MINIMUM = 150  # a table's height side by side, at least
QWIDGETSIZE_MAX = (1 << 24) - 1
PAYMENT_ROWS_BESIDE_TABLES = 3  # the payments shown under the debt's tables side by side


def _card() -> tuple[QFrame, QVBoxLayout]:
    card = QFrame()
    card.setObjectName("card")
    layout = QVBoxLayout(card)
    layout.setContentsMargins(20, 16, 20, 16)
    layout.setSpacing(8)
    return card, layout


def _table(model: TextTableModel, name: str, stretch: int) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.setAccessibleName(name)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setWordWrap(False)
    view.verticalHeader().hide()
    header = view.horizontalHeader()
    header.setHighlightSections(False)
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    return view


def _titled(title: str, view: QTableView) -> QWidget:
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    label = QLabel(title)
    label.setObjectName("sectionTitle")
    label.setBuddy(view)
    layout.addWidget(label)
    layout.addWidget(view, 1)
    return box


class DebtPage(BasePage):
    """Shows the debt the service computed; the tables appear only when there are arrears."""

    title = "Моя задолженность"

    def __init__(self, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.debt: Debt | None = None

        # Everything below the title scrolls as one: on a narrow window the tables stand one
        # above the other at the height of all their rows, and the page scrolls, not them.
        body = QWidget()
        column = QVBoxLayout(body)
        column.setContentsMargins(0, 0, 4, 0)  # a little air beside the scroll bar
        column.setSpacing(12)
        self.hint = QLabel()
        self.hint.setObjectName("hint")
        self.hint.setWordWrap(True)
        self.hint.hide()
        column.addWidget(self.hint)

        self.states = QStackedWidget()
        self.loading = QLabel("Загрузка…")
        self.loading.setObjectName("hint")
        self.loading.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.states.addWidget(self.loading)
        self.states.addWidget(self._no_debt_view())
        self.states.addWidget(self._debt_view())
        column.addWidget(self.states, 1)
        column.addWidget(self._payments_view())
        column.addStretch(0)
        self.column = column
        self._show_state(self.loading)
        self.scroll = QScrollArea()
        self.scroll.setObjectName("formScroll")  # no focus of its own; the window's colour
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.setWidget(body)
        self.layout_.addWidget(self.scroll, 1)

    def _payments_view(self) -> QWidget:
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        self.payments = PaymentsModel(self)
        self.payments_view = _table(self.payments, "Платежи", 2)
        layout.addWidget(_titled("Платежи", self.payments_view))
        self.no_payments = QLabel(NO_PAYMENTS)
        self.no_payments.setObjectName("hint")
        self.no_payments.setWordWrap(True)
        layout.addWidget(self.no_payments)
        self.payments_box = box
        return box

    def _no_debt_view(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        card, inner = _card()
        self.no_debt_title = QLabel(NO_DEBT)
        self.no_debt_title.setObjectName("sectionTitle")
        self.no_debt_title.setStyleSheet("color: #1e5b2a;")
        self.no_debt_balance = QLabel()
        self.no_debt_balance.setWordWrap(True)
        self.no_debt_balance.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        inner.addWidget(self.no_debt_title)
        inner.addWidget(self.no_debt_balance)
        layout.addWidget(card)
        layout.addStretch(1)
        self.no_debt_view = page
        return page

    def _debt_view(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(12)

        card, inner = _card()
        figures = QGridLayout()
        figures.setHorizontalSpacing(32)
        figures.setVerticalSpacing(2)
        # One story, as the receipt tells it: the amount to pay, what of it is old debt and
        # penalty, and the penalty accrued since, which is not in it yet.
        self.to_pay_value = QLabel()
        self.total_value = QLabel()
        self.penalty_value = QLabel()
        self.accrued_value = QLabel()
        self.to_pay_caption = QLabel()
        self.accrued_caption = QLabel()
        captions = (
            self.to_pay_caption,
            QLabel(),
            QLabel("в т. ч. пеня"),
            self.accrued_caption,
        )
        values = (self.to_pay_value, self.total_value, self.penalty_value, self.accrued_value)
        self.total_caption = captions[1]
        for column, (label, value) in enumerate(zip(captions, values, strict=True)):
            label.setObjectName("hint")
            label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom)
            label.setBuddy(value)
            value.setObjectName("sectionTitle")
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            figures.addWidget(label, 0, column)
            figures.addWidget(value, 1, column)
        self.to_pay_value.setStyleSheet("color: #8a1c1c;")
        figures.setColumnStretch(len(captions), 1)
        inner.addLayout(figures)
        self.penalty_note = QLabel()
        self.penalty_note.setObjectName("hint")
        self.penalty_note.setWordWrap(True)
        inner.addWidget(self.penalty_note)
        self.balance_note = QLabel()
        self.balance_note.setObjectName("hint")
        self.balance_note.setWordWrap(True)
        inner.addWidget(self.balance_note)
        # The card keeps its height; the tables give way (to their minimum) when the
        # payments below take room.
        card.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        layout.addWidget(card)

        self.arrears = ArrearsModel(self)
        self.by_service = DebtByServiceModel(self)
        self.arrears_view = _table(self.arrears, "Задолженность по месяцам и услугам", 1)
        self.by_service_view = _table(self.by_service, "Задолженность по услугам", 0)
        splitter = self.splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(_titled("По месяцам и услугам", self.arrears_view))
        splitter.addWidget(_titled("Итого по услугам", self.by_service_view))
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([640, 360])
        layout.addWidget(splitter, 1)
        self.debt_view = page
        return page

    def resizeEvent(self, event: QResizeEvent) -> None:
        # Side by side the two tables need room; on a narrow screen the summary goes below.
        wide = event.size().width() >= SIDE_BY_SIDE_WIDTH
        orientation = Qt.Orientation.Horizontal if wide else Qt.Orientation.Vertical
        if self.splitter.orientation() != orientation:
            self.splitter.setOrientation(orientation)
            self._fit_tables()
        super().resizeEvent(event)

    def _fit_tables(self) -> None:
        """Side by side, the tables fill the page and scroll inside; one above the other,
        each is as tall as all its rows and the page scrolls instead (two tables of a few
        rows each, both scrolling, were hard to read on a 1024×768 screen)."""
        stacked = self.splitter.orientation() == Qt.Orientation.Vertical
        self._fit_payments()
        for view in (self.arrears_view, self.by_service_view):
            if stacked:
                view.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
                height = (
                    view.horizontalHeader().sizeHint().height()
                    + view.verticalHeader().length()
                    + 2 * view.frameWidth()
                    + 2
                )
                view.setFixedHeight(max(height, TABLE_MINIMUM))
            else:
                view.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
                view.setMinimumHeight(TABLE_MINIMUM)
                view.setMaximumHeight(QWIDGETSIZE_MAX)

    def activate(self) -> None:
        actor, account_id = self.ctx.actor, self.ctx.served.id
        statements = self.ctx.services.statements

        def read() -> tuple[Debt, list[PaymentItem]]:
            return statements.debt(actor, account_id), statements.payments(actor, account_id)

        self.load(read, lambda found: self.show_debt(*found))

    def _show_state(self, page: QWidget) -> None:
        """Show one of the states; the others take no room (a stack is as tall as its
        tallest page otherwise), so with no debt the payments stand right under the card,
        and with debt the tables take what is left."""
        for widget in (self.loading, self.no_debt_view, self.debt_view):
            policy = widget.sizePolicy()
            policy.setVerticalPolicy(
                QSizePolicy.Policy.Preferred if widget is page else QSizePolicy.Policy.Ignored
            )
            widget.setSizePolicy(policy)
        self.states.setCurrentWidget(page)
        has_debt = page is self.debt_view
        self.column.setStretch(self.column.indexOf(self.states), 1 if has_debt else 0)
        self.column.setStretch(self.column.count() - 1, 0 if has_debt else 1)

    def show_payments(self, payments: list[PaymentItem]) -> None:
        self.payments.set_payments(payments)
        self.payments_view.setVisible(bool(payments))
        self.no_payments.setVisible(not payments)
        self._fit_payments()

    def _fit_payments(self) -> None:
        """The list under the debt is as tall as its rows and the page scrolls — except
        beside the debt's tables side by side, which fill the page: then it shows its
        newest few rows and scrolls inside."""
        view = self.payments_view
        rows = view.verticalHeader().length()
        wide = self.splitter.orientation() == Qt.Orientation.Horizontal
        if wide and self.debt is not None and self.debt.has_debt:
            shown = min(self.payments.rowCount(), PAYMENT_ROWS_BESIDE_TABLES)
            rows = sum(view.rowHeight(r) for r in range(shown))
        policy = Qt.ScrollBarPolicy
        full = rows == view.verticalHeader().length()
        view.setVerticalScrollBarPolicy(
            policy.ScrollBarAlwaysOff if full else policy.ScrollBarAsNeeded
        )
        view.setFixedHeight(
            view.horizontalHeader().sizeHint().height() + rows + 2 * view.frameWidth() + 2
        )

    def show_debt(self, debt: Debt, payments: list[PaymentItem] | None = None) -> None:
        self.debt = debt
        self.show_payments(payments or [])  # after ``debt``: its height depends on it
        self._show_state(self.debt_view if debt.has_debt else self.no_debt_view)
        self.hint.setText(explanation(debt))
        self.hint.show()
        self.arrears.set_debt(debt)
        self.by_service.set_debt(debt)
        if not debt.has_debt:
            self.no_debt_balance.setText(balance_text(debt))
            return
        months = debt.older_than_months
        self.to_pay_caption.setText(to_pay_caption(debt))
        self.to_pay_value.setText(f"{money(debt.balance)} ₽")
        self.total_caption.setText(f"в т. ч. долг старше {months} {months_word(months)}")
        self.total_value.setText(f"{money(debt.total)} ₽")
        self.penalty_value.setText(f"{money(debt.penalty_charged)} ₽")
        self.accrued_caption.setText(accrued_caption(debt))
        self.accrued_value.setText(f"{money(debt.penalty_accrued)} ₽")
        for widget in (self.accrued_caption, self.accrued_value):
            widget.setVisible(bool(debt.penalty_accrued))
        self.penalty_note.setText(penalty_text(debt))
        self.balance_note.setText(settle_text(debt))
        self._fit_tables()
