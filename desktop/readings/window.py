"""The days of the month residents may submit readings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from desktop.formatting import ru_date
from desktop.months import add_months, month_start


@dataclass(frozen=True)
class Window:
    """The days residents may submit readings, relative to today."""

    today: date
    start: date  # this month's window
    end: date
    is_open: bool
    days_left: int  # including today; 0 when closed
    next_start: date  # when it opens next (== start while open)

    @property
    def message(self) -> str:
        first, last = self.start.day, self.end.day
        if self.is_open:
            return (
                f"Передавайте показания с {first} по {last} число. "
                f"Осталось дней: {self.days_left} (до {ru_date(self.end)} включительно)."
            )
        return (
            f"Показания принимаются с {first} по {last} число месяца. "
            f"Следующий приём откроется {ru_date(self.next_start)}."
        )


def submission_window(today: date, first: int, last: int) -> Window:
    """The window from the ``first`` to the ``last`` day of a month, seen on ``today``."""
    start, end = _clamped(today, first), _clamped(today, last)
    if start <= today <= end:
        return Window(today, start, end, True, (end - today).days + 1, start)
    next_start = start if today < start else _clamped(add_months(today, 1), first)
    return Window(today, start, end, False, 0, next_start)


def _clamped(day: date, day_of_month: int) -> date:
    """That day of ``day``'s month, or its last day if the month is shorter."""
    last = (add_months(month_start(day), 1) - timedelta(days=1)).day
    return day.replace(day=min(day_of_month, last))
