"""the audit chain's lock: writers append unchained rows, the owner's function chains them

Up to 0009 every writer of the log took the chain's advisory lock in its own transaction and
held it to its commit. Any role of the application could take that lock itself
(``pg_advisory_lock``) or insert a row and leave its transaction open, and every audited
write of the office waited for it.

From here, on PostgreSQL, a writer only appends to ``audit_pending`` (no lock, no read of the
log); a BEFORE INSERT trigger stamps the row's ``db_role`` with ``session_user`` and refuses
an actor other than the holder of the session the transaction carries (the check 0009 made
on ``audit_log``). ``audit_chain()``, SECURITY DEFINER and owned by the schema's owner, moves
every committed pending row (and the caller's own) into ``audit_log`` with id = last + 1,
``prev_hash`` and ``row_hash`` computed in SQL exactly as ``desktop.audit.chain_hash`` does.
Only one caller chains at a time: it locks the one row of ``audit_chain`` with SKIP LOCKED,
so a second caller does not wait but leaves the rows to the next one; and it waits at most
``CHAIN_LOCK_TIMEOUT`` for the one row lock it may need (the foreign key's on an account
row someone holds FOR UPDATE) before it leaves them too. No application role
may read, lock or write ``audit_chain`` or insert into ``audit_log`` (``db roles``), so none
can make another wait for the chain. The trigger of ``audit_log`` keeps refusing anything but
the chain's next row; it no longer takes the advisory lock, and it keeps the ``db_role`` the
chaining function carries over from the pending row.

On SQLite the two tables are created (one schema for both) but not used: a write there
already holds the database's one write lock, and there are no roles.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01
"""

import importlib.util
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GENESIS = "0" * 64
# How long the chaining waits for a row lock (only the log's foreign key to account takes
# one) before it leaves the rows to a later call.
CHAIN_LOCK_TIMEOUT = "200ms"
# Pending rows chained by one call at most (each audited commit chains the next batch).
CHAIN_BATCH = 500
SESSION_SETTING = "cabinet.session"  # db.rls.SETTING, frozen here

# The trigger of audit_log: only the chain's next row. Inside audit_chain() (current_user is
# the table's owner) the row's db_role is the pending row's; anyone else gets session_user.
_PG_NEXT_FUNCTION = f"""
CREATE OR REPLACE FUNCTION audit_log_next_row() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, {{schema}}, pg_temp AS $fn$
DECLARE
    last_id bigint;
    last_hash text;
BEGIN
    SELECT id, row_hash INTO last_id, last_hash FROM audit_log ORDER BY id DESC LIMIT 1;
    IF NEW.id IS DISTINCT FROM coalesce(last_id, 0) + 1
       OR NEW.prev_hash IS DISTINCT FROM coalesce(last_hash, '{GENESIS}') THEN
        RAISE EXCEPTION 'audit_log is append-only: only the chain''s next row, id % after %',
            coalesce(last_id, 0) + 1, coalesce(last_hash, '{GENESIS}')
            USING ERRCODE = 'check_violation';
    END IF;
    IF current_user IS DISTINCT FROM
       (SELECT pg_get_userbyid(c.relowner) FROM pg_class c WHERE c.oid = TG_RELID) THEN
        NEW.db_role := session_user;
    END IF;
    RETURN NEW;
END
$fn$
"""

# SECURITY INVOKER, as 0009's was: it reads the session's holder, which every role that
# writes for a signed-in session may read.
_PG_PENDING_FUNCTION = f"""
CREATE OR REPLACE FUNCTION audit_pending_stamp() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, {{schema}}, pg_temp AS $fn$
DECLARE
    token text;
    holder_account bigint;
    holder_staff bigint;
    holder text;
BEGIN
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

# The canonical form of desktop.audit.canonical: a compact JSON array, the time in ISO UTC
# with microseconds, db_role appended only when set. to_json escapes a string as Python's
# json.dumps(ensure_ascii=False) does (\\" \\\\ \\b \\f \\n \\r \\t, other controls \\u00xx).
_PG_CHAIN_FUNCTION = f"""
CREATE OR REPLACE FUNCTION audit_chain() RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, {{schema}}, pg_temp
SET lock_timeout = '{CHAIN_LOCK_TIMEOUT}'
AS $fn$
DECLARE
    last_id bigint;
    last_hash text;
    r record;
    canonical text;
    chained integer := 0;
    wanted bigint;
    held bigint;
    batch bigint[];
    acct bigint;
BEGIN
    PERFORM 1 FROM audit_chain WHERE id = 1 FOR UPDATE SKIP LOCKED;
    IF NOT FOUND THEN
        RETURN NULL;  -- another transaction is chaining: it, or the next one, takes the rows
    END IF;
    -- A bounded batch, its ids read once: a flood of pending rows (any role may append)
    -- costs a call at most CHAIN_BATCH rows, and exactly the rows whose accounts were
    -- checked below are chained.
    SELECT array_agg(b.id ORDER BY b.id) INTO batch
      FROM (SELECT p.id FROM audit_pending p ORDER BY p.id LIMIT {CHAIN_BATCH}) b;
    IF batch IS NULL THEN
        RETURN 0;
    END IF;
    -- The log's foreign key takes a KEY SHARE lock on each row's account. If a transaction
    -- holds one FOR UPDATE, the rows wait for a later call rather than this one waiting.
    -- (SKIP LOCKED, not an exception block: the rows this transaction moves stay its own,
    -- xmin and all, for the checks that look for them before commit.)
    SELECT count(*) INTO wanted FROM account a
     WHERE a.id IN (SELECT p.account_id FROM audit_pending p WHERE p.id = ANY (batch));
    SELECT count(*) INTO held FROM (
        SELECT 1 FROM account a
         WHERE a.id IN (SELECT p.account_id FROM audit_pending p WHERE p.id = ANY (batch))
           FOR KEY SHARE SKIP LOCKED) locked;
    IF held < wanted THEN
        RETURN NULL;
    END IF;
    SELECT id, row_hash INTO last_id, last_hash FROM audit_log ORDER BY id DESC LIMIT 1;
    last_id := coalesce(last_id, 0);
    last_hash := coalesce(last_hash, '{GENESIS}');
    FOR r IN SELECT * FROM audit_pending WHERE id = ANY (batch) ORDER BY id LOOP
        last_id := last_id + 1;
        -- No foreign key on a pending row (it would make writers wait for a row lock): one
        -- naming an account that does not exist (none is ever deleted; a login may write any
        -- number) goes into the chain without it, instead of stopping every chaining.
        acct := (SELECT a.id FROM account a WHERE a.id = r.account_id);
        canonical := '[' || last_id || ','
            || to_json(to_char(r.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US')
                       || '+00:00')::text || ','
            || to_json(r.actor)::text || ',' || to_json(r.action)::text || ','
            || coalesce(acct::text, 'null') || ','
            || CASE WHEN r.ok THEN 'true' ELSE 'false' END || ','
            || to_json(r.details)::text
            || CASE WHEN r.db_role IS NULL THEN '' ELSE ',' || to_json(r.db_role)::text END
            || ']';
        INSERT INTO audit_log (id, at, actor, action, account_id, ok, details, prev_hash,
                               row_hash, db_role)
        VALUES (last_id, r.at, r.actor, r.action, acct, r.ok, r.details, last_hash,
                encode(sha256(convert_to(last_hash || canonical, 'UTF8')), 'hex'), r.db_role)
        RETURNING row_hash INTO last_hash;
        DELETE FROM audit_pending WHERE id = r.id;
        chained := chained + 1;
    END LOOP;
    RETURN chained;
END
$fn$
"""
_REVOKE_LOG_INSERTS = """
DO $do$
DECLARE
    grantee text;
BEGIN
    FOR grantee IN
        SELECT DISTINCT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE a.grantee::regrole::text END
          FROM pg_class c, aclexplode(c.relacl) a
         WHERE c.oid = 'audit_log'::regclass AND a.privilege_type = 'INSERT'
           AND a.grantee <> c.relowner
    LOOP
        EXECUTE 'REVOKE INSERT ON audit_log FROM ' || grantee;
    END LOOP;
END
$do$
"""
_PG_PENDING_TRIGGER = (
    "CREATE TRIGGER audit_pending_stamp BEFORE INSERT ON audit_pending "
    "FOR EACH ROW EXECUTE FUNCTION audit_pending_stamp()"
)


def upgrade() -> None:
    op.create_table(
        "audit_pending",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=50), nullable=False),
        sa.Column(
            "account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("db_role", sa.String(length=63), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_pending")),
    )
    op.create_table(
        "audit_chain",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_chain")),
    )
    op.execute("INSERT INTO audit_chain (id) VALUES (1)")
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    schema = conn.execute(sa.text("SELECT current_schema()")).scalar_one()
    q_schema = conn.dialect.identifier_preparer.quote_identifier(schema)
    for body in (_PG_NEXT_FUNCTION, _PG_PENDING_FUNCTION, _PG_CHAIN_FUNCTION):
        op.execute(body.replace("{schema}", q_schema))
    # Until `db roles` runs again, no group keeps the INSERT on audit_log it had up to here
    # (the log's trigger no longer checks the actor: audit_pending's does).
    op.execute(_REVOKE_LOG_INSERTS)
    op.execute("REVOKE ALL ON FUNCTION audit_pending_stamp() FROM PUBLIC")
    op.execute("REVOKE ALL ON FUNCTION audit_chain() FROM PUBLIC")
    op.execute(_PG_PENDING_TRIGGER)


def _revision_0009() -> ModuleType:
    path = Path(__file__).with_name("0009_audit_log_next_row.py")
    spec = importlib.util.spec_from_file_location("_revision_0009", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        # Nothing pending is lost: chain it all, or stop the downgrade.
        while conn.execute(sa.text("SELECT audit_chain()")).scalar():
            pass
        if conn.execute(sa.text("SELECT count(*) FROM audit_pending")).scalar():
            raise RuntimeError(
                "audit_pending still holds entries another transaction is chaining: "
                "run the downgrade again when it is done"
            )
        op.execute("DROP TRIGGER audit_pending_stamp ON audit_pending")
        op.execute("DROP FUNCTION audit_chain()")
        op.execute("DROP FUNCTION audit_pending_stamp()")
        schema = conn.execute(sa.text("SELECT current_schema()")).scalar_one()
        q_schema = conn.dialect.identifier_preparer.quote_identifier(schema)
        # 0009's function as 0011 left it: its ids held as bigint.
        before = _revision_0009()._PG_NEXT_FUNCTION.replace(" integer;", " bigint;")
        op.execute(before.replace("{schema}", q_schema))
    op.drop_table("audit_chain")
    op.drop_table("audit_pending")
