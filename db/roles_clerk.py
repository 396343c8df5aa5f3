"""The clerk's writes to residents' credentials and registration codes, done by the database.

The clerk's role (``db.roles``) reads a credential and a registration code without their
secrets — no ``password_hash``, ``reset_code_hash`` or ``code_hash`` — and writes neither
table: a clerk's database login could otherwise copy every resident's password hash (to
crack offline), read the reset codes' and registration codes' hashes, or set any resident's
password with one statement. What the office does with them is each one of the functions
below (SECURITY DEFINER, owned by the schema's owner, ``search_path`` pinned), chosen by the
desk when its connection may not read the hash (``desktop.auth.sealed``):

- ``cabinet_office_register``: a resident registered at the counter with a one-time
  password the desk made and hashed (the clerk never sees nor chooses it: it goes into the
  queued letter or the slip). As the office's Python path: no registration code is asked,
  the ФИО must match, an account registered with its own password is left alone, and the
  account's registration code is void once used.
- ``cabinet_has_password``: whether the account's resident holds a password (the account
  list's «зарегистрирован», and which receipts carry a code).
- ``cabinet_codes_match``, ``cabinet_store_codes``: the receipt batch's and the counter's
  registration codes. The desk never holds the key the codes are derived from: it gets the
  codes to print from ``cabinet_derive_codes`` (``db.roles_codes``), the database says which
  printed code still stands, and new codes are stored by hash, in HMAC-SHA256's shape only.

The writes (``cabinet_office_register``, ``cabinet_store_codes``) are the office's, not a
login's: each demands the live, not one-time session of a signed-in clerk or administrator
whose token the transaction carries (``db.rls``; ``cabinet_staff_actor``, which the desk's
calls carry as every guarded call does), takes the actor («staff:<login>», the code's
``issued_by``) from that session rather than from an argument, and writes its own audit
entry in that name. A clerk's database login alone registers no one and stores no code.

The resident's own ways in at an office desk (sign-in, registration with a code, «Забыли
пароль?», a password change) use the kiosk's functions (``db.roles_signin``,
``db.roles_resident``), which the clerk may call too.
"""

from __future__ import annotations

from db.roles_codes import CODE_SECRET
from db.roles_resident import DEFINER_HEADER

# (name, arguments) of each function the clerk may call.
CLERK_FUNCTIONS = (
    (
        "cabinet_office_register",
        "text, text, text, text, text, timestamp with time zone, timestamp with time zone",
    ),
    ("cabinet_has_password", "bigint"),
    ("cabinet_codes_match", "bigint[], text[]"),
    (
        "cabinet_store_codes",
        "bigint[], text[], text[], timestamp with time zone[], timestamp with time zone",
    ),
)

# Helpers the functions above call (as the owner): granted to no one.
CLERK_INTERNAL = (("cabinet_staff_actor", ""),)

# The actions of the audit entries the functions write (desktop.audit.AuditAction, frozen
# here: db/ does not import desktop/).
# A staff member's session ends after a working day at most (desktop.sessions too).
STAFF_SESSION_HOURS = 12

REGISTER_ACTION = "resident.register"
CODE_ACTION = "registration_code.issue"

# Without a live staff session (cabinet_staff_actor) the office's writes are refused.
_NO_STAFF = (
    "USING ERRCODE = 'insufficient_privilege', "
    "MESSAGE = 'no live staff session: sign in as a clerk or an administrator'"
)

# A registration code's hash as desktop.auth.codes stores it: scheme$salt$digest.
_CODE_HASH = "'^hmac-sha256[$][0-9a-f]{32}[$][0-9a-f]{64}$'"

CLERK_FUNCTION_BODIES = (
    f"""
CREATE OR REPLACE FUNCTION cabinet_staff_actor() RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {{schema}}, pg_temp AS $fn$
    -- «staff:<login>» of the live, not one-time session of an active clerk or administrator
    -- whose token the transaction carries (db.rls), opened less than a working day ago by the
    -- server's clock (within the allowed skew); NULL without one.
    SELECT 'staff:' || u.login
      FROM user_session s JOIN staff_user u ON u.id = s.staff_id
     WHERE s.token_hash = encode(sha256(convert_to(
           nullif(current_setting('cabinet.session', true), ''), 'UTF8')), 'hex')
       AND s.ended_at IS NULL AND NOT s.one_time AND s.account_id IS NULL
       AND s.kind = u.role::text AND u.role::text IN ('clerk', 'admin') AND u.active
       AND s.created_at > now() - interval '{STAFF_SESSION_HOURS} hours' - cabinet_clock_skew(now())
$fn$""",
    f"""
CREATE OR REPLACE FUNCTION cabinet_office_register(
    p_number text, p_fio text, p_email text, p_phone text, p_hash text,
    p_now timestamptz, p_expires timestamptz, OUT account_id bigint, OUT reason text)
{DEFINER_HEADER}
DECLARE
    holder bigint;
    printed text;
    has_row boolean := false;
    pending boolean;
    staff text := cabinet_staff_actor();
BEGIN
    IF staff IS NULL THEN
        RAISE EXCEPTION {_NO_STAFF};
    END IF;
    PERFORM cabinet_clock_skew(p_now);
    SELECT a.id, replace(a.fio_norm, ' ', '') INTO holder, printed
      FROM account a WHERE a.number = p_number;
    IF holder IS NULL THEN
        reason := 'unknown_account';
        RETURN;
    END IF;
    account_id := holder;
    IF printed IS DISTINCT FROM p_fio THEN
        reason := 'fio_mismatch';
        RETURN;
    END IF;
    -- The code before the credential, in the order cabinet_register takes them.
    PERFORM 1 FROM registration_code r WHERE r.account_id = holder FOR UPDATE;
    SELECT true, c.must_change OR coalesce(c.password_hash, '') = '' INTO has_row, pending
      FROM resident_credential c WHERE c.account_id = holder FOR UPDATE;
    has_row := coalesce(has_row, false);
    IF has_row AND NOT pending THEN
        reason := 'already_registered';
        RETURN;
    END IF;
    IF NOT cabinet_registration_args_ok(p_email, p_hash, p_now, p_expires) THEN
        reason := 'malformed';
        RETURN;
    END IF;
    IF NOT cabinet_write_registration(holder, has_row, p_email, p_phone, p_hash, p_now,
                                      p_expires) THEN
        reason := 'changed_meanwhile';  -- another desk registered it meanwhile
        RETURN;
    END IF;
    UPDATE registration_code r SET code_hash = NULL WHERE r.account_id = holder;
    PERFORM cabinet_prove(holder);  -- db.roles_proof
    -- Its own audit entry, in the name of the session's staff member: a login without a
    -- signed-in staff member registers no one, and no registration goes unrecorded.
    INSERT INTO audit_pending (at, actor, action, account_id, ok, details)
    VALUES (p_now, staff, '{REGISTER_ACTION}', holder, true,
            '{{"office":true,"source":"database"}}');
    reason := '';
END
$fn$""",
    """
CREATE OR REPLACE FUNCTION cabinet_has_password(p_account bigint)
RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {schema}, pg_temp AS $fn$
    SELECT EXISTS (SELECT 1 FROM resident_credential c
                    WHERE c.account_id = p_account AND coalesce(c.password_hash, '') <> '')
$fn$""",
    """
CREATE OR REPLACE FUNCTION cabinet_codes_match(p_accounts bigint[], p_candidates text[])
RETURNS SETOF bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {schema}, pg_temp AS $fn$
    SELECT r.account_id
      FROM registration_code r
      JOIN unnest(p_accounts, p_candidates) AS t(account_id, candidate)
        ON t.account_id = r.account_id
     WHERE r.code_hash = t.candidate
$fn$""",
    f"""
CREATE OR REPLACE FUNCTION cabinet_store_codes(
    p_accounts bigint[], p_hashes text[], p_salts text[], p_issued timestamptz[],
    p_now timestamptz)
RETURNS integer
{DEFINER_HEADER}
DECLARE
    made integer;
    replaced integer;
    same integer;
    k bytea;
    staff text := cabinet_staff_actor();
BEGIN
    IF staff IS NULL THEN
        RAISE EXCEPTION {_NO_STAFF};
    END IF;
    PERFORM cabinet_clock_skew(p_now);
    IF cardinality(p_accounts) IS DISTINCT FROM cardinality(p_hashes)
       OR cardinality(p_accounts) IS DISTINCT FROM cardinality(p_salts)
       OR cardinality(p_accounts) IS DISTINCT FROM cardinality(p_issued)
       OR EXISTS (SELECT 1 FROM unnest(p_hashes) h WHERE coalesce(h, '') !~ {_CODE_HASH}) THEN
        RAISE EXCEPTION 'malformed registration codes' USING ERRCODE = '22023';
    END IF;
    -- Only a code the database's key derives for the account under its salt (as
    -- cabinet_derive_codes made it, db.roles_codes): no code a desk made up itself.
    SELECT decode(s.value, 'hex') INTO k FROM auth_secret s WHERE s.name = '{CODE_SECRET}';
    IF k IS NULL OR EXISTS (
        SELECT 1 FROM unnest(p_accounts, p_hashes) AS t(account_id, code_hash),
               LATERAL (SELECT decode(split_part(t.code_hash, '$', 2), 'hex') AS salt) x
         WHERE t.code_hash IS DISTINCT FROM 'hmac-sha256$' || encode(x.salt, 'hex') || '$'
               || encode(cabinet_hmac_sha256(x.salt, convert_to(
                      cabinet_code_derive(k, t.account_id, x.salt), 'UTF8')), 'hex')) THEN
        RAISE EXCEPTION 'registration codes not derived from the database''s key'
            USING ERRCODE = '22023';
    END IF;
    -- Each new code only where the account's code is still the one it was made from (its
    -- salt and issue time as the desk read them; no row at all): a code another desk stored
    -- or a resident used meanwhile is neither overwritten nor revived (desktop.auth.code_issue).
    SELECT count(*) INTO same
      FROM registration_code r
      JOIN unnest(p_accounts, p_hashes) AS t(account_id, code_hash) USING (account_id)
     WHERE r.code_hash = t.code_hash;
    INSERT INTO registration_code AS r (account_id, code_hash, issued_at, issued_by)
    SELECT t.account_id, t.code_hash, p_now, staff
      FROM unnest(p_accounts, p_hashes, p_issued) AS t(account_id, code_hash, issued)
     WHERE t.issued IS NULL
     ORDER BY t.account_id
    ON CONFLICT (account_id) DO NOTHING;
    GET DIAGNOSTICS made = ROW_COUNT;
    UPDATE registration_code r
       SET code_hash = t.code_hash, issued_at = p_now, issued_by = staff
      FROM unnest(p_accounts, p_hashes, p_salts, p_issued) AS t(account_id, code_hash, salt, issued)
     WHERE r.account_id = t.account_id AND r.issued_at = t.issued
       AND r.code_hash IS DISTINCT FROM t.code_hash
       AND CASE WHEN r.code_hash ~ {_CODE_HASH} THEN split_part(r.code_hash, '$', 2)
                ELSE '' END = t.salt;
    GET DIAGNOSTICS replaced = ROW_COUNT;
    IF made + replaced > 0 THEN  -- its own audit entry, in the session's staff member's name
        INSERT INTO audit_pending (at, actor, action, account_id, ok, details)
        VALUES (p_now, staff, '{CODE_ACTION}',
                CASE WHEN cardinality(p_accounts) = 1 THEN p_accounts[1] END, true,
                '{{"source":"database","stored":' || (made + replaced) || '}}');
    END IF;
    RETURN same + made + replaced;
END
$fn$""",
)
"""The bodies, ``{schema}`` standing for the quoted schema (``db.roles`` fills it in)."""
