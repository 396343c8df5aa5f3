"""No way out of the kiosk: Escape, Alt+F4, context menus and links that would open another
program do nothing anywhere in the application while the lockdown is installed.

(The window itself refuses to close, ``ui.kiosk.shell``; the save and print dialogs are
switched off in ``ui.dialogs``, the save buttons are hidden, and «Распечатать» prints
without a dialog.)
"""

from __future__ import annotations

import logging
from functools import cache

from PySide6.QtCore import QEvent, QObject, Qt, QUrl, Slot
from PySide6.QtGui import QDesktopServices, QKeyEvent
from PySide6.QtWidgets import QApplication, QWidget

from ui import dialogs

log = logging.getLogger(__name__)

# What QDesktopServices.openUrl would hand to a browser, a mail program, a file manager.
SCHEMES = ("http", "https", "ftp", "file", "mailto", "tel", "sms", "callto", "skype")
KEY_EVENTS = frozenset({QEvent.Type.KeyPress, QEvent.Type.KeyRelease, QEvent.Type.ShortcutOverride})
CONTEXT_EVENTS = frozenset({QEvent.Type.ContextMenu, QEvent.Type.WhatsThis})


def refused_key(event: QKeyEvent) -> bool:
    """Escape anywhere; Alt+F4 and Alt+Tab (the system handles them before us on Windows,
    where the window refuses the close and stays on top)."""
    key = event.key()
    alt = bool(event.modifiers() & Qt.KeyboardModifier.AltModifier)
    return key == Qt.Key.Key_Escape or (alt and key in (Qt.Key.Key_F4, Qt.Key.Key_Tab))


@cache
def file_buttons() -> dict[type, tuple[str, ...]]:
    """The buttons that save a file, by the screen that has them: on a kiosk they are absent
    (the file dialog shows the whole file system). «Распечатать» stays: on a kiosk it prints
    to the machine's own printer without a dialog (``ui.kiosk.printing``)."""
    from ui.pages.receipts import ReceiptPreview, ReceiptsPage
    from ui.pages.statement import StatementPage

    return {
        ReceiptsPage: ("save_button",),
        ReceiptPreview: ("save_button",),
        StatementPage: ("export_xlsx", "export_pdf"),
    }


def hide_file_buttons(screen: QObject) -> None:
    for kind, names in file_buttons().items():
        if isinstance(screen, kind):
            for name in names:
                button = getattr(screen, name, None)
                if isinstance(button, QWidget):
                    button.hide()


class Lockdown(QObject):
    """The application-wide filter and the refusing link handler; ``uninstall`` for the
    administrator's exit (and the tests)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.refused_urls: list[str] = []

    def install(self) -> None:
        QApplication.instance().installEventFilter(self)
        for scheme in SCHEMES:
            QDesktopServices.setUrlHandler(scheme, self, "refuse_url")
        dialogs.forbid_system_dialogs(True)

    def uninstall(self) -> None:
        QApplication.instance().removeEventFilter(self)
        for scheme in SCHEMES:
            QDesktopServices.unsetUrlHandler(scheme)
        dialogs.forbid_system_dialogs(False)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.Show:
            hide_file_buttons(watched)
            return False
        if kind in CONTEXT_EVENTS:
            return True
        return kind in KEY_EVENTS and isinstance(event, QKeyEvent) and refused_key(event)

    @Slot(QUrl)
    def refuse_url(self, url: QUrl) -> None:
        """A link was followed: on a kiosk it opens nothing."""
        self.refused_urls.append(url.toString())
        log.info("Kiosk: a link to %s was not opened", url.scheme())
