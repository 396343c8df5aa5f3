"""What a clerk does for the resident at the counter besides their pages: register them for the
cabinet and start a password reset. The one-time password or the reset code goes to the
resident's e-mail, or — without an e-mail or a mail server — becomes a slip to print on
«Памятки для жителей»; the clerk never sees or chooses a password. Each action is audited
by the core as the clerk acting for the account."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QDialog, QHBoxLayout, QLineEdit, QVBoxLayout, QWidget

from ui.context import PageContext
from ui.forms import add_field, hint_label, make_button, set_button_text
from ui.messages import MessageBar, error_field

SENT = {
    "email": "{what} отправлен на e-mail жителя.",
    "outbox": "{what} — на памятке: распечатайте ее на странице «Памятки для жителей» и "
    "выдайте жителю под подпись.",
}


def delivered(what: str, delivery: str | None, otherwise: str) -> str:
    """The clerk's message for where a password or code went (``delivery`` from the core)."""
    template = SENT.get(delivery or "")
    return template.format(what=what) if template else otherwise


class CounterDialog(QDialog):
    """A small form over the counter: fields, «Отправить»/«Отмена», the answer inline. The
    work runs in the background; on success the dialog closes and ``done`` gets the text."""

    def __init__(
        self, ctx: PageContext, title: str, hint: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(title)
        self.setMinimumWidth(480)
        self.form = QVBoxLayout(self)
        self.form.addWidget(hint_label(hint))
        self.messages = MessageBar()
        self.fields: dict[str, QLineEdit] = {}
        self.result_text = ""

    def finish_form(self, action: str, work: Callable[[], Any], answer: Callable[[Any], str]):
        self.form.addWidget(self.messages)
        row = QHBoxLayout()
        self.send = make_button(action, "primary", row=row, clicked=lambda: self._run(work))
        self.send.setDefault(True)
        make_button("Отмена", row=row, clicked=self.reject)
        row.addStretch(1)
        self.form.addSpacing(8)
        self.form.addLayout(row)
        self._answer, self._action = answer, action

    def field(self, name: str, label: str, text: str = "") -> QLineEdit:
        widget = add_field(self.form, label)
        widget.setText(text)
        self.fields[name] = widget
        return widget

    def _run(self, work: Callable[[], Any]) -> None:
        if not self.send.isEnabled():
            return
        self.send.setEnabled(False)
        set_button_text(self.send, "Отправка…")
        self.ctx.tasks.run(work, self._done, self._refused, owner=self)

    def _done(self, result: Any) -> None:
        self.result_text = self._answer(result)
        self.accept()

    def _refused(self, error: Exception) -> None:
        self.send.setEnabled(True)
        set_button_text(self.send, self._action)
        self.messages.error(error)
        field = self.fields.get(error_field(error) or "")
        if field is not None:
            field.setFocus()


def register_dialog(ctx: PageContext, parent: QWidget | None = None) -> CounterDialog:
    """Register the served account's resident: ФИО as on the receipt, phone, e-mail."""
    account = ctx.served
    dialog = CounterDialog(
        ctx,
        f"Регистрация жителя, лицевой счет {account.number}",
        "Проверьте паспорт жителя. Одноразовый пароль придет на его e-mail, а если у офиса нет "
        "почтового сервера — будет памятка для печати. Код регистрации из квитанции не нужен.",
        parent,
    )
    fio = dialog.field("fio", "ФИО (как в квитанции)", account.fio)
    phone = dialog.field("phone", "Телефон")
    email = dialog.field("email", "E-mail")
    auth, actor = ctx.services.auth, ctx.actor
    dialog.finish_form(
        "Зарегистрировать",
        lambda: auth.register(fio.text(), account.number, phone.text(), email.text(), actor=actor),
        lambda result: delivered(
            "Одноразовый пароль",
            result.delivery,
            "Ничего не отправлено: ФИО не совпадает с лицевым счетом или житель уже "
            "зарегистрирован. Проверьте ФИО; для зарегистрированного — восстановление пароля.",
        ),
    )
    phone.setFocus()
    return dialog


def reset_dialog(ctx: PageContext, parent: QWidget | None = None) -> CounterDialog:
    """Start a password reset: the code goes to the e-mail the resident registered with."""
    account = ctx.served
    dialog = CounterDialog(
        ctx,
        f"Восстановление пароля, лицевой счет {account.number}",
        "Спросите у жителя e-mail, указанный при регистрации: код для нового пароля придет "
        "на него (действует 10 минут).",
        parent,
    )
    email = dialog.field("email", "E-mail жителя")
    auth, actor = ctx.services.auth, ctx.actor
    dialog.finish_form(
        "Отправить код",
        lambda: auth.request_reset(account.number, email.text(), actor=actor),
        lambda result: delivered(
            "Код для нового пароля",
            result.delivery,
            "Код не отправлен: e-mail не совпадает с указанным при регистрации или житель не "
            "зарегистрирован.",
        ),
    )
    return dialog
