"""Schema upgrades. Alembic is imported only when the schema is behind."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Connection, Engine, inspect, text

from db.migrations import HEAD

MIGRATIONS = Path(__file__).with_name("migrations")


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def holds_other_tables(engine: Engine) -> bool:
    """True for a database with tables but no schema of ours: another program's."""
    with engine.connect() as conn:
        tables = set(inspect(conn).get_table_names())
    return bool(tables) and "alembic_version" not in tables


def alembic_config():  # -> alembic.config.Config, imported lazily
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade_on(conn: Connection, revision: str = "head") -> None:
    """Migrate within the caller's transaction on ``conn``."""
    from alembic import command

    config = alembic_config()
    config.attributes["connection"] = conn
    command.upgrade(config, revision)


def upgrade(engine: Engine, revision: str = "head") -> bool:
    """Bring the schema to ``revision`` in one transaction; True if anything was applied."""
    if revision == "head" and current_revision(engine) == HEAD:
        return False
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":  # a migration may rewrite a large table
            conn.exec_driver_sql("SET LOCAL statement_timeout = 0")
        upgrade_on(conn, revision)
    return True
