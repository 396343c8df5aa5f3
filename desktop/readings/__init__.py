"""Meter readings: the values' own rules (``values``), the lines shown of them (``rows``), the
submission window (``window``) and the service that stores them (``service``)."""

from desktop.readings.changes import ReadingsChanged
from desktop.readings.rows import (
    COLUMNS,
    CURRENT_COLUMN,
    PeriodInfo,
    ReadingRow,
    RowKey,
    reading_difference,
    reading_rows,
    zone_label,
)
from desktop.readings.service import PeriodExists, ReadingService, ReadingsRefused, SubmitResult
from desktop.readings.values import (
    ZERO,
    Confirmation,
    consumption,
    locked_reason,
    parse_value,
    reason_text,
)
from desktop.readings.window import Window, submission_window

__all__ = [
    "COLUMNS",
    "CURRENT_COLUMN",
    "ZERO",
    "Confirmation",
    "PeriodExists",
    "PeriodInfo",
    "ReadingRow",
    "ReadingService",
    "ReadingsChanged",
    "ReadingsRefused",
    "RowKey",
    "SubmitResult",
    "Window",
    "consumption",
    "locked_reason",
    "parse_value",
    "reading_difference",
    "reading_rows",
    "reason_text",
    "submission_window",
    "zone_label",
]
