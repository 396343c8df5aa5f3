"""A finger sliding over a kiosk list's or table's rows chooses none of them.

On a desktop a list's selection follows a dragging mouse, and a press on the row already
chosen chooses on release the row the button is released on. Under a finger that is wrong:
on a list with nothing to scroll (a short receipts list, the sidebar, the periods once they
all fit) the drag-to-scroll gesture has nothing to do and the row the finger is lifted on
got chosen — another period shown, another page opened. Tried on a real X display.

So on the viewport of a kiosk's item view the moves with the finger down are kept from the
view (the drag-to-scroll gesture has seen them already: gestures come before event
filters), and a finger lifted on another row than it went down on is lifted, for the view,
where it went down: the slide is at most a tap on the row first touched.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QAbstractItemView, QApplication, QWidget

LEFT = Qt.MouseButton.LeftButton


def kinetic_viewport(watched: QObject) -> QAbstractItemView | None:
    """The kiosk item view (``Kinetic.fit`` marked it) whose viewport ``watched`` is."""
    view = watched.parent()
    if (
        isinstance(view, QAbstractItemView)
        and view.property("kinetic") is True
        and watched is view.viewport()
    ):
        return view
    return None


class RowSlides:
    """Remembers where the finger went down on a kiosk item view; part of ``Kinetic``'s
    application-wide filter."""

    def __init__(self) -> None:
        self.down: tuple[QWidget, QPointF] | None = None

    def filter(self, watched: QObject, event: QEvent) -> bool:
        """Whether ``event`` is kept from ``watched`` (handled here)."""
        kind = event.type()
        if kind not in (
            QEvent.Type.MouseButtonPress,
            QEvent.Type.MouseMove,
            QEvent.Type.MouseButtonRelease,
        ) or not isinstance(event, QMouseEvent):
            return False
        view = kinetic_viewport(watched)
        if view is None:
            return False
        viewport = view.viewport()
        if kind == QEvent.Type.MouseButtonPress:
            self.down = (viewport, event.position()) if event.button() == LEFT else None
            return False
        if kind == QEvent.Type.MouseMove:
            return bool(event.buttons() & LEFT)
        down, self.down = self.down, None
        if event.button() != LEFT or down is None or down[0] is not viewport:
            return False
        start, end = down[1], event.position()
        if not viewport.rect().contains(end.toPoint()):
            return False  # the scroller's own release after a scroll: not a finger's
        if view.indexAt(start.toPoint()) == view.indexAt(end.toPoint()):
            return False
        lifted = QMouseEvent(
            QEvent.Type.MouseButtonRelease,
            start,
            viewport.mapToGlobal(start),
            LEFT,
            Qt.MouseButton.NoButton,
            event.modifiers(),
        )
        QApplication.sendEvent(viewport, lifted)
        return True
