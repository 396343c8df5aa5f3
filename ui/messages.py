"""Inline messages (a bar inside the page, not a modal box) and error wording."""

from __future__ import annotations

import logging
import traceback

from PySide6.QtCore import QDateTime
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QLabel, QWidget

from desktop.errors import ProblemError, UserError
from desktop.failures import database_failure

log = logging.getLogger(__name__)


def describe_error(error: BaseException) -> str:
    """The text to show for an error: the user's own message, the database's or the disk's
    failure told in Russian (``desktop.failures``), or a calm generic one for a bug."""
    if isinstance(error, UserError):
        return str(error)
    known = database_failure(error)
    if known is not None:
        log.warning("Database failure: %s", error)
        return str(known)
    log.error("Unexpected error:\n%s", "".join(traceback.format_exception(error)))
    return (
        "Не удалось выполнить действие из-за внутренней ошибки. Попробуйте ещё раз; "
        "если ошибка повторится, сообщите в офис."
    )


def error_field(error: BaseException) -> str | None:
    """The form field a refusal names (its first problem's key, e.g. "email"), if any: the
    screen puts the cursor there instead of guessing from the message."""
    if isinstance(error, ProblemError):
        return next((p.field for p in error.problems if p.field), None)
    return None


class MessageBar(QLabel):
    """A coloured line of text inside a page: info, success, warning or error."""

    KINDS = ("info", "success", "warning", "error")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("messageBar")
        self.setWordWrap(True)
        self.setProperty("selectable", True)  # the style sheet makes it selectable
        self.setAccessibleName("Сообщение")
        self._full = ""  # the whole message; in compact mode the bar shows one line of it
        self._compact = False
        self.hide()

    def set_compact(self, compact: bool) -> None:
        """One line instead of the whole message (cut with «…», the whole of it in the
        tooltip and for screen readers): for a short window, where the rows below need the
        height more than the details above them."""
        if compact == self._compact:
            return
        self._compact = compact
        self.setWordWrap(not compact)
        # A line cut to the bar's width must not hold the bar (and the page) that wide.
        self.setMinimumWidth(1 if compact else 0)
        self._show_text()

    @property
    def compact(self) -> bool:
        return self._compact

    @property
    def full_text(self) -> str:
        """The whole message, however much of it the bar shows."""
        return self._full

    def _show_text(self) -> None:
        from PySide6.QtCore import Qt  # not at start-up (see ui.forms)

        text = self._full
        if self._compact and text:
            line = " ".join(part.strip() for part in text.splitlines() if part.strip())
            width = max(self.contentsRect().width() - 2 * self.margin(), 40)
            shown = self.fontMetrics().elidedText(line, Qt.TextElideMode.ElideRight, width)
            super().setText(shown)
            self.setToolTip(text if shown != line else "")
        else:
            super().setText(text)
            self.setToolTip("")

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._compact:
            self._show_text()

    def reserve(self, lines: int = 2) -> None:
        """Keep the bar's place while it is empty, tall enough for ``lines`` lines: a message
        that fits then appears without moving the fields below it, so a click aimed at one
        lands on it. (A longer one still grows the bar.)"""
        policy = self.sizePolicy()
        policy.setRetainSizeWhenHidden(True)
        self.setSizePolicy(policy)
        padding = 2 * 8 + 6  # the style sheet's vertical padding, and some air for rounding
        self.setMinimumHeight(self.fontMetrics().lineSpacing() * lines + padding)

    def show_message(self, kind: str, text: str) -> None:
        from PySide6.QtCore import Qt  # not at start-up (see ui.forms)

        assert kind in self.KINDS
        self.setTextFormat(Qt.TextFormat.PlainText)  # a message may quote what was typed
        self.setProperty("kind", kind)
        self._full = text
        self._show_text()
        self.setAccessibleDescription(text)
        self.style().unpolish(self)
        self.style().polish(self)
        self.setVisible(bool(text))

    def info(self, text: str) -> None:
        self.show_message("info", text)

    def success(self, text: str) -> None:
        self.show_message("success", text)

    def warning(self, text: str) -> None:
        self.show_message("warning", text)

    def error(self, text: str | BaseException) -> None:
        self.show_message("error", text if isinstance(text, str) else describe_error(text))

    def clear(self) -> None:  # type: ignore[override]
        self._full = ""
        super().clear()
        self.setToolTip("")
        self.hide()

    @property
    def kind(self) -> str:
        return str(self.property("kind") or "")


def now_text() -> str:
    return QDateTime.currentDateTime().toString("dd.MM.yyyy HH:mm")
