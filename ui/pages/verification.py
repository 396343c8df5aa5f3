"""Verification (поверка) reminders on screen: the notice after sign-in, the mark of a meter
in the meters table (an icon and its text, not colour alone) and the line beside the chart.
What is due and what to do come from the core (``desktop.verification``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPixmap

if TYPE_CHECKING:
    from desktop.verification import Reminder
    from ui.pages.base import BasePage
    from ui.tasks import TaskRunner

OVERDUE_COLOUR = QColor("#c62828")
DUE_COLOUR = QColor("#e0a100")


def _icon(colour: QColor, overdue: bool) -> QIcon:
    """A round «!» for an overdue verification, a triangle «!» for one due soon: the shapes
    differ as well as the colours."""
    size = 32
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(colour)
    if overdue:
        painter.drawEllipse(QRectF(2, 2, size - 4, size - 4))
    else:
        painter.drawPolygon(
            [QPointF(size / 2, 2), QPointF(size - 2, size - 3), QPointF(2, size - 3)]
        )
    painter.setPen(QColor("#ffffff") if overdue else QColor("#3b2a00"))
    font = QFont()
    font.setBold(True)
    font.setPixelSize(20)
    painter.setFont(font)
    painter.drawText(
        QRectF(0, 3 if not overdue else 0, size, size), Qt.AlignmentFlag.AlignCenter, "!"
    )
    painter.end()
    return QIcon(pixmap)


_ICONS: dict[bool, QIcon] = {}


def reminder_icon(overdue: bool) -> QIcon:
    if overdue not in _ICONS:
        _ICONS[overdue] = _icon(OVERDUE_COLOUR if overdue else DUE_COLOUR, overdue)
    return _ICONS[overdue]


def verification_marks(reminders: list[Reminder]) -> dict[int, tuple[QIcon, str, str]]:
    """Per meter: the icon of its row, the short state said with it, and the whole reminder
    for its tooltip."""
    return {r.meter_id: (reminder_icon(r.overdue), r.mark, r.message) for r in reminders}


def remind_after_sign_in(page: BasePage, tasks: TaskRunner) -> None:
    """The notice on the first page after a resident signs in: every meter whose
    verification is due within the notice days or has run out, and what to do."""
    ctx = page.ctx
    if ctx.account is None or getattr(page, "shows_reminders", False):
        return  # the meters page shows them itself

    def read() -> list[Reminder]:
        return ctx.services.meters.reminders(ctx.actor, ctx.served.id)

    def show(found: list[Reminder]) -> None:
        from desktop.verification import summary

        if found and not page.messages.isVisible():  # the page's own message comes first
            page.messages.warning(summary(found))

    tasks.run(read, show, lambda _error: None, owner=page)
