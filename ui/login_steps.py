"""What follows or replaces signing in: the forced change of a one-time password, and
«Забыли пароль?». Loaded when first needed, after the login window is on screen."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ui.context import AppContext
from ui.forms import add_field, add_left, card, hint_label, make_button, scrolling, set_button_text
from ui.login_texts import ACCOUNT, EMAIL, NEED_ACCOUNT, PASSWORD_CHANGED
from ui.messages import MessageBar, describe_error, error_field
from ui.password_form import PasswordForm

if TYPE_CHECKING:
    from desktop.auth import ResetRequestResult, SignedIn


# --- the forced change of a one-time password ---------------------------------------------


class PasswordChangeStep(QWidget):
    """Shown instead of the forms after signing in with a one-time password: the resident
    chooses their own before anything else. ``done(SignedIn)`` when changed."""

    done = Signal(object)
    cancelled = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._signed_in: SignedIn | None = None
        self._one_time_password = ""
        self._busy = False

        outer = QVBoxLayout(self)
        outer.setContentsMargins(32, 40, 32, 24)
        outer.addStretch(1)
        row = QHBoxLayout()
        row.addStretch(1)
        frame, layout = card("Смена пароля")
        frame.setMinimumWidth(380)
        frame.setMaximumWidth(520)
        row.addWidget(frame, 10)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(2)

        self.explanation = QLabel()
        self.explanation.setWordWrap(True)
        layout.addWidget(self.explanation)
        layout.addSpacing(8)
        self.messages = MessageBar()
        self.messages.reserve(2)  # a message moves no field below it
        layout.addWidget(self.messages)
        self.form = PasswordForm(ask_current=False)
        self.form.submitted.connect(self.save)
        layout.addWidget(self.form)
        layout.addSpacing(14)
        buttons = QHBoxLayout()
        self.save_button = make_button("Сохранить и войти", "primary")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        self.cancel_button = make_button("Отмена")
        self.cancel_button.clicked.connect(self.cancel)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), self)
        escape.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        escape.activated.connect(self.cancel)

    def start(self, signed_in: SignedIn, one_time_password: str) -> None:
        self._signed_in = signed_in
        self._one_time_password = one_time_password
        self.form.clear()
        self.messages.clear()
        self.explanation.setText(
            f"Вы вошли в кабинет лицевого счета {signed_in.account_number} с одноразовым "
            "паролем. Прежде чем продолжить, придумайте свой пароль: одноразовый после этого "
            "перестанет действовать."
        )
        self.form.focus_first()

    def save(self) -> None:
        if self._busy or self._signed_in is None:
            return
        problem = self.form.problem()
        if problem:
            self.messages.error(problem)
            return
        signed_in, current, new = self._signed_in, self._one_time_password, self.form.values().new
        self.messages.clear()
        self._set_busy(True)
        ctx = self.ctx
        ctx.tasks.run(
            lambda: ctx.services.auth.change_password(signed_in.actor, current, new),
            # The session goes on as a normal one: its actor comes back without the one-time flag.
            lambda actor: self._changed(dataclasses.replace(signed_in, actor=actor)),
            self._failed,
            owner=self,
        )

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.save_button.setEnabled(not busy)
        self.cancel_button.setEnabled(not busy)
        set_button_text(self.save_button, "Сохранение…" if busy else "Сохранить и войти")

    def _changed(self, signed_in: SignedIn) -> None:
        self._set_busy(False)
        self._forget()
        self.done.emit(dataclasses.replace(signed_in, must_change_password=False))

    def _failed(self, error: Exception) -> None:
        self._set_busy(False)
        self.messages.error(describe_error(error))
        self.form.new.setFocus()
        self.form.new.selectAll()

    def cancel(self) -> None:
        if self._busy:
            return
        if self._signed_in is not None:  # the one-time password is used up: end its session
            actor, ctx = self._signed_in.actor, self.ctx
            ctx.tasks.run(lambda: ctx.services.auth.logout(actor), _ignore, _ignore)
        self._forget()
        self.cancelled.emit()

    def _forget(self) -> None:
        self._signed_in = None
        self._one_time_password = ""
        self.form.clear()
        self.messages.clear()


def _ignore(_result: object) -> None:
    """Ending a session that is being left: nothing to show whatever the answer."""


# --- «Забыли пароль?» ----------------------------------------------------------------------


class ResetDialog(QDialog):
    """Two steps in one dialog: the account and e-mail (a code is mailed), then the code and a
    new password. ``password_changed(account_number)`` on success."""

    password_changed = Signal(str)

    def __init__(self, ctx: AppContext, account_number: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self._number = ""
        self._busy = False
        self.setWindowTitle("Восстановление пароля")
        self.setMinimumSize(420, 360)
        self.resize(500, 600)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(24, 20, 24, 8)
        layout.setSpacing(10)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 16)
        outer.addWidget(scrolling(body), 1)
        heading = QLabel("Восстановление пароля")
        heading.setObjectName("sectionTitle")
        layout.addWidget(heading)
        self.messages = MessageBar()
        self.messages.reserve(2)  # a message moves no field below it
        layout.addWidget(self.messages)
        self.steps = QStackedWidget()
        layout.addWidget(self.steps)

        # Step 1: who
        first = QWidget()
        first_layout = QVBoxLayout(first)
        first_layout.setContentsMargins(0, 0, 0, 0)
        first_layout.setSpacing(4)
        first_layout.addWidget(
            hint_label(
                "Укажите номер лицевого счета и адрес электронной почты, указанный при "
                "регистрации. На него придёт код для смены пароля."
            )
        )
        first_layout.addSpacing(6)
        self.account = add_field(first_layout, ACCOUNT, max_length=20)
        self.account.setText(account_number)
        self.email = add_field(first_layout, EMAIL, max_length=254)
        self.email.setPlaceholderText("ivanov@mail.ru")
        first_layout.addSpacing(12)
        self.request_button = make_button("Получить код", "primary")
        self.request_button.clicked.connect(self.request_code)
        add_left(first_layout, self.request_button)
        first_layout.addStretch(1)
        self.steps.addWidget(first)

        # Step 2: the code and the new password
        second = QWidget()
        second_layout = QVBoxLayout(second)
        second_layout.setContentsMargins(0, 0, 0, 0)
        second_layout.setSpacing(4)
        self.code_intro = hint_label("")
        second_layout.addWidget(self.code_intro)
        second_layout.addSpacing(6)
        self._mailed = ctx.settings.smtp.configured  # else the office hands the code over
        code_label = "Код из письма" if self._mailed else "Код восстановления"
        self.code = add_field(second_layout, code_label, max_length=12)
        self.code.setPlaceholderText("6 цифр")
        second_layout.addSpacing(6)
        self.form = PasswordForm(ask_current=False)
        second_layout.addWidget(self.form)
        second_layout.addSpacing(12)
        row = QHBoxLayout()
        self.change_button = make_button("Сменить пароль", "primary")
        self.change_button.clicked.connect(self.change_password)
        self.again_button = make_button("Получить новый код")
        self.again_button.clicked.connect(self.back_to_request)
        row.addWidget(self.change_button)
        row.addWidget(self.again_button)
        row.addStretch(1)
        second_layout.addLayout(row)
        self.steps.addWidget(second)

        # Step 3: done
        third = QWidget()
        third_layout = QVBoxLayout(third)
        third_layout.setContentsMargins(0, 0, 0, 0)
        self.to_login_button = make_button("Перейти ко входу", "primary")
        self.to_login_button.clicked.connect(self.accept)
        add_left(third_layout, self.to_login_button)
        third_layout.addStretch(1)
        self.steps.addWidget(third)

        layout.addStretch(1)
        bottom = QHBoxLayout()
        bottom.setContentsMargins(24, 0, 24, 0)
        bottom.addStretch(1)
        self.close_button = make_button("Закрыть")
        self.close_button.clicked.connect(self.reject)
        bottom.addWidget(self.close_button)
        outer.addLayout(bottom)
        self._show_step(0)

    def _show_step(self, index: int) -> None:
        """The step's main button is the default one: Enter in any field presses it."""
        self.steps.setCurrentIndex(index)
        default = (self.request_button, self.change_button, self.to_login_button)[index]
        default.setDefault(True)
        focus = (self.email if self.account.text() else self.account, self.code, default)[index]
        focus.setFocus()

    def request_code(self) -> None:
        if self._busy:
            return
        number, email = self.account.text().strip(), self.email.text()
        if not number:
            self.messages.error(NEED_ACCOUNT)
            self.account.setFocus()
            return
        self._set_busy(True, self.request_button, "Отправка…")
        ctx = self.ctx
        ctx.tasks.run(
            lambda: ctx.services.auth.request_reset(number, email),
            lambda result: self._code_requested(number, result),
            self._request_failed,
            owner=self,
        )

    def _code_requested(self, number: str, result: ResetRequestResult) -> None:
        self._set_busy(False, self.request_button, "Получить код")
        self._number = number
        self.messages.info(result.message)
        if self._mailed:
            where = f"код из письма для лицевого счета {number}"
        else:
            where = f"код для лицевого счета {number}, полученный в офисе,"
        self.code_intro.setText(f"Введите {where} и придумайте новый пароль.")
        self.code.clear()
        self.form.clear()
        self._show_step(1)

    def _request_failed(self, error: Exception) -> None:
        self._set_busy(False, self.request_button, "Получить код")
        self.messages.error(describe_error(error))
        field = {"account": self.account, "email": self.email}.get(error_field(error) or "")
        if field is not None:
            field.setFocus()
            field.selectAll()

    def back_to_request(self) -> None:
        if not self._busy:
            self.messages.clear()
            self._show_step(0)

    def change_password(self) -> None:
        if self._busy:
            return
        code = self.code.text().strip()
        if not code:
            self.messages.error("Введите код восстановления.")
            self.code.setFocus()
            return
        problem = self.form.problem()
        if problem:
            self.messages.error(problem)
            return
        number, new = self._number, self.form.values().new
        self._set_busy(True, self.change_button, "Сохранение…")
        ctx = self.ctx
        ctx.tasks.run(
            lambda: ctx.services.auth.complete_reset(number, code, new),
            lambda _none: self._changed(number),
            self._change_failed,
            owner=self,
        )

    def _changed(self, number: str) -> None:
        self._set_busy(False, self.change_button, "Сменить пароль")
        self.code.clear()
        self.form.clear()
        self.messages.success(PASSWORD_CHANGED)
        self._show_step(2)
        self.password_changed.emit(number)

    def _change_failed(self, error: Exception) -> None:
        self._set_busy(False, self.change_button, "Сменить пароль")
        self.messages.error(describe_error(error))
        # The policy refused the password, or the code was wrong, used or expired.
        fields = {"new_password": self.form.new, "code": self.code}
        field = fields.get(error_field(error) or "", self.code)
        field.setFocus()
        field.selectAll()

    def _set_busy(self, busy: bool, button: QPushButton, text: str) -> None:
        self._busy = busy
        button.setEnabled(not busy)
        set_button_text(button, text)
