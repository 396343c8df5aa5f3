"""Least privilege on PostgreSQL for the office's groups (``db.roles`` calls ``install`` after
``db.roles_staff``, whose generic office policy it replaces where the office needs less).

``user_session``: the clerk and the administrator read every session (to list and end
them) but change only a live one — mark it seen, end it, or (the administrator's own
password change) clear its one-time flag — never revive an ended one: the rule the kiosk
has for its own session (``db.roles_staff.KIOSK_ROWS``). The clerk inserts none (the
database opens its sessions, ``cabinet_open_staff_session``); the administrator's desk opens
its own after comparing the hash it may read. Nobody deletes one. The columns each may
change are in ``db.roles.GRANTS``.

``login_throttle``: the clerk holds no right on it (``db.roles.GRANTS``): a clerk's login
could otherwise clear or wipe every delay. Its desk's throttle runs in the database, as the
kiosk's does (``db.roles_throttle``): the clerk may call the same three functions, and the
staff's passwords are compared only under their tickets (``db.roles_staff``).
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import Connection

from db.privileges import quote
from db.roles_throttle import KIOSK_FUNCTIONS

CLERK = "clerk"
ADMIN = "admin"

# table -> [(policy, command, groups, USING, WITH CHECK)], replacing the table's
# «cabinet_office» policy (USING true, WITH CHECK true for every command).
OFFICE_ROWS: Mapping[str, tuple[tuple[str, str, tuple[str, ...], str | None, str | None], ...]] = {
    "user_session": (
        ("cabinet_office_read", "SELECT", (CLERK, ADMIN), "true", None),
        ("cabinet_office_open", "INSERT", (ADMIN,), None, "true"),
        # Never revived: only a live session's row may be changed (its new row may be ended).
        ("cabinet_office_change", "UPDATE", (CLERK, ADMIN), "ended_at IS NULL", "true"),
    ),
}


def install(conn: Connection, q_schema: str, names: Mapping[str, str]) -> None:
    """The clerk's way to the throttle, and the office's row level security on
    ``OFFICE_ROWS`` (the kiosk's stays as it is)."""
    clerk = quote(conn, names[CLERK])
    for function, arguments in KIOSK_FUNCTIONS:
        conn.exec_driver_sql(
            f"GRANT EXECUTE ON FUNCTION {q_schema}.{function}({arguments}) TO {clerk}"
        )
    for table, policies in OFFICE_ROWS.items():
        q_table = quote(conn, table)
        conn.exec_driver_sql(f"DROP POLICY IF EXISTS cabinet_office ON {q_table}")
        for policy, command, groups, using, check in policies:
            roles = ", ".join(quote(conn, names[g]) for g in groups)
            clauses = (f" USING ({using})" if using else "") + (
                f" WITH CHECK ({check})" if check else ""
            )
            conn.exec_driver_sql(f"DROP POLICY IF EXISTS {policy} ON {q_table}")
            conn.exec_driver_sql(
                f"CREATE POLICY {policy} ON {q_table} FOR {command} TO {roles}{clauses}"
            )
