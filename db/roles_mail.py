"""A receipt to the resident's e-mail from a kiosk on PostgreSQL (``db.roles`` installs it).

The kiosk's role reads no resident's e-mail (``db.roles.GRANTS``) and may queue a letter only
for an account whose proof its transaction gave (``db.roles_staff.KIOSK_ROWS``): a signed-in
resident's «Отправить на почту» could not queue the receipt. ``cabinet_kiosk_mail_receipt``
(SECURITY DEFINER, owned by the schema's owner, ``search_path`` pinned) does it for the
kiosk, and only this:

* the account is that of the live session whose token the transaction carries (``db.rls``),
  never one the caller names; a one-time password's session sends nothing;
* the receipt must be that account's (another's is ``not_found``, as a missing one);
* the letter goes to the e-mail stored for the account, which the kiosk never learns: the
  function answers with it masked (``i***@mail.ru``), as the screen shows it;
* its file is a PDF (``%PDF-``, at most ``MAX_PDF_BYTES``) named ``….pdf``: the receipt the
  kiosk rendered from the rows it reads, as the desktop saves it;
* at most ``PER_DAY`` letters per account in any 24 hours, counted from the audit entries of
  this function (append-only: neither the kiosk nor anyone else can take one back); past
  it, SQLSTATE ``CB002`` with a Russian message (``desktop.failures``);
* its own audit entry (``ACTION``) in the session holder's name, with the receipt's id and
  month and the letter's id.

The letter's text is the kiosk's (from the receipt's rows it reads): whoever holds a kiosk's
login and a resident's password could put their own words, or their own PDF, in a letter —
to that resident's own address only, a few a day. The office's sender (``cabinet_mailer``)
delivers it with the PDF as a MIME attachment (``desktop.mail``).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Connection

from db.privileges import quote
from db.rls import SETTING

FUNCTION = (
    "cabinet_kiosk_mail_receipt",
    "bigint, text, text, text, bytea, timestamp with time zone",
)
ACTION = "receipt.mail"  # desktop.audit.AuditAction.RECEIPT_MAIL, frozen here
PER_DAY = 5
WINDOW = timedelta(days=1)
MAX_PDF_BYTES = 5 * 1024 * 1024
LIMIT_MESSAGE = (
    "Квитанции с этого лицевого счета уже отправлялись на почту {limit} раз за сутки. "
    "Следующую можно будет отправить через {hours} ч. Квитанцию можно распечатать здесь же."
)
LIMIT_SQLSTATE = "CB002"

_MESSAGE = (
    LIMIT_MESSAGE.replace("'", "''")
    .replace("{limit}", str(PER_DAY))
    .replace("{hours}", "' || hours || '")
)
_SESSION = (
    f"encode(sha256(convert_to(nullif(current_setting('{SETTING}', true), ''), 'UTF8')), 'hex')"
)

_BODY = f"""
CREATE OR REPLACE FUNCTION cabinet_kiosk_mail_receipt(
    p_receipt bigint, p_subject text, p_body text, p_file text, p_pdf bytea,
    p_now timestamptz, OUT masked text, OUT reason text)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = {{schema}}, pg_temp AS $fn$
#variable_conflict use_column
DECLARE
    holder bigint;
    once boolean;
    number text;
    month date;
    letter_to text;
    sent bigint;
    oldest timestamptz;
    hours integer;
    message bigint;
BEGIN
    PERFORM cabinet_clock_skew(p_now);
    -- The account of the live session the transaction carries: never the caller's word.
    SELECT s.account_id, s.one_time INTO holder, once FROM user_session s
     WHERE s.ended_at IS NULL AND s.account_id IS NOT NULL AND s.token_hash = {_SESSION};
    IF holder IS NULL OR once THEN
        reason := 'no_session';
        RETURN;
    END IF;
    SELECT r.month INTO month FROM receipt r WHERE r.id = p_receipt AND r.account_id = holder;
    IF NOT FOUND THEN
        reason := 'not_found';  -- another account's receipt reads as a missing one
        RETURN;
    END IF;
    IF coalesce(p_subject, '') = '' OR length(p_subject) > 200
       OR coalesce(p_body, '') = '' OR length(p_body) > 20000
       OR coalesce(p_file, '') !~ '^[0-9A-Za-zА-Яа-яЁё ._-]{{1,96}}[.]pdf$'
       OR p_pdf IS NULL OR length(p_pdf) > {MAX_PDF_BYTES}
       OR substring(p_pdf FROM 1 FOR 5) <> '\\x255044462d'::bytea THEN
        reason := 'malformed';
        RETURN;
    END IF;
    -- Locked: two kiosks' letters for one account are counted one after the other.
    SELECT c.email INTO letter_to FROM resident_credential c
     WHERE c.account_id = holder FOR UPDATE;
    IF coalesce(letter_to, '') !~ '^[^@[:space:]]+@[^@[:space:]]+$' THEN
        reason := 'no_email';
        RETURN;
    END IF;
    SELECT a.number INTO number FROM account a WHERE a.id = holder;
    -- This function's own entries for the account in the last day, chained or not yet:
    -- in the holder's name (no one else's session writes that), and none ever removed.
    SELECT count(*), min(x.at) INTO sent, oldest FROM (
        SELECT l.at FROM audit_log l
         WHERE l.account_id = holder AND l.action = '{ACTION}' AND l.ok
           AND l.actor = 'resident:' || number AND l.at > p_now - interval '{WINDOW.days} day'
        UNION ALL
        SELECT p.at FROM audit_pending p
         WHERE p.account_id = holder AND p.action = '{ACTION}' AND p.ok
           AND p.actor = 'resident:' || number AND p.at > p_now - interval '{WINDOW.days} day'
    ) x;
    IF sent >= {PER_DAY} THEN
        hours := greatest(1, ceil(extract(epoch FROM
            oldest + interval '{WINDOW.days} day' - p_now) / 3600)::integer);
        RAISE EXCEPTION USING ERRCODE = '{LIMIT_SQLSTATE}', MESSAGE = '{_MESSAGE}';
    END IF;
    INSERT INTO outbox_message (account_id, recipient, subject, body, created_at,
        handed_out_at, channel, status, attempts, next_attempt_at, sent_at, expires_at,
        last_error, attachment_name, attachment)
    VALUES (holder, letter_to, p_subject, p_body, p_now, NULL, 'email', 'queued', 0, p_now,
        NULL, NULL, '', p_file, p_pdf)
    RETURNING outbox_message.id INTO message;
    INSERT INTO audit_pending (at, actor, action, account_id, ok, details)
    VALUES (p_now, 'resident:' || number, '{ACTION}', holder, true,
            jsonb_build_object('source', 'database', 'receipt', p_receipt,
                               'month', month, 'message', message)::text);
    masked := left(split_part(letter_to, '@', 1), 1) || '***@' || split_part(letter_to, '@', 2);
    reason := '';
END
$fn$"""


def install(conn: Connection, q_schema: str, kiosk: str) -> None:
    """The function, callable by the kiosk's group only (after ``db.roles`` installed the
    clock's and the proofs' functions, and the audit's tables exist)."""
    conn.exec_driver_sql(_BODY.replace("{schema}", q_schema))
    function, arguments = FUNCTION
    signature = f"{q_schema}.{function}({arguments})"
    conn.exec_driver_sql(f"REVOKE ALL ON FUNCTION {signature} FROM PUBLIC")
    conn.exec_driver_sql(f"GRANT EXECUTE ON FUNCTION {signature} TO {quote(conn, kiosk)}")
