"""A resident's whole visit to the kiosk, by touch alone, in one test: the window as
``--kiosk`` builds it (``ui.kiosk.app.start_kiosk``) on the demo database, the real services
— on PostgreSQL signed in as a login of the kiosk's own database role, as a kiosk is set up
(``docs/install.md``) — welcome → «Войти» → the account number and the password on the
on-screen keys → «Приборы учета» → a month's values on the keypad → «Сохранить» →
«Квитанции» → «Распечатать» to the kiosk's printer (Qt's PDF output, read back) → idle →
the countdown → the welcome screen, nothing of the account left.

The seams: the idle watch's clock, the kiosk's temporary folder (the test's) and the printer
(``ui.kiosk.printing.open_printer``, a PDF file); the window is sized as a 1280×1024 screen.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import tempfile
import uuid
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import shiboken6
from pypdf import PdfReader
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QApplication, QScroller, QWidget
from sqlalchemy import text
from sqlalchemy.engine import make_url

from db.engine import Database
from db.roles import GROUPS, KIOSK, apply_roles, group_name
from db.roles_clock import CLOCK_SKEW_SECRET
from db.roles_outbox import MAILER
from desktop.app import Services, build_services, connect
from desktop.clock import FixedClock
from desktop.demo import DEMO_ACCOUNT, DEMO_PASSWORD, build_demo
from desktop.settings import KioskSettings, Settings
from tests.ui.conftest import running, wait_idle
from tests.ui.kiosk_helpers import FakeTime, shown_texts
from ui.idle import IdleWatch
from ui.kiosk import app as kiosk_app
from ui.kiosk import printing, touch
from ui.kiosk.scratch import TEMP_VARIABLES, Scratch
from ui.pages.base import BasePage
from ui.pages.readings import ReadingsPage
from ui.pages.receipts import ReceiptsPage
from ui.pages.registry import Page

PRINTER = "Принтер в холле"
NOVEMBER = date(2026, 11, 1)


@pytest.fixture
def kiosk_services(database: Database, ui_clock: FixedClock) -> Iterator[Services]:
    """The demo, and the services a kiosk opens on it: on PostgreSQL as a login role in the
    kiosk's group (dropped afterwards), on SQLite — which has no roles — as the file's user."""
    build_demo(database, ui_clock)
    settings = Settings(kiosk=KioskSettings(printer=PRINTER))
    if database.engine.dialect.name != "postgresql":
        yield build_services(database, settings, ui_clock)
        return
    prefix = f"t{uuid.uuid4().hex[:10]}_"
    login = f"{prefix}kiosk_login"
    owner = database.engine
    try:
        apply_roles(owner, prefix)
        with owner.begin() as conn:
            # The demo's clock is not the server's: allow the functions that far from it.
            conn.execute(
                text(
                    "UPDATE auth_secret SET value = (abs(extract(epoch FROM now() - :t))"
                    " + 86400)::bigint || ' seconds' WHERE name = :n"
                ),
                {"t": ui_clock.now(), "n": CLOCK_SKEW_SECRET},
            )
            conn.exec_driver_sql(
                f'CREATE ROLE "{login}" LOGIN IN ROLE "{group_name(KIOSK, prefix)}"'
            )
        url = make_url(str(owner.url)).set(username=login).render_as_string(False)
        kiosk_db = connect(url)
        yield build_services(kiosk_db, settings, ui_clock, device="kiosk")
        kiosk_db.dispose()
    finally:
        with owner.begin() as conn:
            for role in [login, *(group_name(g, prefix) for g in (*GROUPS, MAILER))]:
                if conn.execute(
                    text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}
                ).first():
                    conn.exec_driver_sql(f'DROP OWNED BY "{role}"')
                    conn.exec_driver_sql(f'DROP ROLE "{role}"')


@pytest.fixture
def printed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The kiosk's printer: Qt's PDF output into this file."""
    target = tmp_path / "printed.pdf"

    def open_printer(name: str) -> QPrinter:
        assert name == PRINTER
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(target))
        return printer

    monkeypatch.setattr(printing, "open_printer", open_printer)
    return target


def tap(qtbot, widget: QWidget, pos: QPoint | None = None) -> None:
    assert widget.isVisible() and widget.isEnabled(), widget.accessibleName()
    if pos is None:
        qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)
    else:
        qtbot.mouseClick(widget, Qt.MouseButton.LeftButton, pos=pos)


def tap_keys(qtbot, keys: dict, text_: str) -> None:
    for key in text_:
        tap(qtbot, keys[key])


def uncovered(card: QWidget, *widgets: QWidget) -> bool:
    """The keypad's card covers none of ``widgets``."""
    box = QRect(card.mapToGlobal(QPoint(0, 0)), card.size())
    return not any(box.intersects(QRect(w.mapToGlobal(QPoint(0, 0)), w.size())) for w in widgets)


def test_a_resident_visits_the_kiosk_by_touch_alone(
    qtbot, qapp, monkeypatch, tmp_path: Path, kiosk_services: Services, printed: Path
) -> None:
    fake_time = FakeTime()
    scratch = Scratch(tmp_path / "kiosk-temp")
    monkeypatch.setattr(kiosk_app, "default_scratch", lambda: scratch)
    monkeypatch.setattr(kiosk_app, "IdleWatch", functools.partial(IdleWatch, now=fake_time))
    for name in TEMP_VARIABLES:  # the kiosk makes its folder the process's: put them back
        monkeypatch.setenv(name, os.environ.get(name, str(tmp_path)))
    monkeypatch.setattr(tempfile, "tempdir", tempfile.tempdir)
    settings = dataclasses.replace(kiosk_services.settings, mode="kiosk")
    with running(qtbot, kiosk_services, settings) as ctx:
        controller, shell = kiosk_app.start_kiosk(qapp, ctx)
        controller.exit_requested.disconnect()  # the administrator's exit quits no test run
        try:
            shell.setWindowState(Qt.WindowState.WindowNoState)
            shell.resize(1280, 1024)
            qtbot.waitExposed(shell)
            wait_idle(qtbot, ctx)
            walk(qtbot, controller, ctx, kiosk_services, fake_time, printed)
        finally:
            wait_idle(qtbot, ctx)
            if shell.isVisible():
                controller.leave_kiosk()
            touch.remove(qapp)
            shell.deleteLater()
            controller.deleteLater()
            qtbot.waitUntil(lambda: not shiboken6.isValid(shell), timeout=5_000)


def walk(qtbot, controller, ctx, services: Services, fake_time: FakeTime, printed: Path) -> None:
    shell = controller.shell
    assert shell.stack.currentWidget() is shell.welcome

    # «Войти»: the form, the keypad beside the account number.
    tap(qtbot, shell.welcome.login_button)
    login = controller.login
    card = controller.keypad
    qtbot.waitUntil(card.isVisible)
    assert card.field is login.account and card.digits.isVisible()
    tap_keys(qtbot, card.digits.keys, DEMO_ACCOUNT)
    assert login.account.text() == DEMO_ACCOUNT

    # The password on the keyboard, «Войти» left in view beside it.
    tap(qtbot, login.password)
    assert card.field is login.password and card.keyboard.isVisible()
    assert uncovered(card, login.password, login.login_button)
    tap(qtbot, card.keyboard.keys["ABC"])  # a Latin password
    qtbot.waitUntil(lambda: card.keyboard.keys["d"].isVisible())  # the Latin keys shown
    tap_keys(qtbot, card.keyboard.keys, DEMO_PASSWORD)
    assert login.password.text() == DEMO_PASSWORD
    tap(qtbot, login.login_button)
    qtbot.waitUntil(lambda: controller.main is not None, timeout=15_000)
    main = controller.main
    wait_idle(qtbot, ctx)

    # «Приборы учета», the resident's first page: this month's values on the keypad.
    page = main.stack.currentWidget()
    assert isinstance(page, ReadingsPage)
    tap(qtbot, page.add_button)
    wait_idle(qtbot, ctx)
    view = page.readings_view
    # Offscreen's screen is smaller than the kiosk's window, and a drag-to-scroll gesture
    # hands a tap on to the widget at its screen position — off that screen here, so
    # nothing: the table takes taps straight in this test.
    QScroller.ungrabGesture(view.viewport())
    index = view.currentIndex()
    tap(qtbot, view.viewport(), view.visualRect(index).center())  # one touch opens the cell
    for value, shown in (("9950,5", "9950,500"), ("3500,25", "3500,250")):  # T1, T2
        qtbot.waitUntil(lambda: card.isVisible() and card.decimal.isVisible())
        editor = card.field
        assert editor is view.indexWidget(view.currentIndex())
        assert uncovered(card, editor, page.save_button)
        editor.clear()
        tap_keys(qtbot, card.decimal.keys, value)
        row = view.currentIndex().row()
        tap(qtbot, card.decimal.keys["Готово"])  # = Enter: stored, the next meter's cell open
        qtbot.waitUntil(lambda row=row: view.indexWidget(page.readings.index(row, 5)) is None)
        assert page.readings.index(row, 5).data() == shown
    assert view.currentIndex().row() == row  # the last meter that takes a value (ГВС: overdue)
    tap(qtbot, page.save_button)
    wait_idle(qtbot, ctx)
    assert page.messages.kind == "success", page.messages.full_text
    rows = services.readings.readings(main.ctx.actor, main.ctx.served.id, NOVEMBER)
    stored = {row.title: row.current for row in rows}
    assert stored["Эл.эн. №12765948 T1"] == Decimal("9950.500")
    assert stored["Эл.эн. №12765948 T2"] == Decimal("3500.250")

    # «Квитанции» in the sidebar, «Распечатать»: to the kiosk's printer, no dialog.
    sidebar = main.sidebar
    item = next(
        sidebar.item(i)
        for i in range(sidebar.count())
        if sidebar.item(i).data(Qt.ItemDataRole.UserRole) == Page.RECEIPTS
    )
    tap(qtbot, sidebar.viewport(), sidebar.visualItemRect(item).center())
    receipts = main.stack.currentWidget()
    assert isinstance(receipts, ReceiptsPage)
    wait_idle(qtbot, ctx)
    qtbot.waitUntil(receipts.print_button.isEnabled)
    tap(qtbot, receipts.print_button)
    assert not [w for w in QApplication.topLevelWidgets() if w.isVisible() and w is not shell]
    wait_idle(qtbot, ctx)
    assert "отправлена на принтер «" in receipts.messages.text()  # asked for by PRINTER
    reader = PdfReader(printed)
    assert len(reader.pages) >= 1 and reader.pages[0].images  # the receipt itself
    pages = main.findChildren(BasePage)
    assert pages

    # The resident walks away: the countdown, then the welcome screen.
    watch = controller.idle
    fake_time.now += watch.idle_seconds - watch.countdown_seconds + 1
    watch.tick()
    assert main.idle_bar.isVisible()
    fake_time.now += watch.countdown_seconds
    watch.tick()
    qtbot.waitUntil(lambda: controller.main is None)
    wait_idle(qtbot, ctx)
    qtbot.waitUntil(lambda: not any(shiboken6.isValid(p) for p in pages), timeout=5_000)
    assert shell.stack.currentWidget() is shell.welcome and controller.login is None
    assert not card.isVisible() and card.field is None
    texts = shown_texts()
    assert not [t for t in texts if DEMO_ACCOUNT in t or "Иванов" in t or "Садовая" in t]
    assert QGuiApplication.clipboard().text() == ""
    assert list(controller.scratch.path.iterdir()) == []
