"""What the kiosk's screen tests share: a kiosk controller on the demo database with a fake
monotonic clock (for the idle logout and the corner taps) and its own temporary folder."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QPushButton, QScrollArea, QWidget

from desktop.app import Services
from desktop.demo import DEMO_ACCOUNT, DEMO_PASSWORD
from tests.ui.conftest import running, wait_idle
from ui.idle import IdleWatch
from ui.kiosk.controller import KioskController
from ui.kiosk.scratch import Scratch


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@contextmanager
def kiosk_running(
    qtbot, services: Services, tmp_path: Path, fake_time: FakeTime
) -> Iterator[KioskController]:
    """A kiosk at its welcome screen, locked down, signed out after 90 s idle (20 counted)."""
    settings = dataclasses.replace(services.settings, mode="kiosk")
    with running(qtbot, services, settings) as ctx:
        scratch = Scratch(tmp_path / "kiosk-temp")
        scratch.install()
        controller = KioskController(ctx, scratch, now=fake_time)
        shell = controller.start()
        qtbot.waitExposed(shell)
        controller.watch_idle(IdleWatch(90, 20, now=fake_time, parent=controller))
        try:
            yield controller
        finally:
            wait_idle(qtbot, ctx)
            if shiboken6.isValid(shell) and shell.isVisible():
                controller.leave_kiosk()
            wait_idle(qtbot, ctx)
            shell.deleteLater()
            controller.deleteLater()
            qtbot.waitUntil(lambda: not shiboken6.isValid(shell), timeout=5_000)


def idle_for(controller: KioskController, fake_time: FakeTime, seconds: float) -> None:
    fake_time.now += seconds
    assert controller.idle is not None
    controller.idle.tick()  # what the watch's one-second timer does


def sign_in(qtbot, controller: KioskController) -> None:
    """«Войти» on the welcome screen, the demo account, «Войти» on the form."""
    qtbot.mouseClick(controller.shell.welcome.login_button, Qt.MouseButton.LeftButton)
    login = controller.login
    assert login is not None
    login.account.setText(DEMO_ACCOUNT)
    login.password.setText(DEMO_PASSWORD)
    scroll = login.forms
    assert isinstance(scroll, QScrollArea)
    scroll.ensureWidgetVisible(login.login_button)  # a small screen: the resident scrolls
    qtbot.mouseClick(login.login_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: controller.main is not None, timeout=10_000)


def shown_texts(root: QWidget | None = None) -> list[str]:
    """Every text on screen: labels, fields and buttons of the visible windows."""
    roots = [root] if root is not None else QApplication.topLevelWidgets()
    texts: list[str] = []
    for window in roots:
        if not window.isVisible():
            continue
        for kind in (QLabel, QLineEdit, QPushButton):
            texts += [w.text() for w in window.findChildren(kind) if w.isVisible()]
    return texts
