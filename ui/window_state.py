"""The windows' remembered size and position, in one file beside the settings."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

from desktop.settings import config_dir


class WindowState:
    def __init__(self, path: str | None = None) -> None:
        self._settings = QSettings(
            path or str(config_dir() / "window.ini"), QSettings.Format.IniFormat
        )

    def restore(self, window: QWidget, name: str) -> bool:
        geometry = self._settings.value(f"{name}/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            return window.restoreGeometry(geometry)
        return False

    def save(self, window: QWidget, name: str) -> None:
        self._settings.setValue(f"{name}/geometry", window.saveGeometry())
        self._settings.sync()


def fit_to_screen(window: QWidget, width: int, height: int) -> None:
    """The first size of a window: as asked, but never larger than its screen's free area
    (a 1024×768 screen with a task bar): nothing of it opens out of reach."""
    screen = window.screen() or QGuiApplication.primaryScreen()
    if screen is not None:
        available = screen.availableGeometry()
        width, height = min(width, available.width()), min(height, available.height())
    window.resize(width, height)
