"""«Обращения»: the office's queue of support requests — new, in work, answered, closed —
filtered by place and by what is typed (number, account, ФИО, topic, text, contact); the
chosen request's text and answers below, «Взять в работу», «Ответить», «Закрыть».

From the keyboard: Ctrl+F to the filter, Down into the list, F8 the next request, Ctrl+Enter
in the answer sends it. The list keeps its selection across reloads."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QItemSelection, Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from desktop.support_queue import QueueStatus, answer_by_mail, answered_text
from ui.context import PageContext
from ui.forms import make_button, row_table
from ui.models.text_table import TextTableModel
from ui.pages.base import BasePage
from ui.support import when, with_answers

if TYPE_CHECKING:
    from desktop.support import RequestInfo

FILTER_NAME = "Поиск обращений"
NO_ACCOUNT = "без лицевого счета"
SHOWN = 500  # the newest listed; a filter finds older ones
LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
# The places to choose from: (label, place; None with open_only — every unanswered one).
PLACES: tuple[tuple[str, QueueStatus | None, bool], ...] = (
    ("Ожидают ответа", None, True),
    ("Новые", QueueStatus.NEW, False),
    ("В работе", QueueStatus.IN_WORK, False),
    ("С ответом", QueueStatus.ANSWERED, False),
    ("Закрытые", QueueStatus.CLOSED, False),
    ("Все", None, False),
)


def count_text(found: int) -> str:
    """How many are listed: all, or the newest ``SHOWN`` of more."""
    if found > SHOWN:
        return f"Показаны {SHOWN} самых новых: уточните поиск или выберите, какие показать."
    return f"Обращений: {found}." if found else "Обращений нет."


def account_text(request: RequestInfo) -> str:
    """The account, or that there is none — with the number its author typed, if any."""
    if request.account_number is not None:
        return request.account_number
    if request.typed_number:
        return f"{NO_ACCOUNT} (со слов: {request.typed_number})"
    return NO_ACCOUNT


def thread_text(request: RequestInfo) -> str:
    """The request and its answers as plain text, for the pane under the list."""
    lines = [
        f"Обращение № {request.id} от {when(request.created_at)}",
        f"Лицевой счет: {account_text(request)}",
        f"Контакт для ответа: {request.contact}",
        f"Тема: {request.topic}",
        "",
        request.message,
        "",
    ]
    return with_answers(lines, request, "Ответа пока нет.")


class QueueModel(TextTableModel):
    """The queue's rows: №, Дата, Лицевой счет, Тема, Состояние, Ведет."""

    headers = ("№", "Дата", "Лицевой счет", "Тема", "Состояние", "Ведет")
    alignments = (RIGHT, LEFT, LEFT, LEFT, LEFT, LEFT)

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.requests: list[RequestInfo] = []

    def set_requests(self, requests: list[RequestInfo]) -> None:
        self.requests = requests
        self.set_rows([_cells(r) for r in requests])

    def row_of(self, request_id: int) -> int:
        return next((i for i, r in enumerate(self.requests) if r.id == request_id), -1)


def _cells(r: RequestInfo) -> tuple[str, ...]:
    place = r.queue_status.label
    return (str(r.id), when(r.created_at), account_text(r), r.topic, place, r.assignee or "—")


class RequestsPage(BasePage):
    title = "Обращения"

    def __init__(self, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        filters = QHBoxLayout()
        self.place = QComboBox()
        self.place.setAccessibleName("Какие обращения показать")
        for label, _status, _open in PLACES:
            self.place.addItem(label)
        self.place.currentIndexChanged.connect(lambda _i: self.reload())
        filters.addWidget(self.place)
        self.filter = QLineEdit()
        self.filter.setAccessibleName(FILTER_NAME)
        self.filter.setPlaceholderText("№ обращения, лицевой счет, ФИО, тема, текст или контакт")
        self.filter.setClearButtonEnabled(True)
        self.filter.setMaxLength(200)
        self.filter.textChanged.connect(lambda _t: self._typed.start())
        self.filter.returnPressed.connect(self._into_list)
        filters.addWidget(self.filter, 1)
        self.layout_.addLayout(filters)
        self._typed = QTimer(self, singleShot=True, interval=250)  # the last keystroke's list
        self._typed.timeout.connect(self.reload)
        self.count = QLabel("")
        self.count.setObjectName("hint")
        self.layout_.addWidget(self.count)

        self.model = QueueModel(self)
        # The account (or why none) and the topic share what the other columns leave.
        widths = {0: 40, 1: 120, 4: 95, 5: 130}
        self.table = row_table(self.model, "Обращения в очереди", widths, (2, 3))
        self.table.selectionModel().selectionChanged.connect(self._chosen)

        details = QWidget()
        column = QVBoxLayout(details)
        column.setContentsMargins(0, 0, 0, 0)
        self.holder = QLabel("")
        self.holder.setWordWrap(True)
        column.addWidget(self.holder)
        self.thread = QPlainTextEdit()
        self.thread.setReadOnly(True)
        self.thread.setAccessibleName("Текст обращения и ответы")
        column.addWidget(self.thread, 1)
        self.answer = QPlainTextEdit()
        self.answer.setAccessibleName("Ответ жителю")
        self.answer.setPlaceholderText("Текст ответа (Ctrl+Enter — отправить)")
        self.answer.setTabChangesFocus(True)
        self.answer.setMaximumHeight(110)
        column.addWidget(self.answer)
        buttons = QHBoxLayout()
        self.take_button = make_button("Взять в работу", clicked=self.take, row=buttons)
        self.answer_button = make_button(
            "Ответить", "primary", clicked=self.send_answer, row=buttons
        )
        self.close_button = make_button(
            "Закрыть обращение", clicked=self.close_request, row=buttons
        )
        buttons.addStretch(1)
        self.keys = QLabel("Ctrl+F — поиск, F8 — следующее обращение")
        self.keys.setObjectName("hint")
        buttons.addWidget(self.keys)
        column.addLayout(buttons)

        split = QSplitter(Qt.Orientation.Vertical)
        split.setChildrenCollapsible(False)
        split.addWidget(self.table)
        split.addWidget(details)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 1)
        self.layout_.addWidget(split, 1)

        for keys, slot in (
            ("Ctrl+F", self.focus_filter),
            ("F8", self.next_request),
            ("Ctrl+Return", self.send_answer),
            ("Ctrl+Enter", self.send_answer),
        ):
            QShortcut(QKeySequence(keys), self, slot)
        self._asked = 0  # the latest reload's number: older answers are dropped
        self._keep: int | None = None  # the request to select again after a reload
        self._show(None)

    # -- the list

    def activate(self) -> None:
        self.reload()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        QTimer.singleShot(0, self.filter.setFocus)

    def focus_filter(self) -> None:
        self.filter.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filter.selectAll()

    def reload(self) -> None:
        self._asked += 1
        asked, actor, support = self._asked, self.ctx.actor, self.ctx.services.support
        _label, status, open_only = PLACES[self.place.currentIndex()]
        text = self.filter.text()
        current = self.current()
        if current is not None:
            self._keep = current.id

        def read() -> list[RequestInfo]:
            return support.list_for(
                actor, open_only=open_only, status=status, text=text, limit=SHOWN + 1
            )

        self.load(read, lambda found: self._listed(asked, found))

    def _listed(self, asked: int, found: list[RequestInfo]) -> None:
        if asked != self._asked:
            return  # a later filter's answer is on its way
        self.model.set_requests(found[:SHOWN])
        self.count.setText(count_text(len(found)))
        row = self.model.row_of(self._keep) if self._keep is not None else -1
        if row < 0 and found:
            row = 0
        if row >= 0:
            self.table.selectRow(row)
        else:
            self._show(None)

    def _into_list(self) -> None:
        if self.model.rowCount():
            self.table.setFocus(Qt.FocusReason.OtherFocusReason)

    def next_request(self) -> None:
        if not self.model.rowCount():
            return
        row = self.table.currentIndex().row() + 1
        self.table.selectRow(row if row < self.model.rowCount() else 0)
        self.table.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def current(self) -> RequestInfo | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows or rows[0].row() >= len(self.model.requests):
            return None
        return self.model.requests[rows[0].row()]

    def _chosen(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        request = self.current()
        if request is not None:
            self._keep = request.id
        self._show(request)

    def _show(self, request: RequestInfo | None) -> None:
        if request is None:
            self.holder.setText("Выберите обращение в списке.")
            self.thread.setPlainText("")
        else:
            self.holder.setText(self._holder_text(request))
            self.thread.setPlainText(thread_text(request))
        is_open = request is not None and request.queue_status is not QueueStatus.CLOSED
        mine = request is not None and request.assignee_id == self.ctx.actor.staff_id
        self.take_button.setEnabled(is_open and not mine)
        self.answer_button.setEnabled(is_open)
        self.answer.setEnabled(is_open)
        self.close_button.setEnabled(is_open)

    def _holder_text(self, request: RequestInfo) -> str:
        place = request.queue_status.label
        if request.assignee_id is None:
            return f"{place}. Обращение никто не взял в работу."
        if request.assignee_id == self.ctx.actor.staff_id:
            return f"{place}. Обращение ведете вы."
        return f"{place}. Обращение ведет {request.assignee}."

    # -- actions

    def take(self) -> None:
        request = self.current()
        if request is None:
            return
        actor, support, request_id = self.ctx.actor, self.ctx.services.support, request.id
        self.call(lambda: support.assign(actor, request_id), self._taken)

    def _taken(self, request: RequestInfo) -> None:
        self.messages.success(f"Обращение № {request.id} теперь ведете вы.")
        self.reload()

    def send_answer(self) -> None:
        request = self.current()
        if request is None or not self.answer_button.isEnabled():
            return
        body = self.answer.toPlainText()
        services = self.ctx.services
        actor, support, request_id = self.ctx.actor, services.support, request.id
        mailed = answer_by_mail(request.contact, services.settings.smtp.configured)
        self.call(
            lambda: support.answer(actor, request_id, body),
            lambda answered: self._answered(answered, mailed),
        )

    def _answered(self, request: RequestInfo, mailed: bool) -> None:
        self.answer.clear()
        has_account = request.account_number is not None
        self.messages.success(
            answered_text(request.id, request.contact, has_account=has_account, mailed=mailed)
        )
        self.reload()

    def close_request(self) -> None:
        request = self.current()
        if request is None:
            return
        actor, support, request_id = self.ctx.actor, self.ctx.services.support, request.id
        self.call(lambda: support.close(actor, request_id), self._closed)

    def _closed(self, request: RequestInfo) -> None:
        self.messages.success(f"Обращение № {request.id} закрыто.")
        self.reload()
