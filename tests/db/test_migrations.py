"""The migrations build exactly the schema the models describe, and an upgrade keeps data.

From now on ``0001`` is frozen: every schema change is a new revision, and these tests hold
every revision to the models and to the data of the revision before it.
"""

from __future__ import annotations

from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, MetaData, select

from db.engine import Database
from db.migrate import alembic_config, current_revision
from db.migrations import HEAD
from db.models import Base, Confirmation, Reading
from db.search import include_object
from desktop.clock import FixedClock
from desktop.demo import build_demo


def _differences(engine: Engine) -> list[Any]:
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={
                "compare_type": True,
                "compare_server_default": False,
                "include_object": include_object,
            },
        )
        return compare_metadata(context, Base.metadata)


def test_the_migrated_schema_is_the_models_schema(database: Database):
    assert _differences(database.engine) == []


def test_the_comparison_sees_a_column_the_migrations_lack(database: Database):
    """The check above can fail: a column in the models and not in the database is reported."""
    with database.engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE support_request DROP COLUMN contact")
    kinds = {
        (diff[0], diff[3].name) for diff in _differences(database.engine) if diff[0] == "add_column"
    }
    assert ("add_column", "contact") in kinds


def _snapshot(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table but Alembic's, as dictionaries, in a stable order."""
    meta = MetaData()
    meta.reflect(engine)
    tables: dict[str, list[dict[str, Any]]] = {}
    with engine.connect() as conn:
        for name, table in meta.tables.items():
            if name == "alembic_version":
                continue
            rows = [dict(row._mapping) for row in conn.execute(select(table))]
            tables[name] = sorted(rows, key=_order)
    return tables


# A revision that drops a column says where its values went: (table, column) -> the value
# computed from the upgraded row. The test holds the revision to it.
CARRIED: dict[str, dict[tuple[str, str], Any]] = {
    "0003": {("reading", "note"): lambda row: row["confirmation"] or row["reason"]},
}


def _order(row: dict[str, Any]) -> str:
    return repr(sorted(row.items()))


def _confirm_two_readings(database: Database) -> None:
    """Values the demo leaves empty: a confirmed replacement and a clerk's reason."""
    with database.unit_of_work() as s:
        first, second = s.scalars(select(Reading).order_by(Reading.id).limit(2))
        first.confirmation = Confirmation.REPLACEMENT
        second.reason = "показания переданы по телефону"


def _revisions() -> tuple[str, str | None]:
    script = ScriptDirectory.from_config(alembic_config())
    head = script.get_revision(HEAD)
    previous = head.down_revision
    assert previous is None or isinstance(previous, str), "one line of revisions, no merges"
    return HEAD, previous


def test_upgrading_from_the_previous_revision_loses_nothing(database: Database, clock: FixedClock):
    """A database that holds the demo at the revision before head upgrades with every row and
    every value it had; the revision's own downgrade brings it back to that state."""
    build_demo(database, clock)
    _confirm_two_readings(database)
    head, previous = _revisions()
    config = alembic_config()
    with database.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, previous or "base")
    assert current_revision(database.engine) == previous
    before = _snapshot(database.engine)
    if previous is not None:  # 0001 alone: the downgrade leaves nothing to carry over
        assert sum(len(rows) for rows in before.values()) > 1000, "the demo is there"

    with database.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, head)
    after = _snapshot(database.engine)

    assert current_revision(database.engine) == head
    carried = CARRIED.get(head, {})
    for name, rows in before.items():
        assert name in after, f"table {name} was dropped"
        columns = set(rows[0]) if rows else set()

        def value(row: dict[str, Any], column: str, table: str = name) -> Any:
            if column in row:
                return row[column]
            assert (table, column) in carried, f"{table}.{column} was dropped, its values lost"
            return carried[(table, column)](row)

        kept = sorted(({k: value(row, k) for k in columns} for row in after[name]), key=_order)
        assert kept == rows, f"rows of {name} changed"
    assert _differences(database.engine) == []
