"""The on-screen keypad that follows the focus: it opens beside a field that takes typing —
an account number, a meter's value with a decimal comma, or text on the keyboard — and
closes when the focus leaves it. Its keys take no focus, so the field keeps the cursor; a
physical keyboard keeps working alongside.

In the kiosk's window the keypad is a card inside it. A dialog opened over the window (the
support form, «Забыли пароль?», a question with a field) gets a card of its own: a small
frameless window of the dialog's, so the dialog's modality lets it be touched. Either way
the card never covers the field nor its form's default button (``ui.kiosk.keypad_place``):
where no side of the field has room, the card takes the window's bottom and the form
scrolls the field and its button above it, and a dialog moves aside of the card or above it.

«Готово» is the Enter key: it signs in from the account field and stores a reading and
moves down, exactly as Enter on a keyboard does.
"""

from __future__ import annotations

from collections.abc import Callable

import shiboken6
from PySide6.QtCore import QEvent, QMargins, QObject, QPoint, QRect, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QLayout,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from ui.kiosk.keyboard import Keyboard
from ui.kiosk.keypad import Keypad
from ui.kiosk.keypad_place import (
    GAP,
    default_button,
    keep_in_view,
    rect_in,
    scroll_area_of,
    spot,
)
from ui.login_texts import ACCOUNT

# A dialog's card: a window of the dialog's own, over it, that never takes the focus (a plain
# window: Qt raises a Tool window as it shows, which not every platform can).
WINDOW_FLAGS = (
    Qt.WindowType.Window
    | Qt.WindowType.FramelessWindowHint
    | Qt.WindowType.WindowStaysOnTopHint
    | Qt.WindowType.WindowDoesNotAcceptFocus
)


def wants_keypad(widget: QWidget | None) -> str | None:
    """Which keys a field takes: «digits», «decimal», «text», or None (not a text field)."""
    if isinstance(widget, QPlainTextEdit) and not widget.isReadOnly():
        return "text"
    if not isinstance(widget, QLineEdit) or widget.isReadOnly():
        return None
    if widget.objectName() == "valueEditor":  # a meter's current value (ui.pages.readings_table)
        return "decimal"
    if widget.accessibleName().startswith(ACCOUNT):  # the login's, registration's, support's
        return "digits"
    return "text"


class FollowingKeypad(QFrame):
    """Two keypads (with and without a comma) and the keyboard in a card; one shows at a
    time. Inside ``host`` (the kiosk's window), or with ``bounds`` a window of ``host``'s (a
    dialog) within those screen bounds."""

    def __init__(self, host: QWidget, *, bounds: Callable[[], QRect] | None = None) -> None:
        super().__init__(host, WINDOW_FLAGS if bounds is not None else Qt.WindowType.Widget)
        self.setObjectName("keypadCard")
        self.host = host
        self.bounds = bounds
        self._padded: tuple[QWidget, QMargins] | None = None  # a form given room to scroll
        if bounds is not None:
            self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
            host.installEventFilter(self)  # a window of its own stays up when its dialog goes
        self.field: QLineEdit | QPlainTextEdit | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 16, 16, 16)
        if bounds is not None:  # a window whose minimum size changes when shown makes some
            layout.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)  # platforms warn
        self.digits = Keypad(enter="Готово")
        self.decimal = Keypad(comma=True, enter="Готово")
        self.keyboard = Keyboard()
        for pad in (self.digits, self.decimal, self.keyboard):
            pad.entered.connect(self.enter)
            layout.addWidget(pad)
        self.hide()

    @property
    def floating(self) -> bool:
        """A window of a dialog's rather than a card inside the kiosk's window."""
        return self.bounds is not None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.host and event.type() in (QEvent.Type.Hide, QEvent.Type.Close):
            self.close_pad()  # the dialog closed (by its button, or the idle logout)
        return False

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.WindowActivate and self.floating:
            # A platform that activated the card anyway (on showing it, or on a touch):
            # the dialog and its field take the keys back.
            self.host.activateWindow()
            if self.field is not None and shiboken6.isValid(self.field):
                self.field.setFocus()
        return super().event(event)

    def open_for(self, field: QLineEdit | QPlainTextEdit, kind: str) -> None:
        self.field = field
        line = field if isinstance(field, QLineEdit) and kind != "text" else None
        self.digits.target = self.decimal.target = line
        self.keyboard.target = None if line is not None else field
        self.digits.setVisible(kind == "digits")
        self.decimal.setVisible(kind == "decimal")
        self.keyboard.setVisible(kind == "text")
        self.ensurePolished()  # the keys' touch sizes, before the card is first shown
        layout = self.layout()
        assert layout is not None
        layout.activate()
        self.resize(self.sizeHint())  # not adjustSize(): it keeps a window to ⅔ of the screen
        self._unpad()
        self.move(self._place(field, kind))
        self.show()
        if not self.floating:  # a window of its own is above its dialog anyway
            self.raise_()

    def close_pad(self) -> None:
        self.field = None
        self.digits.target = self.decimal.target = self.keyboard.target = None
        self.hide()
        self._unpad()

    # -- where it goes

    def _place(self, field: QWidget, kind: str) -> QPoint:
        """Beside the field if a side has room; else the room is made (``_make_room``)."""
        button = default_button(field, self)
        keep_in_view(field, button)
        found = self._spot(field, button, kind)
        if found is not None:
            return found
        return self._make_room(field, button, kind)

    def _frame(self) -> QWidget | None:
        return None if self.floating else self.host

    def _area(self) -> QRect:
        return self.bounds() if self.bounds is not None else self.host.rect()

    def _spot(self, field: QWidget, button: QWidget | None, kind: str) -> QPoint | None:
        target = rect_in(field, self._frame())
        keep = [target] + ([rect_in(button, self._frame())] if button is not None else [])
        return spot(self.size(), self._area(), target, keep, kind)

    def _make_room(self, field: QWidget, button: QWidget | None, kind: str) -> QPoint:
        if self.floating:
            return self._move_dialog(field, button, kind)
        area = self._area()
        card = QRect(QPoint(0, area.bottom() + 1 - self.height()), self.size())
        target = rect_in(field, self.host)
        card.moveLeft(
            min(max(0, target.center().x() - self.width() // 2), area.right() + 1 - self.width())
        )
        self._lift(field, button, card.top() - GAP)
        return card.topLeft()

    def _lift(self, field: QWidget, button: QWidget | None, limit: int) -> None:
        """Scroll the field's form up until the field and its button end above ``limit``
        (the card's top, in the window): the form gets room below its end to scroll that far
        while the card is open."""
        scroll = scroll_area_of(field)
        content = scroll.widget() if scroll is not None else None
        if scroll is None or content is None:
            return
        for _ in range(3):  # the padding may change the view's size (a scroll bar goes)
            shift = self._above(field, button, scroll, limit)
            bar = scroll.verticalScrollBar()
            lacking = shift - (bar.maximum() - bar.value())
            if lacking > 0:
                if self._padded is None:
                    self._padded = (content, content.contentsMargins())
                margins = content.contentsMargins()
                margins.setBottom(margins.bottom() + lacking)
                content.setContentsMargins(margins)
                QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
            bar.setValue(bar.value() + shift)
            if lacking <= 0:
                return

    def _above(self, field: QWidget, button: QWidget | None, scroll: QWidget, limit: int) -> int:
        """How far the form must scroll for the field and its button (if both fit above
        ``limit``, else the field alone) to end above ``limit``."""
        keep = rect_in(field, self.host)
        if button is not None and scroll_area_of(button) is scroll:
            both = keep.united(rect_in(button, self.host))
            if both.height() <= limit - rect_in(scroll, self.host).top():
                keep = both
        return max(0, keep.bottom() - limit)

    def _unpad(self) -> None:
        padded, self._padded = self._padded, None
        if padded is not None and shiboken6.isValid(padded[0]):
            padded[0].setContentsMargins(padded[1])

    def _move_dialog(self, field: QWidget, button: QWidget | None, kind: str) -> QPoint:
        """Side by side with the dialog where the screen is wide enough, else under it (the
        dialog made shorter to fit, its form scrolling)."""
        dialog = self.host
        area = self._area()
        frame = dialog.frameGeometry()
        both = frame.width() + GAP + self.width()
        if both <= area.width():
            left = area.left() + (area.width() - both) // 2
            top = min(
                max(area.top(), frame.top()), max(area.top(), area.bottom() + 1 - frame.height())
            )
            dialog.move(left, top)
            target = rect_in(field, None)
            y = target.center().y() - self.height() // 2
            y = min(max(area.top(), y), area.bottom() + 1 - self.height())
            return QPoint(left + frame.width() + GAP, y)
        room = area.height() - self.height() - GAP
        extra = frame.height() - dialog.height()  # a title bar, where a window manager adds one
        if frame.height() > room:
            dialog.resize(dialog.width(), max(dialog.minimumHeight(), room - extra))
            frame = dialog.frameGeometry()
        left = area.left() + (area.width() - frame.width()) // 2
        dialog.move(left, area.top() + max(0, (room - frame.height()) // 2))
        layout = dialog.layout()
        if layout is not None:
            layout.activate()
        keep_in_view(field, button)
        x = area.left() + (area.width() - self.width()) // 2
        return QPoint(x, area.bottom() + 1 - self.height())

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


def own_keypad(window: QWidget) -> bool:
    """Whether a window brings its own keypad (the administrator's PIN)."""
    return any(
        not isinstance(pad.parentWidget(), FollowingKeypad) for pad in window.findChildren(Keypad)
    )


class Keypads(QObject):
    """Follows the focus over the whole application: the kiosk window's card for its fields,
    a card of their own for a dialog's; at most one card shows."""

    def __init__(self, shell: QWidget) -> None:
        super().__init__(shell)
        self.shell = shell
        self.main = FollowingKeypad(shell)
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        app.focusChanged.connect(self._focus_changed)

    def card_for(self, window: QWidget) -> FollowingKeypad | None:
        """The card serving ``window`` (made for a dialog the first time), or None."""
        if window is self.shell:
            return self.main
        if isinstance(window, FollowingKeypad) or own_keypad(window):
            return None
        for child in window.children():
            if isinstance(child, FollowingKeypad):
                return child
        return FollowingKeypad(window, bounds=lambda: self.shell.geometry())

    def cards(self) -> list[FollowingKeypad]:
        found = [self.main]
        for window in QApplication.topLevelWidgets():
            found += [c for c in window.children() if isinstance(c, FollowingKeypad)]
        return [c for c in dict.fromkeys(found) if shiboken6.isValid(c)]

    def shown(self) -> FollowingKeypad | None:
        return next((c for c in self.cards() if c.isVisible()), None)

    def _focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        if not shiboken6.isValid(self) or not shiboken6.isValid(self.main):
            return
        if not self.shell.isVisible():
            return  # a kiosk window left (the administrator's exit): another may serve
        if new is None and isinstance(QApplication.activeWindow(), FollowingKeypad):
            return  # a touch on a dialog's card activated it: the field stays the one
        if new is not None and any(c.isAncestorOf(new) for c in self.cards()):
            return  # a key took the focus after all: stay
        kind = wants_keypad(new)
        card = self.card_for(new.window()) if kind is not None and new is not None else None
        for other in self.cards():
            if other is not card and other.isVisible():
                other.close_pad()
        if card is not None:
            assert isinstance(new, QLineEdit | QPlainTextEdit) and kind is not None
            card.open_for(new, kind)
