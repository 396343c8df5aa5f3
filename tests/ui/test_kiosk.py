"""The kiosk: residents only, signed in on the kiosk channel, and signed out when idle with
a countdown on screen. Time is a fake monotonic clock: the tests do not wait 90 seconds."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
import shiboken6
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QLineEdit

from db.models import Channel
from desktop.app import Services
from tests.ui.conftest import running, wait_idle
from tests.ui.test_app import log_in, visible_texts
from ui.app import Controller
from ui.context import AppContext
from ui.idle import IdleWatch
from ui.pages.registry import Page


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def kiosk_ctx(qtbot, services: Services) -> Iterator[AppContext]:
    with running(qtbot, services, dataclasses.replace(services.settings, mode="kiosk")) as ctx:
        yield ctx


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def kiosk(qtbot, kiosk_ctx: AppContext, fake_time: FakeTime) -> Iterator[Controller]:
    """A kiosk at its login window, idle logout after 90 s with the last 20 counted down."""
    controller = Controller(kiosk_ctx)
    qtbot.waitExposed(controller.show_login())
    controller.watch_idle(IdleWatch(90, 20, now=fake_time, parent=controller))
    yield controller
    controller.idle.stop()
    for window in (controller.main, controller.login):
        if window is not None and shiboken6.isValid(window):
            window.close()


def idle_for(controller: Controller, fake_time: FakeTime, seconds: float) -> None:
    fake_time.now += seconds
    controller.idle.tick()  # what the watch's one-second timer does


def test_the_watch_counts_down_then_expires_and_input_resets_it(qtbot, fake_time) -> None:
    watch = IdleWatch(90, 20, now=fake_time)
    shown: list[object] = []
    watch.countdown.connect(shown.append)
    watch.resumed.connect(lambda: shown.append("resumed"))
    watch.expired.connect(lambda: shown.append("expired"))
    watch.start()
    try:
        for step in (60, 9, 1, 5):
            fake_time.now += step
            watch.tick()
        assert shown == [20, 15]  # nothing before the last 20 seconds
        field = QLineEdit()
        qtbot.addWidget(field)
        field.show()
        qtbot.keyClick(field, Qt.Key.Key_5)  # a real key press anywhere in the application
        assert shown == [20, 15, "resumed"] and watch.seconds_left == 90
        fake_time.now += 90
        watch.tick()
        assert shown[-1] == "expired" and watch.seconds_left == 90  # and it starts over
    finally:
        watch.stop()


def test_a_kiosk_signs_residents_in_on_the_kiosk_channel_only(qtbot, kiosk, kiosk_ctx) -> None:
    login = kiosk.login
    assert login.isFullScreen()
    assert not login.staff_button.isVisible()  # no «Вход для сотрудников» for the public
    log_in(qtbot, kiosk)
    assert kiosk.main.isFullScreen()
    assert kiosk.main.ctx.actor.channel == Channel.KIOSK
    sidebar = kiosk.main.sidebar
    assert [sidebar.item(row).text() for row in range(sidebar.count())] == [
        "Моя задолженность",
        "Приборы учета",
        "Квитанции",
        "Ведомость",
        "Изменить пароль",
        "Выйти",
    ]


def test_an_idle_resident_is_signed_out_after_a_visible_countdown(
    qtbot, kiosk, kiosk_ctx, fake_time
) -> None:
    log_in(qtbot, kiosk)
    main = kiosk.main
    wait_idle(qtbot, kiosk_ctx)
    idle_for(kiosk, fake_time, 70)
    assert main.idle_bar.isVisible()
    assert "через 20 с" in main.idle_label.text()
    idle_for(kiosk, fake_time, 12)
    assert "через 8 с" in main.idle_label.text()

    qtbot.mouseClick(main.sidebar.viewport(), Qt.MouseButton.LeftButton)  # someone is there
    assert not main.idle_bar.isVisible() and kiosk.main is main

    QGuiApplication.clipboard().setText("3492 Иванов")
    idle_for(kiosk, fake_time, 90)
    qtbot.waitUntil(lambda: not shiboken6.isValid(main), timeout=5_000)
    assert kiosk.main is None and kiosk.login.isVisible()
    assert not any("3492" in t or "Садовая" in t for t in visible_texts())
    assert QGuiApplication.clipboard().text() == ""


def test_idle_logout_closes_a_dialog_left_open(qtbot, kiosk, kiosk_ctx, fake_time) -> None:
    log_in(qtbot, kiosk)
    main = kiosk.main
    wait_idle(qtbot, kiosk_ctx)
    # The support form is modal (exec): the resident walked away with it open.
    QTimer.singleShot(200, lambda: idle_for(kiosk, fake_time, 90))
    main.open_support()  # returns once the idle logout has closed it
    qtbot.waitUntil(lambda: not shiboken6.isValid(main), timeout=5_000)
    assert kiosk.main is None and QApplication.activeModalWidget() is None
    assert kiosk.login.isVisible()


def test_what_was_typed_at_an_idle_login_window_is_cleared(qtbot, kiosk, fake_time) -> None:
    untouched = kiosk.login
    idle_for(kiosk, fake_time, 90)
    assert kiosk.login is untouched  # nothing typed: nothing to clear, no flicker

    kiosk.login.fio.setText("Петров П.П.")
    kiosk.login.email.setText("petrov@mail.ru")
    idle_for(kiosk, fake_time, 90)
    qtbot.waitUntil(lambda: not shiboken6.isValid(untouched), timeout=5_000)
    fresh = kiosk.login
    assert fresh.isVisible() and not fresh.has_input()
    assert not any("Петров" in t or "petrov@" in t for t in visible_texts())


def test_the_touch_that_stops_the_countdown_lands_where_it_was_aimed(
    qtbot, kiosk, kiosk_ctx, fake_time
) -> None:
    """The warning lies over the page: hiding it on the press moves nothing under the
    finger, so the release still clicks the button that was touched."""
    log_in(qtbot, kiosk)
    main = kiosk.main
    wait_idle(qtbot, kiosk_ctx)
    page = main.page(Page.METERS)
    idle_for(kiosk, fake_time, 75)
    assert main.idle_bar.isVisible()
    button = page.add_button
    finger = button.mapTo(main, button.rect().center())  # where on the screen it touches
    with qtbot.waitSignal(button.clicked, timeout=2_000):
        qtbot.mousePress(button, Qt.MouseButton.LeftButton, pos=button.mapFrom(main, finger))
        qtbot.wait(50)  # the layout would settle here if the warning took room in it
        assert not main.idle_bar.isVisible()
        qtbot.mouseRelease(button, Qt.MouseButton.LeftButton, pos=button.mapFrom(main, finger))
    wait_idle(qtbot, kiosk_ctx)


def test_the_watch_runs_on_its_own_timer_and_stops_listening_when_stopped(qtbot, fake_time) -> None:
    watch = IdleWatch(90, 20, now=fake_time)
    watch.start()
    fake_time.now += 90
    with qtbot.waitSignal(watch.expired, timeout=3_000):
        pass  # the one-second timer ticks by itself
    watch.stop()
    fake_time.now += 50
    field = QLineEdit()
    qtbot.addWidget(field)
    field.show()
    qtbot.keyClick(field, Qt.Key.Key_5)
    assert watch.seconds_left == 40  # the key press no longer counts


def test_the_kiosk_times_out_as_the_organisation_set_it(qtbot, kiosk, kiosk_ctx, fake_time) -> None:
    """Changed at the office, the idle time and the phone reach the kiosk once its database
    is open: the login window and the watch take the organisation's values."""
    services = kiosk_ctx.services
    admin = services.auth.staff_login("admin", "demo-admin-2017").actor
    services.organisation.change(admin, "kiosk.idle_seconds", "60", services.settings)
    changed = services.organisation.change(
        admin, "office_phone", "8 800 100 00 00", services.settings
    )
    kiosk.apply_settings(changed)
    assert "Телефон офиса: 8 800 100 00 00" in visible_texts()
    idle_for(kiosk, fake_time, 39)
    assert kiosk.idle.seconds_left == 21  # 60, not the machine's 90
    idle_for(kiosk, fake_time, 21)
    assert kiosk.idle.seconds_left == 60  # it expired and restarted
