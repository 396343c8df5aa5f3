"""The consumption chart of «Приборы учета»: the selected meter's monthly consumption per
tariff zone over its last 24 months as bars, the jump check's average as a dashed line, and
the same in words beside it. Drawn with QPainter; the figures come from the core
(``desktop.readings.history``), the widget only draws them."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QModelIndex, QRectF, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QFontMetrics,
    QHelpEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QResizeEvent,
)
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QToolTip, QVBoxLayout, QWidget

from desktop.months import month_name
from desktop.readings.history import amount_text
from ui.messages import MessageBar
from ui.pages.verification import verification_marks

if TYPE_CHECKING:
    from desktop.readings.history import MeterHistory
    from desktop.verification import Reminder
    from ui.models.readings import ReadingsModel
    from ui.pages.base import BasePage
    from ui.pages.readings_table import EntryTable

TITLE = "Расход по месяцам"
CHART = "График расхода"
ZONE_COLOURS = (QColor("#2f6db5"), QColor("#d9822b"), QColor("#3a8f5c"))
AVERAGE_COLOURS = (QColor("#123f73"), QColor("#8a4a0c"), QColor("#1d5435"))
AXIS = QColor("#8a94a3")
GRID = QColor("#e3e7ed")
TEXT = QColor("#3b4452")


def _nice_top(value: float) -> tuple[float, float]:
    """A round top of the scale at or above ``value`` and the step of its grid lines."""
    if value <= 0:
        return 1.0, 0.5
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (0.2, 0.25, 0.5, 1.0, 2.0, 2.5, 5.0, 10.0):
        if value <= step * magnitude * 4:
            return step * magnitude * math.ceil(value / (step * magnitude)), step * magnitude
    return 10 * magnitude * 4, 10 * magnitude  # pragma: no cover - the loop always returns


def _axis_text(value: float) -> str:
    return f"{value:g}".replace(".", ",")


class ConsumptionChart(QWidget):
    """Bars of one meter's monthly consumption, one per zone side by side, and each zone's
    average as a dashed line of a darker shade; a legend names them. A month without a
    reading has no bar (not a zero bar)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.history: MeterHistory | None = None
        self._plot: tuple[float, float] | None = None  # the bars' left edge and month width
        self.setAccessibleName(CHART)
        self.setMinimumSize(240, 110)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_history(self, history: MeterHistory | None) -> None:
        self.history = history
        self._plot = None
        self.setAccessibleDescription(history.summary if history else "")
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(460, 190)

    # -- drawing

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor("#ffffff"))
        history = self.history
        painter.setPen(TEXT)
        if history is None or history.empty:
            text = (
                "Выберите прибор в таблице ниже"
                if history is None
                else ("Показаний по этому прибору пока нет")
            )
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, text)
            return
        metrics = QFontMetrics(self.font())
        line = metrics.height()
        legend_bottom = self._legend(painter, metrics, history)
        values = [float(v) for z in history.zones for v in z.values if v is not None]
        values += [float(z.average) for z in history.zones if z.average is not None]
        top, step = _nice_top(max(values, default=0.0))
        ticks = [step * i for i in range(round(top / step) + 1)]
        left = max(metrics.horizontalAdvance(_axis_text(t)) for t in ticks) + 8
        plot = QRectF(left, legend_bottom + 6, self.width() - left - 6, 0)
        plot.setBottom(self.height() - line - 6)
        if plot.height() < 20 or plot.width() < 40:
            return

        def y_of(value: float) -> float:
            return plot.bottom() - plot.height() * value / top

        for tick in ticks:  # the grid and the scale
            y = y_of(tick)
            painter.setPen(QPen(GRID if tick else AXIS, 1))
            painter.drawLine(plot.left(), y, plot.right(), y)
            painter.setPen(TEXT)
            painter.drawText(
                QRectF(0, y - line / 2, left - 4, line),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                _axis_text(tick),
            )
        slot = plot.width() / len(history.months)
        self._plot = (plot.left(), slot)
        zones = len(history.zones)
        bar = max(1.0, (slot * 0.8) / zones)
        painter.setPen(Qt.PenStyle.NoPen)
        for position in range(len(history.months)):
            x0 = plot.left() + position * slot + slot * 0.1
            for index, zone in enumerate(history.zones):
                value = zone.values[position]
                if value is None:
                    continue
                y = y_of(float(value))
                painter.setBrush(ZONE_COLOURS[index % len(ZONE_COLOURS)])
                painter.drawRect(QRectF(x0 + index * bar, y, bar, plot.bottom() - y))
        for index, zone in enumerate(history.zones):  # the averages over the bars
            if zone.average is None:
                continue
            pen = QPen(AVERAGE_COLOURS[index % len(AVERAGE_COLOURS)], 2, Qt.PenStyle.DashLine)
            painter.setPen(pen)
            y = y_of(float(zone.average))
            painter.drawLine(plot.left(), y, plot.right(), y)
        self._months(painter, metrics, history, plot, slot)

    def month_text(self, x: float) -> str:
        """What the bars at ``x`` show, for their tooltip: «Июнь 2017: T1 173,8 кВт·ч, …»."""
        history, plot = self.history, self._plot
        if history is None or plot is None:
            return ""
        position = math.floor((x - plot[0]) / plot[1])
        if not 0 <= position < len(history.months):
            return ""
        values = []
        for zone in history.zones:
            value = zone.values[position]
            shown = "нет показаний" if value is None else f"{amount_text(value)} {history.unit}"
            values.append(f"{zone.label} {shown}".strip())
        return f"{month_name(history.months[position])}: {', '.join(values)}"

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            text = self.month_text(event.pos().x())
            if text:
                QToolTip.showText(event.globalPos(), text, self)
            else:
                QToolTip.hideText()
            return True
        return super().event(event)

    def _legend(self, painter: QPainter, metrics: QFontMetrics, history: MeterHistory) -> float:
        """The legend along the top: each zone's colour, and the average's dashes; returns
        the height it takes."""
        x, y, line = 4.0, 2.0, metrics.height()
        painter.setPen(TEXT)
        unit = f"{history.unit}:"
        painter.drawText(QRectF(x, y, self.width(), line), Qt.AlignmentFlag.AlignVCenter, unit)
        x += metrics.horizontalAdvance(unit) + 8
        entries = [
            (ZONE_COLOURS[index % 3], zone.label or "расход за месяц", False)
            for index, zone in enumerate(history.zones)
        ]
        if any(zone.average is not None for zone in history.zones):
            entries.append((AVERAGE_COLOURS[0], "среднее", True))
        for colour, text, dashed in entries:
            width = 18 + metrics.horizontalAdvance(text) + 14
            if x + width > self.width() and x > 4:
                x, y = 4.0, y + line + 2
            middle = y + line / 2
            if dashed:
                painter.setPen(QPen(colour, 2, Qt.PenStyle.DashLine))
                painter.drawLine(x, middle, x + 14, middle)
            else:
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(colour)
                painter.drawRect(QRectF(x + 2, middle - 5, 10, 10))
            painter.setPen(TEXT)
            painter.drawText(QRectF(x + 18, y, width, line), Qt.AlignmentFlag.AlignVCenter, text)
            x += width
        return y + line

    def _months(
        self,
        painter: QPainter,
        metrics: QFontMetrics,
        history: MeterHistory,
        plot: QRectF,
        slot: float,
    ) -> None:
        """Month labels «07.16» under the bars: every month if they fit, else every 2nd,
        3rd, 6th or 12th, always ending with the newest."""
        label = metrics.horizontalAdvance("00.00") + 8
        every = next((k for k in (1, 2, 3, 6, 12) if k * slot >= label), 12)
        last = len(history.months) - 1
        painter.setPen(TEXT)
        for position, month in enumerate(history.months):
            if (last - position) % every:
                continue
            centre = plot.left() + (position + 0.5) * slot
            x = min(centre - label / 2, self.width() - label)  # the newest stays inside
            painter.drawText(
                QRectF(x, plot.bottom() + 3, label, metrics.height()),
                Qt.AlignmentFlag.AlignCenter,
                f"{month:%m.%y}",
            )


class ConsumptionPanel(QWidget):
    """The chart of the meter selected in the meters table and its summary in words; and
    ``reminders``, the page's bar of the verifications due, which the page places. Loads the
    account's histories and reminders whenever the table is filled anew (a period chosen,
    readings saved); choosing a row only switches the meter."""

    def __init__(self, page: BasePage, model: ReadingsModel, view: EntryTable) -> None:
        super().__init__()
        self._page, self._model, self._view = page, model, view
        self._histories: dict[int, MeterHistory] = {}
        self.meter_id: int | None = None

        self.title = QLabel(TITLE)
        self.title.setObjectName("sectionTitle")
        self.meter_label = QLabel()
        self.meter_label.setObjectName("hint")
        self.chart = ConsumptionChart()
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName("Расход прибора")
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.reminders = MessageBar()
        self.reminders.setAccessibleName("Поверка счетчиков")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 0, 0, 0)
        layout.setSpacing(4)
        heading = QHBoxLayout()
        heading.setSpacing(10)
        heading.addWidget(self.title)
        heading.addWidget(self.meter_label, 1)
        layout.addLayout(heading)
        layout.addWidget(self.chart, 1)
        layout.addWidget(self.summary)

        model.modelReset.connect(self.reload)
        view.selectionModel().currentRowChanged.connect(self._row_changed)

    def minimumSizeHint(self) -> QSize:
        """Room for the title, the chart's least height and the summary wrapped at the
        width the panel has (a wrapped label's own hint assumes another width)."""
        hint = super().minimumSizeHint()
        layout = self.layout()
        margins = layout.contentsMargins()
        width = max(self.width(), hint.width()) - margins.left() - margins.right()
        needed = (
            margins.top()
            + margins.bottom()
            + self.title.sizeHint().height()
            + self.chart.minimumHeight()
            + max(self.summary.heightForWidth(width), 0)
            + 2 * layout.spacing()
        )
        return QSize(hint.width(), max(hint.height(), needed))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self.updateGeometry()  # the summary wraps anew: another least height

    # -- data

    def reload(self) -> None:
        """Fetch every meter's history and the verification reminders, in the background."""
        ctx = self._page.ctx
        if ctx.account is None:
            return

        def read() -> tuple[list[MeterHistory], list[Reminder]]:
            meters, actor, account_id = ctx.services.meters, ctx.actor, ctx.served.id
            return meters.histories(actor, account_id), meters.reminders(actor, account_id)

        self._page.load(read, self._loaded)

    def _loaded(self, loaded: tuple[list[MeterHistory], list[Reminder]]) -> None:
        from desktop.verification import summary

        histories, reminders = loaded
        self._histories = {history.meter_id: history for history in histories}
        self._model.set_marks(verification_marks(reminders))
        if summary(reminders) != self.reminders.full_text:
            self.reminders.warning(summary(reminders))
        # The table's current row; with none (the table was filled anew: readings saved, a
        # period chosen), the meter shown before stays; else the first in service.
        current = self._model.reading(self._view.currentIndex().row())
        shown = self.meter_id if self.meter_id in self._histories else None
        self.show_meter(
            (current.meter_id if current else None)
            or shown
            or self._row_meter()
            or next(iter(self._histories), None)
        )

    def _row_meter(self) -> int | None:
        """The meter of the table's current row; with none, its first meter in service."""
        model = self._model
        row = model.reading(self._view.currentIndex().row())
        if row is None:
            rows = model.rows
            row = next((r for r in rows if r.retired_on is None), rows[0] if rows else None)
        return row.meter_id if row is not None else None

    def _row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        row = self._model.reading(current.row())
        if row is not None and row.meter_id != self.meter_id:
            self.show_meter(row.meter_id)

    # -- showing

    def show_meter(self, meter_id: int | None) -> None:
        history = self._histories.get(meter_id) if meter_id is not None else None
        self.meter_id = meter_id if history is not None else None
        self.chart.set_history(history)
        self.chart.setAccessibleName(f"{CHART}: {history.title}" if history else CHART)
        self.meter_label.setText(history.title if history else "")
        self.summary.setText(history.zones_summary if history else "")
        self.summary.setAccessibleDescription(history.summary if history else "")
        self.updateGeometry()
