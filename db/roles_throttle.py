"""The sign-in throttle enforced by PostgreSQL for the kiosk's and the clerk's roles.

A kiosk's role (and a clerk's: ``db.roles_office``) holds no right on ``login_throttle``;
the kiosk cannot read the throttle's HMAC key either (``auth_secret`` row ``throttle``,
hidden by row level security). It reaches the throttle
only through the SECURITY DEFINER functions below, which implement the rule of
``desktop.auth.throttle`` (the constants are here, that module imports them) on the
database's clock.

A count made in the transaction that learns the verdict would vanish with a ROLLBACK, and a
stolen kiosk login could then guess without end. So an attempt is paid for first:

* ``cabinet_throttle_attempt(kind, name, candidate)``, in a transaction of its own that the
  caller commits: refused (the wait returned) while a delay runs; else the attempt's failure
  is counted at once and a ticket for this one candidate kept for two minutes;
* the compare functions — ``cabinet_secret_matches`` and ``cabinet_code_matches`` of
  ``db.roles``; of ``db.roles_resident`` ``cabinet_register`` (the code),
  ``cabinet_request_reset`` (the e-mail), ``cabinet_complete_reset``,
  ``cabinet_change_password`` (the current password) and ``cabinet_open_session`` — compare
  only a candidate whose ticket an earlier, committed transaction took
  (``cabinet_throttle_admits``). A ticket rolled back does not exist, one taken in the same
  transaction does not count, and using one again only repeats its verdict (a wrong reset
  code's is one more try against the code). A valid match takes the counted failure back and
  clears the name's delays — the only proof there is; nothing else clears them;
* ``cabinet_throttle_wait(kind, name)``: seconds until ``name`` may be tried again;
* ``cabinet_throttle_failed(kind, name)``: count a failure no compare saw (an unknown account
  number, a malformed code…); it only ever adds, and adds nothing for an attempt a compare
  has already accounted for in this transaction.

A kiosk names only the kinds the Python side uses (``TICKET_KINDS`` for a ticket,
``KIOSK_KINDS`` otherwise), and no name or candidate holding a separator (chr(30), chr(31)):
either would let it make a key that is another's — a ticket it never paid for, another
kiosk's device bucket. The function refuses (an error); the application never sends one.

The device: the kiosk's login role (``session_user``) plus the device id the application
hands each transaction (``cabinet.device``). The per-name delay is keyed by both; the
device's bucket by the login role alone, so a client inventing device ids does not escape
it (one login role per kiosk, as ``docs/install.md`` says).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Connection

# The rule (``desktop.auth.throttle`` explains the numbers).
FREE_ATTEMPTS = 3  # per name and device: free failures in a row, then 2, 4, 8… s
MAX_DELAY = timedelta(minutes=5)
NAME_FREE_FAILURES = 30  # per name over all devices: a leaking bucket
NAME_WINDOW = timedelta(hours=1)
NAME_MAX_DELAY = timedelta(minutes=1)
DEVICE_FREE_FAILURES = 20  # per device over all names: a leaking bucket
DEVICE_WINDOW = timedelta(minutes=10)
DEVICE_MAX_DELAY = timedelta(minutes=5)
FORGET_AFTER = timedelta(days=1)  # a row untouched this long goes
TICKET_LIFETIME = timedelta(minutes=2)  # from an attempt to its compare
THROTTLE_SECRET = "throttle"
DEVICE_SETTING = "cabinet.device"
_COUNTED = "cabinet.throttle_counted"
# The kinds a kiosk or a clerk's desk may name: the Python side's
# (``desktop.auth.throttle``), each taken a ticket for, asked the wait of and counted (the
# staff's sign-in at a clerk's desk too: db.roles_staff compares under the ticket). Never
# "device" nor "ticket": the keys of those rows start so, and a desk naming them would
# fill another's bucket or forge a ticket.
TICKET_KINDS = ("resident", "registration", "email", "staff")
KIOSK_KINDS = TICKET_KINDS


def _us(delta: timedelta) -> int:
    return delta // timedelta(microseconds=1)


# (name, arguments) of each function the kiosk may call.
KIOSK_FUNCTIONS = (
    ("cabinet_throttle_attempt", "text, text, text"),
    ("cabinet_throttle_wait", "text, text"),
    ("cabinet_throttle_failed", "text, text"),
)
# Called only by the functions above and the compare functions (as the owner): a kiosk
# calling them could choose its own clock or clear a delay.
INTERNAL_FUNCTIONS = (
    ("cabinet_throttle_mac", "text"),
    ("cabinet_throttle_bump", "text, timestamp with time zone, integer, bigint, integer"),
    ("cabinet_throttle_wait_at", "text, text, text, text, timestamp with time zone"),
    ("cabinet_throttle_failed_at", "text, text, text, text, timestamp with time zone"),
    ("cabinet_throttle_succeeded_at", "text, text, text"),
    ("cabinet_throttle_device", ""),
    ("cabinet_throttle_ticket", "text, text, text"),
    ("cabinet_throttle_admits", "text, text, text"),
    ("cabinet_throttle_matched", "text, text"),
    ("cabinet_throttle_refuse", "text[], text, text, text"),
)

_BODIES = (
    # HMAC-SHA256 (RFC 2104) of a text under the throttle's key: desktop.auth.throttle._mac.
    f"""
CREATE OR REPLACE FUNCTION cabinet_throttle_mac(p_text text)
RETURNS text
LANGUAGE plpgsql STABLE SET search_path = {{schema}}, pg_temp AS $fn$
DECLARE
    k bytea;
    ipad bytea;
    opad bytea;
BEGIN
    SELECT decode(value, 'hex') INTO k FROM auth_secret WHERE name = '{THROTTLE_SECRET}';
    IF k IS NULL THEN
        RAISE EXCEPTION 'the throttle''s key is missing: run «db roles» again';
    END IF;
    IF length(k) > 64 THEN
        k := sha256(k);
    END IF;
    k := k || decode(repeat('00', 64 - length(k)), 'hex');
    ipad := k;
    opad := k;
    FOR i IN 0..63 LOOP
        ipad := set_byte(ipad, i, get_byte(k, i) # 54);
        opad := set_byte(opad, i, get_byte(k, i) # 92);
    END LOOP;
    RETURN encode(sha256(opad || sha256(ipad || convert_to(p_text, 'UTF8'))), 'hex');
END
$fn$""",
    # One failure on one row: a counter (p_leak_us 0) or a leaking bucket.
    """
CREATE OR REPLACE FUNCTION cabinet_throttle_bump(
    p_key text, p_now timestamptz, p_free integer, p_leak_us bigint, p_max_s integer)
RETURNS integer
LANGUAGE plpgsql VOLATILE SET search_path = {schema}, pg_temp AS $fn$
DECLARE
    n bigint;
    since timestamptz;
BEGIN
    INSERT INTO login_throttle (key_hash, failed_attempts, next_attempt_at, updated_at)
    VALUES (p_key, 0, NULL, p_now) ON CONFLICT (key_hash) DO NOTHING;
    SELECT failed_attempts, updated_at INTO n, since
      FROM login_throttle WHERE key_hash = p_key FOR UPDATE;
    IF p_leak_us > 0 AND p_now > since THEN
        n := greatest(0, n - floor(
            extract(epoch FROM p_now - since) * 1000000 / p_leak_us)::bigint);
    END IF;
    n := n + 1;
    UPDATE login_throttle
       SET failed_attempts = n,
           next_attempt_at = CASE WHEN n <= p_free THEN NULL ELSE p_now + make_interval(
               secs => least(2 ^ least(n - p_free, 16), p_max_s)) END,
           updated_at = p_now
     WHERE key_hash = p_key;
    RETURN n;
END
$fn$""",
    """
CREATE OR REPLACE FUNCTION cabinet_throttle_wait_at(
    p_kind text, p_name text, p_device text, p_bucket text, p_now timestamptz)
RETURNS integer
LANGUAGE sql STABLE SET search_path = {schema}, pg_temp AS $fn$
    SELECT coalesce(max(CASE WHEN t.next_attempt_at IS NULL OR p_now >= t.next_attempt_at
                             THEN 0
                             ELSE greatest(1, ceil(extract(epoch FROM t.next_attempt_at - p_now)))
                        END), 0)::integer
      FROM login_throttle t
     WHERE t.key_hash IN (
           cabinet_throttle_mac(p_kind || chr(31) || p_name || chr(31) || p_device),
           cabinet_throttle_mac(p_kind || chr(31) || p_name),
           cabinet_throttle_mac('device' || chr(31) || p_bucket))
$fn$""",
    f"""
CREATE OR REPLACE FUNCTION cabinet_throttle_failed_at(
    p_kind text, p_name text, p_device text, p_bucket text, p_now timestamptz)
RETURNS integer
LANGUAGE plpgsql VOLATILE SET search_path = {{schema}}, pg_temp AS $fn$
DECLARE
    n integer;
BEGIN
    DELETE FROM login_throttle
     WHERE updated_at < p_now - make_interval(secs => {FORGET_AFTER.total_seconds()});
    n := cabinet_throttle_bump(
        cabinet_throttle_mac(p_kind || chr(31) || p_name || chr(31) || p_device),
        p_now, {FREE_ATTEMPTS}, 0, {int(MAX_DELAY.total_seconds())});
    PERFORM cabinet_throttle_bump(
        cabinet_throttle_mac(p_kind || chr(31) || p_name),
        p_now, {NAME_FREE_FAILURES}, {_us(NAME_WINDOW) // NAME_FREE_FAILURES},
        {int(NAME_MAX_DELAY.total_seconds())});
    PERFORM cabinet_throttle_bump(
        cabinet_throttle_mac('device' || chr(31) || p_bucket),
        p_now, {DEVICE_FREE_FAILURES}, {_us(DEVICE_WINDOW) // DEVICE_FREE_FAILURES},
        {int(DEVICE_MAX_DELAY.total_seconds())});
    RETURN n;
END
$fn$""",
    """
CREATE OR REPLACE FUNCTION cabinet_throttle_succeeded_at(
    p_kind text, p_name text, p_device text)
RETURNS void
LANGUAGE sql VOLATILE SET search_path = {schema}, pg_temp AS $fn$
    DELETE FROM login_throttle
     WHERE key_hash IN (
           cabinet_throttle_mac(p_kind || chr(31) || p_name || chr(31) || p_device),
           cabinet_throttle_mac(p_kind || chr(31) || p_name))
$fn$""",
    # A kiosk's kind, name and candidate, before any key is made of them: a kind of its
    # own, and no separator (chr(30), chr(31)) that would let one key pass for another.
    """
CREATE OR REPLACE FUNCTION cabinet_throttle_refuse(
    p_kinds text[], p_kind text, p_name text, p_candidate text)
RETURNS void
LANGUAGE plpgsql IMMUTABLE SET search_path = {schema}, pg_temp AS $fn$
BEGIN
    IF p_kind IS NULL OR NOT p_kind = ANY (p_kinds) OR p_name IS NULL
       OR p_name || coalesce(p_candidate, '')
          <> translate(p_name || coalesce(p_candidate, ''), chr(30) || chr(31), '') THEN
        RAISE EXCEPTION USING ERRCODE = '22023',
            MESSAGE = 'the throttle refuses this kind, name or candidate';
    END IF;
END
$fn$""",
    # The kiosk's device: its login role and the id its application hands the transaction
    # (separators made harmless: no device id ends one key and starts another).
    f"""
CREATE OR REPLACE FUNCTION cabinet_throttle_device()
RETURNS text
LANGUAGE sql STABLE SET search_path = {{schema}}, pg_temp AS $fn$
    SELECT session_user || '/' || translate(
           coalesce(nullif(current_setting('{DEVICE_SETTING}', true), ''), '-'),
           chr(30) || chr(31), '??')
$fn$""",
    # The ticket of one candidate for one name on this device: taken (and its failure
    # counted) by cabinet_throttle_attempt in a transaction of its own.
    """
CREATE OR REPLACE FUNCTION cabinet_throttle_ticket(p_kind text, p_name text, p_candidate text)
RETURNS text
LANGUAGE sql STABLE SET search_path = {schema}, pg_temp AS $fn$
    SELECT cabinet_throttle_mac('ticket' || chr(31) || p_kind || chr(31) || p_name || chr(31)
                                || cabinet_throttle_device() || chr(31) || p_candidate)
$fn$""",
    # Whether a compare of this candidate may run: its ticket was committed by an earlier
    # transaction, not long ago. Either way the attempt is accounted for in this
    # transaction (cabinet_throttle_failed then adds nothing).
    f"""
CREATE OR REPLACE FUNCTION cabinet_throttle_admits(p_kind text, p_name text, p_candidate text)
RETURNS boolean
LANGUAGE plpgsql VOLATILE SET search_path = {{schema}}, pg_temp AS $fn$
DECLARE
    admitted boolean;
BEGIN
    PERFORM set_config('{_COUNTED}', coalesce(current_setting('{_COUNTED}', true), '')
                       || chr(30) || p_kind || chr(31) || p_name, true);
    SELECT EXISTS (
        SELECT 1 FROM login_throttle t
         WHERE t.key_hash = cabinet_throttle_ticket(p_kind, p_name, p_candidate)
           AND t.updated_at > clock_timestamp() - make_interval(
               secs => {TICKET_LIFETIME.total_seconds()})
           AND t.xmin::text <> mod(txid_current(), 4294967296)::text) INTO admitted;
    RETURN admitted;
END
$fn$""",
    # After an admitted compare that matched (and is valid): the failure counted in advance
    # goes, and the name's delays with it.
    """
CREATE OR REPLACE FUNCTION cabinet_throttle_matched(p_kind text, p_name text)
RETURNS void
LANGUAGE plpgsql VOLATILE SET search_path = {schema}, pg_temp AS $fn$
DECLARE
    gone integer;
BEGIN
    DELETE FROM login_throttle
     WHERE key_hash = cabinet_throttle_mac(
           p_kind || chr(31) || p_name || chr(31) || cabinet_throttle_device());
    GET DIAGNOSTICS gone = ROW_COUNT;
    PERFORM cabinet_throttle_succeeded_at(p_kind, p_name, cabinet_throttle_device());
    IF gone > 0 THEN  -- once per attempt, however many compares confirm it
        UPDATE login_throttle SET failed_attempts = greatest(0, failed_attempts - 1)
         WHERE key_hash = cabinet_throttle_mac('device' || chr(31) || session_user);
    END IF;
END
$fn$""",
    # The kiosk's attempt: refused (the wait returned) while a delay runs; else its failure
    # is counted now and its ticket kept, both committed before any compare may run.
    f"""
CREATE OR REPLACE FUNCTION cabinet_throttle_attempt(
    p_kind text, p_name text, p_candidate text)
RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = {{schema}}, pg_temp AS $fn$
DECLARE
    at timestamptz := clock_timestamp();
    wait integer;
BEGIN
    PERFORM cabinet_throttle_refuse(ARRAY{list(TICKET_KINDS)}, p_kind, p_name, p_candidate);
    IF p_kind = 'staff' AND cabinet_kiosk_writes() THEN  -- db.roles_readings: a kiosk's login
        -- A kiosk signs in no staff: its tickets for a staff login would only fill that
        -- login's buckets.
        PERFORM cabinet_throttle_refuse(ARRAY[]::text[], p_kind, p_name, p_candidate);
    END IF;
    wait := cabinet_throttle_wait_at(p_kind, p_name, cabinet_throttle_device(), session_user,
                                     at);
    IF wait > 0 THEN
        RETURN wait;
    END IF;
    PERFORM cabinet_throttle_failed_at(p_kind, p_name, cabinet_throttle_device(),
                                       session_user, at);
    INSERT INTO login_throttle (key_hash, failed_attempts, next_attempt_at, updated_at)
    VALUES (cabinet_throttle_ticket(p_kind, p_name, p_candidate), 0, NULL, at)
    ON CONFLICT (key_hash) DO UPDATE SET updated_at = excluded.updated_at;
    RETURN 0;
END
$fn$""",
    f"""
CREATE OR REPLACE FUNCTION cabinet_throttle_wait(p_kind text, p_name text)
RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = {{schema}}, pg_temp AS $fn$
BEGIN
    PERFORM cabinet_throttle_refuse(ARRAY{list(KIOSK_KINDS)}, p_kind, p_name, NULL);
    RETURN cabinet_throttle_wait_at(p_kind, p_name, cabinet_throttle_device(), session_user,
                                    clock_timestamp());
END
$fn$""",
    f"""
CREATE OR REPLACE FUNCTION cabinet_throttle_failed(p_kind text, p_name text)
RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = {{schema}}, pg_temp AS $fn$
DECLARE
    n integer;
BEGIN
    PERFORM cabinet_throttle_refuse(ARRAY{list(KIOSK_KINDS)}, p_kind, p_name, NULL);
    IF position(chr(30) || p_kind || chr(31) || p_name || chr(30)
                IN coalesce(current_setting('{_COUNTED}', true), '') || chr(30)) > 0 THEN
        SELECT failed_attempts INTO n FROM login_throttle
         WHERE key_hash = cabinet_throttle_mac(
               p_kind || chr(31) || p_name || chr(31) || cabinet_throttle_device());
        RETURN coalesce(n, 0);
    END IF;
    RETURN cabinet_throttle_failed_at(p_kind, p_name, cabinet_throttle_device(),
                                      session_user, clock_timestamp());
END
$fn$""",
)


# HMAC-SHA256 of bytes under a key (desktop.auth.codes): db.roles_reset's reset codes.
HMAC_SHA256 = """
CREATE OR REPLACE FUNCTION cabinet_hmac_sha256(p_key bytea, p_message bytea)
RETURNS bytea
LANGUAGE plpgsql IMMUTABLE SET search_path = {schema}, pg_temp AS $fn$
DECLARE
    key bytea := CASE WHEN length(p_key) > 64 THEN sha256(p_key) ELSE p_key END;
    inner_pad bytea := decode(repeat('36', 64), 'hex');
    outer_pad bytea := decode(repeat('5c', 64), 'hex');
BEGIN
    FOR i IN 0 .. length(key) - 1 LOOP
        inner_pad := set_byte(inner_pad, i, get_byte(key, i) # 54);
        outer_pad := set_byte(outer_pad, i, get_byte(key, i) # 92);
    END LOOP;
    RETURN sha256(outer_pad || sha256(inner_pad || p_message));
END
$fn$"""


def install_throttle(conn: Connection, q_schema: str) -> None:
    """The throttle's functions (owned by whoever runs this: the schema's owner) and its
    key, made here if no desk has made it yet. Nobody but the owner may call the internal
    ones; ``db.roles`` grants the kiosk's."""
    conn.exec_driver_sql(
        "INSERT INTO auth_secret (name, value) VALUES "
        f"('{THROTTLE_SECRET}', replace(gen_random_uuid()::text || gen_random_uuid()::text, "
        "'-', '')) ON CONFLICT (name) DO NOTHING"
    )
    for body in _BODIES:
        conn.exec_driver_sql(body.replace("{schema}", q_schema))
    for function, arguments in (*KIOSK_FUNCTIONS, *INTERNAL_FUNCTIONS):
        conn.exec_driver_sql(
            f"REVOKE ALL ON FUNCTION {q_schema}.{function}({arguments}) FROM PUBLIC"
        )


def hide_throttle_key(conn: Connection, kiosk: str) -> None:
    """Row level security on ``auth_secret``: no key is a row for the kiosk's group
    ``kiosk`` (quoted) — not the throttle's, not the one registration codes are derived
    from (``desktop.auth.codes``); its functions read them as the owner."""
    conn.exec_driver_sql("DROP POLICY IF EXISTS cabinet_kiosk_no_throttle_key ON auth_secret")
    conn.exec_driver_sql("DROP POLICY IF EXISTS cabinet_kiosk_no_key ON auth_secret")
    conn.exec_driver_sql(
        f"CREATE POLICY cabinet_kiosk_no_key ON auth_secret AS RESTRICTIVE TO {kiosk} "
        "USING (false) WITH CHECK (false)"
    )
