"""What a kiosk's transaction has proven: the accounts whose proof (password, registration
code, reset code, registered e-mail) one of the owner's functions accepted in it.

Until now «this transaction wrote the account's credential» (its row's ``xmin``) stood for
the proof; but a wrong reset code writes the credential too (its tries are counted), so one
wrong guess «proved» the victim. Instead each function of ``db.roles_resident`` and
``db.roles_clerk`` calls ``cabinet_prove(account)`` only once the proof succeeded, which
adds a row of ``PROOF_TABLE`` keyed by the transaction's own id (``pg_current_xact_id()``).
``cabinet_proven(account)`` says whether this transaction holds one. No group may read or
write the table, nor call ``cabinet_prove`` (a custom setting would not do: anyone may set
one); ``cabinet_proven`` is called only by the owner's functions, triggers and policies.

A row of a rolled back transaction vanishes with it; one of a committed transaction can never
match a later one (a 64-bit transaction id is never reused) and is cleared by a later proof
(rows older than every running transaction; those locked by another one are skipped, so no
caller waits). The table is UNLOGGED: nothing in it outlives a crash that would matter.
"""

from __future__ import annotations

from sqlalchemy import Connection

PROOF_TABLE = "cabinet_proof"

# Helpers granted to no group: the owner's functions call them.
PROOF_FUNCTIONS = (("cabinet_prove", "bigint"), ("cabinet_proven", "bigint"))

_TABLE = f"""
CREATE UNLOGGED TABLE IF NOT EXISTS {PROOF_TABLE} (
    xact xid8 NOT NULL,
    account_id bigint NOT NULL,
    PRIMARY KEY (xact, account_id)
)"""

PROOF_BODIES = (
    f"""
CREATE OR REPLACE FUNCTION cabinet_prove(p_account bigint) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = {{schema}}, pg_temp AS $fn$
BEGIN
    DELETE FROM {PROOF_TABLE} p
     WHERE p.ctid = ANY (ARRAY(
        SELECT q.ctid FROM {PROOF_TABLE} q
         WHERE q.xact < pg_snapshot_xmin(pg_current_snapshot())
         LIMIT 100 FOR UPDATE SKIP LOCKED));
    INSERT INTO {PROOF_TABLE} (xact, account_id) VALUES (pg_current_xact_id(), p_account)
    ON CONFLICT DO NOTHING;
END
$fn$""",
    f"""
CREATE OR REPLACE FUNCTION cabinet_proven(p_account bigint) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {{schema}}, pg_temp AS $fn$
    SELECT EXISTS (SELECT 1 FROM {PROOF_TABLE} p
                    WHERE p.xact = pg_current_xact_id_if_assigned()
                      AND p.account_id = p_account)
$fn$""",
)
"""The bodies, ``{schema}`` standing for the quoted schema (``db.roles`` fills it in)."""


def create_table(conn: Connection) -> None:
    """The proofs' table, owned by whoever runs ``db roles`` (the schema's owner)."""
    conn.exec_driver_sql(_TABLE)
    conn.exec_driver_sql(f"REVOKE ALL ON {PROOF_TABLE} FROM PUBLIC")
