"""Small builders of database rows for tests that need an account without the whole demo."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import Engine, event

from db.engine import Database
from db.models import Account, Meter, MeterKind, Period, Reading, Service, StatementRow
from desktop.text import normalize

D = Decimal


def make_account(db: Database, number: str = "100", fio: str = "Петров П.П.") -> int:
    with db.unit_of_work() as s:
        account = Account(
            number=number,
            fio=fio,
            fio_norm=normalize(fio),
            address="г. Тест, ул. Ленина, д. 1",
            address_norm=normalize("г. Тест, ул. Ленина, д. 1"),
            area=D("54.30"),
            residents=2,
        )
        s.add(account)
        s.flush()
        return account.id


def make_meter(db: Database, account_id: int, title: str, **fields) -> int:
    values = {"kind": MeterKind.COLD_WATER, "unit": "м3", "zones": 1, "digits": 5, "serial": ""}
    values.update(fields)
    with db.unit_of_work() as s:
        meter = Meter(account_id=account_id, title=title, **values)
        s.add(meter)
        s.flush()
        return meter.id


def make_period(
    db: Database,
    account_id: int,
    month: date,
    values: dict[tuple[int, int], tuple[str, str | None]],
    *,
    accepted: bool = True,
) -> int:
    """A period whose readings are {(meter, zone): (previous, current)}."""
    moment = datetime(month.year, month.month, 20, tzinfo=UTC)
    with db.unit_of_work() as s:
        period = Period(
            account_id=account_id,
            month=month,
            changed_at=moment,
            accepted_at=moment if accepted else None,
        )
        for (meter_id, zone), (previous, current) in values.items():
            period.readings.append(
                Reading(
                    meter_id=meter_id,
                    zone=zone,
                    previous=D(previous),
                    current=None if current is None else D(current),
                )
            )
        s.add(period)
        s.flush()
        return period.id


def make_services(db: Database, names: list[str]) -> dict[str, int]:
    with db.unit_of_work() as s:
        services = [
            Service(code=f"s{i}", name=name, display_order=i, is_penalty=name == "Пеня")
            for i, name in enumerate(names, 1)
        ]
        s.add_all(services)
        s.flush()
        return {service.name: service.id for service in services}


def add_statement(
    db: Database,
    account_id: int,
    service_id: int,
    month: date,
    opening: str,
    charged: str,
    paid: str,
    recalculation: str = "0",
) -> Decimal:
    """One statement row with its closing computed by the invariant; returns the closing."""
    o, c, p, r = D(opening), D(charged), D(paid), D(recalculation)
    closing = o + c - p + r
    with db.unit_of_work() as s:
        s.add(
            StatementRow(
                account_id=account_id,
                service_id=service_id,
                month=month,
                opening=o,
                charged=c,
                paid=p,
                recalculation=r,
                closing=closing,
            )
        )
    return closing


@contextmanager
def counted_selects() -> Iterator[list[str]]:
    """The SELECT statements (a WITH query's too) any engine runs inside the block (reads
    and writes alike)."""
    seen: list[str] = []

    def listener(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            seen.append(statement)

    event.listen(Engine, "before_cursor_execute", listener)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", listener)
