"""``python -m desktop --kiosk`` (or ``mode = "kiosk"``): the application as ``ui.app`` runs
it, started in the kiosk's locked-down, touch-sized window."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QApplication

from desktop.settings import Settings
from ui import app as application
from ui.context import AppContext
from ui.idle import IdleWatch
from ui.kiosk import touch
from ui.kiosk.controller import KioskController
from ui.kiosk.scratch import default_scratch
from ui.kiosk.shell import KioskShell


def start_kiosk(app: QApplication, ctx: AppContext) -> tuple[KioskController, KioskShell]:
    """Touch sizes, the kiosk's own temporary folder, the window locked down and the idle
    logout watching; the administrator's exit quits the application."""
    touch.apply(app)
    scratch = default_scratch()
    scratch.install()
    controller = KioskController(ctx, scratch)
    controller.exit_requested.connect(app.quit)
    shell = controller.start()
    kiosk = ctx.settings.kiosk  # this machine's until the organisation's are read
    # No hold for a system dialog: a kiosk opens none, and closes its own when idle.
    controller.watch_idle(IdleWatch(kiosk.idle_seconds, kiosk.countdown_seconds, parent=controller))
    return controller, shell


def main(url: str, settings: Settings, **options: Any) -> int:
    return application.main(url, settings, start=start_kiosk, **options)
