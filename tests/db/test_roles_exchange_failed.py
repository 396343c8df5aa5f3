"""On PostgreSQL an administrator's desk (``cabinet_admin``) stages a receipts file and
applies it, and a refused file leaves its failed audit entry under the desk's session."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from db.models import AuditEntry, Receipt
from desktop import audit
from desktop.clock import FixedClock
from desktop.exchange.report import ImportRefused
from tests.db.test_roles import (  # noqa: F401 (fixtures)
    ADMIN_PASSWORD,
    Cluster,
    cheap_hashing,
    cluster,
    services_as,
)

HEADER = "Лицевой счет;Номер квитанции;Дата;Период;Сумма к оплате\n"


def test_the_administrators_desk_stages_receipts_and_audits_a_refused_file(
    cluster: Cluster,  # noqa: F811
    clock: FixedClock,
    tmp_path: Path,
) -> None:
    admin = services_as(cluster, "admin", clock)
    try:
        boss = admin.auth.staff_login("boss", ADMIN_PASSWORD).actor
        good = tmp_path / "good.csv"
        good.write_bytes((HEADER + "3492;R-77;05.07.2017;06.2017;100,50\n").encode("cp1251"))
        report = admin.exchange.import_file(boss, good)
        assert [(t.created, t.updated, t.unchanged) for t in report.tallies] == [(1, 0, 0)]
        bad = tmp_path / "bad.csv"
        bad.write_bytes((HEADER + "9999999;R-78;05.07.2017;06.2017;1,00\n").encode("cp1251"))
        with pytest.raises(ImportRefused):
            admin.exchange.import_file(boss, bad)
        with cluster.owner.read() as s:
            assert s.scalar(select(func.count()).where(Receipt.number == "R-77")) == 1
            assert s.scalar(select(func.count()).where(Receipt.number == "R-78")) == 0
            entry = s.scalars(
                select(AuditEntry)
                .where(AuditEntry.action == "exchange.import")
                .order_by(AuditEntry.id.desc())
            ).first()
            assert entry is not None
            assert (entry.actor, entry.ok) == ("staff:boss", False)
            assert json.loads(entry.details)["file"] == "bad.csv"
        assert audit.verify(admin.db, boss).intact
    finally:
        admin.close()
