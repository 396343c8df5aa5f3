"""Where the on-screen keypad goes: beside the focused field, never over it nor over its
form's default button («Войти», «Отправить»), inside the kiosk's screen.

Pure geometry (``spot``) and the two things a form can do to make room: scroll the field
and its button into view (``keep_in_view``) — the window or the dialog then gives the
keypad the room it lacks (``ui.kiosk.keypad_follow``).
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, QSize
from PySide6.QtWidgets import QPushButton, QScrollArea, QWidget

GAP = 16  # px between the field and the keypad

# Which side first, by the keys shown: a form's number to the right (the form's next field
# stays in view below), the wide keyboard below, a meter's value above (the previous values
# in its row stay in view).
ORDER = {
    "decimal": ("above", "below", "left", "right"),
    "digits": ("right", "left", "below", "above"),
    "text": ("below", "above", "right", "left"),
}


def spot(size: QSize, bounds: QRect, field: QRect, keep: list[QRect], kind: str) -> QPoint | None:
    """A place for a card of ``size`` inside ``bounds``, beside ``field`` (slid along its
    side to fit), covering none of ``keep``; None if there is none."""
    width, height = size.width(), size.height()
    middle_y = field.center().y() - height // 2
    middle_x = field.center().x() - width // 2
    spots = {
        "right": QPoint(field.right() + GAP, middle_y),
        "left": QPoint(field.left() - GAP - width, middle_y),
        "below": QPoint(middle_x, field.bottom() + GAP),
        "above": QPoint(middle_x, field.top() - GAP - height),
    }
    for name in ORDER.get(kind, ORDER["text"]):
        candidates = [spots[name]]
        if name in ("below", "above"):  # past a button under or over the field, too
            further = [r for r in keep if r.intersects(QRect(spots[name], size))]
            if further and name == "below":
                candidates.append(QPoint(middle_x, max(r.bottom() for r in further) + GAP))
            elif further:
                candidates.append(QPoint(middle_x, min(r.top() for r in further) - GAP - height))
        for point in candidates:
            if name in ("left", "right"):  # slid up or down to fit, still beside the field
                point.setY(
                    min(
                        max(bounds.top(), point.y()),
                        max(bounds.top(), bounds.bottom() + 1 - height),
                    )
                )
            else:
                point.setX(
                    min(
                        max(bounds.left(), point.x()),
                        max(bounds.left(), bounds.right() + 1 - width),
                    )
                )
            card = QRect(point, size)
            if bounds.contains(card) and not any(card.intersects(r) for r in keep):
                return point
    return None


def default_button(field: QWidget, card: QWidget | None = None) -> QPushButton | None:
    """The button that sends ``field``'s form: in its nearest enclosing widget with a push
    button shown (links aside), the default one, else the primary one, else the only one."""
    parent = field.parentWidget()
    while parent is not None:
        buttons = [
            b
            for b in parent.findChildren(QPushButton)
            if b.isVisible()
            and b.objectName() != "link"
            and (card is None or not card.isAncestorOf(b))
        ]
        chosen = (
            [b for b in buttons if b.isDefault()]
            or [b for b in buttons if b.objectName() == "primary"]
            or (buttons if len(buttons) == 1 else [])
        )
        if buttons:
            return chosen[0] if chosen else None
        if parent.isWindow():
            return None
        parent = parent.parentWidget()
    return None


def scroll_area_of(widget: QWidget) -> QScrollArea | None:
    parent = widget.parentWidget()
    while parent is not None and not parent.isWindow():
        if isinstance(parent, QScrollArea):
            content = parent.widget()
            if content is not None and content.isAncestorOf(widget):
                return parent
        parent = parent.parentWidget()
    return None


def keep_in_view(field: QWidget, button: QWidget | None) -> None:
    """Scroll the form so that its button and then the field itself are in view, whole (the
    field wins where both cannot be)."""
    for widget in (button, field):
        area = scroll_area_of(widget) if widget is not None else None
        if widget is None or area is None:
            continue
        content = area.widget()
        assert content is not None
        place = QRect(widget.mapTo(content, QPoint(0, 0)), widget.size())
        view = area.viewport().size()
        for bar, start, length, seen in (
            (area.verticalScrollBar(), place.top(), place.height(), view.height()),
            (area.horizontalScrollBar(), place.left(), place.width(), view.width()),
        ):
            value = bar.value()
            if value <= start and start + length <= value + seen:
                continue  # whole in view already: nothing moves
            # Above the view: up to its beginning; below: down to its end, not past its start.
            below = min(start + length + GAP - seen, start - GAP)
            value = start - GAP if start < value else below
            bar.setValue(max(0, value))


def rect_in(widget: QWidget, host: QWidget | None) -> QRect:
    """``widget``'s rectangle in ``host``'s coordinates (None: the screen's)."""
    if host is None:
        return QRect(widget.mapToGlobal(QPoint(0, 0)), widget.size())
    return QRect(widget.mapTo(host, QPoint(0, 0)), widget.size())
