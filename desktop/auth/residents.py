"""Residents: sign-in by account number, registration with a one-time password, and
«Забыли пароль?» with a mailed code.

Nothing a stranger sees tells whether an account exists: sign-in failures share one message,
registration and reset requests share one neutral answer, and every answer costs the same
Argon2 work.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import contains_eager

from db.engine import Database
from db.models import Account, OrganisationSetting, RegistrationCode, ResidentCredential
from desktop import audit
from desktop.actors import Actor
from desktop.audit import AuditAction
from desktop.auth import codes
from desktop.auth.errors import LOGIN_FAILED, LoginError, LoginThrottled, ResetCodeError, on_field
from desktop.auth.letters import REGISTRATION_SUBJECT, RESET_SUBJECT, ResidentMail
from desktop.auth.model import (
    ACCOUNT_NUMBER_LIMIT,
    RegistrationResult,
    ResetRequestResult,
    SignedIn,
    typed_name,
)
from desktop.auth.throttle import Attempts, PhantomThrottle, attempt
from desktop.clock import Clock
from desktop.common.problems import ProblemError
from desktop.mail import discard_pending, normalize_email
from desktop.organisation import decode
from desktop.passwords import (
    check_policy,
    hash_password,
    needs_rehash,
    one_time_password,
    reset_code,
)
from desktop.permissions import Permission, allows
from desktop.settings import RegistrationSettings
from desktop.text import normalize_fio

OTP_LIFETIME = timedelta(hours=24)  # a one-time password from registration
RESET_CODE_LIFETIME = timedelta(minutes=10)
# Once used to sign in, a one-time password stays valid only for choosing the new one.
OTP_AFTER_USE = timedelta(minutes=15)
# A new reset code is not mailed sooner than this after the previous one (no mail bombing).
RESET_RESEND_INTERVAL = timedelta(minutes=1)

_PHONE_PUNCTUATION = re.compile(r"[\s()\-.]")


class ResidentAuth:
    """A resident's way in: sign-in, registration, password reset."""

    def __init__(
        self, db: Database, clock: Clock, mail: ResidentMail, throttle: PhantomThrottle
    ) -> None:
        self.db = db
        self.clock = clock
        self.mail = mail
        self.throttle = throttle

    def login(self, account_number: str, password: str, *, kiosk: bool = False) -> SignedIn:
        """Sign a resident in; LoginError or LoginThrottled, the same for every account."""
        number = account_number.strip()
        channel = "kiosk" if kiosk else "resident"
        with self.db.unit_of_work() as s:
            now = self.clock.now()
            credential = _credential_by_number(s, number)
            if credential is None:
                phantom = self.throttle.holder("resident", number)
                outcome = attempt(phantom, None, password, now, None)
                account_id = _account_id(s, number)
                reason = outcome.reason
                if not outcome.wait:
                    reason = "unknown_account" if account_id is None else "not_registered"
                failures = phantom.failed_attempts
            else:
                stored = credential.password_hash
                outcome = attempt(credential, stored, password, now, credential.password_expires_at)
                account_id, reason = credential.account_id, outcome.reason
                failures = credential.failed_attempts
                if outcome.ok and stored:
                    if needs_rehash(stored):
                        credential.password_hash = hash_password(password)
                    expires = credential.password_expires_at
                    if credential.must_change and expires is not None:
                        credential.password_expires_at = min(expires, now + OTP_AFTER_USE)
                    account = credential.account
                    actor = Actor.resident(account.id, account.number, kiosk=kiosk)
                    audit.record(
                        s,
                        now,
                        actor,
                        AuditAction.RESIDENT_SIGN_IN,
                        account_id=account.id,
                        channel=channel,
                        one_time=credential.must_change,
                    )
                    return SignedIn(
                        actor,
                        account.id,
                        account.number,
                        account.fio,
                        account.address,
                        must_change_password=credential.must_change,
                    )
            who = typed_name("resident", number, ACCOUNT_NUMBER_LIMIT)
            audit.record(
                s,
                now,
                who,
                AuditAction.RESIDENT_SIGN_IN,
                account_id=account_id,
                ok=False,
                reason=reason,
                channel=channel,
                failures=failures,
            )
        raise LoginThrottled(outcome.wait) if outcome.wait else LoginError(LOGIN_FAILED)

    def register(
        self,
        fio: str,
        account_number: str,
        phone: str,
        email: str,
        code: str = "",
        *,
        actor: Actor | None = None,
    ) -> RegistrationResult:
        """Register a resident and send a one-time password valid 24 h.

        ``code`` is the registration code from the receipt or the office's slip: required
        (unless the organisation turned ``registration.require_code`` off) of everyone but a
        clerk registering a resident at the counter (``actor`` holding
        ACT_FOR_ANY_ACCOUNT). A right code is void once used; a wrong or missing one counts
        as a failed attempt, with the sign-in's growing delay. Without a code (setting off)
        a pending registration is never sent to another e-mail: only the office may.

        The answer is the same whether the account exists, the ФИО or the code matched, or
        the account is already registered (its own password is then left alone).
        """
        if not fio.strip():
            raise ProblemError.one(
                "Укажите ФИО в точности как в квитанции, например «Иванов И.И.».", field="fio"
            )
        number = account_number.strip()
        if not number:
            raise ProblemError.one(
                "Укажите номер лицевого счёта, как в квитанции.", field="account"
            )
        phone_value = normalize_phone(phone)
        with on_field("email"):
            email_value = normalize_email(email)
        typed_code = codes.normalize_code(code)
        by_office = actor is not None and allows(actor, Permission.ACT_FOR_ANY_ACCOUNT)
        who = actor or typed_name("resident", number, ACCOUNT_NUMBER_LIMIT)
        account_id: int | None = None
        wait = 0
        # Hashed before the transaction (Argon2 is slow on purpose: no write lock for it), and
        # always: a match costs what a miss does.
        password = one_time_password()
        password_hash = hash_password(password)
        with self.db.unit_of_work() as s:
            now = self.clock.now()
            account = s.scalars(select(Account).where(Account.number == number)).one_or_none()
            credential = code_row = None
            if account is not None:
                account_id = account.id
                credential = s.scalars(
                    select(ResidentCredential)
                    .where(ResidentCredential.account_id == account.id)
                    .with_for_update()
                ).one_or_none()
                code_row = s.get(RegistrationCode, account.id, with_for_update=True)
            use_code = not by_office and (bool(typed_code) or _code_required(s))
            code_ok = False
            if use_code:
                holder: Attempts = code_row or self.throttle.holder("registration", number)
                stored = code_row.code_hash if code_row is not None else None
                checked = codes.check(holder, stored, typed_code, now)
                code_ok, wait = checked.ok, checked.wait
            pending = credential is not None and (
                credential.must_change or not credential.password_hash
            )
            if wait:
                reason = "throttled"
            elif account is None:
                reason = "unknown_account"
            elif normalize_fio(fio) != normalize_fio(account.fio):
                reason = "fio_mismatch"
            elif credential and credential.password_hash and not credential.must_change:
                reason = "already_registered"
            elif use_code and not code_ok:
                reason = "code_mismatch"
            elif (
                not use_code
                and not by_office
                and pending
                and credential is not None
                and credential.email.casefold() != email_value.casefold()
            ):
                # Without a code the pending password goes only where it went before.
                reason = "pending_elsewhere"
            else:
                reason = ""
            if reason or account is None:
                audit.record(
                    s,
                    now,
                    who,
                    AuditAction.RESIDENT_REGISTER,
                    account_id=account_id,
                    ok=False,
                    reason=reason,
                )
                result = RegistrationResult(self.mail.registration_answer(), None)
            else:
                if credential is None:
                    credential = ResidentCredential(
                        account_id=account.id, created_at=now, failed_attempts=0
                    )
                    s.add(credential)
                credential.email = email_value
                credential.phone = phone_value
                set_password(credential, password_hash, now, expires_at=now + OTP_LIFETIME)
                if code_row is not None and (code_ok or by_office):
                    code_row.code_hash = None  # used: a registration voids the code
                discard_pending(s, account.id, REGISTRATION_SUBJECT)
                delivery = self.mail.send(
                    s,
                    recipient=email_value,
                    subject=REGISTRATION_SUBJECT,
                    body=self.mail.registration_body(account.number, password),
                    account_id=account.id,
                    now=now,
                    expires_at=now + OTP_LIFETIME,
                )
                audit.record(
                    s,
                    now,
                    who,
                    AuditAction.RESIDENT_REGISTER,
                    account_id=account.id,
                    delivery=delivery,
                    email=email_value,
                    code=code_ok,
                )
                result = RegistrationResult(self.mail.registration_answer(), delivery)
        self.mail.after_commit()  # the letter goes now, outside the transaction
        if wait:
            raise LoginThrottled(wait, field="code")
        return result

    def request_reset(
        self, account_number: str, email: str, *, actor: Actor | None = None
    ) -> ResetRequestResult:
        """«Забыли пароль?»: mail a 6-digit code valid 10 minutes if the e-mail is the one
        the account registered with; the same neutral answer otherwise."""
        number = account_number.strip()
        with on_field("email"):
            email_value = normalize_email(email)
        who = actor or typed_name("resident", number, ACCOUNT_NUMBER_LIMIT)
        account_id: int | None = None
        code = reset_code()
        code_hash = hash_password(code)  # before the transaction: no write lock for Argon2
        with self.db.unit_of_work() as s:
            now = self.clock.now()
            credential = _credential_by_number(s, number)
            if credential is None:
                reason = "unknown_account"
            else:
                account_id = credential.account_id
                expires = credential.reset_code_expires_at
                if credential.email.casefold() != email_value.casefold():
                    reason = "email_mismatch"
                elif expires and now < expires - RESET_CODE_LIFETIME + RESET_RESEND_INTERVAL:
                    reason = "too_soon"
                else:
                    reason = ""
            if reason or credential is None:
                audit.record(
                    s,
                    now,
                    who,
                    AuditAction.PASSWORD_REQUEST_RESET,
                    account_id=account_id,
                    ok=False,
                    reason=reason,
                )
                result = ResetRequestResult(self.mail.reset_answer(), None)
            else:
                credential.reset_code_hash = code_hash
                credential.reset_code_expires_at = now + RESET_CODE_LIFETIME
                credential.updated_at = now
                discard_pending(s, credential.account_id, RESET_SUBJECT)
                delivery = self.mail.send(
                    s,
                    recipient=credential.email,
                    subject=RESET_SUBJECT,
                    body=self.mail.reset_body(credential.account.number, code),
                    account_id=credential.account_id,
                    now=now,
                    expires_at=now + RESET_CODE_LIFETIME,
                )
                audit.record(
                    s,
                    now,
                    who,
                    AuditAction.PASSWORD_REQUEST_RESET,
                    account_id=account_id,
                    delivery=delivery,
                )
                result = ResetRequestResult(self.mail.reset_answer(), delivery)
        self.mail.after_commit()  # the letter goes now, outside the transaction
        return result

    def complete_reset(self, account_number: str, code: str, new_password: str) -> None:
        """Set a new password with the mailed code; the code works once. A wrong code counts
        as a failed sign-in attempt, with the same growing delay."""
        number = account_number.strip()
        with on_field("new_password"):
            check_policy(new_password, account_number=number)
        with self.db.unit_of_work() as s:
            now = self.clock.now()
            credential = _credential_by_number(s, number)
            who = typed_name("resident", number, ACCOUNT_NUMBER_LIMIT)
            if credential is None:
                holder: Attempts = self.throttle.holder("resident", number)
                outcome = attempt(holder, None, code.strip(), now, None, what="code")
                account_id = None
            else:
                holder = credential
                outcome = attempt(
                    credential,
                    credential.reset_code_hash,
                    code.strip(),
                    now,
                    credential.reset_code_expires_at,
                    what="code",
                )
                account_id = credential.account_id
                if outcome.ok:
                    set_password(credential, hash_password(new_password), now, expires_at=None)
                    audit.record(s, now, who, AuditAction.PASSWORD_RESET, account_id=account_id)
                    return
                if outcome.reason == "expired":
                    credential.reset_code_hash = credential.reset_code_expires_at = None
            audit.record(
                s,
                now,
                who,
                AuditAction.PASSWORD_RESET,
                account_id=account_id,
                ok=False,
                reason=outcome.reason,
                failures=holder.failed_attempts,
            )
        raise LoginThrottled(outcome.wait, field="code") if outcome.wait else ResetCodeError()


def normalize_phone(text: str) -> str:
    """A Russian phone number as ``+7XXXXXXXXXX``; ProblemError (in Russian, on the "phone"
    field) if it is not one."""
    value = _PHONE_PUNCTUATION.sub("", text)
    if not value:
        raise ProblemError.one("Укажите телефон, например +7 915 123-45-67.", field="phone")
    if value.startswith("+7"):
        digits = value[2:]
    elif len(value) == 11 and value[0] in "78":
        digits = value[1:]
    else:
        digits = value
    if len(digits) != 10 or not digits.isascii() or not digits.isdigit():
        raise ProblemError.one(
            "Телефон указан неверно. Введите номер с кодом — 10 цифр после +7 или 8, "
            "например +7 915 123-45-67.",
            field="phone",
        )
    return f"+7{digits}"


def set_password(
    credential: ResidentCredential,
    password_hash: str,
    now: datetime,
    *,
    expires_at: datetime | None,
) -> None:
    """A one-time password (with its expiry, forcing a change) or the resident's own; either
    way any pending reset code is void."""
    credential.password_hash = password_hash
    credential.password_expires_at = expires_at
    credential.must_change = expires_at is not None
    credential.reset_code_hash = None
    credential.reset_code_expires_at = None
    credential.updated_at = now


def _credential_by_number(s: OrmSession, number: str) -> ResidentCredential | None:
    """The account's credential with its account, locked for the attempt counters."""
    return s.scalars(
        select(ResidentCredential)
        .join(ResidentCredential.account)
        .options(contains_eager(ResidentCredential.account))
        .where(Account.number == number)
        .with_for_update(of=ResidentCredential)
    ).one_or_none()


def _code_required(s: OrmSession) -> bool:
    """The organisation's ``registration.require_code``, read in the caller's transaction
    so that every desk and kiosk follows a change at once."""
    key = "registration.require_code"
    stored = s.scalar(select(OrganisationSetting.value).where(OrganisationSetting.key == key))
    if stored is None:
        return RegistrationSettings().require_code
    try:
        return bool(decode(key, stored))
    except (ValueError, TypeError):
        return True  # unreadable: the safe side


def _account_id(s: OrmSession, number: str) -> int | None:
    return s.scalar(select(Account.id).where(Account.number == number))
