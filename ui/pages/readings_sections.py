"""The two sections of «Приборы учета» — the periods above, the meters below — and the
divider between them, which gives the meters the height their rows need."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)


class ReadingsSections(QSplitter):
    """The periods with their buttons above; the meters, their title and the entry actions
    below. The actions are hidden and shown by the page, which then asks for a new fit."""

    def __init__(
        self,
        period_buttons: Sequence[QPushButton],
        periods_view: QTableView,
        title: QLabel,
        period_label: QLabel,
        readings_view: QTableView,
        entry_hint: QLabel,
        entry_buttons: Sequence[QPushButton],
        beside_periods: QWidget | None = None,
    ) -> None:
        super().__init__(Qt.Orientation.Vertical)
        self._first_button = period_buttons[0]
        self._periods_view = periods_view
        self._title = title
        self._readings_view = readings_view
        self._user_sized = False  # the divider between the tables was dragged
        self._fit_timer = QTimer(self)
        self._fit_timer.setSingleShot(True)
        self._fit_timer.setInterval(0)
        self._fit_timer.timeout.connect(self._fit)

        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 6)
        top_layout.setSpacing(8)
        buttons = QHBoxLayout()
        buttons.setSpacing(8)
        for button in period_buttons:
            buttons.addWidget(button)
        buttons.addStretch(1)
        top_layout.addLayout(buttons)
        row = QHBoxLayout()  # the periods, and beside them what the page adds (the chart)
        row.setSpacing(8)
        row.addWidget(periods_view, 6)
        if beside_periods is not None:
            row.addWidget(beside_periods, 5)
        top_layout.addLayout(row, 1)

        bottom = QWidget()
        bottom_layout = QVBoxLayout(bottom)
        bottom_layout.setContentsMargins(0, 10, 0, 0)
        bottom_layout.setSpacing(8)
        heading = QHBoxLayout()
        heading.setSpacing(12)
        heading.addWidget(title)
        heading.addWidget(period_label, 1)
        bottom_layout.addLayout(heading)
        bottom_layout.addWidget(readings_view, 1)
        self.actions = QWidget()
        actions = QHBoxLayout(self.actions)
        actions.setContentsMargins(0, 0, 0, 0)
        actions.setSpacing(8)
        actions.addWidget(entry_hint, 1)
        for button in entry_buttons:
            actions.addWidget(button)
        bottom_layout.addWidget(self.actions)

        self.setChildrenCollapsible(False)
        self.setHandleWidth(8)
        self.addWidget(top)
        self.addWidget(bottom)
        self.setStretchFactor(0, 1)
        self.setStretchFactor(1, 1)
        self.splitterMoved.connect(self._divider_moved)
        self._top, self._bottom = top, bottom

    @property
    def periods_folded(self) -> bool:
        return self._top.isHidden()

    def fold_periods(self, folded: bool) -> None:
        """Hide the periods (with their buttons and what is beside them) or show them again;
        the meters below then have the whole height."""
        self._top.setHidden(folded)
        self.schedule_fit()

    def _divider_moved(self) -> None:
        self._user_sized = True

    def schedule_fit(self, *_args: object) -> None:
        """Fit once the current burst of changes (rows, resizes, shown actions) is over."""
        self._fit_timer.start()

    def _fit(self) -> None:
        """Give the meters table the height its rows need and the periods the rest (they
        scroll) — until the person drags the divider: then it stays where they put it."""
        total = sum(self.sizes())
        if self._user_sized or total <= 0 or self.periods_folded:
            return
        view = self._readings_view
        header = view.verticalHeader()
        # What the header's ResizeToContents will make of each row, even before it has.
        rows = sum(
            max(view.sizeHintForRow(row), header.sectionSizeHint(row))
            for row in range(view.model().rowCount())
        )
        table = max(
            view.horizontalHeader().sizeHint().height() + rows + 2 * view.frameWidth() + 10,
            view.minimumHeight(),
        )
        layout = self._bottom.layout()
        needed = layout.contentsMargins().top() + self._title.sizeHint().height()
        needed += layout.spacing() + table
        if self.actions.isVisibleTo(self):
            actions = self.actions
            height = (
                actions.heightForWidth(actions.width())
                if actions.hasHeightForWidth()
                else actions.sizeHint().height()
            )
            needed += layout.spacing() + height
        bottom = min(needed, total - self._top.minimumSizeHint().height())
        # Room to spare once every period shows goes to the meters, below their rows.
        periods = self._periods_view
        top_layout = self._top.layout()
        all_periods = (
            self._first_button.sizeHint().height()
            + top_layout.spacing()
            + top_layout.contentsMargins().bottom()
            + periods.horizontalHeader().sizeHint().height()
            + periods.model().rowCount() * periods.verticalHeader().defaultSectionSize()
            + 2 * periods.frameWidth()
            + 6
        )
        bottom = max(bottom, total - max(all_periods, self._top.minimumSizeHint().height()))
        self.setSizes([total - bottom, bottom])
