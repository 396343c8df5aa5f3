"""The server's clock bounds the caller's: ``cabinet_clock_skew``, which every SECURITY
DEFINER function of the kiosk and the clerk (``db.roles_resident``, ``db.roles_staff``) calls
first with the ``p_now`` it was handed."""

from __future__ import annotations

# The row of auth_secret (hidden from every group, as the fake salts' key is) holding how far
# a caller's p_now may be from the server's own time: an interval, '5 minutes' unless the
# owner changes it.
CLOCK_SKEW_SECRET = "clock_skew"
DEFAULT_CLOCK_SKEW = "5 minutes"

# (name, arguments) of the function, granted to no one: the owner's functions call it.
CLOCK_SKEW_FUNCTION = ("cabinet_clock_skew", "timestamp with time zone")

# Every function below first calls this: a p_now further than the allowed skew from the
# server's own time is refused (the transaction fails, nothing is written). The expiries are
# then the caller's within that skew only (the tests run a fixed clock in 2017: their fixture,
# as the owner, widens the skew).
CLOCK_SKEW_BODY = f"""
CREATE OR REPLACE FUNCTION cabinet_clock_skew(p_now timestamptz)
RETURNS interval
LANGUAGE plpgsql STABLE SET search_path = {{schema}}, pg_temp AS $fn$
DECLARE
    skew interval;
BEGIN
    SELECT s.value::interval INTO skew FROM auth_secret s WHERE s.name = '{CLOCK_SKEW_SECRET}';
    skew := coalesce(skew, interval '{DEFAULT_CLOCK_SKEW}');
    IF p_now IS NULL OR p_now > now() + skew OR p_now < now() - skew THEN
        RAISE EXCEPTION USING
            ERRCODE = 'CB001',
            MESSAGE = 'Часы этого рабочего места расходятся с часами сервера базы больше чем '
                      || 'на ' || skew || ': действие отменено, ничего не изменено.',
            HINT = 'Сверьте дату, время и часовой пояс компьютера с сервером и повторите.';
    END IF;
    RETURN skew;
END
$fn$"""
