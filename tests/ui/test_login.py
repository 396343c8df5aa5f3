"""The login window on the demo database (SQLite and PostgreSQL): sign-in, registration with a
real SMTP server, the forced change of a one-time password, «Забыли пароль?»."""

from __future__ import annotations

import email
import email.policy
import re
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTableView,
    QWidget,
)
from sqlalchemy import select

from db.engine import Database
from db.models import UserSession
from desktop import passwords
from desktop.actors import SYSTEM
from desktop.app import Services, build_services
from desktop.auth import LOGIN_FAILED, RESET_CODE_FAILED, LoginError
from desktop.clock import FixedClock
from desktop.demo import (
    DEMO_ACCOUNT,
    DEMO_PASSWORD,
    DEMO_REGISTRATION_CODES,
    HOUSEHOLDS,
    SEED_EMAIL,
    build_demo,
)
from desktop.errors import UserError
from desktop.settings import Settings, SmtpSettings
from tests.ui.conftest import wait_idle
from ui import password_form
from ui.context import AppContext
from ui.login import LoginWindow
from ui.login_steps import ResetDialog
from ui.login_texts import NEED_ACCOUNT, PASSWORD_CHANGED
from ui.tasks import TaskRunner

NEW_PASSWORD = "Садовая-12-весна"
UNREGISTERED = "5210"  # the demo's account without a password


# --- a real SMTP server --------------------------------------------------------------------


@dataclass
class Inbox:
    """What an aiosmtpd server on 127.0.0.1 received."""

    port: int
    messages: list[EmailMessage]

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        return "250 Message accepted"

    def secret(self, label: str) -> str:
        """The one-time password or code in the last message."""
        body = self.messages[-1].get_content()
        found = re.search(rf"{label}: (\S+)", body)
        assert found, body
        return found.group(1)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    server = Inbox(free_port(), [])
    controller = Controller(server, hostname="127.0.0.1", port=server.port)
    controller.start()
    try:
        yield server
    finally:
        controller.stop()


@pytest.fixture
def smtp_services(database: Database, ui_clock: FixedClock, inbox: Inbox) -> Services:
    """The demo database with mail going to the test's SMTP server."""
    build_demo(database, ui_clock)
    smtp = SmtpSettings(
        host="127.0.0.1", port=inbox.port, security="none", sender="cabinet@example.ru"
    )
    return build_services(database, Settings(smtp=smtp), ui_clock, inline_mail=True)


@pytest.fixture
def smtp_ctx(qtbot, smtp_services: Services) -> Iterator[AppContext]:
    ctx = AppContext(smtp_services.settings, TaskRunner())
    ctx.open(lambda: smtp_services)
    wait_idle(qtbot, ctx)
    yield ctx
    wait_idle(qtbot, ctx)
    ctx.tasks.shutdown()


@pytest.fixture
def bare_ctx(qtbot) -> Iterator[AppContext]:
    """No database at all: for what the window shows before asking anything."""
    ctx = AppContext(Settings(), TaskRunner())
    yield ctx
    ctx.tasks.shutdown()


# --- helpers -------------------------------------------------------------------------------


def show(qtbot, ctx: AppContext) -> LoginWindow:
    window = LoginWindow(ctx)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)
    return window


def type_text(qtbot, widget: QWidget, text: str) -> None:
    """Type like a person would, Cyrillic too (QTest's own typing knows ASCII only)."""
    for char in text:
        if char == "\n":
            qtbot.keyClick(widget, Qt.Key.Key_Return)
        elif char.isascii():
            qtbot.keyClicks(widget, char)
        else:
            for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
                event = QKeyEvent(kind, Qt.Key.Key_unknown, Qt.KeyboardModifier.NoModifier, char)
                QApplication.sendEvent(widget, event)


def sign_in(qtbot, window: LoginWindow, number: str, password: str) -> None:
    window.account.clear()
    type_text(qtbot, window.account, number)
    type_text(qtbot, window.password, password)
    qtbot.mouseClick(window.login_button, Qt.MouseButton.LeftButton)


def fio_of(number: str) -> str:
    return next(h.fio for h in HOUSEHOLDS if h.number == number)


def register(
    qtbot,
    window: LoginWindow,
    ctx: AppContext,
    email_address: str,
    code: str = DEMO_REGISTRATION_CODES[UNREGISTERED],
) -> None:
    qtbot.mouseClick(window.to_register_button, Qt.MouseButton.LeftButton)
    assert window.focusWidget() is window.fio
    type_text(qtbot, window.fio, fio_of(UNREGISTERED))
    qtbot.keyClicks(window.reg_account, UNREGISTERED)
    qtbot.keyClicks(window.phone, "8 (915) 123-45-67")
    qtbot.keyClicks(window.email, email_address)
    type_text(qtbot, window.reg_code, code)
    qtbot.mouseClick(window.register_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, ctx)


def check_accessible_names(root: QWidget) -> int:
    """Every button's accessible name is its text; every input's is its buddy label's text.
    Returns how many widgets were checked."""
    checked = 0
    for button in root.findChildren(QAbstractButton):
        if isinstance(button.parent(), QTableView):
            continue  # the table's own corner button, hidden with the row header
        assert button.accessibleName() == button.text().replace("&", ""), button.text()
        checked += 1
    buddies = {
        id(label.buddy()): label.text().replace("&", "")
        for label in root.findChildren(QLabel)
        if label.buddy() is not None
    }
    for kind in (QLineEdit, QPlainTextEdit, QTableView):
        for field in root.findChildren(kind):
            assert id(field) in buddies, f"{kind.__name__} {field.accessibleName()!r} has no label"
            assert field.accessibleName() == buddies[id(field)]
            checked += 1
    return checked


# --- sign-in -------------------------------------------------------------------------------


def test_the_window_gets_from_the_style_sheet_what_it_cannot_set_before_its_first_paint(
    qtbot, bare_ctx: AppContext
) -> None:
    """ui.forms leaves alignment, selectability and the scroll area's focus to the style
    sheet; the window must still look and behave as if they were set in Python."""
    window = show(qtbot, bare_ctx)
    title = next(w for w in window.findChildren(QLabel) if w.text() == "Личный кабинет жителя")
    assert title.alignment() & Qt.AlignmentFlag.AlignHCenter
    assert window.phone_label.alignment() & Qt.AlignmentFlag.AlignHCenter  # under the forms
    assert window.phone_label.textInteractionFlags() & Qt.TextInteractionFlag.TextSelectableByMouse
    scroll = window.forms
    assert scroll.objectName() == "formScroll"
    assert scroll.focusPolicy() == Qt.FocusPolicy.NoFocus
    # The buttons under the fields keep their natural width, on the left.
    for button in (window.forgot_button, window.login_button):
        assert button.parent() is window.account.parent()
        assert button.width() == max(button.sizeHint().width(), button.minimumWidth())
        assert button.x() == window.account.x()
    assert window.palette().color(window.backgroundRole()).name() == "#f4f6f9"


def test_a_message_shows_what_was_typed_as_plain_text(qtbot, bare_ctx: AppContext) -> None:
    window = show(qtbot, bare_ctx)
    window.login_messages.error("Номер «<b>12</b>» не найден.")
    assert window.login_messages.textFormat() == Qt.TextFormat.PlainText
    assert (
        window.login_messages.textInteractionFlags() & Qt.TextInteractionFlag.TextSelectableByMouse
    )


def test_the_account_field_has_the_focus_at_start(qtbot, bare_ctx: AppContext) -> None:
    window = show(qtbot, bare_ctx)
    window.activateWindow()
    qtbot.waitUntil(window.account.hasFocus)
    assert window.focusWidget() is window.account
    assert window.password.echoMode() == QLineEdit.EchoMode.Password
    assert window.objectName() == "loginWindow"


def test_wrong_password_then_the_right_one(qtbot, app_ctx: AppContext) -> None:
    window = show(qtbot, app_ctx)
    sign_in(qtbot, window, DEMO_ACCOUNT, "wrong-password")
    # While the check runs, the button says so and cannot be pressed twice.
    assert not window.login_button.isEnabled()
    assert window.login_button.text() == window.login_button.accessibleName() == "Вход…"
    wait_idle(qtbot, app_ctx)
    assert window.login_messages.isVisible() and window.login_messages.kind == "error"
    assert window.login_messages.text() == LOGIN_FAILED
    assert window.password.text() == "" and window.focusWidget() is window.password
    assert window.login_button.isEnabled() and window.login_button.text() == "Войти"

    with qtbot.waitSignal(window.logged_in, timeout=10_000) as signal:
        qtbot.keyClicks(window.password, DEMO_PASSWORD)
        qtbot.mouseClick(window.login_button, Qt.MouseButton.LeftButton)
    session = signal.args[0]
    assert (session.account_number, session.fio) == (DEMO_ACCOUNT, "Иванов И.И.")
    assert not session.must_change_password
    assert window.password.text() == ""


def test_enter_logs_in(qtbot, app_ctx: AppContext) -> None:
    window = show(qtbot, app_ctx)
    qtbot.keyClicks(window.account, DEMO_ACCOUNT)
    qtbot.keyClick(window.account, Qt.Key.Key_Tab)
    assert window.focusWidget() is window.password
    qtbot.keyClicks(window.password, DEMO_PASSWORD)
    with qtbot.waitSignal(window.logged_in, timeout=10_000) as signal:
        qtbot.keyClick(window.password, Qt.Key.Key_Return)
    assert signal.args[0].account_number == DEMO_ACCOUNT
    assert window.login_button.isDefault()


def test_tab_goes_through_the_login_form_then_the_registration_form(
    qtbot, bare_ctx: AppContext
) -> None:
    window = show(qtbot, bare_ctx)
    chain, widget = [], window.account
    while True:
        if widget.isVisible() and widget.focusPolicy() & Qt.FocusPolicy.TabFocus:
            chain.append(widget.accessibleName())
        widget = widget.nextInFocusChain()
        if widget is window.account:
            break
    assert chain == [
        "Номер лицевого счета",
        "Пароль",
        "Забыли пароль?",
        "Зарегистрироваться",
        "Обратиться в техподдержку",
        "Вход для сотрудников",
        "Войти",
        "ФИО",
        "Номер лицевого счета",
        "Телефон",
        "Электронная почта",
        "Код регистрации из квитанции",
        "Зарегистрироваться",
    ]


def test_empty_fields_are_explained_without_asking_the_database(
    qtbot, bare_ctx: AppContext
) -> None:
    window = show(qtbot, bare_ctx)
    qtbot.mouseClick(window.login_button, Qt.MouseButton.LeftButton)
    assert bare_ctx.tasks.idle
    assert window.login_messages.text() == NEED_ACCOUNT
    assert window.focusWidget() is window.account
    qtbot.keyClicks(window.account, DEMO_ACCOUNT)
    qtbot.keyClick(window.account, Qt.Key.Key_Return)
    assert bare_ctx.tasks.idle
    assert window.login_messages.text() == "Введите пароль."
    assert window.focusWidget() is window.password


def test_a_message_moves_no_field(qtbot, bare_ctx: AppContext) -> None:
    """The refusal appears in a place kept for it: the fields stay where the mouse aims."""
    window = show(qtbot, bare_ctx)
    fields = (window.account, window.password, window.login_button)

    def places() -> list[tuple[int, int]]:
        return [f.mapTo(window, f.rect().topLeft()).toTuple() for f in fields]

    before = places()
    qtbot.mouseClick(window.login_button, Qt.MouseButton.LeftButton)
    assert window.login_messages.isVisible() and window.login_messages.text() == NEED_ACCOUNT
    assert places() == before
    window.login_messages.error(
        "Неверный номер лицевого счета или пароль. Проверьте номер по квитанции, раскладку "
        "клавиатуры и Caps Lock."
    )
    assert places() == before
    window.login_messages.clear()
    assert places() == before


def test_while_the_database_opens_a_login_waits_its_turn(qtbot, services: Services) -> None:
    gate = threading.Event()
    ctx = AppContext(services.settings, TaskRunner())

    def slow_open() -> Services:
        gate.wait(10)
        return services

    ctx.open(slow_open)
    try:
        window = show(qtbot, ctx)
        sign_in(qtbot, window, DEMO_ACCOUNT, DEMO_PASSWORD)
        assert not window.login_button.isEnabled()
        with qtbot.waitSignal(window.logged_in, timeout=10_000) as signal:
            gate.set()
        assert signal.args[0].account_number == DEMO_ACCOUNT
        assert not window.login_messages.isVisible()
    finally:
        gate.set()
        wait_idle(qtbot, ctx)
        ctx.tasks.shutdown()


def test_when_the_database_could_not_be_opened_the_login_says_why(qtbot) -> None:
    problem = "Не удалось открыть базу данных: сервер недоступен. Обратитесь к администратору."
    ctx = AppContext(Settings(), TaskRunner())

    def failing_open() -> Services:
        raise UserError(problem)

    ctx.open(failing_open)
    try:
        window = show(qtbot, ctx)
        sign_in(qtbot, window, DEMO_ACCOUNT, DEMO_PASSWORD)
        wait_idle(qtbot, ctx)
        assert window.login_messages.kind == "error"
        assert window.login_messages.text() == problem
        assert window.login_button.isEnabled()
    finally:
        ctx.tasks.shutdown()


def test_the_office_phone_is_on_the_window(qtbot, bare_ctx: AppContext) -> None:
    window = show(qtbot, bare_ctx)
    assert window.phone_label.text() == "Телефон офиса: 8 495 780 70 83"
    assert window.phone_label.isVisible()


# --- registration and the one-time password ------------------------------------------------


def test_registration_mails_a_one_time_password_that_works_once_and_forces_a_new_one(
    qtbot, smtp_ctx: AppContext, smtp_services: Services, inbox: Inbox
) -> None:
    window = show(qtbot, smtp_ctx)
    register(qtbot, window, smtp_ctx, "fedorova@mail.ru")
    assert window.register_messages.kind == "info"
    assert window.register_messages.text().startswith("Если данные совпали с данными квитанции")
    assert "отправлен на указанную почту" in window.register_messages.text()
    [mail] = inbox.messages
    assert mail["To"] == "fedorova@mail.ru"
    otp = inbox.secret("Одноразовый пароль")
    assert window.account.text() == UNREGISTERED  # carried over to the login form

    arrived: list[object] = []
    window.logged_in.connect(arrived.append)
    qtbot.keyClicks(window.password, otp)
    qtbot.keyClick(window.password, Qt.Key.Key_Return)
    wait_idle(qtbot, smtp_ctx)
    step = window.change_step
    assert window.stack.currentWidget() is window.change_page
    assert arrived == []  # not in before choosing a password
    assert "одноразовым паролем" in step.explanation.text()
    assert step.form.current is None
    assert window.focusWidget() is step.form.new

    # The two entries must match; nothing is sent until they do.
    type_text(qtbot, step.form.new, NEW_PASSWORD)
    type_text(qtbot, step.form.repeat, NEW_PASSWORD + "!")
    assert step.form.hint.text() == password_form.MISMATCH
    qtbot.mouseClick(step.save_button, Qt.MouseButton.LeftButton)
    assert smtp_ctx.tasks.idle
    assert step.messages.text() == password_form.MISMATCH
    assert step.form.hint.text() == password_form.POLICY  # told once, not twice
    # The service's policy is shown inline too.
    step.form.clear()
    qtbot.keyClicks(step.form.new, "qwerty123")
    qtbot.keyClicks(step.form.repeat, "qwerty123")
    qtbot.keyClick(step.form.repeat, Qt.Key.Key_Return)
    wait_idle(qtbot, smtp_ctx)
    assert "распространён" in step.messages.text()
    assert arrived == []

    step.form.clear()
    type_text(qtbot, step.form.new, NEW_PASSWORD)
    type_text(qtbot, step.form.repeat, NEW_PASSWORD)
    with qtbot.waitSignal(window.logged_in, timeout=10_000) as signal:
        qtbot.mouseClick(step.save_button, Qt.MouseButton.LeftButton)
    session = signal.args[0]
    assert session.account_number == UNREGISTERED
    assert session.fio == fio_of(UNREGISTERED)
    assert not session.must_change_password
    assert step.form.values() == password_form.PasswordValues("", "", "")  # nothing kept

    # The one-time password no longer works, on screen or anywhere; the new one does.
    again = show(qtbot, smtp_ctx)
    sign_in(qtbot, again, UNREGISTERED, otp)
    wait_idle(qtbot, smtp_ctx)
    assert again.login_messages.text() == LOGIN_FAILED
    with pytest.raises(LoginError):
        smtp_services.auth.login(UNREGISTERED, otp)
    assert not smtp_services.auth.login(UNREGISTERED, NEW_PASSWORD).must_change_password


def test_without_smtp_the_office_prints_the_password_and_cancel_returns_to_the_form(
    qtbot, app_ctx: AppContext, services: Services
) -> None:
    window = show(qtbot, app_ctx)
    register(qtbot, window, app_ctx, "fedorova@mail.ru")
    message = window.register_messages.text()
    assert message.startswith("Если данные совпали с данными квитанции")
    assert "получите его у сотрудника офиса (телефон 8 495 780 70 83)" in message
    assert "выдаёт сотрудник офиса" in window.register_note.text()

    clerk = services.auth.staff_login("operator", "demo-operator-2017").actor
    [slip] = services.outbox.pending(clerk)
    otp = re.search(r"Одноразовый пароль: (\S+)", slip.body).group(1)  # type: ignore[union-attr]

    sign_in(qtbot, window, UNREGISTERED, otp)
    wait_idle(qtbot, app_ctx)
    assert window.stack.currentWidget() is window.change_page
    type_text(qtbot, window.change_step.form.new, NEW_PASSWORD)
    qtbot.mouseClick(window.change_step.cancel_button, Qt.MouseButton.LeftButton)
    assert window.stack.currentWidget() is window.forms
    assert window.change_step.form.new.text() == ""
    assert "Пароль не изменён" in window.login_messages.text()
    assert "Одноразовый пароль действует только один раз" in window.login_messages.text()
    assert window.focusWidget() is window.password
    # The one-time password was used up by the sign-in: a new one is needed, and the
    # session it opened has ended.
    with pytest.raises(LoginError):
        services.auth.login(UNREGISTERED, otp)
    wait_idle(qtbot, app_ctx)
    with services.db.read() as s:
        ends = s.scalars(select(UserSession.end_reason).where(UserSession.one_time)).all()
    assert ends == ["one_time_abandoned"]


def test_registration_errors_are_shown_beside_the_form(qtbot, app_ctx: AppContext) -> None:
    window = show(qtbot, app_ctx)
    type_text(qtbot, window.fio, fio_of(UNREGISTERED))
    qtbot.keyClicks(window.reg_account, UNREGISTERED)
    qtbot.keyClicks(window.phone, "12345")
    qtbot.keyClick(window.phone, Qt.Key.Key_Return)
    wait_idle(qtbot, app_ctx)
    assert window.register_messages.kind == "error"
    assert window.register_messages.text().startswith("Телефон указан неверно")
    assert window.focusWidget() is window.phone
    assert window.register_button.isEnabled()


@pytest.mark.parametrize(
    ("fio", "number", "phone", "email", "message", "field"),
    [
        ("", UNREGISTERED, "+79151234567", "a@mail.ru", "Укажите ФИО", "fio"),
        # «лицевого счета» is in the message, yet the field is the number, not the ФИО's
        ("Фёдорова", "  ", "+79151234567", "a@mail.ru", "Укажите номер лицевого", "reg_account"),
        ("Фёдорова", UNREGISTERED, "+79151234567", "", "Укажите адрес электронной", "email"),
        ("Фёдорова", UNREGISTERED, "+79151234567", "ivanov.mail.ru", "Адрес электронной", "email"),
    ],
)
def test_the_cursor_goes_to_the_field_the_service_names(
    qtbot,
    app_ctx: AppContext,
    fio: str,
    number: str,
    phone: str,
    email: str,
    message: str,
    field: str,
) -> None:
    window = show(qtbot, app_ctx)
    for widget, text in (
        (window.fio, fio),
        (window.reg_account, number),
        (window.phone, phone),
        (window.email, email),
    ):
        type_text(qtbot, widget, text)
    window.account.setFocus()  # somewhere else: the answer must move it
    qtbot.mouseClick(window.register_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, app_ctx)
    assert window.register_messages.kind == "error"
    assert window.register_messages.text().startswith(message)
    assert window.focusWidget() is getattr(window, field)


def test_without_the_code_from_the_receipt_nobody_is_registered(
    qtbot, app_ctx: AppContext, services: Services
) -> None:
    """The takeover of issue 10 at the window: ФИО and number alone get the neutral answer
    and no password; a malformed code is explained on its field; the right one works, typed
    in lower case on the Russian layout's look-alike letters."""
    window = show(qtbot, app_ctx)
    register(qtbot, window, app_ctx, "thief@mail.ru", code="")
    assert window.register_messages.kind == "info"
    assert window.register_messages.text().startswith("Если данные совпали с данными квитанции")
    assert services.outbox.pending(SYSTEM) == []

    for widget in (window.fio, window.reg_account, window.phone, window.email):
        widget.clear()
    register(qtbot, window, app_ctx, "fedorova@mail.ru", code="DEMA-2K70")
    assert window.register_messages.kind == "error"
    assert "не бывает букв O, I, L и цифр 0, 1" in window.register_messages.text()
    assert window.focusWidget() is window.reg_code

    window.reg_code.clear()
    for widget in (window.fio, window.reg_account, window.phone, window.email):
        widget.clear()
    register(qtbot, window, app_ctx, "fedorova@mail.ru", code="dема 2к7в")
    assert window.register_messages.kind == "info"
    assert window.reg_code.text() == ""
    [slip] = services.outbox.pending(SYSTEM)
    assert (slip.account_number, slip.recipient) == (UNREGISTERED, "fedorova@mail.ru")


# --- «Забыли пароль?» ------------------------------------------------------------------------


def test_forgot_password_mails_a_code_that_sets_a_new_password(
    qtbot, smtp_ctx: AppContext, smtp_services: Services, inbox: Inbox
) -> None:
    window = show(qtbot, smtp_ctx)
    qtbot.keyClicks(window.account, DEMO_ACCOUNT)
    qtbot.mouseClick(window.forgot_button, Qt.MouseButton.LeftButton)
    dialog = window.reset_dialog
    assert isinstance(dialog, ResetDialog) and dialog.isVisible()
    assert dialog.account.text() == DEMO_ACCOUNT
    assert dialog.focusWidget() is dialog.email
    qtbot.keyClicks(dialog.email, SEED_EMAIL)
    qtbot.keyClick(dialog.email, Qt.Key.Key_Return)  # the step's default button
    wait_idle(qtbot, smtp_ctx)
    assert dialog.messages.kind == "info"
    assert dialog.messages.text().startswith("Если адрес почты совпал с указанным при регистрации")
    assert "на неё отправлен код" in dialog.messages.text()
    assert dialog.steps.currentIndex() == 1
    assert dialog.focusWidget() is dialog.code
    code = inbox.secret("Код")
    assert inbox.messages[-1]["To"] == SEED_EMAIL

    wrong = "000000" if code != "000000" else "111111"
    qtbot.keyClicks(dialog.code, wrong)
    type_text(qtbot, dialog.form.new, NEW_PASSWORD)
    type_text(qtbot, dialog.form.repeat, NEW_PASSWORD)
    qtbot.mouseClick(dialog.change_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, smtp_ctx)
    assert dialog.messages.kind == "error" and dialog.messages.text() == RESET_CODE_FAILED
    assert dialog.focusWidget() is dialog.code

    # The policy is checked before the code: the cursor goes to the new password.
    dialog.code.clear()
    qtbot.keyClicks(dialog.code, code)
    dialog.form.clear()
    qtbot.keyClicks(dialog.form.new, "qwerty123")
    qtbot.keyClicks(dialog.form.repeat, "qwerty123")
    qtbot.mouseClick(dialog.change_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, smtp_ctx)
    assert dialog.messages.kind == "error" and "распространён" in dialog.messages.text()
    assert dialog.focusWidget() is dialog.form.new

    dialog.form.clear()
    type_text(qtbot, dialog.form.new, NEW_PASSWORD)
    type_text(qtbot, dialog.form.repeat, NEW_PASSWORD)
    qtbot.keyClick(dialog.code, Qt.Key.Key_Return)
    wait_idle(qtbot, smtp_ctx)
    assert dialog.messages.kind == "success" and dialog.messages.text() == PASSWORD_CHANGED
    assert dialog.steps.currentIndex() == 2
    assert window.account.text() == DEMO_ACCOUNT
    assert window.login_messages.text() == PASSWORD_CHANGED
    qtbot.mouseClick(dialog.to_login_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.reset_dialog is None)

    with pytest.raises(LoginError):
        smtp_services.auth.login(DEMO_ACCOUNT, DEMO_PASSWORD)
    with qtbot.waitSignal(window.logged_in, timeout=10_000) as signal:
        type_text(qtbot, window.password, NEW_PASSWORD)
        qtbot.keyClick(window.password, Qt.Key.Key_Return)
    assert signal.args[0].account_number == DEMO_ACCOUNT


def test_forgot_password_answers_neutrally_and_checks_input(
    qtbot, app_ctx: AppContext, services: Services
) -> None:
    window = show(qtbot, app_ctx)
    dialog = window.open_reset()
    qtbot.mouseClick(dialog.request_button, Qt.MouseButton.LeftButton)
    assert dialog.messages.text() == NEED_ACCOUNT and app_ctx.tasks.idle
    qtbot.keyClicks(dialog.account, "999999")
    qtbot.keyClicks(dialog.email, "not an address")
    qtbot.mouseClick(dialog.request_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, app_ctx)
    assert dialog.messages.kind == "error"
    assert dialog.messages.text().startswith("Адрес электронной почты указан неверно")
    assert dialog.focusWidget() is dialog.email
    dialog.email.clear()
    qtbot.keyClicks(dialog.email, "someone@mail.ru")
    qtbot.mouseClick(dialog.request_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, app_ctx)
    # An unknown account gets the same answer as a known one (here: the office's outbox).
    assert dialog.messages.text().startswith("Если адрес почты совпал с указанным при регистрации")
    assert "у сотрудника офиса" in dialog.messages.text()
    assert dialog.steps.currentIndex() == 1
    qtbot.mouseClick(dialog.again_button, Qt.MouseButton.LeftButton)
    assert dialog.steps.currentIndex() == 0
    qtbot.mouseClick(dialog.close_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.reset_dialog is None)


# --- accessibility and start-up -----------------------------------------------------------


def test_accessible_names_equal_visible_labels(qtbot, bare_ctx: AppContext) -> None:
    window = show(qtbot, bare_ctx)
    assert check_accessible_names(window) == 13  # both forms and «Вход для сотрудников»
    assert window.change_step is not None  # built when first needed
    assert check_accessible_names(window) == 18  # and the forced change step's form
    dialog = window.open_reset()
    assert check_accessible_names(dialog) == 11
    assert window.fio.accessibleDescription() == window.fio_hint.text()


def test_the_password_form_keeps_the_core_policy_length() -> None:
    assert password_form.MIN_LENGTH == passwords.MIN_LENGTH


def test_the_login_window_loads_no_database_code() -> None:
    """Start-up speed: the window is painted before SQLAlchemy and Argon2 are loaded."""
    code = (
        "import sys, ui.login, ui.password_form; "
        "heavy = [m for m in ('sqlalchemy', 'desktop.auth', 'desktop.passwords', 'argon2') "
        "if m in sys.modules]; print(heavy)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "[]"
