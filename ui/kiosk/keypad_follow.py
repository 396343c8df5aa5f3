"""The on-screen keypad that follows the focus: it opens beside a field that takes digits —
an account number, or a meter's value with a decimal comma — and closes when the focus
leaves it. It lies inside the kiosk's window (never a window of its own), and its keys take
no focus, so the field keeps the cursor; a physical keyboard keeps working alongside.

«Готово» is the Enter key: it signs in from the account field and stores a reading and
moves down, exactly as Enter on a keyboard does.
"""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import QEvent, QPoint, QRect, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from ui.kiosk.keyboard import Keyboard
from ui.kiosk.keypad import Keypad
from ui.login_texts import ACCOUNT

GAP = 16  # px between the field and the keypad


def wants_keypad(widget: QWidget | None) -> str | None:
    """Which keys a field takes: «digits», «decimal», «text», or None (not a text field)."""
    if isinstance(widget, QPlainTextEdit) and not widget.isReadOnly():
        return "text"
    if not isinstance(widget, QLineEdit) or widget.isReadOnly():
        return None
    if widget.objectName() == "valueEditor":  # a meter's current value (ui.pages.readings_table)
        return "decimal"
    if widget.accessibleName() == ACCOUNT:  # the login's and the registration's account
        return "digits"
    return "text"


class FollowingKeypad(QFrame):
    """Two keypads (with and without a comma) in a card over ``host``; one shows at a time."""

    def __init__(self, host: QWidget) -> None:
        super().__init__(host)
        self.setObjectName("keypadCard")
        self.host = host
        self.field: QLineEdit | QPlainTextEdit | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 16, 16, 16)
        self.digits = Keypad(enter="Готово")
        self.decimal = Keypad(comma=True, enter="Готово")
        self.keyboard = Keyboard()
        for pad in (self.digits, self.decimal, self.keyboard):
            pad.entered.connect(self.enter)
            layout.addWidget(pad)
        self.hide()
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        app.focusChanged.connect(self._focus_changed)

    def _focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        if not shiboken6.isValid(self):
            return
        kind = wants_keypad(new)
        if kind is None or new is None or new.window() is not self.host:
            if new is not None and self.isAncestorOf(new):
                return  # a key took the focus after all: stay
            self.close_pad()
            return
        assert isinstance(new, QLineEdit | QPlainTextEdit)
        self.open_for(new, kind)

    def open_for(self, field: QLineEdit | QPlainTextEdit, kind: str) -> None:
        self.field = field
        line = field if isinstance(field, QLineEdit) and kind != "text" else None
        self.digits.target = self.decimal.target = line
        self.keyboard.target = None if line is not None else field
        self.digits.setVisible(kind == "digits")
        self.decimal.setVisible(kind == "decimal")
        self.keyboard.setVisible(kind == "text")
        self.adjustSize()
        self.move(self._place(field, kind))
        self.show()
        self.raise_()

    def close_pad(self) -> None:
        self.field = None
        self.digits.target = self.decimal.target = self.keyboard.target = None
        self.hide()

    def _place(self, field: QWidget, kind: str) -> QPoint:
        """Beside the field, never over it nor past the window's edges: a form's number gets
        it to the right (else left, below, above), the wide keyboard below (else above); a
        meter's value above (else below), so the previous values in its row stay in view."""
        rect = QRect(field.mapTo(self.host, QPoint(0, 0)), field.size())
        width, height = self.width(), self.height()
        bounds = self.host.rect()
        middle_y = rect.center().y() - height // 2
        middle_x = rect.center().x() - width // 2
        spots = {
            "right": QPoint(rect.right() + GAP, middle_y),
            "left": QPoint(rect.left() - GAP - width, middle_y),
            "below": QPoint(middle_x, rect.bottom() + GAP),
            "above": QPoint(middle_x, rect.top() - GAP - height),
        }
        order = {
            "decimal": ("above", "below", "left", "right"),
            "digits": ("right", "left", "below", "above"),
        }.get(kind, ("below", "above", "right", "left"))
        for name in order:
            spot = spots[name]
            if name in ("left", "right"):  # slid up or down to fit, still beside the field
                spot.setY(min(max(0, spot.y()), max(0, bounds.bottom() - height)))
            else:
                spot.setX(min(max(0, spot.x()), max(0, bounds.right() - width)))
            if bounds.contains(QRect(spot, self.size())):
                return spot
        return QPoint(max(0, bounds.right() - width), 0)  # no room anywhere: a corner

    def enter(self) -> None:
        """«Готово»: the Enter key, sent to the field as a keyboard would send it."""
        field = self.field
        if field is None or not shiboken6.isValid(field):
            return
        if isinstance(field, QPlainTextEdit):  # Enter there is a new line: «Готово» closes
            self.close_pad()
            return
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(
                field, QKeyEvent(kind, Qt.Key.Key_Return, Qt.KeyboardModifier.NoModifier)
            )
