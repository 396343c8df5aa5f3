"""Least privilege on PostgreSQL, continued (``db.roles`` calls ``install``): the staff's
passwords out of the clerk's reach, and the kiosk's sessions, letters and support requests
out of each other's.

The clerk's role reads every column of ``staff_user`` but ``password_hash`` and writes none:
an administrator's hash cannot be copied by a clerk and cracked offline. A clerk's desk signs
in as a kiosk does (``desktop.auth.sealed_staff``): ``cabinet_staff_salt`` hands out the
Argon2 parameters and salt of the stored hash (a deterministic fake one for an unknown
login), the desk hashes the typed password outside any transaction, and
``cabinet_open_staff_session`` compares and opens the session. ``cabinet_staff_set_password``
changes a password only with the current one's hash, or with the token of that staff
member's live one-time session (a password the administrator chose), which it uses up.
Every compare of a typed password's hash runs under the sign-in throttle's ticket, as the
kiosk's do (``db.roles_throttle``): the desk pays for the attempt first, in a transaction of
its own, so a stolen clerk's login guesses no faster than the sign-in screen. Only
the database opens a session: the clerk's role may not insert one, nor change whose it is,
its token or its time (``db.roles.GRANTS``), so it cannot forge the administrator's. Like the
kiosk's, these functions refuse a ``p_now`` further from the server's clock than allowed
(``cabinet_clock_skew``, ``db.roles_clock``; installed before them by ``db.roles``).

Row level security for the kiosk (``KIOSK_ROWS``; the office's groups see every row):

* ``user_session``: only the session whose token the transaction carries (``db.rls``), and
  of it changes only a live one: it marks it seen or ends it, never revives it (an ended
  one stays readable, for the reason it ended: PostgreSQL checks an UPDATE's new row
  against the SELECT policy too, so a live-only SELECT would forbid ending it).
* ``outbox_message``: only letters of an account whose proof this very transaction gave
  (a registration or a reset, which queue the letter and drop the one it replaces; not a
  wrong code, which writes the credential too): ``cabinet_credential_written``, which asks
  ``db.roles_proof``. No one else's letters, ever. A new letter goes
  only to that account's stored e-mail (``cabinet_letter_allowed``, as the kiosk cannot
  read it): not a relay to any address through the office's SMTP.
* ``support_request``: reads only its signed-in account's; adds one for that account or,
  before anyone signs in, one with no account (added without RETURNING, as it cannot be
  read back).

A password change or reset at the kiosk ends the account's other sessions, which the kiosk
cannot see: ``cabinet_end_account_sessions`` does it, for an account whose proof the
transaction has just given (``db.roles_proof``).
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import Connection

from db.privileges import quote
from db.rls import SETTING

KIOSK = "kiosk"
CLERK = "clerk"
ADMIN = "admin"

SEALED_SECRET = "sealed"  # as db.roles: the key of the fake salts

# Every column of a staff member the clerk's role reads: all but the password's hash.
STAFF_PLAIN = "id, login, full_name, role, must_change, active, failed_attempts, next_attempt_at"

_TOKEN_HASH = (
    f"encode(sha256(convert_to(nullif(current_setting('{SETTING}', true), ''), 'UTF8')), 'hex')"
)
_MINE = f"token_hash = {_TOKEN_HASH}"  # the session whose token the transaction carries
_OWN = "(SELECT cabinet_session_account())"
_ARGON2 = "'^\\$argon2(id|i|d)\\$v=[0-9]+\\$m=[0-9]+,t=[0-9]+,p=[0-9]+\\$[^$]+\\$[^$]+$'"

# (name, arguments, the groups that may call it)
FUNCTIONS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("cabinet_staff_salt", "text, text, integer", (CLERK,)),
    ("cabinet_staff_matches", "text, text", (CLERK,)),
    ("cabinet_open_staff_session", "text, text, text, timestamp with time zone", (CLERK,)),
    (
        "cabinet_staff_set_password",
        "text, text, text, text, timestamp with time zone",
        (CLERK,),
    ),
    ("cabinet_credential_written", "bigint", (KIOSK,)),
    ("cabinet_letter_allowed", "bigint, text", (KIOSK,)),
    (
        "cabinet_end_account_sessions",
        "bigint, timestamp with time zone, text, bigint",
        (KIOSK,),
    ),
)

# The kiosk's rows: table -> {policy command: (USING, WITH CHECK)}; None: not given.
KIOSK_ROWS: Mapping[str, Mapping[str, tuple[str | None, str | None]]] = {
    "user_session": {
        "SELECT": (_MINE, None),
        "UPDATE": (f"{_MINE} AND ended_at IS NULL", _MINE),  # never revived
    },
    "outbox_message": {
        "SELECT": ("cabinet_credential_written(account_id)", None),
        "DELETE": ("cabinet_credential_written(account_id)", None),
        "INSERT": (None, "cabinet_letter_allowed(account_id, recipient)"),
    },
    "support_request": {
        "SELECT": (f"account_id = {_OWN}", None),
        "INSERT": (None, f"account_id IS NULL OR account_id = {_OWN}"),
    },
}

_DEFINER = "SECURITY DEFINER SET search_path = {schema}, pg_temp"

BODIES = (
    f"""
CREATE OR REPLACE FUNCTION cabinet_staff_salt(
    p_login text, p_params text, p_hash_len integer, OUT salt text, OUT hash_len integer)
LANGUAGE plpgsql STABLE {_DEFINER} AS $fn$
DECLARE
    stored text;
    key text;
BEGIN
    SELECT u.password_hash INTO stored FROM staff_user u WHERE u.login = p_login;
    IF stored ~ {_ARGON2} THEN
        salt := regexp_replace(stored, '\\$[^$]*$', '');
        hash_len := floor(length(substring(stored from '[^$]*$')) * 3 / 4);
        RETURN;
    END IF;
    SELECT value INTO key FROM auth_secret WHERE name = '{SEALED_SECRET}';
    -- A fake salt wears the parameters of the newest stored hash, never the caller's.
    SELECT u.password_hash INTO stored FROM staff_user u
     WHERE u.password_hash ~ {_ARGON2} ORDER BY u.id DESC LIMIT 1;
    salt := coalesce(substring(stored from '^(\\$[^$]+\\$[^$]+\\$[^$]+)\\$'), p_params) || '$'
        || rtrim(encode(substring(sha256(convert_to(
        coalesce(key, '') || chr(31) || 'staff' || chr(31) || p_login, 'UTF8')) from 1 for 16),
        'base64'), '=');
    hash_len := coalesce(floor(length(substring(stored from '[^$]*$')) * 3 / 4), p_hash_len);
END
$fn$""",
    f"""
CREATE OR REPLACE FUNCTION cabinet_staff_matches(p_login text, p_candidate text)
RETURNS boolean
LANGUAGE plpgsql VOLATILE {_DEFINER} AS $fn$
DECLARE
    matches boolean;
BEGIN
    -- The throttle (db.roles_throttle): only a candidate whose attempt was counted in an
    -- earlier transaction is compared; a match takes the count back.
    IF NOT cabinet_throttle_admits('staff', p_login, p_candidate) THEN
        RETURN false;
    END IF;
    SELECT coalesce(bool_or(u.password_hash = p_candidate), false) INTO matches
      FROM staff_user u WHERE u.login = p_login AND u.active;
    IF matches THEN
        PERFORM cabinet_throttle_matched('staff', p_login);
    END IF;
    RETURN matches;
END
$fn$""",
    f"""
CREATE OR REPLACE FUNCTION cabinet_open_staff_session(
    p_login text, p_candidate text, p_token text, p_now timestamptz,
    OUT id bigint, OUT one_time boolean)
LANGUAGE plpgsql VOLATILE {_DEFINER} AS $fn$
DECLARE
    holder bigint;
    holder_role text;
    admitted boolean := cabinet_throttle_admits('staff', p_login, p_candidate);
BEGIN
    -- The proof: the typed password's hash is the stored one, compared only under the
    -- throttle's ticket (as cabinet_staff_matches).
    SELECT u.id, u.role::text, u.must_change INTO holder, holder_role, one_time
      FROM staff_user u
     WHERE u.login = p_login AND u.active AND u.password_hash = p_candidate AND admitted;
    PERFORM cabinet_clock_skew(p_now);  -- db.roles_clock: no clock but the server's
    IF holder IS NOT NULL THEN
        PERFORM cabinet_throttle_matched('staff', p_login);
    END IF;
    IF holder IS NULL OR length(p_token) < 32 THEN
        id := NULL;
        one_time := NULL;
        RETURN;
    END IF;
    INSERT INTO user_session (kind, account_id, staff_id, one_time, created_at, last_seen_at,
                              token_hash)
    VALUES (holder_role, NULL, holder, one_time, p_now, p_now,
            encode(sha256(convert_to(p_token, 'UTF8')), 'hex'))
    RETURNING user_session.id INTO id;
END
$fn$""",
    f"""
CREATE OR REPLACE FUNCTION cabinet_staff_set_password(
    p_login text, p_candidate text, p_token text, p_new_hash text, p_now timestamptz)
RETURNS boolean
LANGUAGE plpgsql VOLATILE {_DEFINER} AS $fn$
DECLARE
    changed integer;
    used integer;
BEGIN
    PERFORM cabinet_clock_skew(p_now);  -- db.roles_clock: no clock but the server's
    IF p_new_hash IS NULL OR p_new_hash !~ {_ARGON2} THEN
        RETURN false;
    END IF;
    -- The token of this member's live one-time session: a row only the functions above
    -- write (the clerk may not insert one, nor change whose it is, its token or its time).
    SELECT s.id INTO used FROM user_session s JOIN staff_user u ON u.id = s.staff_id
     WHERE u.login = p_login AND u.must_change AND s.one_time AND s.ended_at IS NULL
       AND s.account_id IS NULL AND s.kind = u.role::text
       AND s.created_at > p_now - interval '15 minutes' AND s.created_at <= p_now
       AND s.token_hash = encode(sha256(convert_to(p_token, 'UTF8')), 'hex');
    -- Or the current password's hash, compared only under the throttle's ticket.
    IF used IS NULL AND NOT cabinet_throttle_admits('staff', p_login, p_candidate) THEN
        RETURN false;
    END IF;
    UPDATE staff_user u SET password_hash = p_new_hash, must_change = false
     WHERE u.login = p_login AND u.active AND (u.password_hash = p_candidate OR used IS NOT NULL);
    GET DIAGNOSTICS changed = ROW_COUNT;
    IF changed = 1 AND used IS NOT NULL THEN
        UPDATE user_session s SET one_time = false WHERE s.id = used;  -- used up
    END IF;
    RETURN changed = 1;
END
$fn$""",
    f"""
CREATE OR REPLACE FUNCTION cabinet_credential_written(p_account bigint)
RETURNS boolean
LANGUAGE sql STABLE {_DEFINER} AS $fn$
    SELECT cabinet_proven(p_account)  -- db.roles_proof
$fn$""",
    f"""
CREATE OR REPLACE FUNCTION cabinet_letter_allowed(p_account bigint, p_recipient text)
RETURNS boolean
LANGUAGE sql STABLE {_DEFINER} AS $fn$
    SELECT cabinet_credential_written(p_account)
           AND EXISTS (SELECT 1 FROM resident_credential c
                        WHERE c.account_id = p_account AND c.email = p_recipient)
$fn$""",
    f"""
CREATE OR REPLACE FUNCTION cabinet_end_account_sessions(
    p_account bigint, p_now timestamptz, p_reason text, p_keep bigint)
RETURNS integer
LANGUAGE plpgsql VOLATILE {_DEFINER} AS $fn$
DECLARE
    ended integer;
BEGIN
    PERFORM cabinet_clock_skew(p_now);
    IF NOT cabinet_credential_written(p_account) THEN
        RETURN 0;
    END IF;
    UPDATE user_session s SET ended_at = p_now, end_reason = p_reason
     WHERE s.account_id = p_account AND s.ended_at IS NULL AND s.id IS DISTINCT FROM p_keep;
    GET DIAGNOSTICS ended = ROW_COUNT;
    RETURN ended;
END
$fn$""",
)


def install(conn: Connection, schema: str, names: Mapping[str, str]) -> None:
    """The functions above (owned by whoever runs ``db roles``: the schema's owner), who may
    call each, and the kiosk's row level security on ``KIOSK_ROWS``."""
    q_schema = quote(conn, schema)
    for body in BODIES:
        conn.exec_driver_sql(body.replace("{schema}", q_schema))
    for function, arguments, groups in FUNCTIONS:
        signature = f"{q_schema}.{function}({arguments})"
        conn.exec_driver_sql(f"REVOKE ALL ON FUNCTION {signature} FROM PUBLIC")
        for group in groups:
            conn.exec_driver_sql(
                f"GRANT EXECUTE ON FUNCTION {signature} TO {quote(conn, names[group])}"
            )
    kiosk = quote(conn, names[KIOSK])
    office = ", ".join(quote(conn, names[g]) for g in (CLERK, ADMIN))
    for table, policies in KIOSK_ROWS.items():
        q_table = quote(conn, table)
        conn.exec_driver_sql(f"ALTER TABLE {q_table} ENABLE ROW LEVEL SECURITY")
        existing = conn.exec_driver_sql(
            "SELECT policyname FROM pg_policies WHERE schemaname = %(s)s AND tablename = %(t)s",
            {"s": schema, "t": table},
        ).scalars()
        for policy in list(existing):
            conn.exec_driver_sql(f"DROP POLICY {quote(conn, policy)} ON {q_table}")
        for command, (using, check) in policies.items():
            clauses = (f" USING ({using})" if using else "") + (
                f" WITH CHECK ({check})" if check else ""
            )
            conn.exec_driver_sql(
                f"CREATE POLICY cabinet_kiosk_{command.lower()} ON {q_table} "
                f"FOR {command} TO {kiosk}{clauses}"
            )
        conn.exec_driver_sql(
            f"CREATE POLICY cabinet_office ON {q_table} TO {office} USING (true) WITH CHECK (true)"
        )
