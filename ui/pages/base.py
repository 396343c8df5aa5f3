"""What every page has: a title, an inline message bar, and background calls whose errors
land in that bar."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from desktop.failures import retry_read
from ui.context import PageContext
from ui.messages import MessageBar


class BasePage(QWidget):
    title = ""

    def __init__(self, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        # Set once its window closes (logout); read by work queued for this session.
        self.closed = threading.Event()
        self.setAccessibleName(self.title)
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(24, 18, 24, 18)
        self.layout_.setSpacing(12)
        self.heading = QLabel(self.title)
        self.heading.setObjectName("pageTitle")
        self.layout_.addWidget(self.heading)
        self.messages = MessageBar(self)
        self.layout_.addWidget(self.messages)

    def activate(self) -> None:
        """Called each time the page is shown: reload what it displays."""

    def closing(self) -> None:
        """Called when its window closes (logout): stop what the page still runs. (An
        override calls this one too.)"""
        self.closed.set()

    def call(
        self,
        work: Callable[[], Any],
        on_done: Callable[[Any], None],
        on_error: Callable[[Exception], None] | None = None,
    ) -> None:
        """Run ``work`` off the GUI thread; errors go to the page's message bar."""
        self.ctx.tasks.run(work, on_done, on_error or self.messages.error, owner=self)

    def load(self, read: Callable[[], Any], on_done: Callable[[Any], None]) -> None:
        """``call`` for work that only reads: if the link to the database server broke
        under it (a server restart, a dropped connection), it is read once more on a new
        connection before anything is shown as an error."""
        self.call(lambda: retry_read(read), on_done)
