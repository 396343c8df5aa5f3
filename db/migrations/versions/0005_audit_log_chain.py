"""the audit log: a hash chain over its rows; REPLACE and TRUNCATE refused

Each row gets ``prev_hash`` and ``row_hash`` (sha256 hex, see ``desktop.audit``); the rows
already there are chained in id order. On SQLite a BEFORE INSERT trigger refuses a row whose
id exists, so ``INSERT OR REPLACE`` / ``REPLACE INTO`` / an upsert cannot overwrite one; on
PostgreSQL a statement-level trigger refuses TRUNCATE. (UPDATE and DELETE are refused since
0001.) The hash is computed here by a frozen copy of the application's function, so that this
revision keeps meaning the same whatever ``desktop.audit`` becomes.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

import hashlib
import json
from collections.abc import Sequence
from datetime import UTC

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GENESIS = "0" * 64
BATCH = 1000

_SQLITE_NO_REPLACE = """
CREATE TRIGGER audit_log_no_replace BEFORE INSERT ON audit_log
WHEN EXISTS (SELECT 1 FROM audit_log WHERE id = NEW.id)
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END
"""
_SQLITE_NO_UPDATE = (
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
)
_PG_NO_TRUNCATE = (
    "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()"
)


def _hash(prev_hash: str, row: sa.Row) -> str:
    moment = row.at
    if moment.tzinfo is None:  # SQLite keeps no zone: the stored value is UTC
        moment = moment.replace(tzinfo=UTC)
    values = [
        row.id,
        moment.astimezone(UTC).isoformat(timespec="microseconds"),
        row.actor,
        row.action,
        row.account_id,
        bool(row.ok),
        row.details,
    ]
    canonical = json.dumps(values, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((prev_hash + canonical).encode("utf-8")).hexdigest()


def _fill_chain(conn: sa.Connection) -> None:
    """Chain the existing rows in id order, a batch at a time (constant memory)."""
    log = sa.table(
        "audit_log",
        sa.column("id", sa.Integer),
        sa.column("at", sa.DateTime),
        sa.column("actor", sa.String),
        sa.column("action", sa.String),
        sa.column("account_id", sa.Integer),
        sa.column("ok", sa.Boolean),
        sa.column("details", sa.Text),
        sa.column("prev_hash", sa.String),
        sa.column("row_hash", sa.String),
    )
    update = (
        log.update()
        .where(log.c.id == sa.bindparam("b_id"))
        .values(prev_hash=sa.bindparam("b_prev"), row_hash=sa.bindparam("b_row"))
    )
    prev_hash, last_id = GENESIS, 0
    while True:
        rows = conn.execute(
            sa.select(log).where(log.c.id > last_id).order_by(log.c.id).limit(BATCH)
        ).all()
        if not rows:
            return
        changes = []
        for row in rows:
            row_hash = _hash(prev_hash, row)
            changes.append({"b_id": row.id, "b_prev": prev_hash, "b_row": row_hash})
            prev_hash, last_id = row_hash, row.id
        conn.execute(update, changes)


def upgrade() -> None:
    op.add_column(
        "audit_log", sa.Column("prev_hash", sa.String(length=64), nullable=False, server_default="")
    )
    op.add_column(
        "audit_log", sa.Column("row_hash", sa.String(length=64), nullable=False, server_default="")
    )
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        op.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update")
        _fill_chain(conn)
        op.execute("ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update")
        op.execute(_PG_NO_TRUNCATE)
        return
    op.execute("DROP TRIGGER audit_log_no_update")
    _fill_chain(conn)
    op.execute(_SQLITE_NO_UPDATE)
    op.execute(_SQLITE_NO_REPLACE)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_log_no_truncate ON audit_log")
    else:
        op.execute("DROP TRIGGER audit_log_no_replace")
    op.drop_column("audit_log", "row_hash")
    op.drop_column("audit_log", "prev_hash")
