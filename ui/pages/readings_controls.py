"""The state of the controls of «Приборы учета»: which buttons work now and why not, and the
busy flag around each background job. Mixed into ``ReadingsPage``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

from desktop.permissions import Permission, allows
from desktop.readings import PeriodInfo, Window
from ui.pages.readings_texts import ACCEPTED_NO_DELETE, ACCEPTED_NO_EDIT, CLOSED, NO_PERIODS

if TYPE_CHECKING:
    from PySide6.QtWidgets import QLabel, QPushButton, QTableView, QWidget

    from ui.context import PageContext
    from ui.messages import MessageBar
    from ui.models.periods import PeriodsModel
    from ui.models.readings import ReadingsModel
    from ui.pages.consumption_chart import ConsumptionPanel
    from ui.pages.readings_sections import ReadingsSections

# The page's height below which, while readings are entered, the periods and the chart fold
# away and the messages take one line each (a 1280×800 window and smaller: the meters table
# would otherwise show two or three rows).
FOLD_BELOW = 900


class ReadingsControls:
    if TYPE_CHECKING:
        ctx: PageContext
        readings: ReadingsModel
        periods: PeriodsModel
        periods_view: QTableView
        actions: QWidget
        splitter: ReadingsSections
        notice: MessageBar
        messages: MessageBar
        consumption: ConsumptionPanel
        add_button: QPushButton
        edit_button: QPushButton
        delete_button: QPushButton
        save_button: QPushButton
        cancel_button: QPushButton
        period_label: QLabel
        _busy: bool
        _loaded: bool
        _selected: PeriodInfo | None
        _window: Window | None
        _wanted: date | None

        def call(
            self,
            work: Callable[[], Any],
            on_done: Callable[[Any], None],
            on_error: Callable[[Exception], None] | None = None,
        ) -> None: ...
        def _refused(self, error: Exception) -> None: ...
        def _schedule_fit(self, *_args: object) -> None: ...
        def height(self) -> int: ...

    def _run(self, work: Any, on_done: Any, on_error: Any = None) -> None:
        self._busy = True
        self._update_controls()

        def finish(callback: Any) -> Any:
            def wrapped(payload: Any) -> None:
                self._busy = False
                self._update_controls()
                callback(payload)

            return wrapped

        self.call(work, finish(on_done), finish(on_error or self._refused))

    def _update_controls(self) -> None:
        editing, busy, info = self.readings.editing, self._busy, self._selected
        # Outside the window a resident can change nothing: the buttons say so by being
        # disabled, the reason is the notice above them (and their tooltip), told once.
        window = self._window
        closed = (
            window is not None
            and not window.is_open
            and not allows(self.ctx.actor, Permission.ENTER_READINGS_OUTSIDE_WINDOW)
        )
        closed_tip = CLOSED.format(window.message) if closed and window else ""
        self.add_button.setEnabled(not editing and not busy and not closed)
        self.add_button.setToolTip(closed_tip)
        self.add_button.setAccessibleDescription(closed_tip)
        self.periods_view.setEnabled(not editing)
        for button, refusal in (
            (self.edit_button, ACCEPTED_NO_EDIT),
            (self.delete_button, ACCEPTED_NO_DELETE),
        ):
            accepted = info is not None and info.accepted
            button.setEnabled(
                not editing and not busy and info is not None and not accepted and not closed
            )
            tip = refusal if accepted else closed_tip
            button.setToolTip(tip)
            button.setAccessibleDescription(tip)
        if self.actions.isVisibleTo(self) != editing:  # type: ignore[arg-type]
            self.actions.setVisible(editing)
            self._schedule_fit()
        self._fold_for_entry()
        self.save_button.setEnabled(editing and not busy)
        self.cancel_button.setEnabled(editing and not busy)
        if info is None:
            self.period_label.setText(NO_PERIODS if self._loaded else "")
        elif editing:
            self.period_label.setText(f"{info.title} — ввод показаний")
        elif info.accepted:
            self.period_label.setText(f"{info.title} — принят в 1С")
        else:
            self.period_label.setText(f"{info.title} — ещё не принят в 1С")

    def _fold_for_entry(self) -> None:
        """On a short window, while values are typed, the meters' rows need the height more
        than the months before them: the periods and the chart fold away (the period's name
        stays above the table) and each message keeps to one line, the rest in its tooltip."""
        folded = self.readings.editing and self.height() < FOLD_BELOW
        for bar in (self.notice, self.consumption.reminders, self.messages):
            bar.set_compact(folded)
        if self.splitter.periods_folded != folded:
            self.splitter.fold_periods(folded)
