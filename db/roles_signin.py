"""The kiosk's sign-in compares (``db roles`` installs them): the Argon2 parameters and salt
of a stored hash, or a deterministic fake one keyed by ``SEALED_SECRET`` for a number without
it; the compare of a hash the kiosk computed; whether a secret is set; the registration
code's salt and compare; and the account of the session a transaction carries. Each runs as
the schema's owner (SECURITY DEFINER, ``search_path`` pinned) and compares only under a
throttle ticket (``db.roles_throttle``)."""

from __future__ import annotations

from db.rls import SETTING

# The row of auth_secret that keys the fake salts: no application role can read it.
SEALED_SECRET = "sealed"

# (name, arguments) of each function the kiosk may call.
SIGN_IN_FUNCTIONS = (
    ("cabinet_secret_salt", "text, text, text, integer"),
    ("cabinet_secret_matches", "text, text, text"),
    ("cabinet_secret_present", "text, text"),
    ("cabinet_code_salt", "text"),
    ("cabinet_code_matches", "text, text"),
    ("cabinet_session_account", ""),
)

_SECRET_COLUMN = """CASE p_kind WHEN 'password' THEN c.password_hash
                              WHEN 'reset_code' THEN c.reset_code_hash END"""

# Helpers the functions call (as the owner): granted to no one.
SIGN_IN_INTERNAL = (("cabinet_argon2_not_weaker", "text, text"),)

# An encoded Argon2 hash split on «$»: '', variant, v=…, m=…,t=…,p=…, salt, digest.
_COST = "substring(split_part({}, '$', 4) from '(?:^|,){}=([0-9]+)')::bigint"

SIGN_IN_BODIES = (
    """
CREATE OR REPLACE FUNCTION cabinet_argon2_not_weaker(p_new text, p_old text)
RETURNS boolean
LANGUAGE sql IMMUTABLE SET search_path = {schema}, pg_temp AS $fn$
    -- Whether the Argon2 hash p_new costs at least what p_old does: memory, passes, salt
    -- and digest no smaller, the variant argon2id or p_old's. A «rehash» must never make
    -- a stored password cheaper to crack.
    SELECT coalesce(
        {m_new} >= {m_old} AND {t_new} >= {t_old} AND {p_new} >= 1
        AND length(split_part(p_new, '$', 5)) >= length(split_part(p_old, '$', 5))
        AND length(split_part(p_new, '$', 6)) >= length(split_part(p_old, '$', 6))
        AND split_part(p_new, '$', 2) IN ('argon2id', split_part(p_old, '$', 2)),
        false)
$fn$""".replace("{m_new}", _COST.format("p_new", "m"))
    .replace("{m_old}", _COST.format("p_old", "m"))
    .replace("{t_new}", _COST.format("p_new", "t"))
    .replace("{t_old}", _COST.format("p_old", "t"))
    .replace("{p_new}", _COST.format("p_new", "p")),
    f"""
CREATE OR REPLACE FUNCTION cabinet_secret_salt(
    p_kind text, p_number text, p_params text, p_hash_len integer,
    OUT salt text, OUT hash_len integer)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = {{schema}}, pg_temp AS $fn$
DECLARE
    stored text;
    key text;
BEGIN
    SELECT {_SECRET_COLUMN} INTO stored
      FROM resident_credential c JOIN account a ON a.id = c.account_id
     WHERE a.number = p_number;
    IF stored ~ '^\\$argon2[a-z]+\\$v=[0-9]+\\$[^$]+\\$[^$]+\\$[^$]+$' THEN
        salt := regexp_replace(stored, '\\$[^$]*$', '');
        hash_len := floor(length(substring(stored from '[^$]*$')) * 3 / 4);
        RETURN;
    END IF;
    SELECT value INTO key FROM auth_secret WHERE name = '{SEALED_SECRET}';
    -- A fake salt wears the parameters of the newest stored hash, never the caller's: an
    -- echo of what was asked would tell a number without a password from one with it.
    SELECT c.password_hash INTO stored FROM resident_credential c
     WHERE c.password_hash ~ '^\\$argon2[a-z]+\\$v=[0-9]+\\$[^$]+\\$[^$]+\\$[^$]+$'
     ORDER BY c.updated_at DESC LIMIT 1;
    salt := coalesce(substring(stored from '^(\\$[^$]+\\$[^$]+\\$[^$]+)\\$'), p_params) || '$'
        || rtrim(encode(substring(sha256(convert_to(
        coalesce(key, '') || chr(31) || p_kind || chr(31) || p_number, 'UTF8')) from 1 for 16),
        'base64'), '=');
    hash_len := coalesce(floor(length(substring(stored from '[^$]*$')) * 3 / 4), p_hash_len);
END
$fn$""",
    f"""
CREATE OR REPLACE FUNCTION cabinet_secret_matches(p_kind text, p_number text, p_candidate text)
RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = {{schema}}, pg_temp AS $fn$
DECLARE
    matches boolean;
    valid boolean;
BEGIN
    -- Passwords only: a reset code is compared by cabinet_complete_reset, within its tries.
    -- The throttle (db.roles_throttle): only a candidate whose attempt was counted in an
    -- earlier transaction is compared; a valid match clears the delay.
    IF p_kind IS DISTINCT FROM 'password'
       OR NOT cabinet_throttle_admits('resident', p_number, p_candidate) THEN
        RETURN false;
    END IF;
    SELECT coalesce(bool_or({_SECRET_COLUMN} = p_candidate), false),
           coalesce(bool_or({_SECRET_COLUMN} = p_candidate AND coalesce(CASE p_kind
               WHEN 'password' THEN c.password_expires_at
               ELSE c.reset_code_expires_at END > clock_timestamp(), true)), false)
      INTO matches, valid
      FROM resident_credential c JOIN account a ON a.id = c.account_id
     WHERE a.number = p_number;
    IF valid THEN
        PERFORM cabinet_throttle_matched('resident', p_number);
    END IF;
    RETURN matches;
END
$fn$""",
    f"""
CREATE OR REPLACE FUNCTION cabinet_secret_present(p_kind text, p_number text)
RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {{schema}}, pg_temp AS $fn$
    SELECT coalesce(bool_or({_SECRET_COLUMN} IS NOT NULL AND {_SECRET_COLUMN} <> ''), false)
      FROM resident_credential c JOIN account a ON a.id = c.account_id
     WHERE a.number = p_number AND a.id IN (
           -- Only for the account of the session the transaction carries (db.rls): before
           -- sign-in it would tell anyone which numbers are registered.
           SELECT s.account_id FROM user_session s
            WHERE s.ended_at IS NULL AND s.token_hash = encode(sha256(convert_to(
                  nullif(current_setting('{SETTING}', true), ''), 'UTF8')), 'hex'))
$fn$""",
    f"""
CREATE OR REPLACE FUNCTION cabinet_code_salt(p_number text)
RETURNS text
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = {{schema}}, pg_temp AS $fn$
DECLARE
    stored text;
    key text;
BEGIN
    SELECT r.code_hash INTO stored
      FROM registration_code r JOIN account a ON a.id = r.account_id
     WHERE a.number = p_number;
    IF stored ~ '^hmac-sha256\\$[0-9a-f]+\\$[0-9a-f]+$' THEN
        RETURN split_part(stored, '$', 2);
    END IF;
    SELECT value INTO key FROM auth_secret WHERE name = '{SEALED_SECRET}';
    RETURN encode(substring(sha256(convert_to(
        coalesce(key, '') || chr(31) || 'registration_code' || chr(31) || p_number, 'UTF8'))
        from 1 for 16), 'hex');
END
$fn$""",
    """
CREATE OR REPLACE FUNCTION cabinet_code_matches(p_number text, p_candidate text)
RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = {schema}, pg_temp AS $fn$
DECLARE
    matches boolean;
BEGIN
    IF NOT cabinet_throttle_admits('registration', p_number, p_candidate) THEN
        RETURN false;  -- db.roles_throttle
    END IF;
    SELECT coalesce(bool_or(r.code_hash = p_candidate), false) INTO matches
      FROM registration_code r JOIN account a ON a.id = r.account_id
     WHERE a.number = p_number;
    IF matches THEN
        PERFORM cabinet_throttle_matched('registration', p_number);
    END IF;
    RETURN matches;
END
$fn$""",
    f"""
CREATE OR REPLACE FUNCTION cabinet_session_account()
RETURNS bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {{schema}}, pg_temp AS $fn$
    SELECT s.account_id FROM user_session s
     WHERE s.ended_at IS NULL AND s.token_hash = encode(sha256(convert_to(
           nullif(current_setting('{SETTING}', true), ''), 'UTF8')), 'hex')
$fn$""",
)
