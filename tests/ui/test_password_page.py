"""«Изменить пароль»: a wrong current password, the policy, and a change that works."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from desktop.auth import LoginError
from desktop.demo import DEMO_ACCOUNT, DEMO_PASSWORD
from tests.ui.conftest import wait_idle
from ui.main_window import MainWindow
from ui.pages.password import CHANGE, CHANGED, PasswordPage
from ui.password_form import CURRENT, MISMATCH, NEW, REPEAT
from ui.sidebar import PAGES, Page

NEW_PASSWORD = "Snegopad-na-Sadovoi-7"


@pytest.fixture
def window(qtbot, page_ctx) -> MainWindow:
    window = MainWindow(page_ctx, pages=tuple(s for s in PAGES if s.page == Page.PASSWORD))
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    return window


@pytest.fixture
def page(qtbot, window, app_ctx) -> PasswordPage:
    page = window.show_page(Page.PASSWORD)
    wait_idle(qtbot, app_ctx)
    assert isinstance(page, PasswordPage)
    return page


def fill(qtbot, page: PasswordPage, current: str, new: str, repeat: str | None = None) -> None:
    """Type as a resident would, field after field, and press Enter in the last one."""
    for field, text in (
        (page.form.current, current),
        (page.form.new, new),
        (page.form.repeat, new if repeat is None else repeat),
    ):
        field.clear()
        qtbot.keyClicks(field, text)
    qtbot.keyClick(page.form.repeat, Qt.Key.Key_Return)


def test_fields_buttons_and_tab_order(page, qtbot):
    form = page.form
    assert [f.accessibleName() for f in form.fields()] == [CURRENT, NEW, REPEAT]
    assert page.submit_button.text() == page.submit_button.accessibleName() == CHANGE
    assert form.current.hasFocus()
    order = [form.new, form.repeat, form.show_passwords, page.submit_button]
    for widget in order:
        qtbot.keyClick(page.focusWidget(), Qt.Key.Key_Tab)
        assert widget.hasFocus()


def test_a_wrong_current_password_is_refused_inline(page, qtbot, app_ctx, services):
    fill(qtbot, page, "not-my-password", NEW_PASSWORD)
    wait_idle(qtbot, app_ctx)
    assert page.messages.kind == "error"
    assert page.messages.text().startswith("Текущий пароль введён неверно")
    assert page.form.current.hasFocus()
    services.auth.login(DEMO_ACCOUNT, DEMO_PASSWORD)  # unchanged


@pytest.mark.parametrize(
    ("new", "message"),
    [
        ("password", "Этот пароль слишком распространён и легко угадывается. Придумайте другой."),
        ("short", "Новый пароль слишком короткий: нужно не меньше 8 символов."),
        (
            f"{DEMO_ACCOUNT}{DEMO_ACCOUNT}!",
            "Пароль не должен повторять номер лицевого счета",
        ),
    ],
)
def test_the_password_policy_is_explained(page, qtbot, app_ctx, services, new, message):
    fill(qtbot, page, DEMO_PASSWORD, new)
    wait_idle(qtbot, app_ctx)
    assert page.messages.kind == "error"
    assert page.messages.text().startswith(message)
    assert page.form.new.hasFocus()
    services.auth.login(DEMO_ACCOUNT, DEMO_PASSWORD)


def test_the_repeat_must_match(page, qtbot, app_ctx):
    def places() -> list[tuple[int, int]]:
        return [f.mapTo(page, f.rect().topLeft()).toTuple() for f in page.form.fields()]

    before = places()
    fill(qtbot, page, DEMO_PASSWORD, NEW_PASSWORD, NEW_PASSWORD + "x")
    wait_idle(qtbot, app_ctx)
    assert page.messages.isVisible()
    assert places() == before  # the message appears under the button: no field moves
    button = page.submit_button
    assert (
        page.messages.mapTo(page, page.messages.rect().topLeft()).y()
        > button.mapTo(page, button.rect().bottomLeft()).y()
    )
    assert page.messages.text() == MISMATCH
    assert MISMATCH not in page.form.hint.text()  # the message says it once
    assert page.form.repeat.hasFocus()


def test_a_change_works_and_clears_the_fields(page, qtbot, app_ctx, services):
    fill(qtbot, page, DEMO_PASSWORD, NEW_PASSWORD)
    wait_idle(qtbot, app_ctx)
    assert page.messages.kind == "success" and page.messages.text() == CHANGED
    assert [f.text() for f in page.form.fields()] == ["", "", ""]
    assert page.submit_button.isEnabled()
    session = services.auth.login(DEMO_ACCOUNT, NEW_PASSWORD)
    assert session.account_number == DEMO_ACCOUNT and not session.must_change_password
    with pytest.raises(LoginError):
        services.auth.login(DEMO_ACCOUNT, DEMO_PASSWORD)


def test_the_button_submits_too(page, qtbot, app_ctx, services):
    qtbot.keyClicks(page.form.current, DEMO_PASSWORD)
    qtbot.keyClicks(page.form.new, NEW_PASSWORD)
    qtbot.keyClicks(page.form.repeat, NEW_PASSWORD)
    qtbot.mouseClick(page.submit_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, app_ctx)
    assert page.messages.text() == CHANGED
    services.auth.login(DEMO_ACCOUNT, NEW_PASSWORD)


def test_the_form_begins_right_under_the_heading(page):
    """No empty band waits between the page's title and the form for a message to come."""
    heading = page.heading
    below_heading = heading.mapTo(page, heading.rect().bottomLeft()).y()
    card = page.form.parentWidget()
    assert card.objectName() == "card"
    assert card.mapTo(page, card.rect().topLeft()).y() - below_heading <= 24
