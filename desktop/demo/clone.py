"""The demo account copied into a new building, for load tests and benchmarks."""

from __future__ import annotations

from datetime import date

from sqlalchemy import insert, select
from sqlalchemy.orm import selectinload

from db.engine import Database
from db.models import (
    Account,
    Building,
    Company,
    Meter,
    Period,
    Premises,
    Reading,
    Receipt,
    StatementRow,
)
from desktop.account_summary import refresh_account_summary
from desktop.demo.catalog import DEMO_ACCOUNT


def clone_accounts(db: Database, count: int, *, source: str = DEMO_ACCOUNT, month: date) -> int:
    """For load tests and benchmarks: a new building of ``count`` accounts, each a copy of
    the source account's month (statement, meters and readings, receipt); its id."""
    with db.unit_of_work() as s:
        original = s.scalar(select(Account).where(Account.number == source))
        assert original is not None
        building = Building(
            company_id=s.scalar(select(Company.id)), address=f"г. Тест, ул. Копий, д. {count}"
        )
        s.add(building)
        s.flush()
        meters = list(s.scalars(select(Meter).where(Meter.account_id == original.id)))
        rows = list(
            s.scalars(
                select(StatementRow).where(
                    StatementRow.account_id == original.id, StatementRow.month == month
                )
            )
        )
        period = s.scalar(
            select(Period)
            .where(Period.account_id == original.id, Period.month == month)
            .options(selectinload(Period.readings))
        )
        receipt = s.scalar(
            select(Receipt).where(Receipt.account_id == original.id, Receipt.month == month)
        )
        assert period is not None and receipt is not None
        accounts = []
        for flat in range(1, count + 1):
            address = f"{building.address}, кв. {flat}"
            accounts.append(
                Account(
                    number=f"{building.id}{flat:05d}",
                    fio=original.fio,
                    address=address,
                    area=original.area,
                    residents=original.residents,
                    premises=Premises(
                        building_id=building.id, number=str(flat), area=original.area
                    ),
                )
            )
        s.add_all(accounts)
        s.flush()
        copies = {
            (account.id, meter.id): Meter(
                account_id=account.id,
                kind=meter.kind,
                title=meter.title,
                serial=meter.serial,
                unit=meter.unit,
                zones=meter.zones,
                digits=meter.digits,
                installed_on=meter.installed_on,
                next_verification_on=meter.next_verification_on,
                retired_on=meter.retired_on,
                initial_value=meter.initial_value,
                display_order=meter.display_order,
            )
            for account in accounts
            for meter in meters
        }
        periods = {
            account.id: Period(
                account_id=account.id,
                month=month,
                changed_at=period.changed_at,
                accepted_at=period.accepted_at,
            )
            for account in accounts
        }
        s.add_all([*copies.values(), *periods.values()])
        s.flush()
        fields = ("opening", "charged", "paid", "recalculation", "closing", "volume")
        s.execute(
            insert(StatementRow),
            [
                {"account_id": a.id, "month": month, "service_id": row.service_id}
                | {f: getattr(row, f) for f in fields}
                for a in accounts
                for row in rows
            ],
        )
        s.execute(
            insert(Reading),
            [
                {
                    "period_id": periods[a.id].id,
                    "meter_id": copies[(a.id, r.meter_id)].id,
                    "zone": r.zone,
                    "previous": r.previous,
                    "current": r.current,
                    "confirmation": r.confirmation,
                    "reason": r.reason,
                }
                for a in accounts
                for r in period.readings
            ],
        )
        s.execute(
            insert(Receipt),
            [
                {
                    "account_id": a.id,
                    "number": f"{a.number}-{month:%Y%m}",
                    "issued_on": receipt.issued_on,
                    "month": month,
                    "description": receipt.description,
                    "total": receipt.total,
                }
                for a in accounts
            ],
        )
        refresh_account_summary(s.connection(), [a.id for a in accounts])
        return building.id
