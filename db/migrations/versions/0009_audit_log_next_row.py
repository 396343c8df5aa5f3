"""the audit log takes only the chain's next row; PostgreSQL stamps the login that wrote it

A BEFORE INSERT trigger refuses any row but the chain's next: its id must be the last id + 1
(1 for the first) and its ``prev_hash`` the last row's ``row_hash`` (``GENESIS`` for the
first). So no statement of an application's role can insert a row far ahead (which made every
later write fail) or fork the chain. On PostgreSQL the trigger takes the writers' advisory
lock itself (``desktop.audit.CHAIN_LOCK``, re-entrant for ``_seal`` that already holds it),
so writers that skip it are ordered too, and it reads the committed last row after the lock
is granted (each statement of a PL/pgSQL function has its own snapshot under READ COMMITTED;
under a stricter isolation a stale last row gives an id that exists, refused by the key).

On PostgreSQL the new column ``db_role`` is set by the trigger to ``session_user`` whatever
the client sent: each row names the database login that wrote it (SET ROLE does not change
it). On SQLite there are no logins: the column stays NULL and a row that fills it is refused.
Rows already there keep NULL; the hash covers ``db_role`` only when it is set, so they keep
verifying.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GENESIS = "0" * 64
CHAIN_LOCK = 0x61756469_74000001  # desktop.audit.CHAIN_LOCK, frozen here

_SQLITE_NEXT = f"""
CREATE TRIGGER audit_log_next_row BEFORE INSERT ON audit_log
WHEN NEW.id IS NOT coalesce((SELECT max(id) FROM audit_log), 0) + 1
  OR NEW.prev_hash IS NOT coalesce(
        (SELECT row_hash FROM audit_log ORDER BY id DESC LIMIT 1), '{GENESIS}')
  OR NEW.db_role IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only and takes only the chain''s next row'); END
"""

# search_path pinned, pg_temp last: a temporary table called audit_log cannot stand in.
# SECURITY INVOKER: it reads only (id, row_hash), which every writing role may read.
_PG_NEXT_FUNCTION = f"""
CREATE FUNCTION audit_log_next_row() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, {{schema}}, pg_temp AS $fn$
DECLARE
    last_id integer;
    last_hash text;
BEGIN
    PERFORM pg_advisory_xact_lock({CHAIN_LOCK});
    SELECT id, row_hash INTO last_id, last_hash FROM audit_log ORDER BY id DESC LIMIT 1;
    IF NEW.id IS DISTINCT FROM coalesce(last_id, 0) + 1
       OR NEW.prev_hash IS DISTINCT FROM coalesce(last_hash, '{GENESIS}') THEN
        RAISE EXCEPTION 'audit_log is append-only and takes only the chain''s next row: id %, prev_hash %',
            coalesce(last_id, 0) + 1, coalesce(last_hash, '{GENESIS}')
            USING ERRCODE = 'check_violation';
    END IF;
    NEW.db_role := session_user;
    RETURN NEW;
END
$fn$
"""
_PG_NEXT_TRIGGER = (
    "CREATE TRIGGER audit_log_next_row BEFORE INSERT ON audit_log "
    "FOR EACH ROW EXECUTE FUNCTION audit_log_next_row()"
)


def upgrade() -> None:
    op.add_column("audit_log", sa.Column("db_role", sa.String(length=63), nullable=True))
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        schema = conn.execute(sa.text("SELECT current_schema()")).scalar_one()
        q_schema = conn.dialect.identifier_preparer.quote_identifier(schema)
        op.execute(_PG_NEXT_FUNCTION.replace("{schema}", q_schema))
        op.execute("REVOKE ALL ON FUNCTION audit_log_next_row() FROM PUBLIC")
        op.execute(_PG_NEXT_TRIGGER)
        return
    op.execute(_SQLITE_NEXT)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_log_next_row ON audit_log")
        op.execute("DROP FUNCTION audit_log_next_row()")
        # The version before takes ids from the sequence: bring it past the rows.
        op.execute(
            "SELECT setval(pg_get_serial_sequence('audit_log', 'id'), "
            "(SELECT coalesce(max(id), 0) + 1 FROM audit_log), false)"
        )
    else:
        op.execute("DROP TRIGGER audit_log_next_row")
    op.drop_column("audit_log", "db_role")
