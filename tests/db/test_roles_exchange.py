"""An administrator's desk on PostgreSQL (the ``cabinet_admin`` role) imports 1C's files with
the rights the role has; a clerk's desk may not."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from db.models import (
    Account,
    Channel,
    ImportBatch,
    Meter,
    Payment,
    Period,
    Reading,
    ReadingsExport,
    StatementRow,
)
from desktop import audit
from desktop.clock import FixedClock
from desktop.errors import AccessDeniedError
from tests.db.test_roles import (  # noqa: F401 (fixtures)
    ADMIN_PASSWORD,
    CLERK_PASSWORD,
    Cluster,
    cheap_hashing,
    cluster,
    services_as,
)

ACCOUNTS = (
    "Лицевой счет;ФИО;Адрес дома;Квартира;Площадь\n"
    "3492;Иванов И.И.;ул. Садовая, д. 5;12;54,30\n"  # its address now as on the receipt
    "8001;Новикова Н.Н.;ул. Садовая, д. 5;13;40,00\n"  # a flat of the known building
    "8002;Орлов О.О.;ул. Садовая, д. 7;1;61,50\n"  # a new building
)
METERS = "Лицевой счет;Вид прибора;Заводской номер;Номер ПУ в ГИС ЖКХ\n8001;ХВС;A-1;G-1\n"
# A bank's registry (Sberbank's layout, no header, a totals line): one payment for 8001,
# with the reading of its meter A-1 the payer typed at the bank.
REGISTRY = (
    "19-06-2017;10-15-00;9040;9040/1702;700000000001;8001;НОВИКОВА Н Н;УЛ САДОВАЯ 5-13;0617;"
    "120,50;119,30;1,20;CounterVal_1:12,5\n=1;120,50;119,30;1,20\n"
)
STATEMENT = (
    "Лицевой счет;Период;Услуга;Сальдо нач.;Начислено;Оплачено;Сальдо кон.\n"
    "8001;06.2017;Холодная вода;0;120,50;0;120,50\n"
)


def test_the_administrators_desk_imports_and_the_clerks_desk_may_not(
    cluster: Cluster,  # noqa: F811
    clock: FixedClock,
    tmp_path: Path,
) -> None:
    admin = services_as(cluster, "admin", clock)
    clerk = services_as(cluster, "clerk", clock)
    try:
        boss = admin.auth.staff_login("boss", ADMIN_PASSWORD).actor
        reports = []
        for name, text in (("a.csv", ACCOUNTS), ("m.csv", METERS), ("s.csv", STATEMENT)):
            path = tmp_path / name
            path.write_bytes(text.encode("cp1251"))
            reports.append(admin.exchange.import_file(boss, path))
        assert [[(t.created, t.updated, t.unchanged) for t in r.tallies] for r in reports] == [
            [(2, 1, 0), (1, 0, 1), (2, 0, 1)],
            [(1, 0, 0)],
            [(1, 0, 0)],
        ]
        registry = tmp_path / "sberbank.txt"
        registry.write_bytes(REGISTRY.encode("cp1251"))
        paid = admin.exchange.import_file(boss, registry)  # it marks its payments' batch
        with cluster.owner.read() as s:
            assert s.scalars(select(ImportBatch.imported_by)).all() == ["staff:boss"] * 4
            payment = s.scalars(select(Payment)).one()
            assert (payment.amount, payment.batch_id) == (Decimal("120.50"), paid.batch_id)
            # The bank's reading: a period of June made for it, the value with its channel.
            reading = s.scalars(select(Reading).join(Meter).where(Meter.serial == "A-1")).one()
            assert (reading.current, reading.channel) == (Decimal("12.500"), Channel.BANK)
            assert s.scalar(select(Meter.gis_number).where(Meter.serial == "A-1")) == "G-1"
            assert s.scalar(select(func.count()).select_from(StatementRow)) == 2
            assert s.scalar(select(Account.fio).where(Account.number == "8002")) == "Орлов О.О."
        assert audit.verify(admin.db, boss).intact

        desk = clerk.auth.staff_login("desk", CLERK_PASSWORD).actor
        with pytest.raises(AccessDeniedError, match="только администратор"):
            clerk.exchange.import_file(desk, tmp_path / "a.csv")
    finally:
        admin.close()
        clerk.close()


def test_a_clerk_s_desk_exports_readings_and_the_administrator_s_loads_1c_s_answer(
    cluster: Cluster,  # noqa: F811
    clock: FixedClock,
    tmp_path: Path,
) -> None:
    month = date(2017, 5, 1)
    with cluster.owner.unit_of_work() as s:
        s.execute(update(Period).values(accepted_at=None))
        s.execute(update(Reading).values(channel=Channel.RESIDENT, entered_by="3492",
                                         entered_at=clock.now()))  # fmt: skip
    clerk = services_as(cluster, "clerk", clock)
    admin = services_as(cluster, "admin", clock)
    try:
        desk = clerk.auth.staff_login("desk", CLERK_PASSWORD).actor
        report = clerk.readings_export.export(desk, month, "csv", tmp_path / "may.csv")
        assert (report.rows, report.periods, report.export_id) == (1, 1, 1)
        clock.advance(hours=1)
        again = clerk.readings_export.export(desk, month, "xlsx", tmp_path / "may.xlsx")
        assert "С тех пор показания не менялись." in again.text()

        answer = tmp_path / "answer.csv"
        answer.write_bytes("Лицевой счет;Период;Статус\n3492;05.2017;Принято\n".encode("cp1251"))
        boss = admin.auth.staff_login("boss", ADMIN_PASSWORD).actor
        imported = admin.exchange.import_file(boss, answer)
        assert [(t.updated, t.unchanged) for t in imported.tallies] == [(1, 0)]
        with cluster.owner.read() as s:
            assert s.scalar(select(Period.accepted_at)) == clock.now()
            assert s.scalars(select(ReadingsExport.exported_by)).all() == ["staff:desk"] * 2
        assert audit.verify(admin.db, boss).intact
    finally:
        clerk.close()
        admin.close()
