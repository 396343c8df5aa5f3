"""The login window: «Выполнить вход» and «Регистрация» side by side as in the seed, the forced
change of a one-time password, and «Забыли пароль?».

Only light modules are imported here: the window is painted before the core (SQLAlchemy)
is loaded, and every service call runs on the task runner's thread, after the job that
opens the database.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.errors import ValidationError
from ui.context import AppContext
from ui.messages import MessageBar, describe_error

if TYPE_CHECKING:
    from desktop.auth import RegistrationResult, ResetRequestResult, Session

ACCOUNT = "Номер лицевого счета"
PASSWORD = "Пароль"
FORGOT = "Забыли пароль?"
REGISTER = "Зарегистрироваться"
SUPPORT = "Обратиться в техподдержку"
LOGIN = "Войти"
LOGGING_IN = "Вход…"
FIO = "ФИО"
FIO_HINT = "ФИО необходимо указывать в точности как в квитанции, например: Иванов И.И."
PHONE = "Телефон"
EMAIL = "Электронная почта"
SENDING = "Отправка…"
NEED_ACCOUNT = "Укажите номер лицевого счёта — он напечатан в квитанции."
PASSWORD_CHANGED = "Пароль изменён. Войдите с номером лицевого счёта и новым паролем."
STAFF_LOGIN = "Логин сотрудника"
TO_STAFF = "Вход для сотрудников"
TO_RESIDENT = "Вход для жителя"
NEED_STAFF_LOGIN = "Укажите логин сотрудника."


# --- small builders shared by the window and its dialogs ----------------------------------


def make_button(text: str, kind: str = "", *, description: str = "") -> QPushButton:
    """A button whose accessible name is its label; Enter on it clicks it, as Space does."""
    button = QPushButton(text)
    if kind:
        button.setObjectName(kind)
    button.setAccessibleName(text.replace("&", ""))
    if description:
        button.setAccessibleDescription(description)
    button.setAutoDefault(True)
    return button


def set_button_text(button: QPushButton, text: str) -> None:
    """Change a label and the accessible name with it (e.g. «Войти» → «Вход…»)."""
    button.setText(text)
    button.setAccessibleName(text.replace("&", ""))


def add_field(
    layout: QVBoxLayout, text: str, *, password: bool = False, max_length: int = 200
) -> QLineEdit:
    """A label above its input, the label being the input's buddy and accessible name."""
    label = QLabel(text)
    field = QLineEdit()
    field.setAccessibleName(text)
    field.setMaxLength(max_length)
    if password:
        field.setEchoMode(QLineEdit.EchoMode.Password)
    label.setBuddy(field)
    if layout.count():
        layout.addSpacing(6)
    layout.addWidget(label)
    layout.addWidget(field)
    return field


def hint_label(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("hint")
    label.setWordWrap(True)
    return label


def scrolling(content: QWidget) -> QScrollArea:
    """Content that scrolls when the window is small (1024×768 and below). Also keeps the
    window's minimum size fixed while messages come and go: a top-level window whose
    minimum size changes after it is shown makes some platforms (offscreen) warn."""
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Tab goes to the fields; they scroll in view
    scroll.setWidget(content)
    scroll.viewport().setAutoFillBackground(False)
    content.setAutoFillBackground(False)
    return scroll


def _card(title: str) -> tuple[QFrame, QVBoxLayout]:
    card = QFrame()
    card.setObjectName("card")
    card.setAccessibleName(title)
    layout = QVBoxLayout(card)
    layout.setContentsMargins(28, 22, 28, 24)
    layout.setSpacing(4)
    heading = QLabel(title)
    heading.setObjectName("sectionTitle")
    layout.addWidget(heading)
    layout.addSpacing(8)
    return card, layout


# --- the window --------------------------------------------------------------------------


class LoginWindow(QWidget):
    """Sign-in and registration. Emits ``logged_in(Session)`` once the resident is fully in,
    i.e. after a forced change of a one-time password; in staff mode («Вход для сотрудников»)
    it emits ``staff_logged_in(Session)`` for a clerk or administrator instead."""

    logged_in = Signal(object)
    staff_logged_in = Signal(object)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("loginWindow")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        self.setMinimumSize(760, 540)
        self.reset_dialog: ResetDialog | None = None
        self.support_dialog: QDialog | None = None
        self._logging_in = False
        self._registering = False
        self.staff_mode = False

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.stack = QStackedWidget()
        outer.addWidget(self.stack)
        self.forms = self._forms_page()
        self.stack.addWidget(self.forms)
        # The forced password change is built when first needed: start-up shows only the forms.
        self._change_step: PasswordChangeStep | None = None
        self.change_page: QWidget | None = None

        self.account.setFocus()

    @property
    def change_step(self) -> PasswordChangeStep:
        if self._change_step is None:
            self._change_step = PasswordChangeStep(self.ctx)
            self._change_step.done.connect(self._fully_in)
            self._change_step.cancelled.connect(self._change_cancelled)
            self.change_page = scrolling(self._change_step)
            self.stack.addWidget(self.change_page)
        return self._change_step

    # -- layout

    def _forms_page(self) -> QWidget:
        page = QWidget()
        column = QVBoxLayout(page)
        column.setContentsMargins(32, 28, 32, 24)
        column.setSpacing(14)
        column.addStretch(1)  # centred on a tall screen
        title = QLabel("Личный кабинет жителя")
        title.setObjectName("pageTitle")
        title.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        column.addWidget(title)
        intro = hint_label(
            "Войдите по номеру лицевого счёта из квитанции или зарегистрируйтесь, чтобы "
            "получить пароль."
        )
        intro.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        column.addWidget(intro)
        column.addSpacing(6)

        cards = QHBoxLayout()
        cards.setSpacing(24)
        cards.addStretch(1)
        login_card = self._login_card()
        register_card = self._register_card()
        for card in (login_card, register_card):
            card.setMinimumWidth(330)
            card.setMaximumWidth(470)
            cards.addWidget(card, 10)  # both as tall as the taller one
        cards.addStretch(1)
        column.addLayout(cards)
        column.addSpacing(10)

        settings = self.ctx.settings
        self.phone_label = QLabel(f"Телефон офиса: {settings.office_phone}")
        self.phone_label.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.phone_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        column.addWidget(self.phone_label)
        window = settings.readings
        footer = hint_label(
            f"Часы работы: {settings.office_hours}.\nПередавайте показания приборов учета "
            f"ежемесячно с {window.window_start} по {window.window_end} число текущего месяца."
        )
        footer.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        column.addWidget(footer)
        column.addStretch(1)

        return scrolling(page)

    def _login_card(self) -> QFrame:
        card, layout = _card("Выполнить вход")
        self.login_card = card
        self.login_heading = layout.itemAt(0).widget()
        self.login_messages = MessageBar()
        layout.addWidget(self.login_messages)
        self.account = add_field(layout, ACCOUNT, max_length=20)
        self.account_label = self.account_label_of(layout)
        self.password = add_field(layout, PASSWORD, password=True, max_length=128)
        self.account.returnPressed.connect(self.login)
        self.password.returnPressed.connect(self.login)
        layout.addSpacing(10)
        self.forgot_button = make_button(FORGOT, "link")
        self.forgot_button.clicked.connect(self.open_reset)
        self.to_register_button = make_button(
            REGISTER, "link", description="Перейти к форме регистрации"
        )
        self.to_register_button.clicked.connect(self.go_to_registration)
        self.support_button = make_button(SUPPORT, "link")
        self.support_button.clicked.connect(self.open_support)
        self.staff_button = make_button(TO_STAFF, "link")
        self.staff_button.clicked.connect(lambda: self.set_staff_mode(not self.staff_mode))
        for button in (
            self.forgot_button,
            self.to_register_button,
            self.support_button,
            self.staff_button,
        ):
            layout.addWidget(button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addSpacing(14)
        self.login_button = make_button(LOGIN, "primary")
        self.login_button.setDefault(True)
        self.login_button.setMinimumWidth(140)
        self.login_button.clicked.connect(self.login)
        layout.addWidget(self.login_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addStretch(1)
        return card

    @staticmethod
    def account_label_of(layout: QVBoxLayout) -> QLabel:
        """The label add_field has just put above the account field."""
        label = layout.itemAt(layout.count() - 2).widget()
        assert isinstance(label, QLabel)
        return label

    def set_staff_mode(self, staff: bool) -> None:
        """Switch the login card between a resident's account number and a staff login."""
        if self._logging_in or staff == self.staff_mode:
            return
        self.staff_mode = staff
        label = STAFF_LOGIN if staff else ACCOUNT
        self.account_label.setText(label)
        self.account.setAccessibleName(label)
        self.account.setMaxLength(64 if staff else 20)
        set_button_text(self.staff_button, TO_RESIDENT if staff else TO_STAFF)
        heading = TO_STAFF if staff else "Выполнить вход"
        self.login_heading.setText(heading)
        self.login_card.setAccessibleName(heading)
        # Password recovery and registration are for residents only.
        self.forgot_button.setVisible(not staff)
        self.to_register_button.setVisible(not staff)
        self.account.clear()
        self.password.clear()
        self.login_messages.clear()
        self.account.setFocus()

    def _register_card(self) -> QFrame:
        card, layout = _card("Регистрация")
        self.fio = add_field(layout, FIO, max_length=200)
        self.fio.setAccessibleDescription(FIO_HINT)
        self.fio.setPlaceholderText("Иванов И.И.")
        self.fio_hint = hint_label(FIO_HINT)
        layout.addWidget(self.fio_hint)
        self.reg_account = add_field(layout, ACCOUNT, max_length=20)
        self.phone = add_field(layout, PHONE, max_length=30)
        self.phone.setPlaceholderText("+7 915 123-45-67")
        self.email = add_field(layout, EMAIL, max_length=254)
        self.email.setPlaceholderText("ivanov@mail.ru")
        for field in (self.fio, self.reg_account, self.phone, self.email):
            field.returnPressed.connect(self.register)
        layout.addSpacing(14)
        self.register_button = make_button(REGISTER)
        self.register_button.setMinimumWidth(180)
        self.register_button.clicked.connect(self.register)
        layout.addWidget(self.register_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addSpacing(10)
        # The answer appears under the button, where the eye is after pressing it.
        self.register_messages = MessageBar()
        layout.addWidget(self.register_messages)
        if self.ctx.settings.smtp.configured:
            note = (
                "Пароль придёт на указанную почту в течение 1–3 минут; если письма нет, "
                "проверьте папку «Спам» или обратитесь в техподдержку."
            )
        else:
            note = (
                "Пароль для первого входа выдаёт сотрудник офиса управляющей компании "
                "(он его распечатает)."
            )
        self.register_note = hint_label(note)
        layout.addWidget(self.register_note)
        layout.addStretch(1)
        return card

    # -- sign-in

    def login(self) -> None:
        """Check the account number and password in the background."""
        if self._logging_in:
            return
        number = self.account.text().strip()
        password = self.password.text()
        if not number:
            self.login_messages.error(NEED_STAFF_LOGIN if self.staff_mode else NEED_ACCOUNT)
            self.account.setFocus()
            return
        if not password:
            self.login_messages.error("Введите пароль.")
            self.password.setFocus()
            return
        self.login_messages.clear()
        self._set_logging_in(True)
        ctx = self.ctx
        if self.staff_mode:
            ctx.tasks.run(
                lambda: ctx.services.auth.staff_login(number, password),
                self._staff_login_done,
                self._login_failed,
                owner=self,
            )
            return
        ctx.tasks.run(
            lambda: ctx.services.auth.login(number, password),
            lambda session: self._login_done(session, password),
            self._login_failed,
            owner=self,
        )

    def _set_logging_in(self, busy: bool) -> None:
        self._logging_in = busy
        self.login_button.setEnabled(not busy)
        set_button_text(self.login_button, LOGGING_IN if busy else LOGIN)

    def _login_done(self, session: Session, password: str) -> None:
        self._set_logging_in(False)
        self.password.clear()
        if session.must_change_password:
            step = self.change_step
            self.stack.setCurrentWidget(self.change_page)
            step.start(session, password)
        else:
            self._fully_in(session)

    def _staff_login_done(self, session: Session) -> None:
        self._set_logging_in(False)
        self.password.clear()
        self.login_messages.clear()
        self.staff_logged_in.emit(session)

    def _login_failed(self, error: Exception) -> None:
        self._set_logging_in(False)
        self.login_messages.error(describe_error(error))
        self.password.clear()
        self.password.setFocus()

    def _fully_in(self, session: Session) -> None:
        self.stack.setCurrentWidget(self.forms)
        self.login_messages.clear()
        self.logged_in.emit(session)

    def _change_cancelled(self) -> None:
        self.stack.setCurrentWidget(self.forms)
        self.login_messages.info(
            "Пароль не изменён. Чтобы войти, снова введите одноразовый пароль и придумайте свой."
        )
        self.password.setFocus()

    # -- registration

    def go_to_registration(self) -> None:
        self.fio.setFocus()

    def register(self) -> None:
        """Ask for a one-time password; the answer is the service's neutral message."""
        if self._registering:
            return
        fio, number = self.fio.text(), self.reg_account.text()
        phone, email = self.phone.text(), self.email.text()
        self.register_messages.clear()
        self._set_registering(True)
        ctx = self.ctx
        ctx.tasks.run(
            lambda: ctx.services.auth.register(fio, number, phone, email),
            self._registered,
            self._register_failed,
            owner=self,
        )

    def _set_registering(self, busy: bool) -> None:
        self._registering = busy
        self.register_button.setEnabled(not busy)
        set_button_text(self.register_button, SENDING if busy else REGISTER)

    def _registered(self, result: RegistrationResult) -> None:
        # result.delivery tells whether the data matched: never shown to a resident.
        self._set_registering(False)
        self.register_note.hide()
        self.register_messages.info(result.message)
        number = self.reg_account.text().strip()
        if number and not self.account.text().strip():
            self.account.setText(number)

    def _register_failed(self, error: Exception) -> None:
        self._set_registering(False)
        text = describe_error(error)
        self.register_note.hide()
        self.register_messages.error(text)
        # The service checks the fields in the form's order; put the cursor where it failed.
        for field, words in (
            (self.fio, "ФИО"),
            (self.reg_account, "лицевого"),
            (self.phone, "Телефон"),
            (self.email, "почты"),
        ):
            if words.casefold() in text.casefold():
                field.setFocus()
                field.selectAll()
                break

    # -- dialogs

    def open_reset(self) -> ResetDialog:
        """«Забыли пароль?»: a window-modal dialog, the account number carried over."""
        dialog = ResetDialog(self.ctx, self.account.text().strip(), self)
        dialog.password_changed.connect(self._password_reset)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.destroyed.connect(lambda: self._forget_dialog("reset_dialog", dialog))
        self.reset_dialog = dialog
        dialog.open()
        return dialog

    def _password_reset(self, number: str) -> None:
        self.account.setText(number)
        self.password.clear()
        self.login_messages.success(PASSWORD_CHANGED)

    def _forget_dialog(self, name: str, dialog: QDialog) -> None:
        if getattr(self, name) is dialog:  # not a newer one opened meanwhile
            setattr(self, name, None)

    def open_support(self) -> QDialog:
        from ui.support import SupportDialog

        dialog = SupportDialog(self.ctx, None, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.destroyed.connect(lambda: self._forget_dialog("support_dialog", dialog))
        self.support_dialog = dialog
        dialog.open()
        return dialog


# --- the forced change of a one-time password ---------------------------------------------


class PasswordChangeStep(QWidget):
    """Shown instead of the forms after signing in with a one-time password: the resident
    chooses their own before anything else. ``done(Session)`` when changed."""

    done = Signal(object)
    cancelled = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._session: Session | None = None
        self._one_time_password = ""
        self._busy = False

        outer = QVBoxLayout(self)
        outer.setContentsMargins(32, 40, 32, 24)
        outer.addStretch(1)
        row = QHBoxLayout()
        row.addStretch(1)
        card, layout = _card("Смена пароля")
        card.setMinimumWidth(380)
        card.setMaximumWidth(520)
        row.addWidget(card, 10)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(2)

        self.explanation = QLabel()
        self.explanation.setWordWrap(True)
        layout.addWidget(self.explanation)
        layout.addSpacing(8)
        self.messages = MessageBar()
        layout.addWidget(self.messages)
        from ui.password_form import PasswordForm  # only when a password is being set

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

    def start(self, session: Session, one_time_password: str) -> None:
        self._session = session
        self._one_time_password = one_time_password
        self.form.clear()
        self.messages.clear()
        self.explanation.setText(
            f"Вы вошли в кабинет лицевого счёта {session.account_number} с одноразовым "
            "паролем. Прежде чем продолжить, придумайте свой пароль: одноразовый после этого "
            "перестанет действовать."
        )
        self.form.focus_first()

    def save(self) -> None:
        if self._busy or self._session is None:
            return
        problem = self.form.problem()
        if problem:
            self.messages.error(problem)
            return
        session, current, new = self._session, self._one_time_password, self.form.values().new
        self.messages.clear()
        self._set_busy(True)
        ctx = self.ctx
        ctx.tasks.run(
            lambda: ctx.services.auth.change_password(session.actor, current, new),
            lambda _none: self._changed(session),
            self._failed,
            owner=self,
        )

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.save_button.setEnabled(not busy)
        self.cancel_button.setEnabled(not busy)
        set_button_text(self.save_button, "Сохранение…" if busy else "Сохранить и войти")

    def _changed(self, session: Session) -> None:
        self._set_busy(False)
        self._forget()
        self.done.emit(dataclasses.replace(session, must_change_password=False))

    def _failed(self, error: Exception) -> None:
        self._set_busy(False)
        self.messages.error(describe_error(error))
        self.form.new.setFocus()
        self.form.new.selectAll()

    def cancel(self) -> None:
        if self._busy:
            return
        self._forget()
        self.cancelled.emit()

    def _forget(self) -> None:
        self._session = None
        self._one_time_password = ""
        self.form.clear()
        self.messages.clear()


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
                "Укажите номер лицевого счёта и адрес электронной почты, указанный при "
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
        first_layout.addWidget(self.request_button, 0, Qt.AlignmentFlag.AlignLeft)
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
        from ui.password_form import PasswordForm  # only when a password is being set

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
        third_layout.addWidget(self.to_login_button, 0, Qt.AlignmentFlag.AlignLeft)
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
            where = f"код из письма для лицевого счёта {number}"
        else:
            where = f"код для лицевого счёта {number}, полученный в офисе,"
        self.code_intro.setText(f"Введите {where} и придумайте новый пароль.")
        self.code.clear()
        self.form.clear()
        self._show_step(1)

    def _request_failed(self, error: Exception) -> None:
        self._set_busy(False, self.request_button, "Получить код")
        self.messages.error(describe_error(error))
        if isinstance(error, ValidationError):  # the e-mail is malformed
            self.email.setFocus()
            self.email.selectAll()

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
        field = self.form.new if isinstance(error, ValidationError) else self.code
        field.setFocus()
        field.selectAll()

    def _set_busy(self, busy: bool, button: QPushButton, text: str) -> None:
        self._busy = busy
        button.setEnabled(not busy)
        set_button_text(button, text)
