"""The kiosk's readings obey, in the database, the rules ``ReadingService`` applies to a resident.

The kiosk's group holds INSERT, UPDATE and DELETE on ``period`` and ``reading`` (row level
security keeps it to the account of the session it carries, ``db.roles.OWN_ROWS``), because
the program's own path writes them with plain ORM statements. Whoever holds a kiosk's login
could write anything there with ``psql``; the triggers installed here (by ``db roles``) stop
that for every login that is a member of the kiosk's group (a superuser only once it SET ROLE
to one) and leave the office's groups and the owner alone — their writes do not even call the
triggers' functions (``cabinet_kiosk_writes``, the triggers' WHEN):

* an accepted period («Обновлено из 1С», ``period.accepted_at``) and its readings are not
  changed or deleted, and the kiosk neither sets nor clears the acceptance;
* a period is created, changed or deleted only for the current month while the submission
  window is open (the organisation's ``readings.window_start`` / ``window_end``). The
  database knows the server's clock, not the kiosk's, nor the office's time zone: «today» is
  any day from the server's time less the allowed clock skew (``db.roles_clock``) and 14 hours
  (the widest zone offset) to the server's time plus both, and a rule passes if it passes on
  one of them. The times the rows carry (``period.changed_at``, ``reading.entered_at``) must
  be within the skew of the server's time;
* a reading's rows are made only with their period, each starting from the meter's last
  known value with no value, stamp or confirmation (or, for a retired meter, its value carried
  over), for the account's own meters; afterwards only the value changes: not below the
  previous one, within the meter's digits, not for a retired meter nor one past its
  verification date, with no confirmation but «jump» (a replacement or a roll-over is the
  office's to confirm); ``entered_by`` and ``channel`` are stamped from the session the
  transaction carries, and ``confirmation`` from the jump rule (consumption above
  ``readings.jump_factor`` times the meter's average), whatever the client sent;
* a reading row is deleted only with its period;
* every such change is audited: at commit (deferred constraint triggers, which fire after
  ``desktop.audit`` has written the transaction's rows) the transaction must hold its own
  audit row for it — ``period.create``, ``readings.submit`` naming each changed value (meter,
  zone, old, new, confirmation) and the reason stored with it, or ``period.delete`` — for that
  account and month, written by this login; the audit log's own trigger already holds the
  row's actor to the session's holder. A change without its row is rolled back.

The rules hold the members of the kiosk group named when ``db roles`` last ran (its prefix).
Not checked here: a meter's installation date when a period's rows are made.

Refusals raise SQLSTATE ``CB002`` with a Russian message; ``desktop.failures`` shows it.
"""

from __future__ import annotations

from sqlalchemy import Connection

from db.rls import SETTING
from db.roles_clock import CLOCK_SKEW_SECRET, DEFAULT_CLOCK_SKEW

READINGS_REFUSED = "CB002"
"""The SQLSTATE of every refusal below."""

# desktop.settings.ReadingSettings' defaults (db may not import desktop; a test keeps them equal).
DEFAULT_WINDOW_START = 15
DEFAULT_WINDOW_END = 25
DEFAULT_JUMP_FACTOR = "3"

# The widest distance of a time zone from UTC: the office's «today» may be that far from UTC's.
ZONE_SLACK = "14 hours"

_MONTHS = (
    "Январь", "Февраль", "Март", "Апрель", "Май", "Июнь",
    "Июль", "Август", "Сентябрь", "Октябрь", "Ноябрь", "Декабрь",
)  # fmt: skip
_MONTH_NAME = (
    "(ARRAY[" + ", ".join(f"'{m}'" for m in _MONTHS) + "])[extract(month FROM {m})::int]"
    " || ' ' || extract(year FROM {m})::int"
)

_SAY_AGAIN = "Ничего не изменено: передайте показания через программу."

# The helpers run as the owner (called from the SECURITY DEFINER triggers); no one else may
# call them.
_HELPERS = (
    f"""
CREATE OR REPLACE FUNCTION cabinet_kiosk_refuse(p_message text)
RETURNS void LANGUAGE plpgsql SET search_path = {{schema}}, pg_temp AS $fn$
BEGIN
    RAISE EXCEPTION USING ERRCODE = '{READINGS_REFUSED}', MESSAGE = p_message;
END
$fn$""",
    # The triggers' condition, evaluated as the writer for every row anyone writes: cheap
    # (no SET clause, so it is inlined; a setting and the role caches only). A superuser
    # counts as a member of every role: not a kiosk for that, unless it SET ROLE to one. A
    # group dropped since (to_regrole NULL) makes no one a kiosk and fails no write.
    """
CREATE OR REPLACE FUNCTION cabinet_kiosk_writes()
RETURNS boolean LANGUAGE sql STABLE AS $fn$
    SELECT pg_catalog.current_setting('is_superuser') = 'off'
       AND coalesce(pg_catalog.pg_has_role(session_user, pg_catalog.to_regrole('{kiosk}'),
                                           'MEMBER'), false)
$fn$""",
    f"""
CREATE OR REPLACE FUNCTION cabinet_kiosk_writer(
    OUT account_id bigint, OUT number text, OUT channel text)
LANGUAGE plpgsql STABLE SET search_path = {{schema}}, pg_temp AS $fn$
DECLARE
    one_time boolean;
    kind text;
BEGIN
    SELECT s.account_id, a.number, s.kind, s.one_time
      INTO account_id, number, kind, one_time
      FROM user_session s JOIN account a ON a.id = s.account_id
     WHERE s.ended_at IS NULL AND s.token_hash = encode(sha256(convert_to(
           nullif(current_setting('{SETTING}', true), ''), 'UTF8')), 'hex');
    IF NOT FOUND OR one_time THEN
        PERFORM cabinet_kiosk_refuse('Показания принимаются только у жителя, который вошёл '
            || 'в кабинет своим паролем. Ничего не изменено: войдите и повторите.');
    END IF;
    channel := CASE kind WHEN 'kiosk' THEN 'kiosk' ELSE 'resident' END;
END
$fn$""",
    f"""
CREATE OR REPLACE FUNCTION cabinet_kiosk_days(OUT lo date, OUT hi date)
LANGUAGE plpgsql STABLE SET search_path = {{schema}}, pg_temp AS $fn$
DECLARE
    skew interval;
BEGIN
    SELECT s.value::interval INTO skew FROM auth_secret s WHERE s.name = '{CLOCK_SKEW_SECRET}';
    skew := coalesce(skew, interval '{DEFAULT_CLOCK_SKEW}');
    lo := ((now() - skew - interval '{ZONE_SLACK}') AT TIME ZONE 'UTC')::date;
    hi := ((now() + skew + interval '{ZONE_SLACK}') AT TIME ZONE 'UTC')::date;
END
$fn$""",
    r"""
CREATE OR REPLACE FUNCTION cabinet_kiosk_setting(p_key text, p_default integer)
RETURNS integer LANGUAGE plpgsql STABLE SET search_path = {schema}, pg_temp AS $fn$
DECLARE
    raw text;
BEGIN
    SELECT s.value INTO raw FROM organisation_setting s WHERE s.key = p_key;
    IF raw ~ '^\s*[0-9]{1,2}\s*$' THEN  -- a day, as JSON; anything else the program refuses
        RETURN raw::integer;
    END IF;
    RETURN p_default;
END
$fn$""",
    r"""
CREATE OR REPLACE FUNCTION cabinet_kiosk_jump_factor()
RETURNS numeric LANGUAGE plpgsql STABLE SET search_path = {schema}, pg_temp AS $fn$
DECLARE
    raw text;
BEGIN
    SELECT btrim(s.value, ' "') INTO raw FROM organisation_setting s
     WHERE s.key = 'readings.jump_factor';  -- a Decimal, as a JSON string
    IF raw ~ '^[0-9]{1,3}([.][0-9]{1,12})?$' THEN
        RETURN raw::numeric;
    END IF;
    RETURN {jump};
END
$fn$""",
    f"""
CREATE OR REPLACE FUNCTION cabinet_kiosk_month_open(p_month date, p_lo date, p_hi date)
RETURNS void LANGUAGE plpgsql STABLE SET search_path = {{schema}}, pg_temp AS $fn$
DECLARE
    month_end date := (p_month + interval '1 month' - interval '1 day')::date;
    last_day integer := extract(day FROM (p_month + interval '1 month' - interval '1 day'));
    first_open integer := cabinet_kiosk_setting('readings.window_start', {DEFAULT_WINDOW_START});
    last_open integer := cabinet_kiosk_setting('readings.window_end', {DEFAULT_WINDOW_END});
BEGIN
    IF p_month IS DISTINCT FROM date_trunc('month', p_month)::date
       OR greatest(p_lo, p_month) > least(p_hi, month_end) THEN
        PERFORM cabinet_kiosk_refuse('Период «' || {_MONTH_NAME.replace("{m}", "p_month")}
            || '» закрыт: показания можно изменить только за текущий месяц. Ничего не '
            || 'изменено; если нужна поправка, обратитесь в офис.');
    END IF;
    IF greatest(p_lo, p_month + least(first_open, last_day) - 1)
       > least(p_hi, p_month + least(last_open, last_day) - 1) THEN
        PERFORM cabinet_kiosk_refuse('Показания принимаются с ' || first_open || ' по '
            || last_open || ' число месяца, сейчас приём закрыт. Ничего не изменено: '
            || 'передайте показания в эти дни.');
    END IF;
END
$fn$""",
)

_ACCEPTED = (
    "'Период «' || " + _MONTH_NAME + " || '» уже принят в 1С: изменить или удалить его "
    "нельзя. Ничего не изменено; если нужна поправка, обратитесь в офис.'"
)

_PERIOD_RULES = f"""
CREATE OR REPLACE FUNCTION cabinet_kiosk_period_rules() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = {{schema}}, pg_temp AS $fn$
DECLARE
    writer record;
    days record;
BEGIN
    SELECT * INTO writer FROM cabinet_kiosk_writer();
    SELECT * INTO days FROM cabinet_kiosk_days();
    IF TG_OP <> 'INSERT' THEN
        IF OLD.accepted_at IS NOT NULL THEN
            PERFORM cabinet_kiosk_refuse({_ACCEPTED.replace("{m}", "OLD.month")});
        END IF;
        PERFORM cabinet_kiosk_month_open(OLD.month, days.lo, days.hi);
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
    END IF;
    IF NEW.accepted_at IS NOT NULL THEN
        PERFORM cabinet_kiosk_refuse('Отметку «Обновлено из 1С» ставит только загрузка из 1С '
            || 'в офисе. Ничего не изменено.');
    END IF;
    -- Another account's period: row level security refuses it (db.roles.OWN_ROWS).
    IF (TG_OP = 'INSERT' AND NEW.version IS DISTINCT FROM 1)
       OR (TG_OP = 'UPDATE' AND ((NEW.id, NEW.account_id, NEW.month)
                                  IS DISTINCT FROM (OLD.id, OLD.account_id, OLD.month)
                                 OR NEW.version IS DISTINCT FROM OLD.version + 1)) THEN
        PERFORM cabinet_kiosk_refuse('Так период показаний менять нельзя. {_SAY_AGAIN}');
    END IF;
    PERFORM cabinet_kiosk_month_open(NEW.month, days.lo, days.hi);
    PERFORM cabinet_clock_skew(NEW.changed_at);
    RETURN NEW;
END
$fn$"""

_VALUE = "(({v})::numeric / 1000)::numeric(20, 3)::text"  # as str(Decimal) writes it

_READING_RULES = f"""
CREATE OR REPLACE FUNCTION cabinet_kiosk_reading_rules() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = {{schema}}, pg_temp AS $fn$
DECLARE
    writer record;
    days record;
    target period;
    fresh boolean;
    m meter;
    month_end date;
    locked_always boolean;
    locked_ever boolean;
    overdue boolean;
    latest bigint;
    total numeric;
    months integer;
BEGIN
    SELECT * INTO writer FROM cabinet_kiosk_writer();
    SELECT * INTO days FROM cabinet_kiosk_days();
    SELECT * INTO target FROM period p
     WHERE p.id = CASE TG_OP WHEN 'INSERT' THEN NEW.period_id ELSE OLD.period_id END;
    IF NOT FOUND AND TG_OP = 'DELETE' THEN
        RETURN OLD;  -- its period was deleted by this statement: that was checked
    END IF;
    IF target.id IS NULL OR target.account_id IS DISTINCT FROM writer.account_id THEN
        -- No such period, or another account's: the foreign key or row level security
        -- refuses the new row (another account's rows the kiosk neither sees nor changes).
        RETURN NEW;
    END IF;
    SELECT p.xmin = pg_current_xact_id()::xid INTO fresh FROM period p WHERE p.id = target.id;
    IF target.accepted_at IS NOT NULL THEN
        PERFORM cabinet_kiosk_refuse({_ACCEPTED.replace("{m}", "target.month")});
    END IF;
    PERFORM cabinet_kiosk_month_open(target.month, days.lo, days.hi);
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    SELECT * INTO m FROM meter WHERE meter.id = NEW.meter_id;
    IF m.id IS NULL OR m.account_id IS DISTINCT FROM target.account_id
       OR NEW.zone NOT BETWEEN 1 AND m.zones THEN
        PERFORM cabinet_kiosk_refuse('Такого прибора у этого лицевого счета нет. {_SAY_AGAIN}');
    END IF;
    -- desktop.readings.values.locked_reason, for every day «today» may be, and for some.
    month_end := (target.month + interval '1 month' - interval '1 day')::date;
    locked_always := m.retired_on < least(days.lo, month_end);
    locked_ever := m.retired_on < least(days.hi, month_end);
    -- desktop.readings.values.overdue_reason: past its verification on every day «today» may be.
    overdue := m.next_verification_on < least(days.lo, month_end);
    IF TG_OP = 'INSERT' THEN
        -- As ReadingService.create_period makes them: with a period new in this transaction.
        SELECT coalesce(r.current, r.previous) INTO latest
          FROM reading r JOIN period p ON p.id = r.period_id
         WHERE p.account_id = target.account_id AND p.month < target.month
           AND r.meter_id = NEW.meter_id AND r.zone = NEW.zone
         ORDER BY p.month DESC LIMIT 1;
        IF NOT fresh OR NEW.previous IS DISTINCT FROM coalesce(latest, m.initial_value)
           OR NEW.channel IS NOT NULL OR NEW.entered_by IS NOT NULL
           OR NEW.entered_at IS NOT NULL OR NEW.confirmation IS NOT NULL
           OR coalesce(NEW.reason, '') <> ''
           OR NOT ((NEW.current IS NULL AND NOT coalesce(locked_always, false))
                   OR (NEW.current = NEW.previous AND coalesce(locked_ever, false))) THEN
            PERFORM cabinet_kiosk_refuse('Строки приборов создаются только вместе с периодом, '
                || 'от последних известных значений. {_SAY_AGAIN}');
        END IF;
        RETURN NEW;
    END IF;
    IF (NEW.id, NEW.period_id, NEW.meter_id, NEW.zone, NEW.previous)
       IS DISTINCT FROM (OLD.id, OLD.period_id, OLD.meter_id, OLD.zone, OLD.previous) THEN
        PERFORM cabinet_kiosk_refuse('Изменить можно только текущее значение счетчика. '
            || '{_SAY_AGAIN}');
    END IF;
    IF coalesce(locked_always, false) AND NEW.current IS DISTINCT FROM OLD.current THEN
        PERFORM cabinet_kiosk_refuse('Прибор выбыл ' || to_char(m.retired_on, 'DD.MM.YYYY')
            || ' — показания по нему не принимаются. Для замены или поверки обратитесь в офис.');
    END IF;
    IF coalesce(overdue, false) AND NEW.current IS DISTINCT FROM OLD.current THEN
        PERFORM cabinet_kiosk_refuse('Срок поверки прибора истёк '
            || to_char(m.next_verification_on, 'DD.MM.YYYY') || ' — показания не принимаются '
            || 'к расчету. Закажите поверку и передайте свидетельство о поверке в офис.');
    END IF;
    IF NEW.current IS NULL OR NEW.current < 0 THEN
        PERFORM cabinet_kiosk_refuse('Показание должно быть числом не меньше нуля. '
            || '{_SAY_AGAIN}');
    END IF;
    IF NEW.current >= power(10::numeric, m.digits) * 1000 THEN
        PERFORM cabinet_kiosk_refuse('В целой части не больше ' || m.digits || ' цифр — '
            || 'столько, сколько на счетчике. Ничего не изменено.');
    END IF;
    IF NEW.current < NEW.previous THEN
        PERFORM cabinet_kiosk_refuse('Значение ' || {_VALUE.replace("{v}", "NEW.current")}
            || ' меньше предыдущего ' || {_VALUE.replace("{v}", "NEW.previous")} || '. Проверьте '
            || 'показание; если счетчик заменили, обратитесь в офис.');
    END IF;
    IF NEW.confirmation IS NOT NULL AND NEW.confirmation <> 'jump' THEN
        PERFORM cabinet_kiosk_refuse('Замену счетчика или переход через ноль подтверждает '
            || 'только сотрудник офиса: обратитесь в офис. Ничего не изменено.');
    END IF;
    -- The «jump» flag as ReadingService sets it (desktop.readings.queries.averages):
    -- consumption above jump_factor times the average of the zone's last 12 filled
    -- readings before the month, however long ago (falling ones, a roll-over or a
    -- replacement, left out of the average); never otherwise.
    SELECT coalesce(sum(last.used), 0), count(last.used) INTO total, months
      FROM (SELECT CASE WHEN r.current >= r.previous THEN r.current - r.previous END AS used
              FROM reading r JOIN period p ON p.id = r.period_id
             WHERE p.account_id = target.account_id AND p.month < target.month
               AND r.meter_id = NEW.meter_id AND r.zone = NEW.zone
               AND r.current IS NOT NULL
             ORDER BY p.month DESC LIMIT 12) last;
    NEW.confirmation := CASE WHEN total > 0 AND (NEW.current - NEW.previous)::numeric * months
                                  > cabinet_kiosk_jump_factor() * total THEN 'jump' END;
    PERFORM cabinet_clock_skew(NEW.entered_at);
    NEW.channel := writer.channel;
    NEW.entered_by := writer.number;
    RETURN NEW;
END
$fn$"""

_AUDITED = f"""
CREATE OR REPLACE FUNCTION cabinet_kiosk_audited() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = {{schema}}, pg_temp AS $fn$
DECLARE
    me xid := pg_current_xact_id()::xid;
    holder bigint;
    v_month date;
    wanted text;
    change jsonb;
    reason text;
    entry record;
BEGIN
    IF TG_TABLE_NAME = 'period' THEN
        IF TG_OP = 'DELETE' THEN
            holder := OLD.account_id;
            v_month := OLD.month;
        ELSE
            holder := NEW.account_id;
            v_month := NEW.month;
        END IF;
        wanted := CASE TG_OP WHEN 'INSERT' THEN 'period.create'
                             WHEN 'UPDATE' THEN 'readings.submit' ELSE 'period.delete' END;
    ELSIF TG_OP = 'DELETE' THEN
        IF EXISTS (SELECT 1 FROM period p WHERE p.id = OLD.period_id) THEN
            PERFORM cabinet_kiosk_refuse('Строку прибора нельзя удалить отдельно: удалите '
                || 'период целиком кнопкой «Удалить». Ничего не изменено.');
        END IF;
        RETURN NULL;
    ELSE
        SELECT p.account_id, p.month INTO holder, v_month FROM period p WHERE p.id = NEW.period_id;
        IF NOT FOUND THEN
            RETURN NULL;  -- deleted later in this transaction: its period's row was checked
        END IF;
        wanted := CASE TG_OP WHEN 'INSERT' THEN 'period.create' ELSE 'readings.submit' END;
        IF TG_OP = 'UPDATE' THEN
            change := jsonb_build_object(
                'meter', (SELECT m.title FROM meter m WHERE m.id = NEW.meter_id),
                'zone', NEW.zone,
                'old', {_VALUE.replace("{v}", "OLD.current")},
                'new', {_VALUE.replace("{v}", "NEW.current")},
                'confirmation', NEW.confirmation);
            reason := coalesce(NEW.reason, '');
        END IF;
    END IF;
    -- This transaction's audit rows: still pending (another transaction was chaining), or
    -- chained by it, then the newest of the log (it holds the chain's row lock to its
    -- commit, and every row it chained, its own and others', bears its xmin).
    FOR entry IN (SELECT p.xmin AS x, p.action, p.account_id, p.details, p.db_role
                    FROM audit_pending p WHERE p.xmin = me)
                 UNION ALL
                 (SELECT a.xmin, a.action, a.account_id, a.details, a.db_role
                    FROM audit_log a ORDER BY a.id DESC) LOOP
        EXIT WHEN entry.x <> me;
        IF entry.action = wanted AND entry.account_id = holder AND entry.db_role = session_user
           AND entry.details::jsonb ->> 'month' = to_char(v_month, 'YYYY-MM-DD')
           AND (change IS NULL OR (entry.details::jsonb -> 'changes' @> jsonb_build_array(change)
                AND coalesce(entry.details::jsonb ->> 'reason', '') = reason))
        THEN
            RETURN NULL;
        END IF;
    END LOOP;
    PERFORM cabinet_kiosk_refuse('Изменение показаний не записано в журнал аудита, поэтому '
        || 'отменено. {_SAY_AGAIN}');
    RETURN NULL;
END
$fn$"""

FUNCTIONS = (
    ("cabinet_kiosk_refuse", "text"),
    ("cabinet_kiosk_writes", ""),
    ("cabinet_kiosk_writer", ""),
    ("cabinet_kiosk_days", ""),
    ("cabinet_kiosk_setting", "text, integer"),
    ("cabinet_kiosk_jump_factor", ""),
    ("cabinet_kiosk_month_open", "date, date, date"),
    ("cabinet_kiosk_period_rules", ""),
    ("cabinet_kiosk_reading_rules", ""),
    ("cabinet_kiosk_audited", ""),
)
"""(name, arguments) of every function here: no group may call one (the triggers do), but
``cabinet_kiosk_writes``, which every writer's trigger condition calls."""

TRIGGERS = {
    "period": "cabinet_kiosk_period_rules",
    "reading": "cabinet_kiosk_reading_rules",
}


def install(conn: Connection, q_schema: str, kiosk_group: str) -> None:
    """The functions and triggers above, for the members of ``kiosk_group`` (the group
    role's name, unquoted); run by ``db.roles.apply_roles`` as the schema's owner, after the
    clock-skew function is installed."""
    if not kiosk_group.replace("_", "").isalnum():  # db.roles.check_prefix's names only
        raise ValueError(f"unexpected group name {kiosk_group!r}")
    for body in (*_HELPERS, _PERIOD_RULES, _READING_RULES, _AUDITED):
        conn.exec_driver_sql(
            body.replace("{schema}", q_schema)
            .replace("{kiosk}", kiosk_group)
            .replace("{jump}", DEFAULT_JUMP_FACTOR)
        )
    for function, arguments in FUNCTIONS:
        conn.exec_driver_sql(
            f"REVOKE ALL ON FUNCTION {q_schema}.{function}({arguments}) FROM PUBLIC"
        )
    # The triggers' WHEN calls it as whoever writes: it tells only whether that is a kiosk.
    conn.exec_driver_sql(f"GRANT EXECUTE ON FUNCTION {q_schema}.cabinet_kiosk_writes() TO PUBLIC")
    for table, rules in TRIGGERS.items():
        q_table = f"{q_schema}.{table}"
        for trigger in ("cabinet_kiosk_rules", "cabinet_kiosk_audited"):
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {trigger} ON {q_table}")
        # WHEN: the office's and the owner's writes call nothing and queue no event.
        when = f"WHEN ({q_schema}.cabinet_kiosk_writes())"
        conn.exec_driver_sql(
            f"CREATE TRIGGER cabinet_kiosk_rules BEFORE INSERT OR UPDATE OR DELETE ON {q_table} "
            f"FOR EACH ROW {when} EXECUTE FUNCTION {q_schema}.{rules}()"
        )
        conn.exec_driver_sql(
            f"CREATE CONSTRAINT TRIGGER cabinet_kiosk_audited AFTER INSERT OR UPDATE OR DELETE "
            f"ON {q_table} DEFERRABLE INITIALLY DEFERRED FOR EACH ROW {when} "
            f"EXECUTE FUNCTION {q_schema}.cabinet_kiosk_audited()"
        )
