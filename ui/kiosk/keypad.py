"""The kiosk's on-screen numeric keypad (the application's own widget: Qt's virtual keyboard
is GPL-licensed): digits, a decimal comma where a reading takes one, «Стереть» and «⌫».

It types into the field it is given as a physical keyboard would (``insert``), so the
field's validator, its max length and its returnPressed all behave as usual.
"""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QLineEdit, QPushButton, QWidget

BACKSPACE = "⌫"
CLEAR = "Стереть"
COMMA = ","
ENTER = "Готово"
ROWS = (("1", "2", "3"), ("4", "5", "6"), ("7", "8", "9"))


class Keypad(QWidget):
    """Digits for ``target``; with ``comma``, a «,» key too. ``entered`` on «Готово»."""

    entered = Signal()

    def __init__(
        self,
        target: QLineEdit | None = None,
        *,
        comma: bool = False,
        enter: str = ENTER,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("keypad")
        self.target = target
        self.keys: dict[str, QPushButton] = {}
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(10)
        for row, keys in enumerate(ROWS):
            for column, key in enumerate(keys):
                grid.addWidget(self._key(key), row, column)
        grid.addWidget(self._key(COMMA if comma else CLEAR), 3, 0)
        grid.addWidget(self._key("0"), 3, 1)
        grid.addWidget(self._key(BACKSPACE, name="Стереть последнюю цифру"), 3, 2)
        if enter:
            done = QPushButton(enter)
            done.setObjectName("primary")
            done.setAccessibleName(enter)
            done.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            done.clicked.connect(lambda _checked=False: self.entered.emit())
            grid.addWidget(done, 4, 0, 1, 3)
            self.keys[ENTER] = done

    def _key(self, text: str, *, name: str = "") -> QPushButton:
        button = QPushButton(text)
        button.setObjectName("keypadKey")
        button.setAccessibleName(name or text)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the field keeps the cursor
        button.setAutoRepeat(text == BACKSPACE)
        button.clicked.connect(lambda _checked=False, key=text: self.press(key))
        self.keys[text] = button
        return button

    def press(self, key: str) -> None:
        """What a touch on ``key`` does to the target field."""
        field = self.target
        if field is None or not shiboken6.isValid(field):  # the editor closed meanwhile
            return
        if not field.isEnabled() or field.isReadOnly():
            return
        if key == BACKSPACE:
            field.backspace()
        elif key == CLEAR:
            field.clear()
        else:
            field.insert(key)
