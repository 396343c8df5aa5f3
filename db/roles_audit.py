"""What ``db roles`` sets so that no role of the application can make the others wait.

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


def install(conn: Connection, q_schema: str, names: Mapping[str, str]) -> tuple[str, ...]:
    """Let every group chain the log and give the groups and their login members the
    session defaults. Returns the login roles whose defaults could not be set."""
    function, arguments = CHAIN_FUNCTION
    conn.exec_driver_sql(f"REVOKE ALL ON FUNCTION {q_schema}.{function}({arguments}) FROM PUBLIC")
    for name in names.values():
        conn.exec_driver_sql(
            f"GRANT EXECUTE ON FUNCTION {q_schema}.{function}({arguments}) TO {quote(conn, name)}"
        )
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
