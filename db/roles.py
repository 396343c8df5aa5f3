"""Least privilege on PostgreSQL: the group roles of the application and what each may do.

``apply_roles`` (``python -m desktop db roles``, run by the owner of the schema) creates the
NOLOGIN group roles ``cabinet_kiosk``, ``cabinet_clerk`` and ``cabinet_admin`` if missing,
revokes everything they hold in the schema and grants exactly what ``GRANTS`` lists — per
table and, where a role needs less than the table, per column. Running it again changes
nothing else; after an upgrade it brings the grants in step with the new tables. Desks and
kiosks then sign in as login roles that are members of a group (``docs/install.md``).

None of the groups owns a table (so none can ALTER a table or DISABLE a TRIGGER), none may
UPDATE, DELETE or TRUNCATE ``audit_log``, and only the administrator reads it.

The kiosk never reads a resident's secrets or contacts: it has no SELECT on
``resident_credential.password_hash``, ``reset_code_hash``, ``email`` and ``phone``. The
sign-in works through the functions of ``db.roles_signin``, owned by the schema's owner
(SECURITY DEFINER, ``search_path`` pinned): one hands out the Argon2 parameters and salt of
a stored hash (or a deterministic fake one for a number without it, keyed by a secret the
kiosk cannot read), the kiosk hashes the typed password with them, and another compares
inside the database. A resident's session is opened by ``cabinet_open_session``, which
compares again: the kiosk may not insert sessions. On the tables of ``OWN_ROWS`` row level
security shows the kiosk only the rows of the account whose live session's token the
transaction carries (``db.rls``; ``cabinet_session_account``) — before sign-in no account,
credential or registration code at all. The kiosk writes credentials and codes only through
the functions of ``db.roles_resident`` and ``db.roles_reset``, which demand the proof first.
The kiosk's sign-in throttle: ``db.roles_throttle``. What the kiosk may write to readings:
``db.roles_readings``; a receipt to the resident's e-mail on file: ``db.roles_mail``.

The clerk reads credentials (contacts too) and registration codes without their hashes and
writes neither: registration at the counter, the codes it prints and stores, and a
resident's own ways in at its desk go through the functions of ``db.roles_clerk`` and the
kiosk's; it reads no letter's text in the mail queue. A fourth group, ``cabinet_mailer``,
granted by the administrator to the login of the desk that sends the mail, reads the letters
(``db.roles_outbox``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, text

from db import (
    roles_audit,
    roles_codes,
    roles_mail,
    roles_office,
    roles_outbox,
    roles_proof,
    roles_readings,
    roles_staff,
    roles_support,
)
from db.privileges import quote
from db.roles_clerk import CLERK_FUNCTION_BODIES, CLERK_FUNCTIONS, CLERK_INTERNAL
from db.roles_clock import CLOCK_SKEW_SECRET, DEFAULT_CLOCK_SKEW
from db.roles_reset import RESET_FUNCTION_BODIES, RESET_FUNCTIONS
from db.roles_resident import (
    INTERNAL_FUNCTIONS,
    RESIDENT_FUNCTION_BODIES,
    RESIDENT_FUNCTIONS,
)
from db.roles_signin import SEALED_SECRET, SIGN_IN_BODIES, SIGN_IN_FUNCTIONS
from db.roles_throttle import KIOSK_FUNCTIONS, hide_throttle_key, install_throttle

KIOSK = "kiosk"
CLERK = "clerk"
ADMIN = "admin"
GROUPS = (KIOSK, CLERK, ADMIN)
DEFAULT_PREFIX = "cabinet_"

_R = "SELECT"
_RW = ("SELECT", "INSERT", "UPDATE")
_RWD = ("SELECT", "INSERT", "UPDATE", "DELETE")

# Everything of a credential but its secrets and contacts.
_CREDENTIAL_PLAIN = (
    "id, account_id, password_expires_at, must_change, failed_attempts, next_attempt_at, "
    "reset_code_expires_at, created_at, updated_at"
)
# An outbox row without its recipient and body: enough for the kiosk to queue a letter
# (INSERT … RETURNING id) and to drop the pending one it replaces (DELETE … WHERE).
_OUTBOX_PLAIN = "id, account_id, subject, handed_out_at"
# A registration code without its hash.
_CODE_PLAIN = "SELECT (account_id, issued_at, issued_by)"
# What a writer puts in a pending audit entry: not its id (no claiming the keys ahead) nor its
# db_role (stamped by the trigger).
_PENDING_WRITTEN = "at, actor, action, account_id, ok, details"

GRANTS: Mapping[str, Mapping[str, tuple[str, ...]]] = {
    # table: {group: privileges}; a group not named gets nothing on the table.
    "alembic_version": {KIOSK: (_R,), CLERK: (_R,), ADMIN: (_R,)},
    "company": {KIOSK: (_R,), CLERK: (_R,), ADMIN: _RW},
    "building": {KIOSK: (_R,), CLERK: _RW, ADMIN: _RW},
    "premises": {KIOSK: (_R,), CLERK: _RW, ADMIN: _RW},
    "account": {KIOSK: (_R,), CLERK: _RW, ADMIN: _RW},
    # The kiosk writes a credential only through the functions of db.roles_resident, which
    # demand the proof first (registration, reset, password change, sign-in). The clerk
    # reads its contacts but no hash, and writes through db.roles_clerk's functions.
    "resident_credential": {
        KIOSK: (f"SELECT ({_CREDENTIAL_PLAIN})",),
        CLERK: (f"SELECT ({_CREDENTIAL_PLAIN}, email, phone)",),
        ADMIN: _RW,
    },
    # The kiosk checks a code through cabinet_code_salt/_matches; cabinet_register voids it.
    # The clerk prints and stores codes through db.roles_clerk's functions.
    "registration_code": {
        KIOSK: (_CODE_PLAIN,),
        CLERK: (_CODE_PLAIN,),
        ADMIN: _RW,
    },
    # The clerk reads no password hash and writes nothing: its sign-in and password change
    # go through db.roles_staff's functions. The administrator creates staff.
    "staff_user": {
        CLERK: (f"SELECT ({roles_staff.STAFF_PLAIN})",),
        ADMIN: _RW,
    },
    # Sessions are opened by cabinet_open_session and cabinet_open_staff_session (after the
    # password is compared); the kiosk and the clerk only end them and mark them seen — a
    # clerk that could write a row could forge the administrator's one-time session. The
    # administrator's desk opens its own (it compares the hash itself) and clears its
    # one-time flag; nobody deletes a session or changes whose it is. The kiosk sees only
    # its own, and no one revives an ended one (row level security: db.roles_staff.KIOSK_ROWS,
    # db.roles_office.OFFICE_ROWS).
    "user_session": {
        KIOSK: ("SELECT", "UPDATE (last_seen_at, ended_at, end_reason)"),
        CLERK: ("SELECT", "UPDATE (last_seen_at, ended_at, end_reason)"),
        ADMIN: ("SELECT", "INSERT", "UPDATE (last_seen_at, ended_at, end_reason, one_time)"),
    },
    # The kiosk's and the clerk's throttle runs in the database (db.roles_throttle,
    # db.roles_office): no rights of their own, so neither can clear or wipe a delay.
    "login_throttle": {ADMIN: _RWD},
    # Row level security hides the fake salts' key (SEALED_SECRET) from every group, the
    # registration codes' key from the clerk (db.roles_codes), and every key from the kiosk.
    "auth_secret": {KIOSK: (_R,), CLERK: ("SELECT", "INSERT"), ADMIN: ("SELECT", "INSERT")},
    "meter": {KIOSK: (_R,), CLERK: _RW, ADMIN: _RW},
    # A resident may delete their own period 1C has not accepted (ReadingService).
    "period": {KIOSK: _RWD, CLERK: _RWD, ADMIN: _RWD},
    "reading": {KIOSK: _RWD, CLERK: _RWD, ADMIN: _RWD},
    "service": {KIOSK: (_R,), CLERK: (_R,), ADMIN: _RW},
    "statement_row": {KIOSK: (_R,), CLERK: (_R,), ADMIN: _RWD},
    # What the search shows beside an account (desktop.account_summary): a save of readings
    # refreshes its latest reading; only the imports (the administrator) write the balance.
    "account_summary": {
        group: ("SELECT", "INSERT (account_id, last_reading_at)", "UPDATE (last_reading_at)")
        for group in (KIOSK, CLERK)
    }
    | {ADMIN: _RW},
    "receipt": {KIOSK: (_R,), CLERK: (_R,), ADMIN: _RWD},
    "support_request": {KIOSK: ("SELECT", "INSERT"), CLERK: _RW, ADMIN: _RW},
    "support_answer": {KIOSK: (_R,), CLERK: ("SELECT", "INSERT"), ADMIN: ("SELECT", "INSERT")},
    # Writers only append to audit_pending (no lock, no read): audit_chain(), the owner's
    # function (migration 0012, db.roles_audit), chains the rows into audit_log. No group
    # may write audit_log or touch audit_chain, whose row the chaining function locks, so
    # none can make another's audited write wait for the chain.
    "audit_log": {ADMIN: (_R,)},
    "audit_pending": {group: (f"INSERT ({_PENDING_WRITTEN})",) for group in (KIOSK, CLERK, ADMIN)},
    "audit_chain": {},
    # What a transaction has proven (db.roles_proof): the owner's functions only.
    roles_proof.PROOF_TABLE: {},
    "import_batch": {ADMIN: ("SELECT", "INSERT")},
    # Readings go out to 1C and ГИС ЖКХ from any office desk (Permission.EXPORT).
    "readings_export": {CLERK: ("SELECT", "INSERT"), ADMIN: ("SELECT", "INSERT")},
    "readings_export_period": {CLERK: ("SELECT", "INSERT"), ADMIN: ("SELECT", "INSERT")},
    # The banks' payments: only an import (the administrator) writes them; the resident sees
    # their own (OWN_ROWS), the counter every account's.
    # An import adds them, then marks them with its batch once the batch is recorded.
    "payment": {KIOSK: (_R,), CLERK: (_R,), ADMIN: ("SELECT", "INSERT", "UPDATE (batch_id)")},
    # The clerk reads no letter's text (one-time passwords, reset codes): a slip's comes
    # from cabinet_slip_bodies with a staff member signed in; the e-mail letters are read
    # by the mailer's logins (db.roles_outbox), who send them.
    "outbox_message": {
        KIOSK: (f"SELECT ({_OUTBOX_PLAIN})", "INSERT", "DELETE"),
        CLERK: (
            f"SELECT ({roles_outbox.OUTBOX_OFFICE})",
            "INSERT",
            "UPDATE (handed_out_at, body)",
            "DELETE",
        ),
        ADMIN: _RWD,
    },
    "organisation_setting": {KIOSK: (_R,), CLERK: (_R,), ADMIN: _RWD},
}
"""The one map of privileges: every table of the schema and what each group holds on it."""

# The kiosk's way to a resident's secrets: (name, arguments) of each function it may call.
FUNCTIONS = (
    *SIGN_IN_FUNCTIONS,
    *RESIDENT_FUNCTIONS,
    *RESET_FUNCTIONS,
    *KIOSK_FUNCTIONS,
)

# Row level security for the kiosk: the tables of one account's data it sees (and changes)
# only for the account of the session whose token the transaction carries (db.rls). The
# office's groups see every row. Before sign-in the kiosk learns what it must of an account,
# its credential and its code from the functions (db.roles_resident), never from rows;
# user_session, outbox_message and support_request have their own rules
# (db.roles_staff.KIOSK_ROWS).
_OWN = "(SELECT cabinet_session_account())"
OWN_ROWS: Mapping[str, str] = {
    "account": f"id = {_OWN}",
    "resident_credential": f"account_id = {_OWN}",
    "registration_code": f"account_id = {_OWN}",
    "meter": f"account_id = {_OWN}",
    "period": f"account_id = {_OWN}",
    "reading": f"EXISTS (SELECT 1 FROM period p WHERE p.id = period_id AND p.account_id = {_OWN})",
    "statement_row": f"account_id = {_OWN}",
    "account_summary": f"account_id = {_OWN}",
    "receipt": f"account_id = {_OWN}",
    "payment": f"account_id = {_OWN}",
    "support_answer": (
        "EXISTS (SELECT 1 FROM support_request r "
        f"WHERE r.id = request_id AND r.account_id = {_OWN})"
    ),
}

_FUNCTION_BODIES = (
    *roles_proof.PROOF_BODIES,
    *SIGN_IN_BODIES,
    *RESIDENT_FUNCTION_BODIES,
    *RESET_FUNCTION_BODIES,
    *CLERK_FUNCTION_BODIES,
)


@dataclass(frozen=True)
class RolesReport:
    """What ``apply_roles`` did, for the command's answer."""

    created: tuple[str, ...]
    groups: tuple[str, ...]
    tables: int
    # Login roles whose session defaults (db.roles_audit) the owner may not set.
    unaltered: tuple[str, ...] = ()


_PREFIX = re.compile(r"[a-z_][a-z0-9_]{0,39}")


def check_prefix(prefix: str) -> str:
    """The prefix of the group roles' names, or ValueError (in Russian): latin lower-case
    letters, digits and «_», at most 40 (PostgreSQL cuts names past 63 bytes)."""
    if not _PREFIX.fullmatch(prefix):
        raise ValueError(
            "Начало имён ролей — латинские строчные буквы, цифры и «_», не больше 40 знаков "
            "и не с цифры, например cabinet_."
        )
    return prefix


def group_name(group: str, prefix: str = DEFAULT_PREFIX) -> str:
    return f"{check_prefix(prefix)}{group}"


def schema_tables(conn: Connection, schema: str) -> set[str]:
    rows = conn.execute(
        text("SELECT tablename FROM pg_tables WHERE schemaname = :s"), {"s": schema}
    )
    return {row[0] for row in rows}


def apply_roles(engine: Engine, prefix: str = DEFAULT_PREFIX) -> RolesReport:
    """Create or update the group roles and their grants in one transaction. Raises
    ValueError (in Russian) when a table of the schema is missing from ``GRANTS`` or the
    database is not PostgreSQL."""
    if engine.dialect.name != "postgresql":
        raise ValueError("Роли настраиваются только на сервере PostgreSQL; у SQLite их нет.")
    check_prefix(prefix)
    created: list[str] = []
    with engine.begin() as conn:
        schema = conn.execute(text("SELECT current_schema()")).scalar_one()
        tables = schema_tables(conn, schema)
        unknown = sorted(tables - set(GRANTS))
        if unknown:
            raise ValueError(
                "В базе есть таблицы, для которых не заданы права: "
                + ", ".join(unknown)
                + ". Обновите программу до версии, которая знает эти таблицы."
            )
        owner = conn.execute(
            text("SELECT tableowner FROM pg_tables WHERE schemaname = :s AND tablename = :t"),
            {"s": schema, "t": "audit_log"},
        ).scalar()
        me = conn.execute(text("SELECT current_user")).scalar()
        if owner != me:
            raise ValueError(
                f"Права ролей задаёт владелец таблиц базы ({owner or 'не найден'}), а команда "
                f"запущена от имени {me}. Укажите в адресе базы владельца."
            )
        roles_proof.create_table(conn)
        tables.add(roles_proof.PROOF_TABLE)
        names = {group: group_name(group, prefix) for group in GROUPS}
        mailer = group_name(roles_outbox.MAILER, prefix)
        for name in (*names.values(), mailer):
            exists = conn.execute(
                text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": name}
            ).first()
            if not exists:
                conn.exec_driver_sql(f"CREATE ROLE {quote(conn, name)} NOLOGIN")
                created.append(name)
        q_schema = quote(conn, schema)
        _install_functions(conn, schema)
        # Nobody but the owner creates objects in the schema (PostgreSQL before 15 lets
        # everyone create in «public»): an object named like a built-in one could otherwise
        # be picked up by the owner's SECURITY DEFINER functions (CVE-2018-1058).
        conn.exec_driver_sql(f"REVOKE CREATE ON SCHEMA {q_schema} FROM PUBLIC")
        for name in names.values():
            role = quote(conn, name)
            conn.exec_driver_sql(f"REVOKE CREATE ON SCHEMA {q_schema} FROM {role}")
            conn.exec_driver_sql(f"REVOKE ALL ON ALL TABLES IN SCHEMA {q_schema} FROM {role}")
            conn.exec_driver_sql(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {q_schema} FROM {role}")
            conn.exec_driver_sql(f"REVOKE ALL ON ALL FUNCTIONS IN SCHEMA {q_schema} FROM {role}")
            conn.exec_driver_sql(f"GRANT USAGE ON SCHEMA {q_schema} TO {role}")
        for table in sorted(tables):
            q_table = f"{q_schema}.{quote(conn, table)}"
            sequence = (
                conn.execute(
                    text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": f"{q_schema}.{table}"}
                ).scalar()
                if _has_id(conn, schema, table)
                else None
            )
            for group, privileges in GRANTS[table].items():
                role = quote(conn, names[group])
                for privilege in privileges:
                    conn.exec_driver_sql(f"GRANT {privilege} ON TABLE {q_table} TO {role}")
                if sequence and any(p.startswith("INSERT") for p in privileges):
                    conn.exec_driver_sql(f"GRANT USAGE ON SEQUENCE {sequence} TO {role}")
        for function, arguments in FUNCTIONS:
            conn.exec_driver_sql(
                f"GRANT EXECUTE ON FUNCTION {q_schema}.{function}({arguments}) "
                f"TO {quote(conn, names[KIOSK])}"
            )
        # The clerk: a resident's own ways in at an office desk (the kiosk's functions) and
        # the office's writes to credentials and codes (db.roles_clerk).
        for function, arguments in (
            *SIGN_IN_FUNCTIONS,
            *RESIDENT_FUNCTIONS,
            *RESET_FUNCTIONS,
            *CLERK_FUNCTIONS,
        ):
            conn.exec_driver_sql(
                f"GRANT EXECUTE ON FUNCTION {q_schema}.{function}({arguments}) "
                f"TO {quote(conn, names[CLERK])}"
            )
        _install_policies(conn, names)
        roles_staff.install(conn, schema, names)
        roles_outbox.install(conn, q_schema, names, mailer)  # after the queue's policies
        roles_codes.install(conn, q_schema, names)  # the codes' key: the owner's and admin's
        roles_readings.install(conn, q_schema, names[KIOSK])  # the kiosk's readings' rules
        roles_office.install(conn, q_schema, names)
        roles_support.install(conn, q_schema)  # after the readings' cabinet_kiosk_writes
        roles_mail.install(conn, q_schema, names[KIOSK])  # a receipt to the e-mail on file
        hide_throttle_key(conn, quote(conn, names[KIOSK]))
        # The mailer's logins too get the session defaults (and may chain the log).
        unaltered = roles_audit.install(conn, q_schema, {**names, roles_outbox.MAILER: mailer})
    return RolesReport(tuple(created), tuple(names.values()), len(tables), unaltered)


def _has_id(conn: Connection, schema: str, table: str) -> bool:
    return bool(
        conn.execute(
            text(
                "SELECT 1 FROM information_schema.columns "
                "WHERE table_schema = :s AND table_name = :t AND column_name = 'id'"
            ),
            {"s": schema, "t": table},
        ).first()
    )


def _install_functions(conn: Connection, schema: str) -> None:
    """The kiosk's functions (owned by whoever runs this: the schema's owner), the key of
    the fake salts and the allowed clock skew (``db.roles_resident``), and the row level
    security that hides both from every group."""
    q_schema = quote(conn, schema)
    # A clean slate: every function of ours goes, with what depends on it (the policies,
    # made again below), so a function whose arguments or result changed between versions
    # (ids became bigint in 0011) or that a version retired leaves nothing behind.
    ours = conn.execute(
        text(
            "SELECT p.oid::regprocedure::text FROM pg_proc p "
            "JOIN pg_namespace n ON n.oid = p.pronamespace "
            "WHERE n.nspname = :s AND left(p.proname, 8) = 'cabinet_'"
        ),
        {"s": schema},
    ).scalars()
    for signature in list(ours):
        conn.exec_driver_sql(f"DROP FUNCTION IF EXISTS {signature} CASCADE")
    install_throttle(conn, q_schema)  # first: the compare functions call it
    for body in _FUNCTION_BODIES:
        conn.exec_driver_sql(body.replace("{schema}", q_schema))
    for function, arguments in (
        *FUNCTIONS,
        *CLERK_FUNCTIONS,
        *CLERK_INTERNAL,
        *INTERNAL_FUNCTIONS,
        *roles_proof.PROOF_FUNCTIONS,
    ):
        conn.exec_driver_sql(
            f"REVOKE ALL ON FUNCTION {q_schema}.{function}({arguments}) FROM PUBLIC"
        )
    conn.execute(
        text("INSERT INTO auth_secret (name, value) VALUES (:n, :v) ON CONFLICT (name) DO NOTHING"),
        {"n": CLOCK_SKEW_SECRET, "v": DEFAULT_CLOCK_SKEW},
    )
    conn.execute(
        text(
            "INSERT INTO auth_secret (name, value) VALUES (:n, replace("
            "gen_random_uuid()::text || gen_random_uuid()::text, '-', '')) "
            "ON CONFLICT (name) DO NOTHING"
        ),
        {"n": SEALED_SECRET},
    )
    conn.exec_driver_sql("ALTER TABLE auth_secret ENABLE ROW LEVEL SECURITY")
    conn.exec_driver_sql("DROP POLICY IF EXISTS cabinet_not_sealed ON auth_secret")
    hidden = f"name NOT IN ('{SEALED_SECRET}', '{CLOCK_SKEW_SECRET}')"
    conn.exec_driver_sql(
        f"CREATE POLICY cabinet_not_sealed ON auth_secret USING ({hidden}) WITH CHECK ({hidden})"
    )


def _install_policies(conn: Connection, names: Mapping[str, str]) -> None:
    """Row level security on ``OWN_ROWS``: the kiosk's rows by the session, the office's all."""
    kiosk = quote(conn, names[KIOSK])
    office = ", ".join(quote(conn, names[g]) for g in (CLERK, ADMIN))
    for table, own in OWN_ROWS.items():
        q_table = quote(conn, table)
        conn.exec_driver_sql(f"ALTER TABLE {q_table} ENABLE ROW LEVEL SECURITY")
        for policy in ("cabinet_own_account", "cabinet_office"):
            conn.exec_driver_sql(f"DROP POLICY IF EXISTS {policy} ON {q_table}")
        conn.exec_driver_sql(
            f"CREATE POLICY cabinet_own_account ON {q_table} TO {kiosk} "
            f"USING ({own}) WITH CHECK ({own})"
        )
        conn.exec_driver_sql(
            f"CREATE POLICY cabinet_office ON {q_table} TO {office} USING (true) WITH CHECK (true)"
        )


def may_read_outbox(engine: Engine) -> bool:
    """Whether this connection's role may read the mail queue's letters (and so send them):
    on PostgreSQL the administrator's and the mailer's (``db.roles_outbox``), not the
    kiosk's nor a plain clerk's; on SQLite always."""
    if engine.dialect.name != "postgresql":
        return True
    with engine.connect() as conn:
        return bool(
            conn.execute(
                text("SELECT has_column_privilege('outbox_message', 'body', 'SELECT')")
            ).scalar()
        )
