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
When the transaction carries a session's token (``db.rls``: ``cabinet.session``) and that
session is live, the row's ``actor`` must be the session's holder («resident:<number>»,
«staff:<login>»): a desk cannot sign its rows with another person's name while it acts for
its own sign-in. (A connection that carries no token is not checked: its rows still name
its login.)
Rows already there keep NULL; the hash covers ``db_role`` only when it is set, so they keep
verifying. The downgrade drops the column and so re-chains the rows that had it, from the
first of them, with the hash of the version before (a frozen copy, as in 0005): the log
verifies there too, without the logins.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

import hashlib
import json
from collections.abc import Sequence
from datetime import UTC

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GENESIS = "0" * 64
BATCH = 1000
CHAIN_LOCK = 0x61756469_74000001  # desktop.audit.CHAIN_LOCK, frozen here
SESSION_SETTING = "cabinet.session"  # db.rls.SETTING, frozen here

_SQLITE_NEXT = f"""
CREATE TRIGGER audit_log_next_row BEFORE INSERT ON audit_log
WHEN NEW.id IS NOT coalesce((SELECT max(id) FROM audit_log), 0) + 1
  OR NEW.prev_hash IS NOT coalesce(
        (SELECT row_hash FROM audit_log ORDER BY id DESC LIMIT 1), '{GENESIS}')
  OR NEW.db_role IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: only the chain''s next row'); END
"""

# search_path pinned, pg_temp last: a temporary table called audit_log cannot stand in.
# SECURITY INVOKER: it reads the log's (id, row_hash) and the session's holder, which every
# role that writes the log for a signed-in session may read.
_PG_NEXT_FUNCTION = f"""
CREATE OR REPLACE FUNCTION audit_log_next_row() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, {{schema}}, pg_temp AS $fn$
DECLARE
    last_id integer;
    last_hash text;
    token text;
    holder_account integer;
    holder_staff integer;
    holder text;
BEGIN
    PERFORM pg_advisory_xact_lock({CHAIN_LOCK});
    SELECT id, row_hash INTO last_id, last_hash FROM audit_log ORDER BY id DESC LIMIT 1;
    IF NEW.id IS DISTINCT FROM coalesce(last_id, 0) + 1
       OR NEW.prev_hash IS DISTINCT FROM coalesce(last_hash, '{GENESIS}') THEN
        RAISE EXCEPTION 'audit_log is append-only: only the chain''s next row, id % after %',
            coalesce(last_id, 0) + 1, coalesce(last_hash, '{GENESIS}')
            USING ERRCODE = 'check_violation';
    END IF;
    token := nullif(current_setting('{SESSION_SETTING}', true), '');
    IF token IS NOT NULL THEN
        SELECT s.account_id, s.staff_id INTO holder_account, holder_staff
          FROM user_session s
         WHERE s.ended_at IS NULL
           AND s.token_hash = encode(sha256(convert_to(token, 'UTF8')), 'hex');
        IF FOUND THEN
            IF holder_staff IS NOT NULL THEN
                SELECT 'staff:' || u.login INTO holder FROM staff_user u WHERE u.id = holder_staff;
            ELSE
                SELECT 'resident:' || a.number INTO holder FROM account a
                 WHERE a.id = holder_account;
            END IF;
            IF NEW.actor IS DISTINCT FROM holder THEN
                RAISE EXCEPTION 'audit_log: the actor % is not the signed-in %', NEW.actor, holder
                    USING ERRCODE = 'insufficient_privilege';
            END IF;
        END IF;
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


_LOG = sa.table(
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
    sa.column("db_role", sa.String),
)


def _hash_without_role(prev_hash: str, row: sa.Row) -> str:
    """The row's hash as revisions 0005–0008 compute it (no ``db_role``)."""
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


def _rechain_without_roles(conn: sa.Connection) -> None:
    """From the first row with a ``db_role`` on, hash every row again without it."""
    log = _LOG
    first = conn.execute(
        sa.select(log.c.id, log.c.prev_hash).where(log.c.db_role.is_not(None)).order_by(log.c.id)
    ).first()
    if first is None:
        return
    update = (
        log.update()
        .where(log.c.id == sa.bindparam("b_id"))
        .values(prev_hash=sa.bindparam("b_prev"), row_hash=sa.bindparam("b_row"))
    )
    prev_hash, last_id = first.prev_hash, first.id - 1
    while True:
        rows = conn.execute(
            sa.select(log).where(log.c.id > last_id).order_by(log.c.id).limit(BATCH)
        ).all()
        if not rows:
            return
        changes = []
        for row in rows:
            row_hash = _hash_without_role(prev_hash, row)
            changes.append({"b_id": row.id, "b_prev": prev_hash, "b_row": row_hash})
            prev_hash, last_id = row_hash, row.id
        conn.execute(update, changes)


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_log_next_row ON audit_log")
        op.execute("DROP FUNCTION audit_log_next_row()")
        op.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update")
        _rechain_without_roles(conn)
        op.execute("ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update")
        # The version before takes ids from the sequence too: bring it past the rows.
        op.execute(
            "SELECT setval(pg_get_serial_sequence('audit_log', 'id'), "
            "(SELECT coalesce(max(id), 0) + 1 FROM audit_log), false)"
        )
    else:
        op.execute("DROP TRIGGER audit_log_next_row")  # SQLite's rows have no db_role
    op.drop_column("audit_log", "db_role")
