"""Least privilege on PostgreSQL, continued (``db.roles`` calls ``install``): the texts of the
letters in the queue — one-time passwords, reset codes — out of a plain clerk login's reach.

A clerk's login reads every column of ``outbox_message`` but ``body`` (``db.roles.GRANTS``):
it queues a letter (``INSERT … RETURNING id``), drops the pending one a new letter replaces
(``desktop.mail.discard_pending``: a DELETE by the plain columns), lists the slips and marks
one handed out (it may write ``handed_out_at`` and ``body``, to clear it, and nothing else:
no letter is turned into a slip nor sent to another address). A restrictive policy
(``cabinet_clerk_slips``) keeps its UPDATE to the slips, and their text only cleared: an
e-mail letter — a one-time password, a reset code the mailer has yet to send — is neither
blanked nor rewritten from a clerk's desk. The text of a slip — a letter the office prints
and hands over — comes from ``cabinet_slip_bodies``, and only while the transaction carries
the live session of a signed-in clerk or administrator (``cabinet_staff_actor``,
``db.roles_clerk``); each read writes its audit entry (``READ_ACTION``) in that staff
member's name, with the letters' ids and accounts. An e-mail letter's text it never reads:
a clerk's login that asked for a resident's reset code (``cabinet_request_reset``) cannot
read the code from the queue.

The e-mail letters are read (to be sent) by the logins of ``MAILER`` (``cabinet_mailer``),
a group ``db roles`` creates and the administrator grants to the login of the desk that
sends the office's mail (``docs/install.md``), and by the administrator's. The program
starts the sender only where the login may read the texts (``db.roles.may_read_outbox``).
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import Connection

from db.privileges import quote

MAILER = "mailer"

# The clerk's columns of a letter: all but its text.
OUTBOX_OFFICE = (
    "id, account_id, recipient, subject, created_at, handed_out_at, channel, status, "
    "attempts, next_attempt_at, sent_at, expires_at, last_error"
)

FUNCTION = ("cabinet_slip_bodies", "bigint[], timestamptz")
_FORMER = ("cabinet_slip_bodies", "bigint[]")  # logged no read: dropped where it is left

READ_ACTION = "outbox.read"  # desktop.audit.AuditAction.OUTBOX_READ

_BODY = f"""
CREATE OR REPLACE FUNCTION cabinet_slip_bodies(p_ids bigint[], p_now timestamptz)
RETURNS TABLE (id bigint, body text)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = {{schema}}, pg_temp AS $fn$
#variable_conflict use_column
DECLARE
    staff text := cabinet_staff_actor();
    read_ids bigint[];
    accounts bigint[];
BEGIN
    -- Slips only (letters the office prints and hands over), and only to a desk where a
    -- clerk or an administrator is signed in (the session's token, db.rls).
    IF staff IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
            MESSAGE = 'no live staff session: sign in as a clerk or an administrator';
    END IF;
    SELECT array_agg(m.id ORDER BY m.id),
           array_agg(DISTINCT m.account_id) FILTER (WHERE m.account_id IS NOT NULL)
      INTO read_ids, accounts
      FROM outbox_message m WHERE m.id = ANY(p_ids) AND m.channel = 'slip';
    IF read_ids IS NULL THEN
        RETURN;
    END IF;
    -- One entry per read, in the staff member's name: the log shows who read which slip.
    INSERT INTO audit_pending (at, actor, action, account_id, ok, details)
    VALUES (p_now, staff, '{READ_ACTION}',
            CASE WHEN cardinality(accounts) = 1 THEN accounts[1] END, true,
            jsonb_build_object('source', 'database', 'messages', to_jsonb(read_ids),
                               'accounts', coalesce(to_jsonb(accounts), '[]'::jsonb))::text);
    RETURN QUERY SELECT m.id, m.body FROM outbox_message m
                  WHERE m.id = ANY(read_ids) ORDER BY m.id;
END
$fn$"""


def install(conn: Connection, q_schema: str, names: Mapping[str, str], mailer: str) -> None:
    """The slips' function (for the clerk), and the mailer's rights: every letter of the
    queue, to send it. After ``db.roles_staff.install`` (which makes the queue's policies)."""
    former, former_arguments = _FORMER
    conn.exec_driver_sql(f"DROP FUNCTION IF EXISTS {q_schema}.{former}({former_arguments})")
    conn.exec_driver_sql(_BODY.replace("{schema}", q_schema))
    function, arguments = FUNCTION
    signature = f"{q_schema}.{function}({arguments})"
    conn.exec_driver_sql(f"REVOKE ALL ON FUNCTION {signature} FROM PUBLIC")
    conn.exec_driver_sql(f"GRANT EXECUTE ON FUNCTION {signature} TO {quote(conn, names['clerk'])}")
    # The clerk's UPDATE (handed_out_at, body): a slip's, and its text only cleared — unless
    # the login is also the mailer's (the desk that sends the mail marks e-mail letters sent).
    sends = (
        "coalesce(pg_catalog.pg_has_role(session_user, pg_catalog.to_regrole("
        + "'"
        + mailer.replace("'", "''")
        + "'), 'MEMBER'), false)"
    )
    conn.exec_driver_sql(
        f"CREATE POLICY cabinet_clerk_slips ON outbox_message AS RESTRICTIVE FOR UPDATE"
        f" TO {quote(conn, names['clerk'])} USING (channel = 'slip' OR {sends})"
        f" WITH CHECK (channel = 'slip' AND body = '' OR {sends})"
    )
    role = quote(conn, mailer)
    conn.exec_driver_sql(f"REVOKE ALL ON ALL TABLES IN SCHEMA {q_schema} FROM {role}")
    conn.exec_driver_sql(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {q_schema} FROM {role}")
    conn.exec_driver_sql(f"REVOKE ALL ON ALL FUNCTIONS IN SCHEMA {q_schema} FROM {role}")
    conn.exec_driver_sql(f"REVOKE CREATE ON SCHEMA {q_schema} FROM {role}")
    conn.exec_driver_sql(f"GRANT USAGE ON SCHEMA {q_schema} TO {role}")
    conn.exec_driver_sql(
        f"GRANT SELECT, UPDATE, DELETE ON TABLE {q_schema}.outbox_message TO {role}"
    )
    conn.exec_driver_sql(
        f"CREATE POLICY cabinet_mailer ON outbox_message TO {role} USING (true) WITH CHECK (true)"
    )
