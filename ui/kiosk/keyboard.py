"""The kiosk's on-screen keyboard for text: a Russian layout and a Latin one (passwords and
e-mail addresses are often Latin), digits, the signs an address or a phone needs, Shift for
one capital letter, a space, «⌫» and «Готово». Its keys take no focus; it types into the
field it is given as a physical keyboard would (``insert``), so the field's own rules hold.
"""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

RUSSIAN = ("йцукенгшщзхъ", "фывапролджэ", "ячсмитьбю")
LATIN = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
DIGITS = "1234567890"
SIGNS = "@.-_+,"
SHIFT, SWITCH, SPACE, BACKSPACE, ENTER = "⇧", "ABC", "Пробел", "⌫", "Готово"


class Keyboard(QWidget):
    """Letters for ``target``; ``entered`` on «Готово»."""

    entered = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("keyboard")
        self.target: QLineEdit | QPlainTextEdit | None = None
        self.latin = False
        self.shift = False
        self.keys: dict[str, QPushButton] = {}
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(8)
        self.rows = QGridLayout()
        self.rows.setSpacing(6)
        column.addLayout(self.rows)
        bottom = QHBoxLayout()
        bottom.setSpacing(6)
        for key, stretch in ((SHIFT, 1), (SWITCH, 1), (SPACE, 4), (BACKSPACE, 1), (ENTER, 2)):
            self.keys[key] = self._key(key)
            bottom.addWidget(self.keys[key], stretch)
        self.keys[ENTER].setObjectName("primary")
        column.addLayout(bottom)
        self._layout_letters()

    def _key(self, text: str) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName("keyboardKey")
        button.setAccessibleName(text)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        button.setAutoRepeat(text == BACKSPACE)
        button.clicked.connect(lambda _checked=False, b=button: self.press(b.text()))
        return button

    def _layout_letters(self) -> None:
        """The digit row, the layout's three letter rows, the signs."""
        while self.rows.count():
            item = self.rows.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        for name in [n for n in self.keys if n not in (SHIFT, SWITCH, SPACE, BACKSPACE, ENTER)]:
            del self.keys[name]
        letters = LATIN if self.latin else RUSSIAN
        for row, keys in enumerate((DIGITS, *letters, SIGNS)):
            for place, key in enumerate(keys):
                shown = key.upper() if self.shift and key.isalpha() else key
                button = self._key(shown)
                self.keys[key] = button
                self.rows.addWidget(button, row, place)
        self.keys[SWITCH].setText("Рус" if self.latin else "ABC")
        self.keys[SWITCH].setAccessibleName("Русские буквы" if self.latin else "Латинские буквы")

    def reset(self) -> None:
        """Russian letters, no capital: as the next resident should find it."""
        if self.latin or self.shift:
            self.latin = self.shift = False
            self._layout_letters()

    def press(self, key: str) -> None:
        if key == ENTER:
            self.entered.emit()
            return
        if key in (SWITCH, "Рус", "ABC"):
            self.latin = not self.latin
            self._layout_letters()
            return
        if key == SHIFT:
            self.shift = not self.shift
            self._layout_letters()
            return
        field = self.target
        if field is None or not shiboken6.isValid(field) or field.isReadOnly():
            return
        if key == BACKSPACE:
            if isinstance(field, QLineEdit):
                field.backspace()
            else:
                field.textCursor().deletePreviousChar()
            return
        text = " " if key == SPACE else key
        if isinstance(field, QLineEdit):
            field.insert(text)
        else:
            field.insertPlainText(text)
        if self.shift:  # one capital, as on a phone
            self.shift = False
            self._layout_letters()
