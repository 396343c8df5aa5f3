"""The kiosk's writes to a resident's credential and registration code, done by the database.

The kiosk's role (``db.roles``) may neither INSERT nor UPDATE ``resident_credential`` nor
UPDATE ``registration_code``: whoever holds a kiosk's database login could otherwise set any
resident's e-mail or password with one statement. Each write the kiosk needs is one of the
functions below (SECURITY DEFINER, owned by the schema's owner, ``search_path`` pinned), and
each demands the proof the Python path demands before it writes:

- ``cabinet_register``: the account number, the ФИО as printed, and the registration code's
  HMAC candidate (``desktop.auth.sealed``) — or, if the organisation turned the setting
  ``registration.require_code`` off (read here, not passed in), a pending registration
  stays with its e-mail. A used code is void in the same statement.
- ``cabinet_request_reset``, ``cabinet_reset_salt``, ``cabinet_complete_reset``: «Забыли
  пароль?», in ``db.roles_reset``.
- ``cabinet_change_password``: the session whose token the transaction carries (``db.rls``)
  and the current password's candidate, or that session being the live one-time one.
- ``cabinet_open_session``: the password's candidate, still valid; under the credential's
  lock it opens the session, uses up a one-time password and stores a due rehash.

None of them trusts the caller's clock: a ``p_now`` further than the allowed skew (an
``auth_secret`` row no group may read or write, ``db.roles_clock``) from the server's
``now()`` fails the call (``cabinet_clock_skew``) and nothing is written.

Before anyone signs in, row level security shows the kiosk no account, credential or code
(``db.roles.OWN_ROWS``), and these functions answer no more than the screens tell: a failure
without the proof names no account (``account_id`` NULL) and does not say whether the
number exists, is registered or has that ФИО — ``code_mismatch``, ``account_or_fio_mismatch``,
``email_mismatch``, ``wrong_code``, ``wrong_password`` cover them all.
"""

from __future__ import annotations

from db.roles_clock import CLOCK_SKEW_BODY, CLOCK_SKEW_FUNCTION
from db.roles_signin import SIGN_IN_INTERNAL
from db.roles_throttle import HMAC_SHA256 as _HMAC

# (name, arguments) of each function, for GRANT EXECUTE to the kiosk.
RESIDENT_FUNCTIONS = (
    (
        "cabinet_register",
        "text, text, text, text, text, text, timestamp with time zone, timestamp with time zone",
    ),
    ("cabinet_change_password", "text, text, timestamp with time zone, interval"),
    ("cabinet_open_session", "text, text, text, text, timestamp with time zone, text"),
)

# Helpers the functions above call (as the owner): granted to no one.
INTERNAL_FUNCTIONS = (
    CLOCK_SKEW_FUNCTION,
    ("cabinet_hmac_sha256", "bytea, bytea"),
    *SIGN_IN_INTERNAL,
    (
        "cabinet_registration_args_ok",
        "text, text, timestamp with time zone, timestamp with time zone",
    ),
    (
        "cabinet_write_registration",
        "bigint, boolean, text, text, text, timestamp with time zone, timestamp with time zone",
    ),
)

# Why cabinet_write_registration ends an account's sessions (desktop.sessions, frozen here:
# db/ does not import desktop/).
REGISTERED_AGAIN = "registered_again"

# A stored password or code hash written by the kiosk: an Argon2 one, never "" or NULL
# (which would read as «no password» and reopen the registration).
ARGON2_PATTERN = _ARGON2 = "'^[$]argon2(id|i|d)[$]v=[0-9]+[$][^$]+[$][^$]+[$][^$]+$'"

# The account of the session whose token the transaction carries (db.rls).
_SESSION = """encode(sha256(convert_to(
           nullif(current_setting('cabinet.session', true), ''), 'UTF8')), 'hex')"""

# The head of a SECURITY DEFINER function's body, after its RETURNS (``{schema}``: db.roles).
DEFINER_HEADER = (
    "LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = {schema}, pg_temp AS $fn$\n"
    "#variable_conflict use_column"
)

# The stored hash's $argon2id$v=…$m=…,t=…,p=… (its parameters, without salt and digest).
_PARAMS = "regexp_replace({}, '[$][^$]*[$][^$]*$', '')"

RESIDENT_FUNCTION_BODIES = (
    CLOCK_SKEW_BODY,
    _HMAC,
    f"""
CREATE OR REPLACE FUNCTION cabinet_registration_args_ok(
    p_email text, p_hash text, p_now timestamptz, p_expires timestamptz)
RETURNS boolean
LANGUAGE sql STABLE SET search_path = {{schema}}, pg_temp AS $fn$
    -- What a registration (cabinet_register, the office's cabinet_office_register) may
    -- write: an e-mail, a one-time password's Argon2 hash and its end within a day.
    SELECT coalesce(p_hash, '') ~ {_ARGON2} AND coalesce(p_email, '') <> ''
       AND p_expires IS NOT NULL AND p_expires <= p_now + interval '1 day'
$fn$""",
    f"""
CREATE OR REPLACE FUNCTION cabinet_write_registration(
    p_holder bigint, p_has_row boolean, p_email text, p_phone text, p_hash text,
    p_now timestamptz, p_expires timestamptz)
RETURNS boolean
{DEFINER_HEADER}
BEGIN
    -- The account's credential (its row, if any, locked by the caller) with a one-time
    -- password: false if another desk created the row meanwhile. Whoever registered it
    -- before (a one-time session not yet used up) is signed out: only the new password
    -- sets the account's own.
    IF p_has_row THEN
        UPDATE resident_credential c
           SET email = p_email, phone = p_phone, password_hash = p_hash,
               password_expires_at = p_expires, must_change = true, reset_code_hash = NULL,
               reset_code_expires_at = NULL, failed_attempts = 0, updated_at = p_now
         WHERE c.account_id = p_holder;
        UPDATE user_session s SET ended_at = p_now, end_reason = '{REGISTERED_AGAIN}'
         WHERE s.account_id = p_holder AND s.ended_at IS NULL;
        RETURN true;
    END IF;
    INSERT INTO resident_credential (account_id, email, phone, password_hash,
        password_expires_at, must_change, failed_attempts, reset_code_hash,
        reset_code_expires_at, created_at, updated_at)
    VALUES (p_holder, p_email, p_phone, p_hash, p_expires, true, 0, NULL, NULL, p_now, p_now)
    ON CONFLICT (account_id) DO NOTHING;
    RETURN FOUND;
END
$fn$""",
    f"""
CREATE OR REPLACE FUNCTION cabinet_register(
    p_number text, p_fio text, p_code text, p_email text, p_phone text, p_hash text,
    p_now timestamptz, p_expires timestamptz,
    OUT account_id bigint, OUT reason text, OUT code_ok boolean)
{DEFINER_HEADER}
DECLARE
    required text;
    use_code boolean;
    holder bigint;
    printed text;
    has_row boolean := false;
    pending boolean;
    stored_email text;
BEGIN
    PERFORM cabinet_clock_skew(p_now);
    SELECT s.value INTO required FROM organisation_setting s
     WHERE s.key = 'registration.require_code';
    -- As the Python path reads it: anything but JSON false requires the code.
    use_code := p_code IS NOT NULL OR coalesce(btrim(required), 'true') <> 'false';
    SELECT a.id, replace(a.fio_norm, ' ', '') INTO holder, printed
      FROM account a WHERE a.number = p_number;
    -- A code is compared only under a ticket the throttle gave for it (db.roles_throttle),
    -- asked for whether or not the number exists: the count is the same either way. Its
    -- row is locked (and the match checked again) only once it matched: a stranger holding
    -- the transaction open does not hold up the office issuing a code.
    code_ok := use_code AND coalesce(p_code, '') <> ''
        AND cabinet_throttle_admits('registration', p_number, p_code);
    code_ok := code_ok AND holder IS NOT NULL AND EXISTS (
        SELECT 1 FROM registration_code r WHERE r.account_id = holder AND r.code_hash = p_code);
    IF code_ok THEN
        PERFORM 1 FROM registration_code r
         WHERE r.account_id = holder AND r.code_hash = p_code FOR UPDATE;
        code_ok := FOUND;
    END IF;
    IF code_ok THEN
        PERFORM cabinet_throttle_matched('registration', p_number);
    END IF;
    IF use_code AND NOT code_ok THEN
        reason := 'code_mismatch';  -- no proof: not a word about the account
        RETURN;
    END IF;
    IF holder IS NULL OR printed IS DISTINCT FROM p_fio THEN
        reason := CASE WHEN code_ok THEN 'fio_mismatch' ELSE 'account_or_fio_mismatch' END;
        account_id := CASE WHEN code_ok THEN holder END;
        RETURN;
    END IF;
    account_id := holder;
    SELECT true, c.must_change OR coalesce(c.password_hash, '') = '', lower(c.email)
      INTO has_row, pending, stored_email
      FROM resident_credential c WHERE c.account_id = holder FOR UPDATE;
    has_row := coalesce(has_row, false);
    IF has_row AND NOT pending THEN
        reason := 'already_registered';
        RETURN;
    END IF;
    IF NOT use_code AND has_row AND stored_email IS DISTINCT FROM lower(p_email) THEN
        reason := 'pending_elsewhere';  -- without a code it goes only where it went before
        RETURN;
    END IF;
    IF NOT cabinet_registration_args_ok(p_email, p_hash, p_now, p_expires) THEN
        reason := 'malformed';
        RETURN;
    END IF;
    IF NOT cabinet_write_registration(holder, has_row, p_email, p_phone, p_hash, p_now,
                                      p_expires) THEN
        -- Another desk registered it meanwhile (no code row to lock): that one stands.
        reason := 'changed_meanwhile';
        RETURN;
    END IF;
    IF code_ok THEN
        UPDATE registration_code r SET code_hash = NULL WHERE r.account_id = holder;
    END IF;
    PERFORM cabinet_prove(holder);  -- db.roles_proof
    reason := '';
END
$fn$""",
    """
CREATE OR REPLACE FUNCTION cabinet_change_password(
    p_candidate text, p_hash text, p_now timestamptz, p_window interval, OUT reason text)
{header}
DECLARE
    holder bigint;
    session_id bigint;
    one_time boolean;
    opened timestamptz;
    pending boolean;
    stored text;
    expires timestamptz;
    number text;
BEGIN
    PERFORM cabinet_clock_skew(p_now);
    SELECT s.account_id INTO holder FROM user_session s
     WHERE s.ended_at IS NULL AND s.account_id IS NOT NULL AND s.token_hash = {session};
    IF holder IS NULL OR coalesce(p_hash, '') !~ {argon2} THEN
        reason := 'no_session';
        RETURN;
    END IF;
    SELECT a.number INTO number FROM account a WHERE a.id = holder;
    -- The credential before the session, in the order a reset takes them.
    SELECT c.must_change, c.password_hash, c.password_expires_at INTO pending, stored, expires
      FROM resident_credential c WHERE c.account_id = holder FOR UPDATE;
    SELECT s.id, s.one_time, s.created_at INTO session_id, one_time, opened
      FROM user_session s
     WHERE s.ended_at IS NULL AND s.account_id = holder AND s.token_hash = {session}
       FOR UPDATE;
    IF session_id IS NULL OR stored IS NULL THEN
        reason := 'no_session';
        RETURN;
    END IF;
    IF p_candidate IS NULL THEN
        -- The proof: the live session the one-time password opened, within its window.
        IF NOT one_time OR NOT pending OR p_now >= opened + least(p_window, interval '1 hour')
        THEN
            reason := 'expired';
            RETURN;
        END IF;
    ELSIF NOT cabinet_throttle_admits('resident', number, p_candidate)
          OR stored IS DISTINCT FROM p_candidate OR p_candidate = '' THEN
        reason := 'wrong_password';
        RETURN;
    ELSIF expires IS NOT NULL AND p_now >= expires THEN
        reason := 'expired';
        RETURN;
    END IF;
    UPDATE resident_credential c
       SET password_hash = p_hash, password_expires_at = NULL, must_change = false,
           reset_code_hash = NULL, reset_code_expires_at = NULL, updated_at = p_now
     WHERE c.account_id = holder;
    UPDATE user_session s SET one_time = false WHERE s.id = session_id;
    IF p_candidate IS NOT NULL THEN
        PERFORM cabinet_throttle_matched('resident', number);
    END IF;
    PERFORM cabinet_prove(holder);  -- db.roles_proof
    reason := '';
END
$fn$""".replace("{header}", DEFINER_HEADER)
    .replace("{argon2}", _ARGON2)
    .replace("{session}", _SESSION),
    """
CREATE OR REPLACE FUNCTION cabinet_open_session(
    p_kind text, p_number text, p_candidate text, p_token text, p_now timestamptz,
    p_rehashed text, OUT id bigint, OUT one_time boolean)
{header}
DECLARE
    holder bigint;
    used_up boolean;
    stored text;
    expires timestamptz;
    skew interval;
BEGIN
    skew := cabinet_clock_skew(p_now);
    IF NOT cabinet_throttle_admits('resident', p_number, p_candidate) THEN
        RETURN;  -- no ticket (db.roles_throttle): no compare
    END IF;
    -- Locked: of two sign-ins with the same one-time password only the first opens a session.
    SELECT c.account_id, c.must_change, c.password_hash, c.password_expires_at
      INTO holder, used_up, stored, expires
      FROM resident_credential c JOIN account a ON a.id = c.account_id
     WHERE a.number = p_number
       FOR UPDATE OF c;
    -- The proof: the typed password's hash is the stored one, and it is still valid.
    IF holder IS NULL OR stored IS DISTINCT FROM p_candidate OR coalesce(p_candidate, '') = ''
       OR (expires IS NOT NULL AND p_now >= expires)
       OR p_kind NOT IN ('resident', 'kiosk') OR length(p_token) < 32 THEN
        RETURN;
    END IF;
    PERFORM cabinet_throttle_matched('resident', p_number);
    -- A one-time password is used up: it only opens the session that sets a password. Its
    -- end is put back by the skew, so no p_now a later call may pass revives it. A match
    -- under old parameters is stored again under the current ones: only of a password of
    -- its own (not a one-time one) whose parameters are not the current ones, and never
    -- under weaker ones (cabinet_argon2_not_weaker): no caller makes it cheaper to crack.
    UPDATE resident_credential c
       SET password_expires_at = CASE WHEN used_up THEN least(p_now, now()) - skew
                                      ELSE c.password_expires_at END,
           password_hash = CASE
               WHEN NOT used_up AND coalesce(p_rehashed, '') ~ {argon2}
                    AND {params_new} <> {params_old}
                    AND cabinet_argon2_not_weaker(p_rehashed, stored) THEN p_rehashed
               ELSE c.password_hash END
     WHERE c.account_id = holder;
    INSERT INTO user_session (kind, account_id, staff_id, one_time, created_at, last_seen_at,
                              token_hash)
    VALUES (p_kind, holder, NULL, used_up, p_now, p_now,
            encode(sha256(convert_to(p_token, 'UTF8')), 'hex'))
    RETURNING user_session.id INTO id;
    PERFORM cabinet_prove(holder);  -- db.roles_proof
    one_time := used_up;
END
$fn$""".replace("{header}", DEFINER_HEADER)
    .replace("{argon2}", _ARGON2)
    .replace("{params_new}", _PARAMS.format("p_rehashed"))
    .replace("{params_old}", _PARAMS.format("stored")),
)
"""The bodies, ``{schema}`` standing for the quoted schema (``db.roles`` fills it in)."""
