"""A limit on support requests from the login window, per kiosk (``db.roles`` installs it).

Before sign-in anyone at a kiosk may leave a request with a phone or an e-mail, and a kiosk's
database login could add them without end: the office's list drowned. So a kiosk's login role
(its device, as the sign-in throttle's bucket: ``db.roles_throttle``) adds at most
``ANONYMOUS_PER_HOUR`` such requests, one more each time ``ANONYMOUS_WINDOW`` /
``ANONYMOUS_PER_HOUR`` passes (a leaking bucket in ``login_throttle``, under the throttle's
key, which the kiosk can neither read nor clear). Past it the insert is refused with SQLSTATE
``CB002`` and a Russian message (``desktop.failures``); a signed-in resident's requests and
the office's are not limited. On SQLite (one desk) ``desktop.support`` counts the same.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Connection

ANONYMOUS_PER_HOUR = 10
ANONYMOUS_WINDOW = timedelta(hours=1)
ANONYMOUS_LIMIT_MESSAGE = (
    "С этого места за последний час оставили много обращений без входа в кабинет. Попробуйте "
    "через {minutes} мин. или войдите в кабинет и напишите обращение оттуда."
)

_LEAK_US = ANONYMOUS_WINDOW // timedelta(microseconds=1) // ANONYMOUS_PER_HOUR
_MESSAGE = ANONYMOUS_LIMIT_MESSAGE.replace("'", "''").replace("{minutes}", "' || minutes || '")

_BODY = f"""
CREATE OR REPLACE FUNCTION cabinet_kiosk_anonymous_request() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = {{schema}}, pg_temp AS $fn$
DECLARE
    key text := cabinet_throttle_mac('support' || chr(31) || session_user);
    n bigint;
    since timestamptz;
    minutes integer;
BEGIN
    IF NEW.account_id IS NOT NULL THEN
        RETURN NEW;  -- the signed-in account's (row level security holds it to that one)
    END IF;
    SELECT t.failed_attempts, t.updated_at INTO n, since
      FROM login_throttle t WHERE t.key_hash = key FOR UPDATE;
    n := greatest(0, coalesce(n, 0) - floor(
        extract(epoch FROM clock_timestamp() - coalesce(since, clock_timestamp()))
        * 1000000 / {_LEAK_US})::bigint);
    IF n >= {ANONYMOUS_PER_HOUR} THEN
        minutes := greatest(1, ceil({_LEAK_US} / 60000000.0
            - extract(epoch FROM clock_timestamp() - since) / 60)::integer);
        RAISE EXCEPTION USING ERRCODE = 'CB002', MESSAGE = '{_MESSAGE}';
    END IF;
    PERFORM cabinet_throttle_bump(key, clock_timestamp(), {ANONYMOUS_PER_HOUR}, {_LEAK_US}, 0);
    RETURN NEW;
END
$fn$"""


def install(conn: Connection, q_schema: str) -> None:
    """The trigger, for the kiosk's members only (``cabinet_kiosk_writes``, installed before
    by ``db.roles_readings``; the throttle's functions by ``db.roles_throttle``)."""
    conn.exec_driver_sql(_BODY.replace("{schema}", q_schema))
    function = f"{q_schema}.cabinet_kiosk_anonymous_request()"
    conn.exec_driver_sql(f"REVOKE ALL ON FUNCTION {function} FROM PUBLIC")
    conn.exec_driver_sql("DROP TRIGGER IF EXISTS cabinet_kiosk_anonymous ON support_request")
    conn.exec_driver_sql(
        "CREATE TRIGGER cabinet_kiosk_anonymous BEFORE INSERT ON support_request FOR EACH ROW "
        f"WHEN ({q_schema}.cabinet_kiosk_writes()) EXECUTE FUNCTION {function}"
    )
