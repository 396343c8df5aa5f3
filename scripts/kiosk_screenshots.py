"""Screenshots of the kiosk's screens on its two touch screens, for docs/screenshots/.

    .venv/bin/python scripts/kiosk_screenshots.py [--output DIR] [--only NAME ...]

Offscreen, on the demo database and the screen tests' clock, like ``scripts/screenshots.py``:
the kiosk's window as a 21.5" 1920×1080 and a 17" 1280×1024 touch screen show it (their
real densities, 102 and 96 dots per inch, size the touch targets): the welcome screen, the
login form with the keypad beside the account number and the keyboard by the password, the
support form and «Забыли пароль?» over it with their own keyboard, «Приборы учета» after
sign-in, a reading typed on the keypad, «Квитанции», the idle countdown, «Сервис временно
недоступен», the administrator's PIN and the service menu. Names: ``kiosk-<screen>-1920.png``
and ``kiosk-<screen>-1280.png``.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from pathlib import Path

os.environ["QT_QPA_PLATFORM"] = "offscreen"
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QRect, Qt  # noqa: E402
from PySide6.QtGui import QScreen  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

from scripts.screenshots import Shooter, demo_services, run  # noqa: E402

# (width, height, physical dots per inch): a 21.5" full-HD and a 17" 5:4 touch screen.
SCREENS = ((1920, 1080, 102.5), (1280, 1024, 96.4))
_screen = QRect(0, 0, 1920, 1080)
_dpi = 102.5
QScreen.availableGeometry = lambda _self: QRect(_screen)  # type: ignore[method-assign]
QScreen.geometry = lambda _self: QRect(_screen)  # type: ignore[method-assign]
QScreen.physicalDotsPerInch = lambda _self: _dpi  # type: ignore[method-assign]


def main(argv: list[str] | None = None) -> int:
    return run(argv, __doc__.splitlines()[0], "cabinet-kiosk-shots-", shoot_all)


def shoot_all(shooter: Shooter, temp: Path) -> None:
    from desktop.demo import DEMO_ACCOUNT, DEMO_PASSWORD
    from desktop.settings import SmtpSettings
    from ui.context import AppContext
    from ui.kiosk import touch
    from ui.kiosk.controller import KioskController
    from ui.kiosk.scratch import Scratch
    from ui.pages.readings import ReadingsPage
    from ui.pages.registry import Page
    from ui.tasks import TaskRunner

    global _screen, _dpi
    # The office's mail server (none is reached: nothing is sent while shooting), so that
    # «Квитанции» offers «Отправить на почту» as a kiosk of an office with e-mail does.
    smtp = SmtpSettings(host="smtp.uk-demo.ru", sender="uk@uk-demo.ru")
    services = demo_services(shooter, temp / "demo.db", smtp=smtp)
    ctx = AppContext(dataclasses.replace(services.settings, mode="kiosk"), TaskRunner())
    ctx.open(lambda: services)
    shooter.settle(ctx)

    for width, height, dpi in SCREENS:
        _screen, _dpi = QRect(0, 0, width, height), dpi
        touch.apply(shooter.app)
        kiosk = KioskController(ctx, Scratch(temp / f"scratch-{width}"))
        shell = kiosk.start()
        shell.setWindowState(Qt.WindowState.WindowNoState)
        shell.resize(width, height)
        shooter.settle(ctx)

        def shot(
            name: str, dialog: QWidget | None = None, size: int = width, shell: QWidget = shell
        ) -> None:
            shooter.settle(ctx)
            if shooter.wanted(f"kiosk-{name}-{size}"):
                save(shooter, shell, dialog, f"kiosk-{name}-{size}")

        shot("welcome")
        login = kiosk.open_login(register=False)
        login.account.setText(DEMO_ACCOUNT)
        shot("login")
        login.password.setFocus()  # the keyboard follows: letters for the password
        login.password.setText(DEMO_PASSWORD[:4])
        shot("password")
        support = login.open_support()  # a dialog over the window: its own keyboard
        support.activateWindow()
        shooter.settle(ctx)
        support.topic.setText("Не приходит пароль")
        shot_windows(shooter, shell, ctx, f"kiosk-support-{width}")
        support.reject()
        reset = login.open_reset()  # «Забыли пароль?»: the account number on the keypad
        reset.activateWindow()
        shooter.settle(ctx)
        reset.email.setFocus()
        reset.email.setText("ivanov@")
        shot_windows(shooter, shell, ctx, f"kiosk-forgot-{width}")
        reset.reject()
        shell.activateWindow()
        shooter.settle(ctx)
        login.password.setText(DEMO_PASSWORD)
        login.login()
        shooter.settle(ctx)
        shot("readings")
        assert kiosk.main is not None
        page = kiosk.main.page(Page.METERS)
        assert isinstance(page, ReadingsPage)
        page.add_button.click()
        shooter.settle(ctx)
        view = page.readings_view
        view.setFocus()
        view.edit(view.currentIndex())  # what a tap on the cell does on a kiosk
        shot("entry")
        page.cancel_button.click()
        shooter.settle(ctx)
        kiosk.main.show_page(Page.RECEIPTS)  # «Распечатать» and «Отправить на почту»
        shot("receipts")
        kiosk.main.show_idle_countdown(14)
        shot("idle")
        kiosk.logout()
        shooter.settle(ctx)
        shell.stack.setCurrentWidget(kiosk.unavailable)  # as when the database is down
        shot("unavailable")
        shell.show_welcome()
        pin = kiosk.ask_pin()
        pin.pin.setText("4829")
        shot("pin", pin)
        pin.reject()
        menu = kiosk.open_service_menu()
        menu.show_settings()
        shot("service", menu)
        menu.reject()
        kiosk.leave_kiosk()
        shooter.settle(ctx)
    ctx.close()
    touch.remove(shooter.app)


def shot_windows(shooter: Shooter, shell: QWidget, ctx, name: str) -> None:
    """The window with what is open over it where it is: a dialog and its keyboard."""
    shooter.settle(ctx)
    if not shooter.wanted(name):
        return
    from PySide6.QtGui import QColor, QPainter

    picture = shell.grab()
    painter = QPainter(picture)
    painter.fillRect(picture.rect(), QColor(0, 0, 0, 90))  # what the modal dims
    origin = shell.geometry().topLeft()
    shown = [w for w in QApplication.topLevelWidgets() if w.isVisible() and w is not shell]
    for window in sorted(shown, key=lambda w: w.objectName() == "keypadCard"):  # cards on top
        painter.drawPixmap(window.geometry().topLeft() - origin, window.grab())
    painter.end()
    write(shooter, picture, name)


def write(shooter: Shooter, picture, name: str) -> None:
    path = shooter.output / f"{name}.png"
    if not picture.save(str(path)):
        raise SystemExit(f"Не удалось записать {path}.")
    shooter.saved.append(path.name)
    print(path, flush=True)


def save(shooter: Shooter, shell: QWidget, dialog: QWidget | None, name: str) -> None:
    """The window, with the dialog in front of it where the kiosk centres it."""
    if dialog is None:
        shooter.save(shell, name)
        return
    from PySide6.QtGui import QColor, QPainter

    picture = shell.grab()
    front = dialog.grab()
    painter = QPainter(picture)
    painter.fillRect(picture.rect(), QColor(0, 0, 0, 90))  # what the modal dims
    painter.drawPixmap(
        (picture.width() - front.width()) // 2, (picture.height() - front.height()) // 2, front
    )
    painter.end()
    write(shooter, picture, name)


if __name__ == "__main__":
    raise SystemExit(main())
