"""Malformed files never crash the importer: whatever the bytes, an import either reports or
refuses in Russian, and a refused one changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from db.engine import Database
from db.migrate import upgrade
from db.models import Account, Company, ImportBatch, Meter, StaffRole
from desktop.actors import Actor
from desktop.clock import FixedClock
from desktop.common.errors import UserError
from desktop.exchange.accounts import FIELDS as ACCOUNT_FIELDS
from desktop.exchange.meters import FIELDS as METER_FIELDS
from desktop.exchange.service import ImportService
from desktop.exchange.statement import FIELDS as STATEMENT_FIELDS

ADMIN = Actor.staff(1, "admin", StaffRole.ADMIN)
HEADERS = [
    name
    for f in (*ACCOUNT_FIELDS, *METER_FIELDS, *STATEMENT_FIELDS)
    for name in (f.title, *f.synonyms[:2])
]
CELLS = st.one_of(
    st.text(alphabet='0123456789,.-; "\n\tАбвЁё№/', max_size=12),
    st.sampled_from(["7001", "54,30", "31.02.2017", "12.2017", "ХВС", "Электроэнергия", "м3",
                     "кВт·ч", "3", "99999999999999999999", "-0", "1e5", ""]),
)  # fmt: skip
TABLES = st.lists(st.lists(CELLS, max_size=12), max_size=8).flatmap(
    lambda rows: st.tuples(
        st.lists(st.sampled_from(HEADERS), min_size=1, max_size=12, unique=True), st.just(rows)
    )
)
ENCODINGS = st.sampled_from(["cp1251", "utf-8", "utf-8-sig", "utf-16"])


def _counts(db: Database) -> tuple[int, int, int]:
    with db.read() as s:
        return tuple(  # type: ignore[return-value]
            s.scalar(select(func.count()).select_from(t)) or 0
            for t in (Account, Meter, ImportBatch)
        )


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ImportService]:
    """One database for every example: a refused import changes nothing, and an applied one
    only makes the next examples meet known accounts too."""
    folder = tmp_path_factory.mktemp("hostile")
    db = Database(f"sqlite:///{folder / 'cabinet.db'}")
    upgrade(db.engine)
    with db.unit_of_work() as s:
        s.add(Company(name="УК", inn="1", bank_name="Б", bic="1", settlement_account="1",
                      correspondent_account="1"))  # fmt: skip
    yield ImportService(db, FixedClock(datetime(2017, 6, 20, 9, 0, tzinfo=UTC)))
    db.dispose()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(table=TABLES, encoding=ENCODINGS, junk=st.binary(max_size=40))
def test_any_table_or_junk_is_reported_or_refused_never_a_crash(
    service: ImportService, tmp_path_factory: pytest.TempPathFactory, table, encoding, junk
):
    headers, rows = table
    text = "\n".join(";".join(row) for row in [headers, *rows])
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        data = text.encode("utf-8")
    path: Path = tmp_path_factory.mktemp("file") / "file.csv"
    path.write_bytes(data + junk)
    for dry_run in (True, False):
        before = _counts(service.db)
        try:
            service.import_file(ADMIN, path, dry_run=dry_run)
        except UserError as error:
            assert str(error)
            assert _counts(service.db) == before  # refused: nothing changed
        if dry_run:
            assert _counts(service.db) == before
