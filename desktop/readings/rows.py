"""What the screens, the command line and the receipts show of readings: a period, and one
line per meter and tariff zone. The one place a stored reading becomes such a line."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from desktop.months import month_name
from desktop.readings.values import Confirmation, consumption

if TYPE_CHECKING:
    from db.models import Meter, Reading

RowKey = tuple[int, int]  # (meter_id, zone)

# «Показания приборов за период», as the cabinet, the command line and its CSV title them.
COLUMNS = (
    "Прибор",
    "№ прибора",
    "Дата выбытия",
    "Ед. изм.",
    "Пред. значение",
    "Текущее значение",
    "Разница",
)
CURRENT_COLUMN = COLUMNS[5]  # the one a person types into


@dataclass(frozen=True)
class PeriodInfo:
    id: int
    month: date
    changed_at: datetime
    accepted_at: datetime | None  # «Обновлено из 1С»
    version: int = 1  # what a save sends back: changed since, the save is refused
    declined_reason: str | None = None  # why 1C refused the readings (its ``accepted`` file)

    @property
    def accepted(self) -> bool:
        return self.accepted_at is not None

    @property
    def title(self) -> str:
        return month_name(self.month)


@dataclass(frozen=True)
class ReadingRow:
    """One line of «Показания приборов за период»: one meter in one tariff zone."""

    meter_id: int
    zone: int
    title: str  # «Эл.эн. №12765948 T1»
    serial: str
    retired_on: date | None
    unit: str
    previous: Decimal
    current: Decimal | None
    difference: Decimal | None
    confirmation: Confirmation | None = None  # what was confirmed when it was entered
    reason: str = ""  # why a clerk entered it outside the window
    locked_reason: str = ""  # why this row takes no value now, if so

    @property
    def key(self) -> RowKey:
        return (self.meter_id, self.zone)


def zone_label(meter: Meter, zone: int) -> str:
    return f"{meter.title} T{zone}" if meter.zones > 1 else meter.title


def reading_difference(reading: Reading) -> Decimal | None:
    if reading.current is None:
        return None
    return consumption(
        reading.previous, reading.current, reading.confirmation, reading.meter.digits
    )


def in_row_order(readings: Iterable[Reading]) -> list[Reading]:
    """A period's readings in the order their lines are shown (and problems numbered)."""
    return sorted(readings, key=lambda r: (r.meter.display_order, r.meter.id, r.zone))


def reading_rows(
    readings: Iterable[Reading], locked: Callable[[Reading], str] = lambda _reading: ""
) -> list[ReadingRow]:
    """A period's lines, in order; ``locked`` says why a line takes no value, if so."""
    return [
        ReadingRow(
            meter_id=reading.meter.id,
            zone=reading.zone,
            title=zone_label(reading.meter, reading.zone),
            serial=reading.meter.serial,
            retired_on=reading.meter.retired_on,
            unit=reading.meter.unit,
            previous=reading.previous,
            current=reading.current,
            difference=reading_difference(reading),
            confirmation=reading.confirmation,
            reason=reading.reason,
            locked_reason=locked(reading),
        )
        for reading in in_row_order(readings)
    ]
