"""«Обратиться в техподдержку»: a new request (topic, message, contact) and, for a signed-in
resident, their requests with the office's answers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, QSize, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ui.context import AppContext, PageContext
from ui.forms import add_field, hint_label, make_button, scrolling, set_button_text
from ui.messages import MessageBar, describe_error

if TYPE_CHECKING:
    from desktop.support import RequestInfo

TITLE = "Обращение в техподдержку"
TOPIC = "Тема"
MESSAGE = "Сообщение"
CONTACT = "Телефон или e-mail для ответа"
ACCOUNT = "Номер лицевого счета (если знаете)"
SEND = "Отправить"
REQUESTS = "Мои обращения"
DETAILS = "Обращение и ответы"
# RequestStatus values (db.models, which the screens do not import) in Russian.
STATUS_NAMES = {"open": "Ожидает ответа", "answered": "Есть ответ", "closed": "Закрыто"}

AnyIndex = QModelIndex | QPersistentModelIndex


class _Compact:
    """A box that prefers its minimum height and takes more when there is room: the scroll
    area lays the form out at its preferred height (its hints wrap), so a box preferring
    Qt's default 192 pixels would push the fields below it out of view."""

    def sizeHint(self) -> QSize:
        assert isinstance(self, QWidget)
        return QSize(max(self.minimumWidth(), 200), self.minimumHeight())


class CompactText(_Compact, QPlainTextEdit):
    pass


class CompactTable(_Compact, QTableView):
    pass


def when(moment: datetime) -> str:
    """A stored UTC moment in the workstation's time: ``20.11.2026 13:00``."""
    return moment.astimezone().strftime("%d.%m.%Y %H:%M")


def status_name(status: object) -> str:
    return STATUS_NAMES.get(str(status), str(status))


def describe_request(request: RequestInfo) -> str:
    """The request and its answers as plain text, for the pane under the list."""
    lines = [
        f"Обращение № {request.id} от {when(request.created_at)} — {status_name(request.status)}",
        f"Тема: {request.topic}",
        f"Контакт для ответа: {request.contact}",
        "",
        request.message,
        "",
    ]
    return with_answers(
        lines, request, "Ответа пока нет: сотрудники офиса ответят здесь и по указанному контакту."
    )


def with_answers(lines: list[str], request: RequestInfo, none_yet: str) -> str:
    """A request's text (``lines``) followed by its answers, or ``none_yet`` without any."""
    if not request.answers:
        lines.append(none_yet)
    for answer in request.answers:
        lines += [f"Ответ от {when(answer.created_at)}, {answer.author}:", answer.body, ""]
    return "\n".join(lines).rstrip()


class RequestsModel(QAbstractTableModel):
    """A resident's requests, newest first: Дата, Тема, Статус."""

    HEADERS = ("Дата", "Тема", "Статус")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._requests: list[RequestInfo] = []
        self._rows: list[tuple[str, str, str]] = []

    @staticmethod
    def _row(request: RequestInfo) -> tuple[str, str, str]:
        return (when(request.created_at), request.topic, status_name(request.status))

    def set_requests(self, requests: Sequence[RequestInfo]) -> None:
        self.beginResetModel()
        self._requests = list(requests)
        self._rows = [self._row(r) for r in self._requests]
        self.endResetModel()

    def prepend(self, request: RequestInfo) -> None:
        self.beginInsertRows(QModelIndex(), 0, 0)
        self._requests.insert(0, request)
        self._rows.insert(0, self._row(request))
        self.endInsertRows()

    def request(self, row: int) -> RequestInfo:
        return self._requests[row]

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self._rows[index.row()][index.column()]
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            role == Qt.ItemDataRole.DisplayRole
            and orientation == Qt.Orientation.Horizontal
            and 0 <= section < len(self.HEADERS)
        ):
            return self.HEADERS[section]
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable


class SupportDialog(QDialog):
    """The feedback form; with a signed-in page context that serves an account, also that
    account's requests and answers. At the login window there is none."""

    def __init__(
        self, app_ctx: AppContext, page: PageContext | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.ctx = app_ctx
        self.signed_in = page
        self.page = page if page is not None and page.account is not None else None
        self._sending = False
        self.setWindowTitle(TITLE)
        self.setAccessibleName(TITLE)

        body = QWidget()
        columns = QHBoxLayout(body)
        columns.setContentsMargins(24, 20, 24, 8)
        columns.setSpacing(24)
        columns.addLayout(self._form(), 5)
        self.model: RequestsModel | None = None
        if self.page is not None:
            columns.addLayout(self._requests(), 6)
            self.setMinimumSize(760, 480)
            self.resize(980, 640)
            self._load()
        else:
            self.setMinimumSize(440, 480)
            self.resize(600, 680)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        outer.addWidget(scrolling(body), 1)
        # Below the scrolling form, always in view: the buttons right under its fields, then
        # the answer to «Отправить», where the eye is after pressing it, in a place kept for
        # it (nothing moves when it appears).
        footer = QVBoxLayout()
        footer.setContentsMargins(24, 4, 24, 12)
        footer.setSpacing(8)
        footer.addLayout(self.buttons)
        footer.addWidget(self.messages)
        outer.addLayout(footer)
        # The form's fields, then its buttons, then the resident's requests.
        chain: list[QWidget] = [self.contact]
        if self.account is not None:
            chain.append(self.account)
        chain += [self.send_button, self.close_button]
        if self.model is not None:
            chain += [self.table, self.details]
        for first, second in pairwise(chain):
            QWidget.setTabOrder(first, second)
        self.topic.setFocus()

    def _form(self) -> QVBoxLayout:
        layout = QVBoxLayout()
        layout.setSpacing(4)
        heading = QLabel(TITLE)
        heading.setObjectName("sectionTitle")
        layout.addWidget(heading)
        layout.addWidget(
            hint_label(
                "Опишите вопрос — сотрудники офиса управляющей компании ответят по указанному "
                "контакту."
            )
        )
        settings = self.ctx.settings
        self.phone_label = QLabel(f"Телефон офиса: {settings.office_phone}")
        self.phone_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.phone_label)
        layout.addWidget(hint_label(f"Часы работы: {settings.office_hours}."))
        layout.addSpacing(6)
        self.messages = MessageBar()
        self.messages.reserve(3)
        self.topic = add_field(layout, TOPIC, max_length=200)
        self.topic.setPlaceholderText("Например: не приходит пароль")
        layout.addSpacing(6)
        label = QLabel(MESSAGE)
        self.message = CompactText()
        self.message.setAccessibleName(MESSAGE)
        self.message.setTabChangesFocus(True)
        self.message.setMinimumHeight(90)
        label.setBuddy(self.message)
        layout.addWidget(label)
        layout.addWidget(self.message, 1)
        self.contact = add_field(layout, CONTACT, max_length=200)
        self.contact.setPlaceholderText("+7 915 123-45-67 или ivanov@mail.ru")
        # Before signing in the office does not know whose request it is: a number helps.
        self.account: QLineEdit | None = None
        if self.signed_in is None:
            self.account = add_field(layout, ACCOUNT, max_length=20)
            self.account.setPlaceholderText("Например 3492 — он напечатан в квитанции")
        buttons = self.buttons = QHBoxLayout()
        self.send_button = make_button(SEND, "primary")
        self.send_button.setDefault(True)
        self.send_button.clicked.connect(self.send)
        self.close_button = make_button("Закрыть")
        self.close_button.clicked.connect(self.reject)
        buttons.addWidget(self.send_button)
        buttons.addWidget(self.close_button)
        buttons.addStretch(1)
        # Enter in the message is a new line; Ctrl+Enter sends from anywhere.
        for key in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(key), self).activated.connect(self.send)
        return layout

    def _requests(self) -> QVBoxLayout:
        layout = QVBoxLayout()
        layout.setSpacing(4)
        label = QLabel(REQUESTS)
        label.setObjectName("sectionTitle")
        self.model = RequestsModel(self)
        self.table = CompactTable()
        self.table.setModel(self.model)
        self.table.setAccessibleName(REQUESTS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        label.setBuddy(self.table)
        self.table.setMinimumHeight(110)
        layout.addWidget(label)
        self.empty_label = hint_label("Загрузка обращений…")
        layout.addWidget(self.empty_label)
        layout.addWidget(self.table, 2)
        layout.addSpacing(6)
        details_label = QLabel(DETAILS)
        self.details = CompactText()
        self.details.setReadOnly(True)
        self.details.setMinimumHeight(110)
        self.details.setAccessibleName(DETAILS)
        self.details.setTabChangesFocus(True)
        self.details.setPlaceholderText("Выберите обращение в списке, чтобы увидеть ответы.")
        details_label.setBuddy(self.details)
        layout.addWidget(details_label)
        layout.addWidget(self.details, 3)
        self.table.selectionModel().currentRowChanged.connect(self._show_details)
        return layout

    # -- the resident's requests

    def _load(self) -> None:
        assert self.page is not None
        actor, ctx = self.page.actor, self.ctx
        support = ctx.services.support
        ctx.tasks.run(
            lambda: (support.list_for(actor), support.contact_of(actor)),
            self._loaded,
            self.messages.error,
            owner=self,
        )

    def _loaded(self, loaded: tuple[list[RequestInfo], str]) -> None:
        assert self.model is not None
        requests, registered = loaded
        self.model.set_requests(requests)
        self._update_empty()
        # The contact the resident gave last time, else the one they registered with.
        contact = requests[0].contact if requests else registered
        if contact and not self.contact.isModified():
            self.contact.setText(contact)
        if requests:
            self.table.selectRow(0)

    def _update_empty(self) -> None:
        assert self.model is not None
        empty = self.model.rowCount() == 0
        self.empty_label.setText("Обращений пока нет." if empty else "")
        self.empty_label.setVisible(empty)

    def _show_details(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if self.model is None or not current.isValid():
            self.details.clear()
            return
        self.details.setPlainText(describe_request(self.model.request(current.row())))

    # -- sending

    def send(self) -> None:
        if self._sending:
            return
        topic, message, contact = (
            self.topic.text(),
            self.message.toPlainText(),
            self.contact.text(),
        )
        actor = self.signed_in.actor if self.signed_in is not None else None
        number = self.account.text() if self.account is not None else ""
        self.messages.clear()
        self._set_sending(True)
        ctx = self.ctx
        ctx.tasks.run(
            lambda: ctx.services.support.create(actor, topic, message, contact, number),
            self._sent,
            self._failed,
            owner=self,
        )

    def _set_sending(self, sending: bool) -> None:
        self._sending = sending
        self.send_button.setEnabled(not sending)
        set_button_text(self.send_button, "Отправка…" if sending else SEND)

    def _sent(self, request: RequestInfo) -> None:
        self._set_sending(False)
        self.messages.success(
            f"Обращение № {request.id} отправлено. Сотрудники офиса ответят по контакту "
            f"«{request.contact}»"
            + ("; ответ появится и в списке обращений." if self.model is not None else ".")
        )
        self.topic.clear()
        self.message.clear()
        if self.model is not None:
            self.model.prepend(request)
            self._update_empty()
            self.table.selectRow(0)
        self.topic.setFocus()

    def _failed(self, error: Exception) -> None:
        self._set_sending(False)
        self.messages.error(describe_error(error))
        fields: list[QLineEdit | QPlainTextEdit] = [self.topic, self.message, self.contact]
        for field in fields:
            text = field.text() if isinstance(field, QLineEdit) else field.toPlainText()
            if not text.strip():
                field.setFocus()
                return
        from desktop.support import is_contact  # loaded by now: the service has answered

        if self.signed_in is None and not is_contact(self.contact.text().strip()):
            self.contact.setFocus()
            self.contact.selectAll()
        elif self.account is not None and not self.account.text().strip().isdigit():
            self.account.setFocus()
