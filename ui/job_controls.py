"""A page's long job in the background, as the page shows it: the button that starts it and
the inputs it locks while it runs, «Отмена», the progress bar and the message bar — and how
the job's end (done, cancelled, failed) leaves them."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QProgressBar, QPushButton, QWidget

from ui.messages import MessageBar, describe_error
from ui.tasks import Cancelled, TaskState


class JobControls:
    """The controls of one cancellable job; the page keeps the task it runs in ``task``."""

    def __init__(
        self,
        start: QPushButton,
        cancel: QPushButton,
        progress: QProgressBar,
        messages: MessageBar,
        inputs: Sequence[QWidget] = (),
        *,
        stopping: str,
        cancelled: str,
    ) -> None:
        self.start_button = start
        self.cancel_button = cancel
        self.progress = progress
        self.messages = messages
        self.inputs = tuple(inputs)
        self.stopping = stopping  # said once «Отмена» is pressed
        self.cancelled = cancelled  # said once the job has stopped
        self.task: TaskState | None = None
        cancel.clicked.connect(self.cancel)

    @property
    def running(self) -> bool:
        return self.task is not None

    def begin(self, text: str) -> None:
        """The job is about to start: say so, a busy bar until the job tells its total."""
        self.messages.info(text)
        self.progress.setRange(0, 0)
        self.progress.show()
        self.set_running(True)

    def set_running(self, running: bool) -> None:
        if not running:
            self.task = None
        for widget in (self.start_button, *self.inputs):
            widget.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        (self.cancel_button if running else self.start_button).setFocus()

    def cancel(self) -> None:
        if self.task is not None:
            self.task.cancel()
            self.cancel_button.setEnabled(False)
            self.messages.info(self.stopping)

    def ended(self) -> None:
        """The job is over: the inputs are free again and the progress bar goes."""
        self.set_running(False)
        self.progress.hide()

    def failed(self, error: Exception) -> None:
        """The job ended without its result: cancelled (a warning) or failed (why, in Russian)."""
        self.ended()
        if isinstance(error, Cancelled):
            self.messages.warning(self.cancelled)
        else:
            self.messages.error(describe_error(error))

    def closing(self) -> None:
        """The page goes (logout): the job stops; its own cancellation leaves nothing half-done."""
        if self.task is not None:
            self.task.cancel()
