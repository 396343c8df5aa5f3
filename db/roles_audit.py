"""What ``db roles`` sets so that no role of the application can make the others wait, and
whom a kiosk's audit entry may name.

The audit chain is built by ``audit_chain()`` (migration 0012), owned by the schema's owner:
every group may call it, none may read or lock the row it locks (``GRANTS``), and it never
waits for another caller (SKIP LOCKED), so a transaction left open holds up no one's audited
write.

Every login role that is a member of a group, and the groups themselves, get server-side
defaults (``ALTER ROLE … SET``): a transaction idle longer than ``IDLE_IN_TRANSACTION`` is
ended by the server, releasing its locks (a desk that hung or lost its link mid-transaction),
and a statement waits at most ``LOCK_TIMEOUT`` for a lock before it fails with SQLSTATE 55P03,
told in Russian (``desktop.failures``). The program asks for the same on each connection
(``db.engine``). They are defaults, not limits: a hostile client may change them for its
own session (even switch them off) but not for others'; what it could still hold (rows it
may write) is bounded by them only for well-behaved desks, which is why the chain no longer
depends on them.

A kiosk's entry written with a session's token names that session's holder, and one written
without (a sign-in, registration or reset attempt) names no one unless its transaction holds
the proof (``cabinet_kiosk_audit_actor``, ``db.roles_proof``): a kiosk's login cannot put
«staff:…», «system» or another resident's name into the log.

``ALTER ROLE`` needs CREATEROLE (the owner that created the groups has it); a login role
the owner may not alter is reported, not fatal. Login roles added later get the defaults at
the next ``db roles``.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from db.privileges import quote

IDLE_IN_TRANSACTION = "60s"
LOCK_TIMEOUT = "10s"
SESSION_DEFAULTS = {
    "idle_in_transaction_session_timeout": IDLE_IN_TRANSACTION,
    "lock_timeout": LOCK_TIMEOUT,
}

CHAIN_FUNCTION = ("audit_chain", "")

STAFF_SIGN_IN = "staff.sign_in"  # desktop.audit.AuditAction.STAFF_SIGN_IN, frozen here

# Actors naming no one: what a kiosk writes for an attempt it has no proof of.
UNPROVEN_ACTORS = ("anonymous", "resident:unknown", "resident:malformed", "staff:unknown",
                   "staff:malformed")  # fmt: skip

# Both checks below start here: whether the transaction carries a session's token (live, or
# ended in this very transaction: a logout), and if so, that ``actor`` is its holder
# (raises otherwise). False when no session is carried.
_SESSION_ACTOR = """
CREATE OR REPLACE FUNCTION cabinet_session_actor(actor text) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = {schema}, pg_temp AS $fn$
DECLARE
    me xid := pg_current_xact_id_if_assigned()::xid;
    holder_account bigint;
    holder_staff bigint;
    holder text;
BEGIN
    SELECT s.account_id, s.staff_id INTO holder_account, holder_staff
      FROM user_session s
     WHERE s.token_hash = encode(sha256(convert_to(
           nullif(current_setting('cabinet.session', true), ''), 'UTF8')), 'hex')
       AND (s.ended_at IS NULL OR s.xmin = me);
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    IF holder_staff IS NOT NULL THEN
        SELECT 'staff:' || u.login INTO holder FROM staff_user u WHERE u.id = holder_staff;
    ELSE
        SELECT 'resident:' || a.number INTO holder FROM account a WHERE a.id = holder_account;
    END IF;
    IF actor IS DISTINCT FROM holder THEN
        RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
            MESSAGE = 'audit_log: the actor ' || actor || ' is not the signed-in '
                      || coalesce(holder, '?');
    END IF;
    RETURN true;
END
$fn$"""

# The kiosk's audit entries. With a session's token (live, or ended in this very transaction:
# a logout, a one-time password's abandoned) the actor must be that session's holder, checked
# here (audit_pending_stamp, migration 0012, looks at live sessions only). Without one: only
# the actors above, or a resident whose proof this very transaction gave (db.roles_proof: the
# registration, reset or sign-in a function just let through); any other resident is
# recorded as «resident:unknown», with no account. Staff and the system it never names.
_KIOSK_ACTOR = f"""
CREATE OR REPLACE FUNCTION cabinet_kiosk_audit_actor() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = {{schema}}, pg_temp AS $fn$
DECLARE
    proven bigint;
BEGIN
    IF cabinet_session_actor(NEW.actor) THEN
        RETURN NEW;
    END IF;
    IF NEW.actor = ANY(ARRAY{list(UNPROVEN_ACTORS)}) THEN
        NEW.account_id := NULL;
        RETURN NEW;
    END IF;
    IF NEW.actor !~ '^resident:' THEN
        RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
            MESSAGE = 'audit_log: a kiosk without a session may not write as ' || NEW.actor;
    END IF;
    SELECT a.id INTO proven FROM account a
     WHERE a.number = substr(NEW.actor, 10) AND cabinet_proven(a.id);
    IF proven IS NULL OR NEW.account_id IS DISTINCT FROM proven
                         AND NEW.account_id IS NOT NULL THEN
        NEW.actor := 'resident:unknown';
        NEW.account_id := NULL;
    END IF;
    RETURN NEW;
END
$fn$"""


# An office login's (clerk's or administrator's, not the owner's) audit entries. With a
# session's token (live, or ended in this very transaction: a logout) the actor must be
# that session's holder. Without one: the actors naming no one; a failed staff sign-in
# (it names the login typed, ok false); a resident whose proof this transaction gave (a
# resident's own way in at an office desk; an administrator's desk, which compares hashes
# itself, may name any resident); «system» and «cli:…» (imports, scripts) only from an
# administrator's login. A staff member is named only with their session's token: the
# desk carries the new session's from the sign-in on (desktop.auth.staff).
_OFFICE_ACTOR = f"""
CREATE OR REPLACE FUNCTION cabinet_office_audit_actor() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = {{schema}}, pg_temp AS $fn$
DECLARE
    admin boolean := coalesce(pg_has_role(session_user, to_regrole('{{admin}}'), 'MEMBER'),
                              false);
BEGIN
    IF cabinet_session_actor(NEW.actor) THEN
        RETURN NEW;
    END IF;
    IF NEW.actor = ANY(ARRAY{list(UNPROVEN_ACTORS)})
       OR NEW.actor ~ '^staff:' AND NEW.action = '{STAFF_SIGN_IN}' AND NOT NEW.ok
       OR (NEW.actor = 'system' OR NEW.actor ~ '^cli:') AND admin THEN
        RETURN NEW;
    END IF;
    IF NEW.actor !~ '^resident:' THEN
        RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
            MESSAGE = 'audit_log: an office login without a session may not write as '
                      || NEW.actor;
    END IF;
    IF NOT admin AND NOT EXISTS (
        SELECT 1 FROM account a
         WHERE a.number = substr(NEW.actor, 10) AND cabinet_proven(a.id)
           AND (NEW.account_id IS NULL OR NEW.account_id = a.id)) THEN
        NEW.actor := 'resident:unknown';
        NEW.account_id := NULL;
    END IF;
    RETURN NEW;
END
$fn$"""

_OFFICE_WRITES = """
CREATE OR REPLACE FUNCTION cabinet_office_writes() RETURNS boolean LANGUAGE sql STABLE AS $fn$
    SELECT pg_catalog.current_setting('is_superuser') = 'off'
       AND session_user::text <> {owner}
       AND (coalesce(pg_catalog.pg_has_role(session_user, pg_catalog.to_regrole({clerk}),
                                            'MEMBER'), false)
            OR coalesce(pg_catalog.pg_has_role(session_user, pg_catalog.to_regrole({admin}),
                                               'MEMBER'), false))
$fn$"""


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _install_office(conn: Connection, q_schema: str, names: Mapping[str, str]) -> None:
    """The office's check of its audit entries (``_OFFICE_ACTOR``), for clerk and admin
    logins; the owner (``db roles``, the command line on the owner's address) is not held."""
    owner = conn.execute(text("SELECT current_user")).scalar_one()
    conn.exec_driver_sql(
        _OFFICE_WRITES.replace("{owner}", _literal(owner))
        .replace("{clerk}", _literal(names["clerk"]))
        .replace("{admin}", _literal(names["admin"]))
    )
    conn.exec_driver_sql(
        _OFFICE_ACTOR.replace("{schema}", q_schema).replace("{admin}", names["admin"])
    )
    for function in ("cabinet_office_audit_actor()", "cabinet_office_writes()"):
        conn.exec_driver_sql(f"REVOKE ALL ON FUNCTION {q_schema}.{function} FROM PUBLIC")
    # Every writer's trigger condition calls it (it tells nothing).
    conn.exec_driver_sql(f"GRANT EXECUTE ON FUNCTION {q_schema}.cabinet_office_writes() TO PUBLIC")
    conn.exec_driver_sql("DROP TRIGGER IF EXISTS cabinet_office_actor ON audit_pending")
    conn.exec_driver_sql(
        "CREATE TRIGGER cabinet_office_actor BEFORE INSERT ON audit_pending FOR EACH ROW "
        f"WHEN ({q_schema}.cabinet_office_writes()) "
        f"EXECUTE FUNCTION {q_schema}.cabinet_office_audit_actor()"
    )


def install(conn: Connection, q_schema: str, names: Mapping[str, str]) -> tuple[str, ...]:
    """Let every group chain the log and give the groups and their login members the
    session defaults. Returns the login roles whose defaults could not be set."""
    function, arguments = CHAIN_FUNCTION
    conn.exec_driver_sql(f"REVOKE ALL ON FUNCTION {q_schema}.{function}({arguments}) FROM PUBLIC")
    for name in names.values():
        conn.exec_driver_sql(
            f"GRANT EXECUTE ON FUNCTION {q_schema}.{function}({arguments}) TO {quote(conn, name)}"
        )
    conn.exec_driver_sql(_SESSION_ACTOR.replace("{schema}", q_schema))
    conn.exec_driver_sql(
        f"REVOKE ALL ON FUNCTION {q_schema}.cabinet_session_actor(text) FROM PUBLIC"
    )
    conn.exec_driver_sql(_KIOSK_ACTOR.replace("{schema}", q_schema))
    conn.exec_driver_sql(
        f"REVOKE ALL ON FUNCTION {q_schema}.cabinet_kiosk_audit_actor() FROM PUBLIC"
    )
    conn.exec_driver_sql("DROP TRIGGER IF EXISTS cabinet_kiosk_actor ON audit_pending")
    conn.exec_driver_sql(
        "CREATE TRIGGER cabinet_kiosk_actor BEFORE INSERT ON audit_pending FOR EACH ROW "
        f"WHEN ({q_schema}.cabinet_kiosk_writes()) "
        f"EXECUTE FUNCTION {q_schema}.cabinet_kiosk_audit_actor()"
    )
    _install_office(conn, q_schema, names)
    members = conn.execute(
        text(
            "SELECT DISTINCT r.rolname FROM pg_auth_members m "
            "JOIN pg_roles r ON r.oid = m.member JOIN pg_roles g ON g.oid = m.roleid "
            "WHERE g.rolname = ANY(:groups) AND NOT r.rolsuper ORDER BY 1"
        ),
        {"groups": list(names.values())},
    ).scalars()
    refused: list[str] = []
    for role in (*names.values(), *members):
        try:
            with conn.begin_nested():
                for setting, value in SESSION_DEFAULTS.items():
                    conn.exec_driver_sql(
                        f"ALTER ROLE {quote(conn, role)} SET {setting} = '{value}'"
                    )
        except DBAPIError as error:
            if getattr(error.orig, "sqlstate", None) != "42501":  # insufficient_privilege
                raise
            refused.append(role)
    return tuple(refused)
