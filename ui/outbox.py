"""«Памятки для жителей», a page of the staff workplace: one-time passwords and reset codes
that were not e-mailed (no mail server set up, or it failed) wait here for a clerk to print
and hand over. The table shows no password: only the printout does.

Below them, a clerk prints a slip with a new registration code for an account (the resident
lost the receipt, or someone else started a registration): the old code is void at once."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QTextDocument
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.formatting import ru_datetime
from desktop.slips import Slip, code_slip, outbox_slip, slip_html
from ui import dialogs
from ui.context import PageContext
from ui.forms import make_button
from ui.models.text_table import TextTableModel
from ui.pages.base import BasePage

if TYPE_CHECKING:
    from desktop.auth.code_issue import IssuedCode
    from desktop.mail import OutboxItem

TITLE = "Памятки для жителей"
PRINT = "Напечатать…"
HANDED_OUT = "Выдана жителю"
REFRESH = "Обновить"
NONE_WAITING = "Памяток нет: все пароли и коды ушли по почте или уже выданы."
CODE_TITLE = "Код регистрации"
NEW_CODE = "Новый код и памятка…"
CODE_ACCOUNT = "Лицевой счет"


class OutboxModel(TextTableModel):
    headers = ("Создана", "Лицевой счет", "Что", "Почта жителя")
    alignments = (Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,) * 4

    def __init__(self, parent: object = None) -> None:
        super().__init__(parent)
        self.items: list[OutboxItem] = []

    def set_items(self, items: list[OutboxItem]) -> None:
        self.items = items
        self.set_rows(
            [(ru_datetime(i.created_at), i.account_number, i.subject, i.recipient) for i in items]
        )


class OutboxPage(BasePage):
    """The slips waiting, «Напечатать…», «Выдана жителю», «Обновить»."""

    title = TITLE

    def __init__(self, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        card = QFrame()
        card.setObjectName("card")
        card.setAccessibleName(TITLE)
        card.setMaximumWidth(960)
        layout = QVBoxLayout(card)
        layout.setContentsMargins(28, 22, 28, 24)
        layout.setSpacing(10)
        intro = QLabel(
            "Одноразовые пароли и коды восстановления, которые не ушли по почте (почта не "
            "настроена или не сработала). Напечатайте памятку и отдайте её жителю лично, "
            "проверив документ; затем отметьте, что она выдана."
        )
        intro.setObjectName("hint")
        intro.setWordWrap(True)
        layout.addWidget(intro)

        self.model = OutboxModel(self)
        self.table = QTableView()
        self.table.setAccessibleName(TITLE)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)  # the subject
        self.table.setMinimumHeight(160)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        layout.addWidget(self.table)

        buttons = QHBoxLayout()
        self.print_button = make_button(PRINT, "primary")
        self.print_button.clicked.connect(self.print_selected)
        self.handed_button = make_button(HANDED_OUT)
        self.handed_button.clicked.connect(self.mark_handed_out)
        self.refresh_button = make_button(REFRESH)
        self.refresh_button.clicked.connect(lambda: self.load())
        buttons.addWidget(self.print_button)
        buttons.addWidget(self.handed_button)
        buttons.addStretch(1)
        buttons.addWidget(self.refresh_button)
        layout.addLayout(buttons)
        # The page's message bar goes into the card, under the buttons it answers.
        self.layout_.removeWidget(self.messages)
        layout.addWidget(self.messages)
        self.layout_.addWidget(card, 1)
        self.layout_.addWidget(self._code_card())
        self._busy = False
        self._update_buttons()

    def _code_card(self) -> QFrame:
        card = QFrame()
        card.setObjectName("card")
        card.setAccessibleName(CODE_TITLE)
        card.setMaximumWidth(960)
        layout = QVBoxLayout(card)
        layout.setContentsMargins(28, 18, 28, 20)
        layout.setSpacing(8)
        heading = QLabel(CODE_TITLE)
        heading.setObjectName("sectionTitle")
        layout.addWidget(heading)
        intro = QLabel(
            "Без кода из квитанции житель не зарегистрируется сам. Если квитанции нет под "
            "рукой или регистрацию начал кто-то другой, проверьте документ жителя и напечатайте "
            "памятку с новым кодом: прежний код сразу перестанет действовать."
        )
        intro.setObjectName("hint")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        row = QHBoxLayout()
        label = QLabel(CODE_ACCOUNT)
        self.code_account = QLineEdit()
        self.code_account.setAccessibleName(CODE_ACCOUNT)
        self.code_account.setMaxLength(20)
        self.code_account.setMaximumWidth(180)
        self.code_account.returnPressed.connect(self.print_new_code)
        label.setBuddy(self.code_account)
        self.code_button = make_button(NEW_CODE)
        self.code_button.clicked.connect(self.print_new_code)
        row.addWidget(label)
        row.addWidget(self.code_account)
        row.addWidget(self.code_button)
        row.addStretch(1)
        layout.addLayout(row)
        return card

    def activate(self) -> None:
        self.load()

    def load(self, done: str = "") -> None:
        """Fetch the slips waiting; ``done`` is what to say once they are shown."""
        ctx, actor = self.ctx, self.ctx.actor
        self._set_busy(True)
        ctx.tasks.run(
            lambda: ctx.services.outbox.pending(actor),
            lambda items: self._loaded(items, done),
            self._failed_to_load,
            owner=self,
        )

    def _failed_to_load(self, error: Exception) -> None:
        self._set_busy(False)
        self.messages.error(error)

    def _loaded(self, items: list[OutboxItem], done: str) -> None:
        chosen = self.selected()
        self.model.set_items(items)
        # The same slip stays selected; once it is gone, none is (a clerk must not mark
        # another one by mistake). The first list starts on its first slip.
        ids = [i.id for i in items]
        if chosen is not None and chosen.id in ids:
            self.table.selectRow(ids.index(chosen.id))
        elif chosen is None and items and not done:
            self.table.selectRow(0)
        self._set_busy(False)
        if done:
            self.messages.success(done)
        elif not items:
            self.messages.info(NONE_WAITING)
        else:
            self.messages.clear()
        self._update_buttons()

    def selected(self) -> OutboxItem | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.items[rows[0].row()] if rows else None

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.refresh_button.setEnabled(not busy)
        self._update_buttons()

    def _update_buttons(self) -> None:
        chosen = self.selected() is not None and not self._busy
        self.print_button.setEnabled(chosen)
        self.handed_button.setEnabled(chosen)

    def print_selected(self) -> None:
        item = self.selected()
        if item is None:
            return
        printer = dialogs.choose_printer(self)
        if printer is None:
            return
        printer.setDocName(f"Памятка, лицевой счет {item.account_number}")
        settings = self.ctx.settings
        slip = outbox_slip(item, settings.office_phone, settings.office_hours)
        if slip is None:
            self.messages.error(
                "В этом сообщении нет пароля или кода: возможно, срок его действия истёк. "
                "Обновите список."
            )
            return
        self._print(slip, printer)
        if printer.printerState() == printer.PrinterState.Error:
            self.messages.error("Памятку не удалось напечатать: проверьте принтер и повторите.")
            return
        ctx, actor = self.ctx, self.ctx.actor
        ctx.tasks.run(
            lambda: ctx.services.outbox.record_printed(actor, item.id),
            lambda _none: None,
            self.messages.error,
            owner=self,
        )
        self.messages.success(
            f"Памятка для лицевого счета {item.account_number} отправлена на печать. Когда "
            f"отдадите её жителю, нажмите «{HANDED_OUT}»."
        )

    def mark_handed_out(self) -> None:
        item = self.selected()
        if item is None:
            return
        if not dialogs.confirm(
            self,
            f"Отметить, что памятка для лицевого счета {item.account_number} выдана жителю? "
            "Пароль или код из неё больше не будет храниться, напечатать её снова будет "
            "нельзя.",
            title=HANDED_OUT,
            yes="Выдана",
        ):
            return
        ctx, actor = self.ctx, self.ctx.actor
        self._set_busy(True)
        ctx.tasks.run(
            lambda: ctx.services.outbox.mark_handed_out(actor, item.id),
            self._handed_out,
            self._failed,
            owner=self,
        )

    def _handed_out(self, item: OutboxItem) -> None:
        self.load(f"Памятка для лицевого счета {item.account_number} отмечена как выданная.")

    def _failed(self, error: Exception) -> None:
        self._set_busy(False)
        self.messages.error(error)  # it may have been replaced meanwhile: «Обновить» shows

    def _print(self, slip: Slip, printer: QPrinter) -> None:
        document = QTextDocument()
        font = QFont(self.font())
        font.setPointSize(12)
        document.setDefaultFont(font)
        document.setHtml(slip_html(slip))
        document.print_(printer)

    # -- a new registration code -----------------------------------------------------------

    def print_new_code(self) -> None:
        """Choose the printer first: the code is issued only when it can be printed."""
        number = self.code_account.text().strip()
        if not number:
            self.messages.error("Укажите номер лицевого счета, для которого нужен код.")
            self.code_account.setFocus()
            return
        printer = dialogs.choose_printer(self)
        if printer is None:
            return
        ctx, actor = self.ctx, self.ctx.actor
        self.code_button.setEnabled(False)

        def work() -> IssuedCode:
            account = ctx.services.accounts.get(actor, number)
            return ctx.services.auth.reissue_code(actor, account.id)

        ctx.tasks.run(
            work, lambda issued: self._code_issued(issued, printer), self._code_failed, owner=self
        )

    def _code_issued(self, issued: IssuedCode, printer: QPrinter) -> None:
        self.code_button.setEnabled(True)
        printer.setDocName(f"Код регистрации, лицевой счет {issued.account_number}")
        settings = self.ctx.settings
        slip = code_slip(
            company=None,
            account_number=issued.account_number,
            fio=issued.fio,
            address=issued.address,
            code=issued.code,
            issued_at=issued.issued_at,
            office_phone=settings.office_phone,
            office_hours=settings.office_hours,
        )
        self._print(slip, printer)
        if printer.printerState() == printer.PrinterState.Error:
            self.messages.error(
                "Памятку не удалось напечатать: проверьте принтер и напечатайте новый код ещё "
                "раз (код, выданный сейчас, не сохранён и больше не понадобится)."
            )
            return
        self.code_account.clear()
        self.messages.success(
            f"Памятка с новым кодом регистрации для лицевого счета {issued.account_number} "
            "отправлена на печать. Прежний код больше не действует."
        )

    def _code_failed(self, error: Exception) -> None:
        self.code_button.setEnabled(True)
        self.messages.error(error)
        self.code_account.setFocus()
        self.code_account.selectAll()
