"""«Забыли пароль?»: the kiosk's (and an office desk's) reset of a resident's password by a
code sent to the registered e-mail, done by the database as ``db.roles_resident``'s writes are
(SECURITY DEFINER, owned by the schema's owner, ``search_path`` pinned, the clock checked):

- ``cabinet_request_reset``: the e-mail the account registered with. The function makes the
  6-digit code (stored as HMAC-SHA256, as registration codes are) and queues the letter
  itself, from the kiosk's text with ``RESET_CODE_PLACEHOLDER``: the code never reaches
  the kiosk. ``cabinet_reset_salt`` gives the code's key for the typed code's HMAC.
- ``cabinet_complete_reset``: the reset code's candidate (its HMAC under the stored key).
  Wrong codes are counted, also by a sequence per code that a rollback does not undo;
  after ``RESET_CODE_TRIES`` the code is void.

As there, a failure without the proof names no account: ``email_mismatch``, ``wrong_code``.
"""

from __future__ import annotations

from db.roles_resident import ARGON2_PATTERN, DEFINER_HEADER

# (name, arguments) of each function, for GRANT EXECUTE to the kiosk and the clerk.
RESET_FUNCTIONS = (
    (
        "cabinet_request_reset",
        "text, text, timestamp with time zone, interval, interval, text, text, text",
    ),
    ("cabinet_reset_salt", "text"),
    ("cabinet_complete_reset", "text, text, text, timestamp with time zone"),
)

# Where cabinet_request_reset puts the code it made in the letter's text the kiosk passes.
RESET_CODE_PLACEHOLDER = "{code}"

# Wrong reset codes after which the code is void and the resident must ask for a new one.
RESET_CODE_TRIES = 5

# The name of the sequence that counts the tries of the reset code whose hash is {}: of
# its account and that code, so a new code starts afresh.
_TRIES = "'cabinet_reset_tries_' || holder || '_' || left(md5({}), 16)"

RESET_FUNCTION_BODIES = (
    """
CREATE OR REPLACE FUNCTION cabinet_request_reset(
    p_number text, p_email text, p_now timestamptz, p_lifetime interval, p_resend interval,
    p_channel text, p_subject text, p_template text, OUT account_id bigint, OUT reason text)
{header}
DECLARE
    holder bigint;
    letter_to text;
    previous timestamptz;
    stale text;
    salt bytea;
    made text;
    made_hash text;
BEGIN
    PERFORM cabinet_clock_skew(p_now);
    IF NOT cabinet_throttle_admits('email', p_number, lower(p_email)) THEN
        reason := 'email_mismatch';  -- no ticket (db.roles_throttle): no compare
        RETURN;
    END IF;
    SELECT c.account_id, c.email, c.reset_code_expires_at INTO holder, letter_to, previous
      FROM resident_credential c JOIN account a ON a.id = c.account_id
     WHERE a.number = p_number AND lower(c.email) = lower(p_email)
       FOR UPDATE OF c;
    IF holder IS NULL OR p_lifetime > interval '1 day' THEN
        reason := 'email_mismatch';  -- or no such account: the same to the kiosk
        RETURN;
    END IF;
    PERFORM cabinet_throttle_matched('email', p_number);
    account_id := holder;
    IF previous IS NOT NULL AND p_now < previous - p_lifetime + p_resend THEN
        reason := 'too_soon';
        RETURN;
    END IF;
    IF p_channel NOT IN ('email', 'slip') OR coalesce(p_subject, '') = ''
       OR strpos(coalesce(p_template, ''), '{placeholder}') = 0 THEN
        reason := 'malformed';
        RETURN;
    END IF;
    -- The code is made here and goes only into the letter: the kiosk never sees it. Six
    -- digits from 48 random bits of a UUID (before its version nibble); stored as
    -- desktop.auth.codes stores a code, HMAC-SHA256 under a random 16-byte key.
    made := lpad(mod(('x' || left(replace(gen_random_uuid()::text, '-', ''), 12))::bit(48)::bigint,
                     1000000)::text, 6, '0');
    -- The key: 16 uniform bytes (a UUID's own would carry its version and variant bits, and
    -- cabinet_reset_salt would tell a pending reset's key from a fake one by them).
    salt := substring(sha256(convert_to(gen_random_uuid()::text || gen_random_uuid()::text,
                                        'UTF8')) from 1 for 16);
    made_hash := 'hmac-sha256$' || encode(salt, 'hex') || '$'
                 || encode(cabinet_hmac_sha256(salt, convert_to(made, 'UTF8')), 'hex');
    UPDATE resident_credential c
       SET reset_code_hash = made_hash, reset_code_expires_at = p_now + p_lifetime,
           failed_attempts = 0, updated_at = p_now
     WHERE c.account_id = holder;
    -- The letter, in place of a pending one of the same kind, to the registered address.
    DELETE FROM outbox_message m
     WHERE m.account_id = holder AND m.subject = p_subject AND m.handed_out_at IS NULL;
    INSERT INTO outbox_message (account_id, recipient, subject, body, created_at,
        handed_out_at, channel, status, attempts, next_attempt_at, sent_at, expires_at,
        last_error)
    VALUES (holder, letter_to, p_subject, replace(p_template, '{placeholder}', made), p_now,
        NULL, p_channel, 'queued', 0, CASE WHEN p_channel = 'email' THEN p_now END, NULL,
        p_now + p_lifetime, '');
    -- The new code's count of tries (the account's earlier ones go): a sequence, which a
    -- caller rolling its transaction back cannot reset. Made and dropped in this
    -- transaction, with the code it counts for.
    FOR stale IN SELECT s.relname FROM pg_class s
                  WHERE s.relkind = 'S' AND s.relnamespace = current_schema()::regnamespace
                    AND starts_with(s.relname::text, 'cabinet_reset_tries_' || holder || '_')
    LOOP
        EXECUTE 'DROP SEQUENCE ' || quote_ident(stale);
    END LOOP;
    EXECUTE 'CREATE SEQUENCE IF NOT EXISTS ' || quote_ident({tries_of_new});
    PERFORM cabinet_prove(holder);  -- the registered e-mail (db.roles_proof)
    reason := '';
END
$fn$""".replace("{header}", DEFINER_HEADER)
    .replace("{placeholder}", RESET_CODE_PLACEHOLDER)
    .replace("{tries_of_new}", _TRIES.format("made_hash")),
    """
CREATE OR REPLACE FUNCTION cabinet_reset_salt(p_number text)
RETURNS text
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = {schema}, pg_temp AS $fn$
DECLARE
    stored text;
    key text;
BEGIN
    -- The key of the account's reset code, for the kiosk to compute the typed code's HMAC
    -- (cabinet_complete_reset compares); a fake one, steady per number, without a code.
    SELECT c.reset_code_hash INTO stored
      FROM resident_credential c JOIN account a ON a.id = c.account_id
     WHERE a.number = p_number;
    IF stored ~ '^hmac-sha256[$][0-9a-f]+[$][0-9a-f]+$' THEN
        RETURN split_part(stored, '$', 2);
    END IF;
    SELECT s.value INTO key FROM auth_secret s WHERE s.name = 'sealed';
    RETURN encode(substring(sha256(convert_to(
        coalesce(key, '') || chr(31) || 'reset_code_key' || chr(31) || p_number, 'UTF8'))
        from 1 for 16), 'hex');
END
$fn$""",
    """
CREATE OR REPLACE FUNCTION cabinet_complete_reset(
    p_number text, p_candidate text, p_hash text, p_now timestamptz,
    OUT account_id bigint, OUT reason text)
{header}
DECLARE
    holder bigint;
    stored text;
    expires timestamptz;
    failures integer;
    counter text;
    earlier integer;
BEGIN
    PERFORM cabinet_clock_skew(p_now);
    reason := 'wrong_code';  -- and no account named, until the proof
    IF NOT cabinet_throttle_admits('resident', p_number, p_candidate) THEN
        RETURN;  -- no ticket (db.roles_throttle): no compare
    END IF;
    IF coalesce(p_hash, '') !~ {argon2} THEN
        RETURN;
    END IF;
    SELECT c.account_id, c.reset_code_hash, c.reset_code_expires_at, c.failed_attempts
      INTO holder, stored, expires, failures
      FROM resident_credential c JOIN account a ON a.id = c.account_id
     WHERE a.number = p_number
       FOR UPDATE OF c;
    IF holder IS NULL OR stored IS NULL THEN
        RETURN;
    END IF;
    -- The tries of this code before this one: counted on the credential and, for a code
    -- this function's kin issued, by its sequence, which no rollback takes back (a caller
    -- cannot guess, roll back and guess again). After {tries} wrong ones the code is void
    -- and the resident asks for a new one.
    counter := {tries_of_stored};
    earlier := coalesce(failures, 0);
    IF to_regclass(quote_ident(counter)) IS NOT NULL THEN
        earlier := greatest(earlier, nextval(quote_ident(counter)) - 1);
    END IF;
    IF earlier >= {tries} THEN
        UPDATE resident_credential c
           SET reset_code_hash = NULL, reset_code_expires_at = NULL
         WHERE c.account_id = holder;
        EXECUTE 'DROP SEQUENCE IF EXISTS ' || quote_ident(counter);
        RETURN;
    END IF;
    -- The proof: the typed code's hash is the stored one.
    IF stored IS DISTINCT FROM p_candidate OR coalesce(p_candidate, '') = '' THEN
        UPDATE resident_credential c
           SET failed_attempts = earlier + 1,
               reset_code_hash = CASE WHEN earlier + 1 >= {tries} THEN NULL
                                      ELSE c.reset_code_hash END,
               reset_code_expires_at = CASE WHEN earlier + 1 >= {tries} THEN NULL
                                            ELSE c.reset_code_expires_at END
         WHERE c.account_id = holder;
        RETURN;
    END IF;
    account_id := holder;
    EXECUTE 'DROP SEQUENCE IF EXISTS ' || quote_ident(counter);  -- the code ends here either way
    IF expires IS NOT NULL AND p_now >= expires THEN
        UPDATE resident_credential c
           SET reset_code_hash = NULL, reset_code_expires_at = NULL
         WHERE c.account_id = holder;
        PERFORM cabinet_prove(holder);  -- the right code, if late: the entry names them
        reason := 'expired';  -- no valid proof: the attempt stays counted
        RETURN;
    END IF;
    PERFORM cabinet_throttle_matched('resident', p_number);
    UPDATE resident_credential c
       SET password_hash = p_hash, password_expires_at = NULL, must_change = false,
           reset_code_hash = NULL, reset_code_expires_at = NULL, failed_attempts = 0,
           updated_at = p_now
     WHERE c.account_id = holder;
    PERFORM cabinet_prove(holder);  -- db.roles_proof
    reason := '';
END
$fn$""".replace("{header}", DEFINER_HEADER)
    .replace("{argon2}", ARGON2_PATTERN)
    .replace("{tries_of_stored}", _TRIES.format("stored"))
    .replace("{tries}", str(RESET_CODE_TRIES)),
)
"""The bodies, ``{schema}`` standing for the quoted schema (``db.roles`` fills it in)."""
