"""Residents: sign-in by account number, registration with a one-time password, and
«Забыли пароль?» with a mailed code.

Nothing a stranger sees tells whether an account exists: sign-in failures share one message,
registration and reset requests share one neutral answer, and every answer costs the same
Argon2 work.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from db.engine import Database
from db.models import Account, RegistrationCode, ResidentCredential
from desktop import audit
from desktop.actors import Actor
from desktop.audit import AuditAction
from desktop.auth import codes, sealed_writes
from desktop.auth.contacts import normalize_phone
from desktop.auth.credentials import (
    account_id_of,
    claim_credential,
    code_required,
    credential_by_number,
    read_secret,
    set_password,
    who,
    wrong_reset_code,
)
from desktop.auth.errors import LOGIN_FAILED, LoginError, LoginThrottled, ResetCodeError, on_field
from desktop.auth.letters import REGISTRATION_SUBJECT, RESET_SUBJECT, ResidentMail
from desktop.auth.model import (
    ACCOUNT_NUMBER_LIMIT,
    RegistrationResult,
    ResetRequestResult,
    SignedIn,
)
from desktop.auth.sealed import (
    PASSWORD,
    RESET_CODE,
    code_candidate,
    code_columns,
    code_matches,
    has_password,
    is_sealed,
    plain_columns,
)
from desktop.auth.throttle import Throttle, printable_name
from desktop.clock import Clock
from desktop.common.problems import ProblemError
from desktop.mail import discard_pending, normalize_email
from desktop.passwords import check_policy, hash_password, one_time_password, reset_code
from desktop.permissions import Permission, allows
from desktop.sessions import PASSWORD_RESET, REGISTERED_AGAIN, end_sessions, open_session
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
        keys, wait, check = read_secret(self, PASSWORD, number, plausible, password)
        rehashed = hash_password(password) if check.needs_rehash() else None
        with self.db.unit_of_work() as s:
            now = self.clock.now()
            sealed = is_sealed(s)  # then no account is seen before its session is open
            credential = credential_by_number(s, number) if plausible and not sealed else None
            account_id = credential.account_id if credential is not None else None
            if account_id is None and plausible and not sealed:
                account_id = account_id_of(s, number)
            wait = wait or self.throttle.wait(s, keys, now)
            opened: tuple[Actor, ResidentCredential] | str = "unknown_account"
            if sealed and plausible and not wait:
                opened = sealed_writes.sign_in(s, now, kiosk, check, rehashed)
                wait = check.wait  # the database's throttle refused the attempt
                if not isinstance(opened, str):
                    credential = opened[1]
                    account_id = credential.account_id
            expires = credential.password_expires_at if credential is not None else None
            found = (
                check.outcome(s, credential)
                if credential is not None and not wait and not sealed
                else None
            )
            if wait:
                reason = "throttled"
            elif sealed:
                reason = opened if isinstance(opened, str) else ""
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
                if not isinstance(opened, str):  # the database opened it and wrote
                    actor = opened[0]
                else:
                    actor = Actor.resident(account.id, account.number, kiosk=kiosk)
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
                who(number, account_id),
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
                "Укажите номер лицевого счета, как в квитанции.", field="account"
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
            sealed = is_sealed(s)  # then the database decides and writes (sealed_writes)
            account = credential = code_row = None
            if plausible and not sealed:
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
            use_code = not by_office and (bool(typed_code) or code_required(s))
            code_ok = False
            if use_code:
                wait = self.throttle.wait(s, keys, now)
            verdict: sealed_writes.Verdict | None = None
            candidate: str | None = None
            if sealed and plausible and not wait and typed_code and not by_office:
                candidate, wait = code_candidate(s, number, typed_code)  # wait: no ticket
            if sealed and plausible and (by_office or not wait):  # (a clerk's: no code)
                verdict = sealed_writes.register(
                    s,
                    number,
                    normalize_fio(fio),
                    candidate,
                    email_value,
                    phone_value,
                    password_hash,
                    now,
                    now + OTP_LIFETIME,
                    office=by_office,
                )
                account_id, code_ok = verdict.account_id, verdict.code_ok
            elif use_code and not wait:
                code_ok = code_matches(s, number, code_row, typed_code)
            if use_code and not wait:
                if code_ok:
                    self.throttle.succeeded(s, keys)
                else:
                    self.throttle.failed(s, keys, now)
            pending = credential is not None and (
                credential.must_change or not has_password(s, credential, number)
            )
            if wait:
                reason = "throttled"
            elif sealed:
                reason = verdict.reason if verdict is not None else "unknown_account"
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
                and credential.email.casefold() != email_value.casefold()
            ):
                # Without a code the pending password goes only where it went before.
                reason = "pending_elsewhere"
            else:
                reason = ""
            if not reason and account is not None and credential is None:
                credential = claim_credential(s, account.id, email_value, now)
                reason = "" if credential is not None else "changed_meanwhile"
            if reason or account_id is None:
                audit.record(
                    s,
                    now,
                    actor or who(number, account_id),
                    AuditAction.RESIDENT_REGISTER,
                    account_id=account_id,
                    ok=False,
                    reason=reason,
                )
                result = RegistrationResult(self.mail.registration_answer(), None)
            else:
                if credential is not None:  # not sealed: written here
                    credential.email = email_value
                    credential.phone = phone_value
                    set_password(credential, password_hash, now, expires_at=now + OTP_LIFETIME)
                    if code_row is not None and (code_ok or by_office):
                        code_row.code_hash = None  # used: a registration voids the code
                    # Whoever registered it before is signed out (their one-time
                    # session); the database does it in a sealed registration's write.
                    end_sessions(s, now, REGISTERED_AGAIN, account_id=account_id)
                discard_pending(s, account_id, REGISTRATION_SUBJECT)
                delivery = self.mail.send(
                    s,
                    recipient=email_value,
                    subject=REGISTRATION_SUBJECT,
                    body=self.mail.registration_body(number, password),
                    account_id=account_id,
                    now=now,
                    expires_at=now + OTP_LIFETIME,
                )
                audit.record(
                    s,
                    now,
                    actor or who(number, account_id),
                    AuditAction.RESIDENT_REGISTER,
                    account_id=account_id,
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
        # A typed e-mail is a guess as a password is: counted in the throttle on both paths
        # (sealed: paid for before the database compares, sealed_writes).
        keys = self.throttle.keys("email", number)
        account_id: int | None = None
        code = reset_code()  # (sealed: the database makes its own and mails it)
        with self.db.unit_of_work() as s:
            now = self.clock.now()
            sealed = is_sealed(s)  # then the database decides and writes (sealed_writes)
            credential = credential_by_number(s, number) if plausible and not sealed else None
            wait = self.throttle.wait(s, keys, now)
            if wait:
                reason = "throttled"
            elif sealed:
                verdict = (
                    sealed_writes.request_reset(
                        s,
                        number,
                        email_value,
                        now,
                        RESET_CODE_LIFETIME,
                        RESET_RESEND_INTERVAL,
                        self.mail.reset_letter(number),
                    )
                    if plausible
                    else sealed_writes.Verdict(None, "email_mismatch")
                )
                account_id, reason, wait = verdict.account_id, verdict.reason, verdict.wait
            elif credential is None:
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
            if reason in ("unknown_account", "email_mismatch"):
                self.throttle.failed(s, keys, now)  # (sealed: counted already, adds nothing)
            elif reason in ("", "too_soon"):
                self.throttle.succeeded(s, keys)  # the e-mail was the account's
            if reason or account_id is None:
                audit.record(
                    s,
                    now,
                    actor or who(number, account_id),
                    AuditAction.PASSWORD_REQUEST_RESET,
                    account_id=account_id,
                    ok=False,
                    reason=reason,
                )
                result = ResetRequestResult(self.mail.reset_answer(), None)
            else:
                delivery = self.mail.delivery  # (sealed: queued by the database)
                if credential is not None:  # not sealed: written here
                    credential.reset_code_hash = codes.hash_code(code)
                    credential.reset_code_expires_at = now + RESET_CODE_LIFETIME
                    credential.failed_attempts = 0  # a new code, a new count
                    credential.updated_at = now
                    discard_pending(s, account_id, RESET_SUBJECT)
                    delivery = self.mail.send(
                        s,
                        recipient=credential.email,
                        subject=RESET_SUBJECT,
                        body=self.mail.reset_body(number, code),
                        account_id=account_id,
                        now=now,
                        expires_at=now + RESET_CODE_LIFETIME,
                    )
                audit.record(
                    s,
                    now,
                    actor or who(number, account_id),
                    AuditAction.PASSWORD_REQUEST_RESET,
                    account_id=account_id,
                    delivery=delivery,
                )
                result = ResetRequestResult(self.mail.reset_answer(), delivery)
        self.mail.after_commit()  # the letter goes now, outside the transaction
        if wait:
            raise LoginThrottled(wait, field="email")
        return result

    def complete_reset(self, account_number: str, code: str, new_password: str) -> None:
        """Set a new password with the mailed code; the code works once, and every session
        of the account ends. A wrong code counts as a failed sign-in attempt, with the same
        growing delay. Argon2 runs outside any transaction, as at sign-in."""
        number = account_number.strip()
        with on_field("new_password"):
            check_policy(new_password, account_number=number)
        plausible = printable_name(number, ACCOUNT_NUMBER_LIMIT)
        keys, wait, check = read_secret(self, RESET_CODE, number, plausible, code.strip())
        # Hashed before knowing (sealed) whether the code matched: the same work either way.
        new_hash = hash_password(new_password) if check.matches or check.sealed else None
        with self.db.unit_of_work() as s:
            now = self.clock.now()
            sealed = is_sealed(s)  # then the database decides and writes (sealed_writes)
            credential = credential_by_number(s, number) if plausible and not sealed else None
            account_id = credential.account_id if credential is not None else None
            wait = wait or self.throttle.wait(s, keys, now)
            expires = credential.reset_code_expires_at if credential is not None else None
            found = check.outcome(s, credential) if credential is not None and not wait else None
            verdict = sealed_writes.Verdict(None, "wrong_code")
            if sealed and plausible and not wait and new_hash is not None:
                verdict = sealed_writes.complete_reset(s, check, new_hash, now)
                account_id, wait = verdict.account_id, verdict.wait
            if wait:
                reason = "throttled"
            elif sealed:
                reason = verdict.reason
            elif found is None or not (found.present and found.unchanged and found.matches):
                reason = "wrong_code"
            elif expires is not None and now >= expires:
                reason = "expired"
            else:
                reason = ""
            if not reason and account_id is not None and new_hash is not None:
                self.throttle.succeeded(s, keys)
                if credential is not None:  # not sealed: written here
                    set_password(credential, new_hash, now, expires_at=None)
                end_sessions(s, now, PASSWORD_RESET, account_id=account_id)
                audit.record(
                    s,
                    now,
                    who(number, account_id),
                    AuditAction.PASSWORD_RESET,
                    account_id=account_id,
                )
                return
            if reason == "expired" and credential is not None:  # (sealed: cleared there)
                credential.reset_code_hash = credential.reset_code_expires_at = None
            elif reason == "wrong_code" and credential is not None:  # (sealed: counted there)
                wrong_reset_code(credential)
            failures = self.throttle.failed(s, keys, now) if reason != "throttled" else 0
            audit.record(
                s,
                now,
                who(number, account_id),
                AuditAction.PASSWORD_RESET,
                account_id=account_id,
                ok=False,
                reason=reason,
                failures=failures,
            )
        raise LoginThrottled(wait, field="code") if wait else ResetCodeError()
