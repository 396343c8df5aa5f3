"""Ids that cannot run out: on PostgreSQL every id, every column that refers to one and every
id sequence is 64-bit (migration 0011), so a loop of ``nextval`` by a role that may insert
(any kiosk login may) no longer stops the office; the row level security policies survive
the upgrade."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from alembic import command
from sqlalchemy import text

from db.engine import Database
from db.migrate import alembic_config, upgrade
from db.models import Base
from db.roles import GROUPS, apply_roles, group_name
from db.roles_outbox import MAILER
from db.types import Id
from desktop.actors import Actor
from desktop.clock import FixedClock
from desktop.readings import ReadingService
from desktop.settings import Settings
from tests.factories import make_account, make_meter, make_period

BEYOND_INT4 = 2**31 + 7
_CAST = re.compile(r"\((\w+)\)::bigint")
MAY, JUNE = date(2017, 5, 1), date(2017, 6, 1)


@pytest.fixture
def pg(pg_url: str) -> Iterator[Database]:
    db = Database(pg_url)
    upgrade(db.engine)
    yield db
    db.dispose()


def _id_columns() -> set[tuple[str, str]]:
    return {
        (table.name, column.name)
        for table in Base.metadata.tables.values()
        for column in table.columns
        if column.type is Id
    }


def test_every_id_and_every_reference_to_one_is_64_bit(pg: Database) -> None:
    columns = _id_columns()
    assert ("reading", "id") in columns and ("reading", "period_id") in columns
    with pg.engine.connect() as conn:
        types = {
            (row.table_name, row.column_name): row.data_type
            for row in conn.execute(
                text(
                    "SELECT table_name, column_name, data_type FROM information_schema.columns "
                    "WHERE table_schema = current_schema()"
                )
            )
        }
        sequences = dict(
            conn.execute(
                text(
                    "SELECT sequencename, data_type::text FROM pg_sequences "
                    "WHERE schemaname = current_schema()"
                )
            ).all()
        )
    assert {column: types[column] for column in columns} == dict.fromkeys(columns, "bigint")
    # Any other integer column holding an id would be a column the models forgot to type.
    assert not [c for c, t in types.items() if c[1].endswith("_id") and t == "integer"]
    assert sequences and set(sequences.values()) == {"bigint"}, sequences


def test_readings_are_saved_past_the_32_bit_ids(pg: Database) -> None:
    """What a kiosk's ``nextval`` loop would leave behind: sequences past 2³¹. The office
    goes on saving readings (on the old schema: «integer out of range»)."""
    account = make_account(pg, "3492")
    water = make_meter(pg, account, "ХВС 21883-12")
    make_period(pg, account, MAY, {(water, 1): ("249", "252")})
    with pg.engine.begin() as conn:
        for table in ("period", "reading"):
            conn.execute(
                text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {BEYOND_INT4})")
            )
    clock = FixedClock(datetime(2017, 6, 20, 10, 42, tzinfo=UTC))
    readings = ReadingService(pg, clock, Settings())
    resident = Actor.resident(account, "3492")
    period = readings.create_period(resident, account)
    assert period.id > BEYOND_INT4
    readings.submit(resident, account, JUNE, {(water, 1): "255"}, version=period.version)
    stored = {r.title: r.current for r in readings.readings(resident, account, JUNE)}
    assert stored == {"ХВС 21883-12": Decimal("255.000")}
    with pg.engine.connect() as conn:
        assert conn.scalar(text("SELECT max(id) FROM reading")) > BEYOND_INT4


def test_the_upgrade_keeps_the_row_level_security_policies(pg_url: str) -> None:
    """PostgreSQL refuses to retype a column a policy names: the revision takes the policies
    of ``db roles`` off and puts back those it can; ``db roles`` after the upgrade (as after
    every upgrade) makes its functions with 64-bit ids and the policies exactly as before."""
    db = Database(pg_url)
    config = alembic_config()
    prefix = f"cb{uuid.uuid4().hex[:8]}_"
    try:
        upgrade(db.engine)
        apply_roles(db.engine, prefix)
        before = _policies(db)
        assert before, "db roles made no policies"
        with db.engine.begin() as conn:  # back to before 0011, the policies kept
            config.attributes["connection"] = conn
            command.downgrade(config, "0009")
        with db.engine.begin() as conn:  # as an earlier version's functions took ids: int4
            conn.exec_driver_sql(
                "CREATE FUNCTION cabinet_probe(p integer) RETURNS boolean LANGUAGE sql "
                "AS 'SELECT p > 0'"
            )
            conn.exec_driver_sql("CREATE POLICY probe ON reading USING (cabinet_probe(period_id))")
        upgrade(db.engine)
        kept = _policies(db)
        assert ("reading", "probe") not in {(p[0], p[1]) for p in kept}  # closed till db roles
        assert [policy for policy in kept if policy not in before] == []
        # The office's policies are back at once; those calling db roles' functions with an
        # id wait, closed, for `db roles`, which makes them again as they were.
        assert {(p[0], p[1]) for p in kept} >= {
            ("period", "cabinet_office"),
            ("period", "cabinet_own_account"),
        }
        apply_roles(db.engine, prefix)
        assert _policies(db) == before
        with db.engine.connect() as conn:
            kind = conn.scalar(
                text(
                    "SELECT data_type FROM information_schema.columns WHERE table_name = "
                    "'reading' AND column_name = 'period_id' AND table_schema = current_schema()"
                )
            )
        assert kind == "bigint"
    finally:
        with db.engine.begin() as conn:
            for group in (*GROUPS, MAILER):
                role = group_name(group, prefix)
                if conn.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}):
                    conn.exec_driver_sql(f'DROP OWNED BY "{role}"')
                    conn.exec_driver_sql(f'DROP ROLE "{role}"')
        db.dispose()


def _policies(db: Database) -> list[tuple[object, ...]]:
    """The policies, their conditions without the casts an int4 column needed to call a
    function taking bigint (``(account_id)::bigint`` reads ``account_id``)."""
    with db.engine.connect() as conn:
        return [
            tuple(_CAST.sub(r"\1", v) if isinstance(v, str) else v for v in row)
            for row in conn.execute(
                text(
                    "SELECT tablename, policyname, permissive, roles, cmd, qual, with_check "
                    "FROM pg_policies WHERE schemaname = current_schema() "
                    "ORDER BY tablename, policyname"
                )
            )
        ]
