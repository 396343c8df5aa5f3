"""A kiosk's writes to a resident's credential and registration code: asked of the database.

On a sealed connection (``desktop.auth.sealed``) the kiosk's role may neither read nor write
a credential's secrets, and before sign-in it sees no account at all (row level security);
a clerk's role sees every account but no secret, and writes none either (``db.roles_clerk``).
Registration, a reset, a password change and the sign-in's own bookkeeping are each one call
of a function of ``db.roles_resident``, which checks the proof the Python path checks and
writes. Each answers a ``Verdict``: the reason of a refusal as the audit log records it
("" if done) and the account only when the proof was given — nothing that tells a stranger
more than the screens do. On every other connection the services write as before.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import text
from sqlalchemy.orm import Session as OrmSession

from db.models import ResidentCredential
from db.rls import SETTING
from desktop.actors import Actor
from desktop.auth.credentials import credential_by_number
from desktop.auth.errors import LoginThrottled
from desktop.auth.sealed import SecretCheck, open_sealed_session
from desktop.auth.throttle import reserve


@dataclass(frozen=True)
class Verdict:
    """What a function did: ``reason`` "" when it wrote, ``account_id`` once proven."""

    account_id: int | None
    reason: str
    code_ok: bool = False
    wait: int = 0  # "throttled": the seconds until the next attempt (reserve)


def register(
    s: OrmSession,
    number: str,
    fio: str,
    code_candidate: str | None,
    email: str,
    phone: str,
    password_hash: str,
    now: datetime,
    expires_at: datetime,
    *,
    office: bool = False,
) -> Verdict:
    """Register the account (``fio`` normalised by ``normalize_fio``) with a one-time
    password and void the code used; ``code_candidate`` None when no code was typed.
    ``office``: a clerk's registration at the counter (``db.roles_clerk``): no code is asked
    and the account's code is void; the one-time password was made and hashed by the desk
    and goes only into the letter or the slip."""
    if office:
        row = s.execute(
            text(
                "SELECT account_id, reason FROM cabinet_office_register("
                ":n, :f, :e, :p, :h, :now, :expires)"
            ),
            {
                "n": number,
                "f": fio,
                "e": email,
                "p": phone,
                "h": password_hash,
                "now": now,
                "expires": expires_at,
            },
        ).one()
        return Verdict(row.account_id, row.reason)
    row = s.execute(
        text(
            "SELECT account_id, reason, code_ok FROM cabinet_register("
            ":n, :f, :c, :e, :p, :h, :now, :expires)"
        ),
        {
            "n": number,
            "f": fio,
            "c": code_candidate,
            "e": email,
            "p": phone,
            "h": password_hash,
            "now": now,
            "expires": expires_at,
        },
    ).one()
    return Verdict(row.account_id, row.reason, bool(row.code_ok))


def request_reset(
    s: OrmSession,
    number: str,
    email: str,
    now: datetime,
    lifetime: timedelta,
    resend: timedelta,
    letter: tuple[str, str, str],
) -> Verdict:
    """If ``email`` is the account's and no code was sent lately, have the database make a
    reset code and queue ``letter`` (channel, subject, text with ``RESET_CODE_PLACEHOLDER``)
    with it: the code never comes back here."""
    channel, subject, template = letter
    wait = reserve(s, "email", number, email.lower())  # the database's throttle: a ticket first
    if wait:
        return Verdict(None, "throttled", wait=wait)
    row = s.execute(
        text(
            "SELECT account_id, reason FROM cabinet_request_reset("
            ":n, :e, :now, :lifetime, :resend, :channel, :subject, :template)"
        ),
        {
            "n": number,
            "e": email,
            "now": now,
            "lifetime": lifetime,
            "resend": resend,
            "channel": channel,
            "subject": subject,
            "template": template,
        },
    ).one()
    return Verdict(row.account_id, row.reason)


def complete_reset(s: OrmSession, check: SecretCheck, new_hash: str, now: datetime) -> Verdict:
    """Set the new password if ``check``'s candidate is the stored reset code (an expired
    one is cleared)."""
    if check.candidate:  # the database's throttle: a ticket first
        check.wait = reserve(s, "resident", check.number, check.candidate)
        if check.wait:
            return Verdict(None, "throttled", wait=check.wait)
    row = s.execute(
        text("SELECT account_id, reason FROM cabinet_complete_reset(:n, :c, :h, :now)"),
        {"n": check.number, "c": check.candidate or "", "h": new_hash, "now": now},
    ).one()
    return Verdict(row.account_id, row.reason)


def change_password(
    s: OrmSession,
    number: str,
    candidate: str | None,
    new_hash: str,
    now: datetime,
    window: timedelta,
) -> str:
    """Set the signed-in resident's new password (the session the transaction carries):
    ``candidate`` the current password's, or None for the live one-time session opened
    less than ``window`` ago. The reason of a refusal, "" when done; LoginThrottled while
    the throttle holds the number back (no ticket: nothing is compared or written)."""
    if candidate and (wait := reserve(s, "resident", number, candidate)):
        raise LoginThrottled(wait, field="current_password")
    reason = s.scalar(
        text("SELECT cabinet_change_password(:c, :h, :now, :window)"),
        {"c": candidate, "h": new_hash, "now": now, "window": window},
    )
    return str(reason or "")


def sign_in(
    s: OrmSession, now: datetime, kiosk: bool, check: SecretCheck, rehashed: str | None
) -> tuple[Actor, ResidentCredential] | str:
    """Open the session of the account whose password ``check`` proved, and read its
    credential through it; a one-time password is used up, a rehash stored, both by the
    function that opens it. The reason of a refusal, told no more precisely than the
    sign-in's one message."""
    found = check.outcome(s, None)
    if check.wait:
        return "throttled"  # no ticket: nothing compared (check.wait tells how long)
    if not found.matches:
        return "wrong_password"  # or no such account, or no password: the same here
    try:
        resident = Actor.resident(0, check.number, kiosk=kiosk)
        actor = open_sealed_session(s, now, resident, check, rehashed)
    except LookupError:
        return "expired"
    # This transaction now sees the account's rows, as its calls will (db.rls).
    s.execute(text(f"SELECT set_config('{SETTING}', :t, true)"), {"t": actor.session_token})
    credential = credential_by_number(s, check.number, lock=False)
    if credential is None:
        return "changed_meanwhile"
    return replace(actor, account_id=credential.account_id), credential
