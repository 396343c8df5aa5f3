"""64-bit ids on PostgreSQL: every id, every column that refers to one, and their sequences

A ``serial`` id is a 32-bit integer with a 32-bit sequence, and any role that may insert into
a table may call ``nextval`` on its sequence: a loop of ``SELECT nextval(…)`` from one kiosk
login used up ``reading``'s ids in about half an hour, after which no desk could save a
reading. As ``bigint`` (and sequences ``AS bigint``) the same loop would need thousands of
years. SQLite is left alone: its ``INTEGER PRIMARY KEY`` is the 64-bit rowid already.

Row level security policies (``db roles``) name some of these columns, and PostgreSQL will not
change the type of a column a policy uses: the policies of the tables changed are read, dropped
and created again as they were, in the same transaction — except those that pass an id to one
of ``db roles``' functions, which took 32-bit ids: they stay off (the kiosk then sees none of
those rows: closed, not open) until ``db roles`` is run, as after every upgrade
(``docs/install.md``); it makes its functions anew with 64-bit ids. The audit log's trigger
function (0009) keeps ids in plpgsql variables: they become ``bigint`` too.

Each table is rewritten once (all its columns in one ALTER TABLE): on a large database the
upgrade takes a while and holds the tables locked; run it outside office hours.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""

import logging
from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
import sqlalchemy.exc
from alembic import op

log = logging.getLogger("alembic.runtime.migration")

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen: the id columns and the columns that refer to one, per table, at this revision.
ID_COLUMNS: dict[str, tuple[str, ...]] = {
    "company": ("id",),
    "import_batch": ("id",),
    "service": ("id",),
    "staff_user": ("id",),
    "building": ("id", "company_id"),
    "premises": ("id", "building_id"),
    "account": ("id", "premises_id"),
    "audit_log": ("id", "account_id"),
    "meter": ("id", "account_id"),
    "outbox_message": ("id", "account_id"),
    "period": ("id", "account_id"),
    "receipt": ("id", "account_id"),
    "registration_code": ("account_id",),
    "resident_credential": ("id", "account_id"),
    "statement_row": ("id", "account_id", "service_id"),
    "support_request": ("id", "account_id"),
    "user_session": ("id", "account_id", "staff_id"),
    "reading": ("id", "period_id", "meter_id"),
    "support_answer": ("id", "request_id", "staff_id"),
}

# The audit trigger's variables that hold ids (0009's audit_log_next_row).
_TRIGGER_VARIABLES = ("last_id", "holder_account", "holder_staff")


def upgrade() -> None:
    _retype("bigint")


def downgrade() -> None:
    _retype("integer")


def _retype(sql_type: str) -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    q = conn.dialect.identifier_preparer.quote
    policies = _policies(conn)
    for policy in policies:
        op.execute(f"DROP POLICY {q(policy['name'])} ON {q(policy['table'])}")
    for table, columns in ID_COLUMNS.items():
        changes = ", ".join(f"ALTER COLUMN {q(column)} TYPE {sql_type}" for column in columns)
        op.execute(f"ALTER TABLE {q(table)} {changes}")
        if "id" in columns:
            sequence = conn.execute(
                sa.text("SELECT pg_get_serial_sequence(:table, 'id')"), {"table": table}
            ).scalar_one()
            op.execute(f"ALTER SEQUENCE {sequence} AS {sql_type}")
    left_out = []
    for policy in policies:
        try:
            with conn.begin_nested():
                conn.exec_driver_sql(_create_policy(policy, q))
        except sa.exc.DBAPIError:
            # It calls one of ``db roles``' functions with an id of the old type: without it
            # the kiosk sees none of those rows (closed, not open) until ``db roles`` runs.
            left_out.append(f"{policy['table']}.{policy['name']}")
    if left_out:
        log.warning(
            "Row level security policies left out until `db roles` is run again: %s",
            ", ".join(left_out),
        )
    _retype_trigger_variables(conn, sql_type)


def _policies(conn: sa.Connection) -> list[dict[str, Any]]:
    """The row level security policies on the tables this revision changes, as they are."""
    rows = conn.execute(
        sa.text(
            "SELECT policyname, tablename, permissive, roles, cmd, qual, with_check "
            "FROM pg_policies WHERE schemaname = current_schema() "
            "AND tablename = ANY(:tables) ORDER BY tablename, policyname"
        ),
        {"tables": list(ID_COLUMNS)},
    ).all()
    return [
        {
            "name": row.policyname,
            "table": row.tablename,
            "permissive": row.permissive,
            "roles": list(row.roles),
            "cmd": row.cmd,
            "using": row.qual,
            "check": row.with_check,
        }
        for row in rows
    ]


def _create_policy(policy: dict[str, Any], quote: Callable[[str], str]) -> str:
    to = ", ".join("PUBLIC" if role == "public" else quote(role) for role in policy["roles"])
    sql = (
        f"CREATE POLICY {quote(policy['name'])} ON {quote(policy['table'])} "
        f"AS {policy['permissive']} FOR {policy['cmd']} TO {to}"
    )
    if policy["using"] is not None:
        sql += f" USING ({policy['using']})"
    if policy["check"] is not None:
        sql += f" WITH CHECK ({policy['check']})"
    return sql


def _retype_trigger_variables(conn: sa.Connection, sql_type: str) -> None:
    """0009's trigger function, with its id variables declared as ``sql_type``."""
    definition = conn.execute(
        sa.text(
            "SELECT pg_get_functiondef(p.oid) FROM pg_proc p "
            "JOIN pg_namespace n ON n.oid = p.pronamespace "
            "WHERE p.proname = 'audit_log_next_row' AND n.nspname = current_schema()"
        )
    ).scalar_one_or_none()
    if definition is None:
        return
    old_type = "integer" if sql_type == "bigint" else "bigint"
    for variable in _TRIGGER_VARIABLES:
        declared = f"    {variable} {old_type};"
        if declared not in definition:
            raise RuntimeError(f"audit_log_next_row: no declaration «{declared.strip()}»")
        definition = definition.replace(declared, f"    {variable} {sql_type};")
    op.execute(definition)
