"""Least privilege on PostgreSQL, continued (``db.roles`` calls ``install``): the key that
registration codes are derived from stays in the database.

A registration code is derived from the account, its salt and a key of the database
(``auth_secret`` «registration_code», ``desktop.auth.codes``). Whoever holds the key works
out any account's printed code and registers the account with it through the kiosk's
``cabinet_register`` — so no group but the administrator's reads that row: row level
security hides it from the kiosk (``db.roles_throttle.hide_throttle_key``) and from the
clerk (here), and the owner makes it (``install``), no desk.

A clerk's desk gets the codes to print from ``cabinet_derive_codes``, which derives them as
``desktop.auth.codes`` does (``derive``, ``next_salt``, ``hash_code``; HMAC-SHA256 built from
``sha256()``, ``cabinet_hmac_sha256``) and only while the transaction carries the live
session of a signed-in clerk or administrator (``cabinet_staff_actor``, ``db.roles_clerk``):
for each account its valid code again (``standing``) or the next one, with the code it was
made from (``was_salt``, ``was_issued``: what ``cabinet_store_codes`` checks). It stores
nothing; the desk stores the new ones once they are printed (``desktop.auth.code_issue``),
and ``cabinet_store_codes`` derives each again from the key and refuses one that differs:
no desk stores a code it made up.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import Connection

from db.privileges import quote

# desktop.auth.codes.SECRET_NAME and ALPHABET, frozen here: db/ does not import desktop/.
CODE_SECRET = "registration_code"
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
_LENGTH = 8

FUNCTION = ("cabinet_derive_codes", "bigint[], boolean")
INTERNAL = (
    ("cabinet_code_derive", "bytea, bigint, bytea"),
    ("cabinet_code_next_salt", "bytea, bigint, text, timestamp with time zone"),
)

_CODE_HASH = "'^hmac-sha256[$][0-9a-f]{32}[$][0-9a-f]{64}$'"

_BODIES = (
    # desktop.auth.codes.derive: the 8 lowest base-31 digits of the 256-bit HMAC, kept below
    # 31^8 as the bytes come (Horner's rule modulo 31^8 stays within bigint).
    f"""
CREATE OR REPLACE FUNCTION cabinet_code_derive(p_key bytea, p_account bigint, p_salt bytea)
RETURNS text
LANGUAGE plpgsql IMMUTABLE SET search_path = {{schema}}, pg_temp AS $fn$
DECLARE
    digest bytea := cabinet_hmac_sha256(
        p_key, convert_to(p_account::text || chr(31), 'UTF8') || p_salt);
    n bigint := 0;
    code text := '';
BEGIN
    FOR i IN 0 .. 31 LOOP
        n := mod(n * 256 + get_byte(digest, i), {len(ALPHABET) ** _LENGTH});
    END LOOP;
    FOR i IN 1 .. {_LENGTH} LOOP
        code := code || substr('{ALPHABET}', mod(n, {len(ALPHABET)})::integer + 1, 1);
        n := n / {len(ALPHABET)};
    END LOOP;
    RETURN code;
END
$fn$""",
    # desktop.auth.codes.next_salt: from the account's code now (its hex salt, "" for none,
    # and its issue time in microseconds since the epoch; NULL: no row yet).
    """
CREATE OR REPLACE FUNCTION cabinet_code_next_salt(
    p_key bytea, p_account bigint, p_salt text, p_issued timestamptz)
RETURNS bytea
LANGUAGE sql IMMUTABLE SET search_path = {schema}, pg_temp AS $fn$
    SELECT substring(cabinet_hmac_sha256(p_key, convert_to(
        'next' || chr(31) || p_account::text || chr(31) || p_salt || chr(31)
        || coalesce((extract(epoch FROM date_trunc('second', p_issued))::bigint * 1000000
                     + mod(extract(microseconds FROM p_issued)::bigint, 1000000))::text, ''),
        'UTF8')) FROM 1 FOR 16)
$fn$""",
    f"""
CREATE OR REPLACE FUNCTION cabinet_derive_codes(p_accounts bigint[], p_renew boolean)
RETURNS TABLE (account_id bigint, code text, code_hash text, was_salt text,
               was_issued timestamptz, standing boolean)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = {{schema}}, pg_temp AS $fn$
#variable_conflict use_column
DECLARE
    k bytea;
BEGIN
    -- Codes to print, for a desk where a clerk or an administrator is signed in (db.rls).
    IF cabinet_staff_actor() IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
            MESSAGE = 'no live staff session: sign in as a clerk or an administrator';
    END IF;
    SELECT decode(s.value, 'hex') INTO k FROM auth_secret s WHERE s.name = '{CODE_SECRET}';
    IF k IS NULL THEN
        RAISE EXCEPTION 'the registration codes'' key is missing: run «db roles» again';
    END IF;
    RETURN QUERY
    WITH now_held AS (
        SELECT a.id, r.code_hash AS held, r.issued_at,
               CASE WHEN r.code_hash ~ {_CODE_HASH} THEN split_part(r.code_hash, '$', 2)
                    ELSE '' END AS salt
          FROM account a LEFT JOIN registration_code r ON r.account_id = a.id
         WHERE a.id = ANY(p_accounts)
    ), again AS (
        SELECT h.*, CASE WHEN NOT p_renew AND h.salt <> ''
                         THEN cabinet_code_derive(k, h.id, decode(h.salt, 'hex')) END AS old
          FROM now_held h
    ), judged AS (
        SELECT g.*, g.old IS NOT NULL AND g.held = 'hmac-sha256$' || g.salt || '$'
                    || encode(cabinet_hmac_sha256(decode(g.salt, 'hex'),
                                                  convert_to(g.old, 'UTF8')), 'hex') AS valid
          FROM again g
    ), made AS (
        SELECT j.*, cabinet_code_next_salt(k, j.id, j.salt, j.issued_at) AS fresh
          FROM judged j WHERE NOT j.valid
    ), fresh_codes AS (
        SELECT m.*, cabinet_code_derive(k, m.id, m.fresh) AS new_code FROM made m
    )
    SELECT j.id, j.old, j.held::text, j.salt, j.issued_at, true FROM judged j WHERE j.valid
    UNION ALL
    SELECT f.id, f.new_code,
           'hmac-sha256$' || encode(f.fresh, 'hex') || '$'
           || encode(cabinet_hmac_sha256(f.fresh, convert_to(f.new_code, 'UTF8')), 'hex'),
           f.salt, f.issued_at, false
      FROM fresh_codes f
     ORDER BY 1;
END
$fn$""",
)


def install(conn: Connection, q_schema: str, names: Mapping[str, str]) -> None:
    """The key (made here if no desk made it yet), the derivation for the clerk, and the row
    level security that hides the key from the clerk's group. After the resident's functions
    (``cabinet_hmac_sha256``) and the clerk's (``cabinet_staff_actor``)."""
    conn.exec_driver_sql(
        "INSERT INTO auth_secret (name, value) VALUES "
        f"('{CODE_SECRET}', encode(sha256(convert_to("
        "gen_random_uuid()::text || gen_random_uuid()::text, 'UTF8')), 'hex')) "
        "ON CONFLICT (name) DO NOTHING"
    )
    for body in _BODIES:
        conn.exec_driver_sql(body.replace("{schema}", q_schema))
    for function, arguments in (FUNCTION, *INTERNAL):
        conn.exec_driver_sql(
            f"REVOKE ALL ON FUNCTION {q_schema}.{function}({arguments}) FROM PUBLIC"
        )
    function, arguments = FUNCTION
    clerk = quote(conn, names["clerk"])
    conn.exec_driver_sql(f"GRANT EXECUTE ON FUNCTION {q_schema}.{function}({arguments}) TO {clerk}")
    conn.exec_driver_sql("DROP POLICY IF EXISTS cabinet_clerk_no_code_key ON auth_secret")
    hidden = f"name <> '{CODE_SECRET}'"
    conn.exec_driver_sql(
        f"CREATE POLICY cabinet_clerk_no_code_key ON auth_secret AS RESTRICTIVE TO {clerk} "
        f"USING ({hidden}) WITH CHECK ({hidden})"
    )
