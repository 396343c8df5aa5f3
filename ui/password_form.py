"""A reusable password form: current password (optional), new password and its repeat, with
a hint that says what the new password must be and what is wrong before anything is sent."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QLabel, QLineEdit, QVBoxLayout, QWidget

from ui.forms import add_field

# desktop.passwords.MIN_LENGTH; not imported: that module hashes a password at import time,
# which the login window must not pay for at start-up (a test keeps the two equal).
MIN_LENGTH = 8

CURRENT = "Текущий пароль"
NEW = "Новый пароль"
REPEAT = "Повторите новый пароль"
SHOW = "Показать пароли"
POLICY = (
    f"Не меньше {MIN_LENGTH} символов. Не используйте номер лицевого счета и простые пароли "
    "вроде «12345678» или «qwerty123»."
)
MISMATCH = "Пароли не совпадают: введите новый пароль одинаково в обоих полях."


@dataclass(frozen=True)
class PasswordValues:
    """What was typed; ``current`` is empty when the form does not ask for it."""

    current: str
    new: str
    repeat: str


class PasswordForm(QWidget):
    """The «current / new / repeat» fields with their labels, a «show» switch and a hint.

    The owner adds its own buttons and calls ``problem()`` before sending ``values()`` to
    the service (which applies the full policy). ``submitted`` is emitted when Enter is
    pressed in any field, so the owner can bind it to its default action.
    """

    submitted = Signal()
    changed = Signal()

    def __init__(
        self,
        *,
        ask_current: bool = True,
        current_label: str = CURRENT,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.current: QLineEdit | None = None
        if ask_current:
            self.current = self._field(layout, current_label)
        self.new = self._field(layout, NEW)
        self.repeat = self._field(layout, REPEAT)
        self.show_passwords = QCheckBox(SHOW)
        self.show_passwords.setAccessibleName(SHOW)
        self.show_passwords.toggled.connect(self._set_visible)
        layout.addSpacing(4)
        layout.addWidget(self.show_passwords)
        self.hint = QLabel(POLICY)
        self.hint.setObjectName("hint")
        self.hint.setWordWrap(True)
        self.hint.setAccessibleName("Подсказка")
        layout.addSpacing(4)
        layout.addWidget(self.hint)
        # The mismatch is told in one place: by the hint while typing, then by the owner's
        # message once «problem()» has returned it (the hint goes back to the policy).
        self._mismatch_told = False
        self.new.textChanged.connect(self._update_hint)
        self.repeat.textChanged.connect(self._update_hint)
        self._update_hint()

    def _field(self, layout: QVBoxLayout, text: str) -> QLineEdit:
        field = add_field(layout, text, password=True, max_length=128)
        field.returnPressed.connect(self.submitted)
        field.textChanged.connect(self.changed)
        return field

    def fields(self) -> list[QLineEdit]:
        """The inputs in tab order."""
        return [f for f in (self.current, self.new, self.repeat) if f is not None]

    def values(self) -> PasswordValues:
        return PasswordValues(
            self.current.text() if self.current is not None else "",
            self.new.text(),
            self.repeat.text(),
        )

    def problem(self) -> str:
        """What must be fixed before sending, in Russian ("" if nothing); the field to fix
        gets the focus. Only what can be told without the service: it applies the policy."""
        values = self.values()
        checks: list[tuple[bool, QLineEdit | None, str]] = [
            (
                self.current is not None and not values.current,
                self.current,
                f"Введите {CURRENT.lower()}.",
            ),
            (not values.new, self.new, "Введите новый пароль."),
            (
                0 < len(values.new) < MIN_LENGTH,
                self.new,
                f"Новый пароль слишком короткий: нужно не меньше {MIN_LENGTH} символов.",
            ),
            (not values.repeat, self.repeat, "Повторите новый пароль во втором поле."),
            (values.new != values.repeat, self.repeat, MISMATCH),
        ]
        for failed, field, message in checks:
            if failed:
                if message == MISMATCH:
                    self._mismatch_told = True
                    self._update_hint()
                if field is not None:
                    field.setFocus()
                    field.selectAll()
                return message
        return ""

    def clear(self) -> None:
        for field in self.fields():
            field.clear()
        self.show_passwords.setChecked(False)

    def set_enabled(self, enabled: bool) -> None:
        for field in self.fields():
            field.setEnabled(enabled)
        self.show_passwords.setEnabled(enabled)

    def focus_first(self) -> None:
        self.fields()[0].setFocus()

    def _set_visible(self, visible: bool) -> None:
        mode = QLineEdit.EchoMode.Normal if visible else QLineEdit.EchoMode.Password
        for field in self.fields():
            field.setEchoMode(mode)

    def _update_hint(self) -> None:
        new, repeat = self.new.text(), self.repeat.text()
        # Told while typing the repeat: as soon as it stops being the start of the new one.
        if new == repeat:
            self._mismatch_told = False
        mismatch = bool(repeat) and not new.startswith(repeat)
        text = MISMATCH if mismatch and not self._mismatch_told else POLICY
        if self.hint.text() != text:
            self.hint.setText(text)
            self.hint.setAccessibleDescription(text)
