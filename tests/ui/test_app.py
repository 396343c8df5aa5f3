"""The whole application: start-up, login to the cabinet, logout leaving nothing behind."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QMainWindow

from desktop.demo import DEMO_ACCOUNT, DEMO_PASSWORD
from tests.ui.conftest import wait_idle
from ui.app import Controller
from ui.pages.base import BasePage
from ui.pages.registry import Page
from ui.window_state import WindowState

ROOT = Path(__file__).resolve().parents[2]
HEAVY = (
    "sqlalchemy",
    "alembic",
    "psycopg",
    "argon2",
    "reportlab",
    "openpyxl",
    "pandas",
    "pypdfium2",
    "segno",
)


def visible_texts() -> list[str]:
    texts = []
    for window in QApplication.topLevelWidgets():
        if not window.isVisible():
            continue
        texts += [w.text() for w in window.findChildren(QLabel)]
        texts += [w.text() for w in window.findChildren(QLineEdit)]
    return texts


def log_in(qtbot, controller: Controller) -> None:
    login = controller.login
    login.account.setText(DEMO_ACCOUNT)
    login.password.setText(DEMO_PASSWORD)
    qtbot.mouseClick(login.login_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: controller.main is not None, timeout=10_000)


def test_login_opens_the_meters_page_and_logout_leaves_nothing(qtbot, app_ctx, tmp_path):
    controller = Controller(app_ctx, WindowState(str(tmp_path / "window.ini")))
    login = controller.show_login()
    qtbot.waitExposed(login)
    assert login.focusWidget() is login.account
    log_in(qtbot, controller)
    main = controller.main
    wait_idle(qtbot, app_ctx)
    assert main.isVisible() and (not shiboken6.isValid(login) or not login.isVisible())
    assert any("3492" in t for t in visible_texts()) and any(
        "Иванов И.И." in t for t in visible_texts()
    )
    assert main.stack.currentWidget() is main.page(Page.METERS)
    for page in (Page.STATEMENT, Page.DEBT, Page.RECEIPTS):
        main.show_page(page)
        wait_idle(qtbot, app_ctx)
    pages = main.findChildren(BasePage)
    assert len(pages) == 4
    QGuiApplication.clipboard().setText("3492 Иванов")

    main.logout_requested.emit()
    qtbot.waitUntil(lambda: not shiboken6.isValid(main), timeout=5_000)
    assert not any(shiboken6.isValid(page) for page in pages)
    assert not [w for w in QApplication.allWidgets() if isinstance(w, BasePage)]
    wait_idle(qtbot, app_ctx)
    assert controller.main is None and controller.login is not None and controller.login.isVisible()
    texts = visible_texts()
    assert not any("3492" in t or "Садовая" in t for t in texts), texts  # number, address
    assert not [w for w in QApplication.topLevelWidgets() if isinstance(w, QMainWindow)]
    assert controller.login.account.text() == "" and controller.login.password.text() == ""
    assert QGuiApplication.clipboard().text() == ""
    controller.login.close()  # no window of this test stays on screen for the next one


def test_the_windows_remember_their_geometry(qtbot, app_ctx, tmp_path):
    path = tmp_path / "window.ini"
    controller = Controller(app_ctx, WindowState(str(path)))
    controller.show_login()
    log_in(qtbot, controller)
    controller.main.logout_requested.emit()
    qtbot.waitUntil(lambda: controller.main is None)
    saved = path.read_text()
    assert "[main]" in saved and "[login]" in saved and "geometry=" in saved
    probe = QMainWindow()
    qtbot.addWidget(probe)
    assert WindowState(str(path)).restore(probe, "main")
    controller.login.close()


def test_quit_after_start_shows_the_window_and_exits(tmp_path):
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "CABINET_STARTUP_REPORT": "1",
        "XDG_CONFIG_HOME": str(tmp_path),
        "XDG_DATA_HOME": str(tmp_path),
    }
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "desktop",
            "--quit-after-start",
            "--database-url",
            f"sqlite:///{(tmp_path / 'c.db').as_posix()}",
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("painted ")
    assert "qt translations ru" in done.stdout.splitlines()  # installed after the paint


def test_the_login_window_is_painted_before_anything_it_does_not_need(tmp_path):
    """Up to the first paint: no heavy library, no core service, and not PySide's ``Qt``
    namespace (creating its enums costs about 15 ms; see ui.forms)."""
    url = f"sqlite:///{(tmp_path / 'c.db').as_posix()}"
    code = (
        "import json, sys, desktop.cli\n"
        f"code = desktop.cli.main(['--quit-after-start', '--database-url', {url!r}])\n"
        "import PySide6.QtCore\n"
        "print(json.dumps({'code': code,\n"
        f"    'heavy': sorted(m for m in {HEAVY!r} if m in sys.modules),\n"
        "    'core': sorted(m for m in ('desktop.app', 'desktop.auth') if m in sys.modules),\n"
        "    'qt_namespace': 'Qt' in vars(PySide6.QtCore)}))\n"
    )
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "XDG_CONFIG_HOME": str(tmp_path),
        "XDG_DATA_HOME": str(tmp_path),
    }
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=60,
        check=True,
    )
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report == {"code": 0, "heavy": [], "core": [], "qt_namespace": False}


def test_the_check_for_the_qt_namespace_would_see_it():
    """The check above is meaningful: using any Qt enum creates the namespace."""
    code = (
        "import PySide6.QtCore as core; before = 'Qt' in vars(core)\n"
        "from PySide6.QtWidgets import QApplication, QLabel\n"
        "app = QApplication([]); QLabel().alignment()\n"
        "print(before, 'Qt' in vars(core))"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert done.stdout.split() == ["False", "True"]
