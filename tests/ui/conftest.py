"""Fixtures for the screens: offscreen Qt, a demo database, services on a fixed clock."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest

from db.engine import Database
from desktop.app import Services, build_services
from desktop.clock import FixedClock
from desktop.demo import DEMO_ACCOUNT, DEMO_PASSWORD, build_demo
from desktop.settings import Settings
from ui import collector, theme
from ui.context import AppContext, PageContext
from ui.tasks import TaskRunner


@pytest.fixture(scope="session", autouse=True)
def themed_app(qapp):
    """The screens as the application shows them: its font, palette and style sheet (which
    also sets a few widget properties, see ui.forms)."""
    theme.apply(qapp)
    collector.install(qapp)  # as ui.app does: cyclic garbage is collected on this thread
    return qapp


@pytest.fixture
def ui_clock() -> FixedClock:
    """20 November 2026: inside the reading window, with demo data up to this month."""
    return FixedClock(datetime(2026, 11, 20, 10, 0, tzinfo=UTC))


@pytest.fixture
def services(database: Database, ui_clock: FixedClock) -> Services:
    build_demo(database, ui_clock)
    return build_services(database, Settings(), ui_clock)


@contextmanager
def running(qtbot, services: Services, settings: Settings | None = None) -> Iterator[AppContext]:
    """An application context on the services, as after start-up; shut down at the end."""
    ctx = AppContext(settings or services.settings, TaskRunner())
    ctx.open(lambda: services)
    wait_idle(qtbot, ctx)
    yield ctx
    wait_idle(qtbot, ctx)
    ctx.tasks.shutdown()


@pytest.fixture
def app_ctx(qtbot, services: Services) -> Iterator[AppContext]:
    with running(qtbot, services) as ctx:
        yield ctx


@pytest.fixture
def page_ctx(app_ctx: AppContext, services: Services) -> PageContext:
    """Logged in as the seed's account 3492."""
    return PageContext.for_sign_in(app_ctx, services.auth.login(DEMO_ACCOUNT, DEMO_PASSWORD))


def wait_idle(qtbot, ctx: AppContext, timeout: int = 10_000) -> None:
    """Let background work finish and its results reach the widgets."""
    qtbot.waitUntil(lambda: ctx.tasks.idle, timeout=timeout)


def pause_at_progress(
    monkeypatch: pytest.MonkeyPatch, service: object, method: str, *, report_first: bool = False
) -> tuple[threading.Event, threading.Event]:
    """Make ``service.method`` (a long job given its ``state``) wait at each progress report
    until the test sets the second event; the first is set once it got there. «Отмена»
    pressed meanwhile meets no race. ``report_first``: the step shows before the wait."""
    reached, go_on = threading.Event(), threading.Event()
    run = getattr(service, method)

    def paused(*args, state, **kwargs):
        report = state.progress

        def pausing(done: int, total: int) -> None:
            if report_first:
                report(done, total)
            reached.set()
            go_on.wait(10)
            if not report_first:
                report(done, total)

        state.progress = pausing
        return run(*args, state=state, **kwargs)

    monkeypatch.setattr(service, method, paused)
    return reached, go_on
