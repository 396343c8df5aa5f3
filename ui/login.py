"""The login window: «Выполнить вход» and «Регистрация» side by side as in the seed.

What follows or replaces sign-in (the forced change of a one-time password, «Забыли
пароль?») lives in ``ui.login_steps`` and loads when first needed.

The window is painted before anything it does not need is loaded: the core (SQLAlchemy)
loads afterwards, and every service call runs on the task runner's thread, after the job
that opens the database. Nothing here touches Qt's ``Qt`` namespace before the first paint
either (see ``ui.forms``); a test checks both.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ui.context import AppContext
from ui.forms import (
    add_field,
    add_left,
    card,
    centered,
    delete_on_close,
    hint_label,
    make_button,
    scrolling,
    set_button_text,
)
from ui.login_texts import (
    ACCOUNT,
    EMAIL,
    FIO,
    FIO_HINT,
    FORGOT,
    LOGGING_IN,
    LOGIN,
    NEED_ACCOUNT,
    NEED_STAFF_LOGIN,
    PASSWORD,
    PASSWORD_CHANGED,
    PHONE,
    REG_CODE,
    REG_CODE_HINT,
    REG_CODE_OPTIONAL,
    REGISTER,
    SENDING,
    STAFF_LOGIN,
    SUPPORT,
    TO_RESIDENT,
    TO_STAFF,
)
from ui.messages import MessageBar, describe_error, error_field

if TYPE_CHECKING:
    from desktop.auth import RegistrationResult, SignedIn
    from desktop.settings import Settings
    from ui.login_steps import PasswordChangeStep, ResetDialog


# --- the window --------------------------------------------------------------------------


class LoginWindow(QWidget):
    """Sign-in and registration. Emits ``logged_in(SignedIn)`` once the resident is fully in,
    i.e. after a forced change of a one-time password; in staff mode («Вход для сотрудников»)
    it emits ``staff_logged_in(SignedIn)`` for a clerk or administrator instead."""

    logged_in = Signal(object)
    staff_logged_in = Signal(object)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.kiosk = ctx.settings.mode == "kiosk"
        self.setObjectName("loginWindow")
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
        outer.addWidget(self._office_footer())
        # The forced password change is built when first needed: start-up shows only the forms.
        self._change_step: PasswordChangeStep | None = None
        self.change_page: QWidget | None = None

        self.account.setFocus()

    @property
    def change_step(self) -> PasswordChangeStep:
        if self._change_step is None:
            from ui.login_steps import PasswordChangeStep

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
        title = centered(QLabel("Личный кабинет жителя"))
        title.setObjectName("pageTitle")
        column.addWidget(title)
        intro = hint_label(
            "Войдите по номеру лицевого счета из квитанции или зарегистрируйтесь, чтобы "
            "получить пароль."
        )
        column.addWidget(centered(intro))
        column.addSpacing(6)

        cards = QHBoxLayout()
        cards.setSpacing(24)
        cards.addStretch(1)
        login_card = self._login_card()
        register_card = self._register_card()
        for pane in (login_card, register_card):
            pane.setMinimumWidth(330)
            pane.setMaximumWidth(470)
            cards.addWidget(pane, 10)  # both as tall as the taller one
        cards.addStretch(1)
        column.addLayout(cards)
        column.addStretch(1)
        return scrolling(page)

    def _office_footer(self) -> QFrame:
        """The office's phone and hours under the forms, outside their scrolling: on a
        1024×768 screen the forms scroll, and the number to call stays in view."""
        footer = QFrame()
        footer.setObjectName("loginFooter")
        column = QVBoxLayout(footer)
        column.setContentsMargins(32, 8, 32, 10)
        column.setSpacing(2)
        self.phone_label = centered(QLabel())
        self.phone_label.setProperty("selectable", True)  # to copy the number
        column.addWidget(self.phone_label)
        self.footer = hint_label("")
        column.addWidget(centered(self.footer))
        self.show_office(self.ctx.settings)
        return footer

    def show_office(self, settings: Settings) -> None:
        """The office's phone, hours and reading window: this machine's until the database
        is open, then the organisation's."""
        self.phone_label.setText(f"Телефон офиса: {settings.office_phone}")
        window = settings.readings
        self.footer.setText(
            f"Часы работы: {settings.office_hours}.\nПередавайте показания приборов учета "
            f"ежемесячно с {window.window_start} по {window.window_end} число текущего месяца."
        )

    def _login_card(self) -> QFrame:
        login_card, layout = card("Выполнить вход")
        self.login_card = login_card
        self.login_heading = layout.itemAt(0).widget()
        self.login_messages = MessageBar()
        self.login_messages.reserve(2)  # a refusal moves no field: the click lands where aimed
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
        if self.kiosk:  # a kiosk is for residents only
            self.staff_button.hide()
        for button in (
            self.forgot_button,
            self.to_register_button,
            self.support_button,
            self.staff_button,
        ):
            add_left(layout, button)
        layout.addSpacing(14)
        self.login_button = make_button(LOGIN, "primary")
        self.login_button.setDefault(True)
        self.login_button.setMinimumWidth(140)
        self.login_button.clicked.connect(self.login)
        add_left(layout, self.login_button)
        layout.addStretch(1)
        return login_card

    def has_input(self) -> bool:
        """Whether anything a resident typed, or was told, is on screen (an idle kiosk then
        starts afresh)."""
        fields = (self.account, self.password, self.fio, self.reg_account, self.phone, self.email)
        return (
            any(field.text() for field in fields)
            or any(bar.text() for bar in (self.login_messages, self.register_messages))
            or self.stack.currentWidget() is not self.forms
            or self.reset_dialog is not None
            or self.support_dialog is not None
        )

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
        if staff:  # a resident's half-typed registration is no one else's business
            self.clear_registration()
        self.account.setFocus()

    def clear_registration(self) -> None:
        """Empty the registration form and its answer, as at start."""
        for field in (self.fio, self.reg_account, self.phone, self.email, self.reg_code):
            field.clear()
        self.register_messages.clear()
        self.register_note.show()

    def _register_card(self) -> QFrame:
        register_card, layout = card("Регистрация")
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
        required = self.ctx.settings.registration.require_code
        self.reg_code = add_field(
            layout, REG_CODE if required else REG_CODE_OPTIONAL, max_length=20
        )
        self.reg_code.setPlaceholderText("ABCD-EFGH")
        self.reg_code.setAccessibleDescription(REG_CODE_HINT)
        layout.addWidget(hint_label(REG_CODE_HINT))
        for field in (self.fio, self.reg_account, self.phone, self.email, self.reg_code):
            field.returnPressed.connect(self.register)
        layout.addSpacing(14)
        self.register_button = make_button(REGISTER)
        self.register_button.setMinimumWidth(180)
        self.register_button.clicked.connect(self.register)
        add_left(layout, self.register_button)
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
        return register_card

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
                lambda signed_in: self._login_done(signed_in, password),
                self._login_failed,
                owner=self,
            )
            return
        ctx.tasks.run(
            lambda: ctx.services.auth.login(number, password, kiosk=self.kiosk),
            lambda signed_in: self._login_done(signed_in, password),
            self._login_failed,
            owner=self,
        )

    def _set_logging_in(self, busy: bool) -> None:
        self._logging_in = busy
        self.login_button.setEnabled(not busy)
        set_button_text(self.login_button, LOGGING_IN if busy else LOGIN)

    def _login_done(self, signed_in: SignedIn, password: str) -> None:
        self._set_logging_in(False)
        self.password.clear()
        if signed_in.must_change_password:
            step = self.change_step
            self.stack.setCurrentWidget(self.change_page)
            step.start(signed_in, password)
        else:
            self._fully_in(signed_in)

    def _login_failed(self, error: Exception) -> None:
        self._set_logging_in(False)
        self.login_messages.error(describe_error(error))
        self.password.clear()
        # The service names the password whatever was wrong: which one it was stays secret.
        fields = {"account": self.account, "password": self.password}
        fields.get(error_field(error) or "", self.password).setFocus()

    def _fully_in(self, signed_in: SignedIn) -> None:
        """In, with a password of one's own: a resident's cabinet or the staff workplace."""
        self.stack.setCurrentWidget(self.forms)
        self.login_messages.clear()
        if signed_in.actor.staff_id is not None:
            self.staff_logged_in.emit(signed_in)
        else:
            self.logged_in.emit(signed_in)

    def _change_cancelled(self) -> None:
        self.stack.setCurrentWidget(self.forms)
        self.login_messages.info(
            "Пароль не изменён. Одноразовый пароль действует только один раз: получите новый "
            "через «Забыли пароль?» или в офисе управляющей компании."
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
        phone, email, code = self.phone.text(), self.email.text(), self.reg_code.text()
        self.register_messages.clear()
        self._set_registering(True)
        ctx = self.ctx
        ctx.tasks.run(
            lambda: ctx.services.auth.register(fio, number, phone, email, code),
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
        self.reg_code.clear()  # used, or wrong: either way not to be sent again
        self.register_note.hide()
        self.register_messages.info(result.message)
        number = self.reg_account.text().strip()
        if number and not self.account.text().strip():
            self.account.setText(number)

    def _register_failed(self, error: Exception) -> None:
        self._set_registering(False)
        self.register_note.hide()
        self.register_messages.error(describe_error(error))
        fields = {
            "fio": self.fio,
            "account": self.reg_account,
            "phone": self.phone,
            "email": self.email,
            "code": self.reg_code,
        }
        field = fields.get(error_field(error) or "")
        if field is not None:
            field.setFocus()
            field.selectAll()

    # -- dialogs

    def open_reset(self) -> ResetDialog:
        """«Забыли пароль?»: a window-modal dialog, the account number carried over."""
        from ui.login_steps import ResetDialog

        dialog = ResetDialog(self.ctx, self.account.text().strip(), self)
        dialog.password_changed.connect(self._password_reset)
        delete_on_close(dialog)
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
        delete_on_close(dialog)
        dialog.destroyed.connect(lambda: self._forget_dialog("support_dialog", dialog))
        self.support_dialog = dialog
        dialog.open()
        return dialog
