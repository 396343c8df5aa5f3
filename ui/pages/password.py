"""«Изменить пароль»: the current password, the new one twice."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from ui.context import PageContext
from ui.messages import error_field
from ui.pages.base import BasePage
from ui.password_form import PasswordForm

CHANGE = "Сменить пароль"
CHANGED = "Пароль изменён. В следующий раз входите с новым паролем."
FORM_WIDTH = 440  # a comfortable line for a password; the card does not stretch across


class PasswordPage(BasePage):
    """The shared password form in a card; the service checks the current password and the
    policy, and its answer appears in the page's message bar."""

    title = "Изменить пароль"

    def __init__(self, ctx: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        card = QFrame()
        card.setObjectName("card")
        card.setMaximumWidth(FORM_WIDTH)
        card.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        inner = QVBoxLayout(card)
        inner.setContentsMargins(20, 18, 20, 18)
        inner.setSpacing(12)
        self.form = PasswordForm(parent=card)
        self.form.submitted.connect(self.submit)
        inner.addWidget(self.form)
        self.submit_button = QPushButton(CHANGE)
        self.submit_button.setObjectName("primary")
        self.submit_button.setAccessibleName(CHANGE)
        self.submit_button.setAutoDefault(True)
        self.submit_button.clicked.connect(self.submit)
        buttons = QHBoxLayout()
        buttons.addWidget(self.submit_button)
        buttons.addStretch(1)
        inner.addLayout(buttons)
        # The answer appears under the button, where the eye is after pressing it: below it
        # is only empty page, so no field moves, and no empty band waits above the form.
        self.layout_.removeWidget(self.messages)
        inner.addWidget(self.messages)

        row = QHBoxLayout()
        row.addWidget(card, 1)
        row.addStretch(1)
        self.layout_.addLayout(row)
        self.layout_.addStretch(1)
        self.busy = False

    def activate(self) -> None:
        self.form.focus_first()

    def submit(self) -> None:
        """Check what can be checked here, then ask the service to change the password."""
        if self.busy:
            return
        problem = self.form.problem()
        if problem:
            self.messages.error(problem)
            return
        values = self.form.values()
        actor, ctx = self.ctx.actor, self.ctx
        self._set_busy(True)
        self.messages.clear()
        self.call(
            lambda: ctx.services.auth.change_password(actor, values.current, values.new),
            self._changed,
            self._refused,
        )

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.form.set_enabled(not busy)
        self.submit_button.setEnabled(not busy)

    def _changed(self, _result: None) -> None:
        self._set_busy(False)
        self.form.clear()
        self.messages.success(CHANGED)
        self.form.focus_first()

    def _refused(self, error: Exception) -> None:
        self._set_busy(False)
        self.messages.error(error)
        # The service refuses either the current password or the new one: put the cursor
        # where the fix is to be typed.
        current = self.form.current
        on_current = error_field(error) == "current_password"
        field = current if current is not None and on_current else self.form.new
        field.setFocus()
        field.selectAll()
