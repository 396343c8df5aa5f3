"""The kiosk's shell: one full-screen, frameless window always on top, beginning at a welcome
screen with the office's phone and hours, showing the resident's pages only, and going back
to the welcome screen at logout with nothing of the account left."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from db.models import Channel
from desktop.app import Services
from tests.ui.conftest import wait_idle
from tests.ui.kiosk_helpers import FakeTime, kiosk_running, shown_texts, sign_in
from ui.kiosk.controller import KioskController
from ui.kiosk.shell import KioskShell
from ui.pages.base import BasePage
from ui.pages.registry import Page


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def kiosk(qtbot, services: Services, tmp_path, fake_time) -> Iterator[KioskController]:
    with kiosk_running(qtbot, services, tmp_path, fake_time) as controller:
        yield controller


def test_the_kiosk_is_one_frameless_full_screen_window_on_top(qtbot, kiosk) -> None:
    shell = kiosk.shell
    assert shell.isFullScreen() and shell.isVisible()
    flags = shell.windowFlags()
    assert flags & Qt.WindowType.FramelessWindowHint
    assert flags & Qt.WindowType.WindowStaysOnTopHint
    for control in (
        Qt.WindowType.WindowCloseButtonHint,
        Qt.WindowType.WindowMinimizeButtonHint,
        Qt.WindowType.WindowMaximizeButtonHint,
        Qt.WindowType.WindowSystemMenuHint,
        Qt.WindowType.WindowTitleHint,
    ):
        assert not flags & control, control
    assert [w for w in QApplication.topLevelWidgets() if w.isVisible()] == [shell]


def test_the_welcome_screen_names_the_cabinet_the_two_ways_in_and_the_office(
    qtbot, kiosk, services: Services
) -> None:
    welcome = kiosk.shell.welcome
    assert kiosk.shell.stack.currentWidget() is welcome
    texts = shown_texts(kiosk.shell)
    assert "Личный кабинет жителя" in texts
    assert "Войти" in texts and "Зарегистрироваться" in texts
    assert f"Телефон офиса: {services.settings.office_phone}" in texts
    assert any(services.settings.office_hours in t for t in texts)
    assert kiosk.login is None  # nothing of a login form until a resident asks for it

    admin = services.auth.staff_login("admin", "demo-admin-2017").actor
    changed = services.organisation.change(
        admin, "office_phone", "8 800 100 00 00", services.settings
    )
    kiosk.apply_settings(changed)  # the organisation's, once the database is open
    assert "Телефон офиса: 8 800 100 00 00" in shown_texts(kiosk.shell)


def test_login_and_registration_open_inside_the_window_and_home_forgets_the_typing(
    qtbot, kiosk
) -> None:
    shell: KioskShell = kiosk.shell
    qtbot.mouseClick(shell.welcome.register_button, Qt.MouseButton.LeftButton)
    login = kiosk.login
    assert login is not None and login.window() is shell
    assert shell.current_screen() is login and login.fio.hasFocus()
    assert not login.staff_button.isVisible()  # no «Вход для сотрудников» for the public
    login.fio.setText("Петров П.П.")
    qtbot.mouseClick(shell.home_button, Qt.MouseButton.LeftButton)
    assert shell.stack.currentWidget() is shell.welcome and kiosk.login is None
    qtbot.waitUntil(lambda: not shiboken6.isValid(login), timeout=5_000)
    assert not any("Петров" in t for t in shown_texts())

    qtbot.mouseClick(shell.welcome.login_button, Qt.MouseButton.LeftButton)
    fresh = kiosk.login
    assert fresh is not None and fresh.account.hasFocus() and not fresh.has_input()


def test_a_resident_signs_in_to_the_resident_pages_only_and_leaves_nothing(
    qtbot, kiosk, services: Services
) -> None:
    sign_in(qtbot, kiosk)
    main = kiosk.main
    assert main is not None and main.window() is kiosk.shell  # no second window
    assert kiosk.shell.current_screen() is main
    assert main.ctx.actor.channel == Channel.KIOSK
    sidebar = main.sidebar
    assert [sidebar.item(row).text() for row in range(sidebar.count())] == [
        "Моя задолженность",
        "Приборы учета",
        "Квитанции",
        "Ведомость",
        "Изменить пароль",
        "Выйти",
    ]
    assert [w for w in QApplication.topLevelWidgets() if w.isVisible()] == [kiosk.shell]
    ctx = kiosk.ctx
    wait_idle(qtbot, ctx)
    for page in (Page.DEBT, Page.RECEIPTS, Page.STATEMENT):
        main.show_page(page)
        wait_idle(qtbot, ctx)
    pages = main.findChildren(BasePage)
    assert any("Иванов И.И." in t for t in shown_texts())
    QGuiApplication.clipboard().setText("3492 Иванов")
    (kiosk.scratch.path / "Квитанция 3492.pdf").write_bytes(b"%PDF-1.4")

    main.logout_requested.emit()  # «Выйти»
    qtbot.waitUntil(lambda: not shiboken6.isValid(main), timeout=5_000)
    assert not any(shiboken6.isValid(page) for page in pages)
    assert kiosk.main is None and kiosk.shell.stack.currentWidget() is kiosk.shell.welcome
    assert not any("3492" in t or "Иванов" in t or "Садовая" in t for t in shown_texts())
    assert QGuiApplication.clipboard().text() == ""
    assert list(kiosk.scratch.path.iterdir()) == []


def test_the_kiosk_starts_and_quits_from_the_command_line(tmp_path) -> None:
    """``--kiosk --quit-after-start`` paints the kiosk's window and exits, though the window
    refuses to close (quit() would ask it to, and wait forever)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
    }
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "desktop",
            "--kiosk",
            "--quit-after-start",
            "--database-url",
            f"sqlite:///{(tmp_path / 'c.db').as_posix()}",
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=Path(__file__).resolve().parents[2],
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "data" / "zhk-cabinet" / "kiosk-temp").is_dir()
