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
    from ui.models.periods import PeriodsModel
    from ui.models.readings import ReadingsModel

# The page's height below which the chart folds away while readings are entered (a
# 1280×800 window and smaller: the meters table would show two or three rows).
FOLD_CHART_BELOW = 900


class ReadingsControls:
    if TYPE_CHECKING:
        ctx: PageContext
        readings: ReadingsModel
        periods: PeriodsModel
        periods_view: QTableView
        actions: QWidget
        consumption: QWidget
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
        # On a short window the chart folds away while values are typed: the meters' rows
        # (and the messages about them) need the height more than the months before.
        folded = editing and self.height() < FOLD_CHART_BELOW
        if self.consumption.isVisibleTo(self) == folded:  # type: ignore[arg-type]
            self.consumption.setVisible(not folded)
            self._schedule_fit()
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
