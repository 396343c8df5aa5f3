"""The database unreachable: the kiosk shows «Сервис временно недоступен» with the office's
phone instead of its welcome, keeps asking by itself, and comes back — sign-in working —
once the database answers, with no restart."""

from __future__ import annotations

import dataclasses

from desktop.app import Services
from desktop.errors import DatabaseUnavailableError
from tests.ui.conftest import wait_idle
from tests.ui.kiosk_helpers import FakeTime, shown_texts, sign_in
from ui.context import AppContext
from ui.idle import IdleWatch
from ui.kiosk.controller import KioskController
from ui.kiosk.scratch import Scratch
from ui.tasks import TaskRunner


def test_the_service_screen_shows_while_the_database_is_down_and_goes_when_it_is_back(
    qtbot, services: Services, tmp_path
) -> None:
    server = {"up": False}

    def open_database() -> Services:  # what open_services does against a server that is off
        if not server["up"]:
            raise DatabaseUnavailableError("Нет связи с сервером базы данных.")
        return services

    ctx = AppContext(dataclasses.replace(services.settings, mode="kiosk"), TaskRunner())
    ctx.open(open_database)
    kiosk = KioskController(ctx, Scratch(tmp_path / "kiosk-temp"))
    shell = kiosk.start()
    kiosk.watch_idle(IdleWatch(90, 20, now=FakeTime(), parent=kiosk))
    try:
        qtbot.waitExposed(shell)
        wait_idle(qtbot, ctx)
        assert shell.stack.currentWidget() is kiosk.unavailable
        texts = shown_texts(shell)
        assert "Сервис временно недоступен" in texts
        assert any(services.settings.office_phone in t for t in texts)
        assert not any("Traceback" in t or "psycopg" in t or "sqlite" in t for t in texts)
        assert not kiosk.shell.welcome.login_button.isVisible()

        kiosk.availability.check()  # still down: the screen stays
        wait_idle(qtbot, ctx)
        assert shell.stack.currentWidget() is kiosk.unavailable

        server["up"] = True
        kiosk.availability.check()  # what its timer does every few seconds
        wait_idle(qtbot, ctx)
        assert shell.stack.currentWidget() is shell.welcome
        sign_in(qtbot, kiosk)  # the services opened on the way: sign-in works
        assert kiosk.main is not None
        kiosk.logout()
        wait_idle(qtbot, ctx)
        assert shell.stack.currentWidget() is shell.welcome
    finally:
        wait_idle(qtbot, ctx)
        kiosk.leave_kiosk()
        wait_idle(qtbot, ctx)
        ctx.tasks.shutdown()


def test_the_timer_asks_again_by_itself(qtbot, services: Services, tmp_path) -> None:
    asked: list[bool] = []

    def open_database() -> Services:
        asked.append(True)
        raise DatabaseUnavailableError("Нет связи с сервером базы данных.")

    ctx = AppContext(dataclasses.replace(services.settings, mode="kiosk"), TaskRunner())
    ctx.open(open_database)
    kiosk = KioskController(ctx, Scratch(tmp_path / "kiosk-temp"))
    kiosk.availability.timer.setInterval(50)
    kiosk.start()
    try:
        qtbot.waitUntil(lambda: len(asked) >= 3, timeout=5_000)  # no click, no restart
    finally:
        kiosk.leave_kiosk()
        wait_idle(qtbot, ctx)
        ctx.tasks.shutdown()
