"""The readings a month's export carries: every value submitted for the month (by a resident,
at the kiosk, by a clerk, from an import), one line per meter and tariff zone, read in a
stream in the order of accounts, meters and zones. Plain data, no file format."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import Account, Building, Channel, Meter, MeterKind, Period, Premises, Reading
from desktop.readings.values import consumption

STREAM = 1000  # rows fetched at a time

CHANNELS = {
    Channel.RESIDENT: "Житель (кабинет)",
    Channel.KIOSK: "Житель (терминал)",
    Channel.CLERK: "Офис",
    Channel.IMPORT: "Загрузка",
    Channel.BANK: "Банк",
}
"""How each channel is named in the file («Способ передачи»): «Банк» for the values payers
typed at the bank, from its payment registries."""

KINDS = {
    MeterKind.COLD_WATER: "Холодная вода",
    MeterKind.HOT_WATER: "Горячая вода",
    MeterKind.ELECTRICITY: "Электрическая энергия",
    MeterKind.HEATING: "Тепловая энергия",
    MeterKind.GAS: "Газ",
}
"""A meter's kind as ГИС ЖКХ names the utility («Коммунальный ресурс»); 1C's file too."""


@dataclass(frozen=True)
class ExportLine:
    """One meter's value in one tariff zone for the month."""

    period_id: int
    account: str
    address: str  # the account's, as on its receipt
    building: str  # the building's address (the account's when it has no premises)
    month: date
    meter_id: int
    kind: MeterKind
    title: str
    serial: str
    gis_number: str | None
    unit: str
    zone: int
    zones: int
    previous: Decimal
    current: Decimal
    used: Decimal
    channel: Channel | None
    entered_by: str
    entered_at: datetime
    changed_at: datetime  # the period's last change

    @property
    def channel_label(self) -> str:
        return CHANNELS.get(self.channel, str(self.channel)) if self.channel else ""


def _submitted(month: date) -> tuple[Any, ...]:
    """The rows a month's export carries: values someone entered."""
    return (Period.month == month, Reading.current.is_not(None), Reading.entered_at.is_not(None))


def count_lines(s: Session, month: date) -> int:
    """How many lines ``export_lines`` will give: the total a progress bar counts up to."""
    query = select(func.count()).select_from(Reading).join(Period, Period.id == Reading.period_id)
    return s.scalar(query.where(*_submitted(month))) or 0


def export_lines(s: Session, month: date) -> Iterator[ExportLine]:
    """The month's submitted values, streamed: only rows someone entered (a retired meter's
    carried value and an empty row are not readings)."""
    columns = (
        Period.id, Period.changed_at, Account.number, Account.address, Building.address,
        Meter.id, Meter.kind, Meter.title, Meter.serial, Meter.gis_number, Meter.unit,
        Meter.zones, Meter.digits, Reading.zone, Reading.previous, Reading.current,
        Reading.confirmation, Reading.channel, Reading.entered_by, Reading.entered_at,
    )  # fmt: skip
    query = (
        select(*columns)
        .join(Period, Period.id == Reading.period_id)
        .join(Meter, Meter.id == Reading.meter_id)
        .join(Account, Account.id == Period.account_id)
        .outerjoin(Premises, Premises.id == Account.premises_id)
        .outerjoin(Building, Building.id == Premises.building_id)
        .where(*_submitted(month))
        .order_by(Account.number, Meter.display_order, Meter.id, Reading.zone)
        .execution_options(yield_per=STREAM)
    )
    # The connection's Core result, not the session's: no ORM loading for plain columns.
    for row in s.connection().execute(query):
        (period_id, changed_at, number, address, building, meter_id, kind, title, serial,
         gis_number, unit, zones, digits, zone, previous, current, confirmation, channel,
         entered_by, entered_at) = row  # fmt: skip
        yield ExportLine(
            period_id=period_id,
            account=number,
            address=address,
            building=building or address,
            month=month,
            meter_id=meter_id,
            kind=kind,
            title=title,
            serial=serial,
            gis_number=gis_number,
            unit=unit,
            zone=zone,
            zones=zones,
            previous=previous,
            current=current,
            used=consumption(previous, current, confirmation, digits),
            channel=channel,
            entered_by=entered_by or "",
            entered_at=entered_at,
            changed_at=changed_at,
        )
