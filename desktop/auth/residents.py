"""Residents: sign-in by account number, registration with a one-time password, and
«Забыли пароль?» with a mailed code.

Nothing a stranger sees tells whether an account exists: sign-in failures share one message,
registration and reset requests share one neutral answer, and every answer costs the same
Argon2 work.
"""

from __future__ import annotations

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
from desktop.auth.contacts import normalize_phone
from desktop.auth.errors import LOGIN_FAILED, LoginError, LoginThrottled, ResetCodeError, on_field
from desktop.auth.letters import REGISTRATION_SUBJECT, RESET_SUBJECT, ResidentMail
from desktop.auth.model import (
    ACCOUNT_NUMBER_LIMIT,
    RegistrationResult,
    ResetRequestResult,
    SignedIn,
    typed_name,
)
from desktop.auth.sealed import (
    PASSWORD,
    RESET_CODE,
    SecretCheck,
    code_columns,
    code_matches,
    email_matches,
    has_password,
    is_sealed,
    open_sealed_session,
    plain_columns,
)
from desktop.auth.throttle import Keys, Throttle, printable_name
from desktop.clock import Clock
from desktop.common.problems import ProblemError
from desktop.mail import discard_pending, normalize_email
from desktop.organisation import decode
from desktop.passwords import (
    check_policy,
    hash_password,
    one_time_password,
    reset_code,
)
from desktop.permissions import Permission, allows
from desktop.sessions import PASSWORD_RESET, end_sessions, open_session
from desktop.settings import RegistrationSettings
from desktop.text import normalize_fio

OTP_LIFETIME = timedelta(hours=24)  # a one-time password from registration
RESET_CODE_LIFETIME = timedelta(minutes=10)
# A new reset code is not mailed sooner than this after the previous one (no mail bombing).
RESET_RESEND_INTERVAL = timedelta(minutes=1)


class ResidentAuth:
    """A resident's way in: sign-in, registration, password reset."""

    def __init__(self, db: Database, clock: Clock, mail: ResidentMail, throttle: Throttle) -> None:
        self.db = db
        self.clock = clock
        self.mail = mail
        self.throttle = throttle

    def login(self, account_number: str, password: str, *, kiosk: bool = False) -> SignedIn:
        """Sign a resident in; LoginError or LoginThrottled, the same for every account.

        Argon2 runs between two short transactions, never holding the write lock: a read
        takes the hash, the verdict is written after checking the hash is still the same.
        A one-time password is consumed by the sign-in: the session it opens may only set
        a password, and it does not work a second time."""
        number = account_number.strip()
        channel = "kiosk" if kiosk else "resident"
        plausible = printable_name(number, ACCOUNT_NUMBER_LIMIT)
        keys, wait, check = self._check_secret(PASSWORD, number, plausible, password)
        rehashed = hash_password(password) if check.needs_rehash() else None
        with self.db.unit_of_work() as s:
            now = self.clock.now()
            credential = _credential_by_number(s, number) if plausible else None
            account_id = credential.account_id if credential is not None else None
            if account_id is None and plausible:
                account_id = _account_id(s, number)
            wait = wait or self.throttle.wait(s, keys, now)
            expires = credential.password_expires_at if credential is not None else None
            found = check.outcome(s, credential) if credential is not None and not wait else None
            if wait:
                reason = "throttled"
            elif credential is None or found is None or not found.present:
                reason = "unknown_account" if account_id is None else "not_registered"
            elif not found.unchanged:
                reason = "changed_meanwhile"
            elif not found.matches:
                reason = "wrong_password"
            elif expires is not None and now >= expires:
                reason = "expired"
            else:
                reason = ""
            if not reason and credential is not None:
                self.throttle.succeeded(s, keys)
                one_time = credential.must_change
                account = credential.account
                actor = Actor.resident(account.id, account.number, kiosk=kiosk)
                if check.sealed:  # the database opens it, having compared the hash itself
                    actor = open_sealed_session(s, now, actor, check)
                else:
                    actor = open_session(s, now, actor, one_time=one_time)
                if rehashed:
                    credential.password_hash = rehashed
                if one_time:  # used up: it only opens the session that sets a password
                    credential.password_expires_at = now
                audit.record(
                    s,
                    now,
                    actor,
                    AuditAction.RESIDENT_SIGN_IN,
                    account_id=account.id,
                    channel=channel,
                    one_time=one_time,
                )
                return SignedIn(
                    actor,
                    account.id,
                    account.number,
                    account.fio,
                    account.address,
                    must_change_password=one_time,
                )
            failures = 0
            if reason not in ("throttled", "changed_meanwhile"):
                failures = self.throttle.failed(s, keys, now)
            audit.record(
                s,
                now,
                _who(number, account_id),
                AuditAction.RESIDENT_SIGN_IN,
                account_id=account_id,
                ok=False,
                reason=reason,
                channel=channel,
                failures=failures,
            )
        raise LoginThrottled(wait) if wait else LoginError(LOGIN_FAILED)

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
        # A NUL byte or an absurd length cannot be an account number (and PostgreSQL refuses
        # a NUL in text): such a number is looked up nowhere and gets the neutral answer.
        plausible = printable_name(number, ACCOUNT_NUMBER_LIMIT)
        # Wrong codes count in the sign-in throttle (per typed number, known or not, and per
        # device), under their own kind so they do not slow the owner's sign-in down.
        keys = self.throttle.keys("registration", number)
        account_id: int | None = None
        wait = 0
        # Hashed before the transaction (Argon2 is slow on purpose: no write lock for it), and
        # always: a match costs what a miss does.
        password = one_time_password()
        password_hash = hash_password(password)
        with self.db.unit_of_work() as s:
            now = self.clock.now()
            account = credential = code_row = None
            if plausible:
                account = s.scalars(select(Account).where(Account.number == number)).one_or_none()
            if account is not None:
                account_id = account.id
                credential = s.scalars(
                    select(ResidentCredential)
                    .options(*plain_columns(s))
                    .where(ResidentCredential.account_id == account.id)
                    .with_for_update()
                ).one_or_none()
                code_row = s.get(
                    RegistrationCode, account.id, with_for_update=True, options=code_columns(s)
                )
            use_code = not by_office and (bool(typed_code) or _code_required(s))
            code_ok = False
            if use_code:
                wait = self.throttle.wait(s, keys, now)
                if not wait:
                    code_ok = code_matches(s, number, code_row, typed_code)
                    if code_ok:
                        self.throttle.succeeded(s, keys)
                    else:
                        self.throttle.failed(s, keys, now)
            pending = credential is not None and (
                credential.must_change or not has_password(s, credential, number)
            )
            if wait:
                reason = "throttled"
            elif account is None:
                reason = "unknown_account"
            elif normalize_fio(fio) != normalize_fio(account.fio):
                reason = "fio_mismatch"
            elif (
                credential
                and not credential.must_change
                and has_password(s, credential, account.number)
            ):
                reason = "already_registered"
            elif use_code and not code_ok:
                reason = "code_mismatch"
            elif (
                not use_code
                and not by_office
                and pending
                and credential is not None
                and not email_matches(s, credential, number, email_value)
            ):
                # Without a code the pending password goes only where it went before.
                reason = "pending_elsewhere"
            else:
                reason = ""
            if reason or account is None:
                audit.record(
                    s,
                    now,
                    actor or _who(number, account_id),
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
                    actor or _who(number, account_id),
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
        plausible = printable_name(number, ACCOUNT_NUMBER_LIMIT)  # no NUL byte to PostgreSQL
        account_id: int | None = None
        code = reset_code()
        code_hash = hash_password(code)  # before the transaction: no write lock for Argon2
        with self.db.unit_of_work() as s:
            now = self.clock.now()
            credential = _credential_by_number(s, number) if plausible else None
            if credential is None:
                reason = "unknown_account"
            else:
                account_id = credential.account_id
                expires = credential.reset_code_expires_at
                if not email_matches(s, credential, number, email_value):
                    reason = "email_mismatch"
                elif expires and now < expires - RESET_CODE_LIFETIME + RESET_RESEND_INTERVAL:
                    reason = "too_soon"
                else:
                    reason = ""
            if reason or credential is None:
                audit.record(
                    s,
                    now,
                    actor or _who(number, account_id),
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
                    recipient=email_value if is_sealed(s) else credential.email,
                    subject=RESET_SUBJECT,
                    body=self.mail.reset_body(credential.account.number, code),
                    account_id=credential.account_id,
                    now=now,
                    expires_at=now + RESET_CODE_LIFETIME,
                )
                audit.record(
                    s,
                    now,
                    actor or _who(number, account_id),
                    AuditAction.PASSWORD_REQUEST_RESET,
                    account_id=account_id,
                    delivery=delivery,
                )
                result = ResetRequestResult(self.mail.reset_answer(), delivery)
        self.mail.after_commit()  # the letter goes now, outside the transaction
        return result

    def complete_reset(self, account_number: str, code: str, new_password: str) -> None:
        """Set a new password with the mailed code; the code works once, and every session
        of the account ends. A wrong code counts as a failed sign-in attempt, with the same
        growing delay. Argon2 runs outside any transaction, as at sign-in."""
        number = account_number.strip()
        with on_field("new_password"):
            check_policy(new_password, account_number=number)
        plausible = printable_name(number, ACCOUNT_NUMBER_LIMIT)
        keys, wait, check = self._check_secret(RESET_CODE, number, plausible, code.strip())
        # Hashed before knowing (sealed) whether the code matched: the same work either way.
        new_hash = hash_password(new_password) if check.matches or check.sealed else None
        with self.db.unit_of_work() as s:
            now = self.clock.now()
            credential = _credential_by_number(s, number) if plausible else None
            account_id = credential.account_id if credential is not None else None
            wait = wait or self.throttle.wait(s, keys, now)
            expires = credential.reset_code_expires_at if credential is not None else None
            found = check.outcome(s, credential) if credential is not None and not wait else None
            if wait:
                reason = "throttled"
            elif found is None or not (found.present and found.unchanged and found.matches):
                reason = "wrong_code"
            elif expires is not None and now >= expires:
                reason = "expired"
            else:
                reason = ""
            if not reason and credential is not None and new_hash is not None:
                self.throttle.succeeded(s, keys)
                set_password(credential, new_hash, now, expires_at=None)
                end_sessions(s, now, PASSWORD_RESET, account_id=credential.account_id)
                audit.record(
                    s,
                    now,
                    _who(number, account_id),
                    AuditAction.PASSWORD_RESET,
                    account_id=account_id,
                )
                return
            if reason == "expired" and credential is not None:
                credential.reset_code_hash = credential.reset_code_expires_at = None
            failures = self.throttle.failed(s, keys, now) if reason != "throttled" else 0
            audit.record(
                s,
                now,
                _who(number, account_id),
                AuditAction.PASSWORD_RESET,
                account_id=account_id,
                ok=False,
                reason=reason,
                failures=failures,
            )
        raise LoginThrottled(wait, field="code") if wait else ResetCodeError()

    def _check_secret(
        self, kind: str, number: str, plausible: bool, typed: str
    ) -> tuple[Keys, int, SecretCheck]:
        """The read half of a sign-in or reset: the throttle's wait for ``number`` and, when
        it may be tried now, Argon2 on ``typed`` against the stored secret of ``kind``, with
        no transaction open while Argon2 runs."""
        keys = self.throttle.keys("resident", number)
        check = SecretCheck(kind, number)
        with self.db.read() as s:
            wait = self.throttle.wait(s, keys, self.clock.now())
            if plausible and not wait:
                check.load(s, _credential_by_number(s, number, lock=False))
        if not wait:
            check.run(typed)
        return keys, wait, check


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


def _credential_by_number(
    s: OrmSession, number: str, *, lock: bool = True
) -> ResidentCredential | None:
    """The account's credential with its account, locked (unless only read) for the change."""
    query = (
        select(ResidentCredential)
        .join(ResidentCredential.account)
        .options(contains_eager(ResidentCredential.account), *plain_columns(s))
        .where(Account.number == number)
    )
    if lock:
        query = query.with_for_update(of=ResidentCredential)
    return s.scalars(query).one_or_none()


def _who(number: str, account_id: int | None) -> str:
    """The audit actor for a typed account number: the number only if that account exists."""
    return typed_name("resident", number, ACCOUNT_NUMBER_LIMIT, known=account_id is not None)


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
