"""Signing in: residents by account number, staff by login; registration and password reset.

Nothing a stranger sees tells whether an account exists: sign-in failures share one message,
registration and reset requests share one neutral answer, and every answer costs the same
Argon2 work. Failed attempts slow down per account (a growing delay, never a lock-out).
"""

from __future__ import annotations

import logging
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from math import ceil
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import contains_eager

from db.engine import Database
from db.models import Account, ResidentCredential, StaffRole, StaffUser
from desktop import audit
from desktop.actors import SYSTEM, Actor
from desktop.clock import Clock
from desktop.errors import AccessDeniedError, UserError, ValidationError
from desktop.mail import (
    Delivery,
    Mailer,
    MailError,
    OutboxMailer,
    discard_pending,
    mailer_for,
    normalize_email,
)
from desktop.passwords import (
    DUMMY_HASH,
    check_policy,
    hash_password,
    needs_rehash,
    one_time_password,
    reset_code,
    verify_password,
)
from desktop.settings import Settings
from desktop.text import normalize_fio

log = logging.getLogger(__name__)

OTP_LIFETIME = timedelta(hours=24)  # a one-time password from registration
RESET_CODE_LIFETIME = timedelta(minutes=10)
# Once used to sign in, a one-time password stays valid only for choosing the new one.
OTP_AFTER_USE = timedelta(minutes=15)
# A new reset code is not mailed sooner than this after the previous one (no mail bombing).
RESET_RESEND_INTERVAL = timedelta(minutes=1)
FREE_ATTEMPTS = 3
ACCOUNT_NUMBER_LIMIT = 20  # the column's length: anything longer is not an account number
LOGIN_LIMIT = 50
MAX_DELAY = timedelta(minutes=5)

REGISTRATION_SUBJECT = "Пароль для входа в личный кабинет"
RESET_SUBJECT = "Код для восстановления пароля"

LOGIN_FAILED = (
    "Неверный номер лицевого счёта или пароль. Проверьте номер по квитанции, раскладку "
    "клавиатуры и Caps Lock."
)
STAFF_LOGIN_FAILED = "Неверный логин или пароль."
RESET_CODE_FAILED = (
    "Код неверен или срок его действия истёк. Проверьте код из письма или запросите новый."
)


class LoginError(UserError):
    """Sign-in refused; the message is the same whatever the reason."""


class LoginThrottled(UserError):
    """Too many failed attempts: the next one is allowed in ``seconds``."""

    def __init__(self, seconds: int) -> None:
        self.seconds = seconds
        super().__init__(
            f"Слишком много неудачных попыток. Подождите {seconds} {_seconds_word(seconds)} "
            "и попробуйте снова."
        )


class ResetCodeError(UserError):
    """The reset code is wrong, used or expired (one message for all three)."""


@dataclass(frozen=True)
class Session:
    """Who signed in: a resident (with their account) or a staff member (no account)."""

    actor: Actor
    account_id: int | None
    account_number: str
    fio: str  # a resident's ФИО as on the receipt, or the staff member's full name
    address: str
    must_change_password: bool  # a one-time password was used: ask for a new one now


@dataclass(frozen=True)
class RegistrationResult:
    """The answer to a registration.

    ``message`` is neutral and is what a resident sees, whatever happened. ``delivery`` is
    for clerks only — "email", "outbox" (print the slip) or None when nothing was sent — and
    must never be shown on a resident's screen: it tells whether the data matched.
    """

    message: str
    delivery: Delivery | None


@dataclass(frozen=True)
class ResetRequestResult:
    """The answer to «Забыли пароль?»: as RegistrationResult, ``delivery`` for clerks only."""

    message: str
    delivery: Delivery | None


@dataclass(frozen=True)
class StaffInfo:
    id: int
    login: str
    full_name: str
    role: StaffRole
    active: bool
    must_change_password: bool


class _Attempts(Protocol):
    failed_attempts: int
    next_attempt_at: datetime | None


@dataclass
class _Phantom:
    """Failed attempts on a name with no row to keep them in (an unknown account)."""

    failed_attempts: int = 0
    next_attempt_at: datetime | None = None


class _PhantomThrottle:
    """Slows down attempts on unknown accounts exactly as on known ones, so the delay does
    not tell which exist. Kept in memory, bounded: nothing is stored for names that do not
    exist."""

    def __init__(self, capacity: int = 10_000) -> None:
        self._capacity = capacity
        self._entries: OrderedDict[tuple[str, str], _Phantom] = OrderedDict()
        self._lock = threading.Lock()

    def holder(self, kind: str, name: str) -> _Phantom:
        key = (kind, name)
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                entry = self._entries[key] = _Phantom()
                while len(self._entries) > self._capacity:
                    self._entries.popitem(last=False)
            else:
                self._entries.move_to_end(key)
            return entry


_phantom_throttles: dict[str, _PhantomThrottle] = {}
_phantom_throttles_lock = threading.Lock()


def _phantom_throttle(db: Database) -> _PhantomThrottle:
    """One per database in this process, shared by every service on it: a fresh login screen
    (a new AuthService) must not forget the delay on unknown accounts."""
    key = db.url.render_as_string(hide_password=True)
    with _phantom_throttles_lock:
        return _phantom_throttles.setdefault(key, _PhantomThrottle())


def delay_after(failures: int) -> timedelta:
    """The wait imposed after this many failures in a row: none for the first three, then
    2, 4, 8… seconds, at most five minutes."""
    if failures <= FREE_ATTEMPTS:
        return timedelta(0)
    exponent = min(failures - FREE_ATTEMPTS, 16)  # 2**16 s is far past the cap already
    return min(timedelta(seconds=2**exponent), MAX_DELAY)


def _wait_seconds(holder: _Attempts, now: datetime) -> int:
    if holder.next_attempt_at is None or now >= holder.next_attempt_at:
        return 0
    return max(1, ceil((holder.next_attempt_at - now).total_seconds()))


def _failed(holder: _Attempts, now: datetime) -> None:
    holder.failed_attempts = (holder.failed_attempts or 0) + 1
    delay = delay_after(holder.failed_attempts)
    holder.next_attempt_at = now + delay if delay else None


def _succeeded(holder: _Attempts) -> None:
    holder.failed_attempts = 0
    holder.next_attempt_at = None


def _seconds_word(n: int) -> str:
    if n % 10 == 1 and n % 100 != 11:
        return "секунду"
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return "секунды"
    return "секунд"


def _typed_name(kind: str, typed: str, limit: int) -> str:
    """An audit actor for someone who has not signed in. What is longer than any account
    number or login cannot be one — likely a password typed into the wrong field — and is
    not recorded."""
    return f"{kind}:{typed if len(typed) <= limit else '…'}"


_PHONE_PUNCTUATION = re.compile(r"[\s()\-.]")


def normalize_phone(text: str) -> str:
    """A Russian phone number as ``+7XXXXXXXXXX``; ValidationError (in Russian) if it is not one."""
    value = _PHONE_PUNCTUATION.sub("", text)
    if not value:
        raise ValidationError("Укажите телефон, например +7 915 123-45-67.")
    if value.startswith("+7"):
        digits = value[2:]
    elif len(value) == 11 and value[0] in "78":
        digits = value[1:]
    else:
        digits = value
    if len(digits) != 10 or not digits.isascii() or not digits.isdigit():
        raise ValidationError(
            "Телефон указан неверно. Введите номер с кодом — 10 цифр после +7 или 8, "
            "например +7 915 123-45-67."
        )
    return f"+7{digits}"


@dataclass(frozen=True)
class _Outcome:
    """One try of a secret: ``reason`` is empty on success; ``wait`` > 0 if it was refused
    unchecked because the previous failure's delay has not passed."""

    reason: str = ""
    wait: int = 0

    @property
    def ok(self) -> bool:
        return not self.reason


def _attempt(
    holder: _Attempts,
    stored: str | None,
    secret: str,
    now: datetime,
    expires_at: datetime | None,
    *,
    what: str = "password",
) -> _Outcome:
    """Check a secret against its hash under the holder's delay, counting a failure.

    With no hash the dummy one is checked instead, so a miss costs what a hit does."""
    wait = _wait_seconds(holder, now)
    if wait:
        return _Outcome("throttled", wait)
    matches = verify_password(stored or DUMMY_HASH, secret) and bool(stored)
    if matches and (expires_at is None or now < expires_at):
        _succeeded(holder)
        return _Outcome()
    _failed(holder, now)
    return _Outcome(f"wrong_{what}" if not matches else "expired")


class AuthService:
    """Sign-in, registration, password reset and change, staff accounts."""

    def __init__(
        self, db: Database, clock: Clock, settings: Settings, mailer: Mailer | None = None
    ) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings
        self.mailer = mailer if mailer is not None else mailer_for(settings, clock)
        self._phantoms = _phantom_throttle(db)

    # --- residents ----------------------------------------------------------------------

    def login(self, account_number: str, password: str, *, kiosk: bool = False) -> Session:
        """Sign a resident in; LoginError or LoginThrottled, the same for every account."""
        number = account_number.strip()
        channel = "kiosk" if kiosk else "resident"
        with self.db.unit_of_work() as s:
            now = self.clock.now()
            credential = _credential_by_number(s, number)
            if credential is None:
                phantom = self._phantoms.holder("resident", number)
                outcome = _attempt(phantom, None, password, now, None)
                account_id = _account_id(s, number)
                reason = outcome.reason
                if not outcome.wait:
                    reason = "unknown_account" if account_id is None else "not_registered"
                failures = phantom.failed_attempts
            else:
                stored = credential.password_hash
                outcome = _attempt(
                    credential, stored, password, now, credential.password_expires_at
                )
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
                        "login",
                        account_id=account.id,
                        channel=channel,
                        one_time=credential.must_change,
                    )
                    return Session(
                        actor,
                        account.id,
                        account.number,
                        account.fio,
                        account.address,
                        must_change_password=credential.must_change,
                    )
            who = _typed_name("resident", number, ACCOUNT_NUMBER_LIMIT)
            audit.record(
                s,
                now,
                who,
                "login",
                account_id=account_id,
                ok=False,
                reason=reason,
                channel=channel,
                failures=failures,
            )
        raise LoginThrottled(outcome.wait) if outcome.wait else LoginError(LOGIN_FAILED)

    def register(
        self, fio: str, account_number: str, phone: str, email: str, *, actor: Actor | None = None
    ) -> RegistrationResult:
        """Register a resident and send a one-time password valid 24 h.

        The answer is the same whether the account exists, the ФИО matched, or the account is
        already registered (its own password is then left alone). ``actor`` is the clerk when
        the office registers a resident at the counter.
        """
        if not fio.strip():
            raise ValidationError("Укажите ФИО в точности как в квитанции, например «Иванов И.И.».")
        number = account_number.strip()
        if not number:
            raise ValidationError("Укажите номер лицевого счёта, как в квитанции.")
        phone_value = normalize_phone(phone)
        email_value = normalize_email(email)
        who = actor or _typed_name("resident", number, ACCOUNT_NUMBER_LIMIT)
        account_id: int | None = None
        with self.db.unit_of_work() as s:
            now = self.clock.now()
            account = s.scalars(select(Account).where(Account.number == number)).one_or_none()
            credential = None
            if account is not None:
                account_id = account.id
                credential = s.scalars(
                    select(ResidentCredential)
                    .where(ResidentCredential.account_id == account.id)
                    .with_for_update()
                ).one_or_none()
            password = one_time_password()
            password_hash = hash_password(password)  # always: a match costs what a miss does
            if account is None:
                reason = "unknown_account"
            elif normalize_fio(fio) != normalize_fio(account.fio):
                reason = "fio_mismatch"
            elif credential and credential.password_hash and not credential.must_change:
                reason = "already_registered"
            else:
                reason = ""
            if reason or account is None:
                audit.record(
                    s, now, who, "register", account_id=account_id, ok=False, reason=reason
                )
                return RegistrationResult(self._registration_message(), None)
            if credential is None:
                credential = ResidentCredential(
                    account_id=account.id, created_at=now, failed_attempts=0
                )
                s.add(credential)
            credential.email = email_value
            credential.phone = phone_value
            _set_password(credential, password_hash, now, expires_at=now + OTP_LIFETIME)
            discard_pending(s, account.id, REGISTRATION_SUBJECT)
            delivery, mail_failed = self._send(
                s,
                recipient=email_value,
                subject=REGISTRATION_SUBJECT,
                body=self._registration_body(account.number, password),
                account_id=account.id,
            )
            audit.record(
                s,
                now,
                who,
                "register",
                account_id=account.id,
                delivery=delivery,
                email=email_value,
                **({"reason": "mail_failed"} if mail_failed else {}),
            )
            return RegistrationResult(self._registration_message(), delivery)

    def request_reset(
        self, account_number: str, email: str, *, actor: Actor | None = None
    ) -> ResetRequestResult:
        """«Забыли пароль?»: mail a 6-digit code valid 10 minutes if the e-mail is the one
        the account registered with; the same neutral answer otherwise."""
        number = account_number.strip()
        email_value = normalize_email(email)
        who = actor or _typed_name("resident", number, ACCOUNT_NUMBER_LIMIT)
        account_id: int | None = None
        with self.db.unit_of_work() as s:
            now = self.clock.now()
            credential = _credential_by_number(s, number)
            code = reset_code()
            code_hash = hash_password(code)
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
                    "password_reset_request",
                    account_id=account_id,
                    ok=False,
                    reason=reason,
                )
                return ResetRequestResult(self._reset_message(), None)
            credential.reset_code_hash = code_hash
            credential.reset_code_expires_at = now + RESET_CODE_LIFETIME
            credential.updated_at = now
            discard_pending(s, credential.account_id, RESET_SUBJECT)
            delivery, mail_failed = self._send(
                s,
                recipient=credential.email,
                subject=RESET_SUBJECT,
                body=self._reset_body(credential.account.number, code),
                account_id=credential.account_id,
            )
            audit.record(
                s,
                now,
                who,
                "password_reset_request",
                account_id=account_id,
                delivery=delivery,
                **({"reason": "mail_failed"} if mail_failed else {}),
            )
            return ResetRequestResult(self._reset_message(), delivery)

    def complete_reset(self, account_number: str, code: str, new_password: str) -> None:
        """Set a new password with the mailed code; the code works once. A wrong code counts
        as a failed sign-in attempt, with the same growing delay."""
        number = account_number.strip()
        check_policy(new_password, account_number=number)
        with self.db.unit_of_work() as s:
            now = self.clock.now()
            credential = _credential_by_number(s, number)
            who = _typed_name("resident", number, ACCOUNT_NUMBER_LIMIT)
            if credential is None:
                holder: _Attempts = self._phantoms.holder("resident", number)
                outcome = _attempt(holder, None, code.strip(), now, None, what="code")
                account_id = None
            else:
                holder = credential
                outcome = _attempt(
                    credential,
                    credential.reset_code_hash,
                    code.strip(),
                    now,
                    credential.reset_code_expires_at,
                    what="code",
                )
                account_id = credential.account_id
                if outcome.ok:
                    _set_password(credential, hash_password(new_password), now, expires_at=None)
                    audit.record(s, now, who, "password_reset", account_id=account_id)
                    return
                if outcome.reason == "expired":
                    credential.reset_code_hash = credential.reset_code_expires_at = None
            audit.record(
                s,
                now,
                who,
                "password_reset",
                account_id=account_id,
                ok=False,
                reason=outcome.reason,
                failures=holder.failed_attempts,
            )
        raise LoginThrottled(outcome.wait) if outcome.wait else ResetCodeError(RESET_CODE_FAILED)

    # --- everyone -----------------------------------------------------------------------

    def change_password(self, actor: Actor, current_password: str, new_password: str) -> None:
        """Replace the signed-in user's password (a one-time one too): the current one must be
        right, the new one must pass the policy and differ from it. A wrong current password
        counts as a failed attempt, as at sign-in."""
        if actor.kind == "resident" and actor.account_id is not None:
            check_policy(new_password, account_number=actor.name)
        elif actor.kind == "staff" and actor.staff_id is not None:
            check_policy(new_password)
        else:
            raise AccessDeniedError("Сменить пароль может только вошедший пользователь.")
        with self.db.unit_of_work() as s:
            now = self.clock.now()
            holder: ResidentCredential | StaffUser | None
            if actor.kind == "resident":
                holder = s.scalars(
                    select(ResidentCredential)
                    .where(ResidentCredential.account_id == actor.account_id)
                    .with_for_update()
                ).one_or_none()
                expires_at = holder.password_expires_at if holder is not None else None
            else:
                holder = s.get(StaffUser, actor.staff_id, with_for_update=True)
                if holder is not None and not holder.active:
                    holder = None
                expires_at = None
            if holder is None or not holder.password_hash:
                raise AccessDeniedError("Учётная запись недоступна. Войдите снова.")
            outcome = _attempt(holder, holder.password_hash, current_password, now, expires_at)
            if outcome.ok:
                if new_password == current_password:
                    raise ValidationError("Новый пароль совпадает с текущим. Придумайте другой.")
                if isinstance(holder, ResidentCredential):
                    _set_password(holder, hash_password(new_password), now, expires_at=None)
                else:
                    holder.password_hash = hash_password(new_password)
                    holder.must_change = False
                audit.record(s, now, actor, "password_change", account_id=actor.account_id)
                return
            audit.record(
                s,
                now,
                actor,
                "password_change",
                account_id=actor.account_id,
                ok=False,
                reason=outcome.reason,
            )
        if outcome.wait:
            raise LoginThrottled(outcome.wait)
        if outcome.reason == "expired":
            raise ValidationError(
                "Срок действия одноразового пароля истёк. Получите новый: «Забыли пароль?» "
                "на странице входа."
            )
        raise ValidationError("Текущий пароль введён неверно. Проверьте раскладку и Caps Lock.")

    # --- staff --------------------------------------------------------------------------

    def create_staff(
        self,
        login: str,
        full_name: str,
        role: StaffRole | str,
        password: str,
        *,
        by: Actor = SYSTEM,
    ) -> StaffInfo:
        """Add a clerk or administrator. Only an administrator (or the system, for the first
        one) may; a password an administrator chose must be changed at first sign-in."""
        login_value, name, role_value = _new_staff(login, full_name, role, by)
        check_policy(password)
        with self.db.unit_of_work() as s:
            if _login_taken(s, login_value):
                raise _taken(login_value)
            user = StaffUser(
                login=login_value,
                full_name=name,
                role=role_value,
                password_hash=hash_password(password),
                must_change=by.kind == "staff",
                active=True,
                failed_attempts=0,
            )
            s.add(user)
            try:
                s.flush()
            except IntegrityError:  # the same login added a moment ago at another desk
                raise _taken(login_value) from None
            audit.record(
                s, self.clock.now(), by, "staff_create", login=login_value, role=role_value.value
            )
            return StaffInfo(
                user.id, user.login, user.full_name, user.role, user.active, user.must_change
            )

    def check_new_staff(
        self, login: str, full_name: str, role: StaffRole | str, *, by: Actor = SYSTEM
    ) -> None:
        """What create_staff would refuse before the password: asked first, so that nobody
        types a password twice for a login that is taken."""
        login_value, _name, _role = _new_staff(login, full_name, role, by)
        with self.db.read() as s:
            if _login_taken(s, login_value):
                raise _taken(login_value)

    def list_staff(self, by: Actor = SYSTEM) -> list[StaffInfo]:
        """Every clerk and administrator, by login; for an administrator (or the system)."""
        if not _manages_staff(by):
            raise AccessDeniedError("Список сотрудников доступен только администратору.")
        with self.db.read() as s:
            return [
                StaffInfo(u.id, u.login, u.full_name, u.role, u.active, u.must_change)
                for u in s.scalars(select(StaffUser).order_by(StaffUser.login))
            ]

    def staff_login(self, login: str, password: str) -> Session:
        """Sign a clerk or administrator in; one message for every failure."""
        login_value = login.strip().casefold()
        with self.db.unit_of_work() as s:
            now = self.clock.now()
            user = s.scalars(
                select(StaffUser).where(StaffUser.login == login_value).with_for_update()
            ).one_or_none()
            holder: _Attempts = (
                user if user is not None else self._phantoms.holder("staff", login_value)
            )
            usable = user is not None and user.active
            stored = user.password_hash if user is not None and usable else None
            outcome = _attempt(holder, stored, password, now, None)
            if user is not None and outcome.ok:
                if needs_rehash(user.password_hash):
                    user.password_hash = hash_password(password)
                actor = Actor.staff(user.id, user.login, user.role)
                audit.record(s, now, actor, "staff_login")
                return Session(
                    actor, None, "", user.full_name, "", must_change_password=user.must_change
                )
            reason = outcome.reason
            if user is None and not outcome.wait:
                reason = "unknown_login"
            elif not usable and not outcome.wait:
                reason = "inactive"
            who = _typed_name("staff", login_value, LOGIN_LIMIT)
            audit.record(
                s, now, who, "staff_login", ok=False, reason=reason, failures=holder.failed_attempts
            )
        raise LoginThrottled(outcome.wait) if outcome.wait else LoginError(STAFF_LOGIN_FAILED)

    # --- messages -----------------------------------------------------------------------

    def _registration_message(self) -> str:
        # Depends on the installation's mail set-up only, never on the account.
        if self.mailer.delivery == "email":
            where = (
                "пароль для входа отправлен на указанную почту. Письмо приходит в течение "
                "1–3 минут; если его нет, проверьте папку «Спам» или получите пароль у "
                f"сотрудника офиса (телефон {self.settings.office_phone})"
            )
        else:
            where = (
                "пароль для входа подготовлен: получите его у сотрудника офиса "
                f"(телефон {self.settings.office_phone})"
            )
        return (
            f"Если данные совпали с данными квитанции, {where}. Пароль действует 24 часа; при "
            "первом входе нужно будет придумать свой. Если вы уже зарегистрированы, "
            "воспользуйтесь ссылкой «Забыли пароль?»."
        )

    def _reset_message(self) -> str:
        if self.mailer.delivery == "email":
            where = (
                "на неё отправлен код для восстановления пароля (если письма нет, код можно "
                f"получить у сотрудника офиса, телефон {self.settings.office_phone})"
            )
        else:
            where = (
                "код для восстановления пароля можно получить у сотрудника офиса "
                f"(телефон {self.settings.office_phone})"
            )
        return (
            f"Если адрес почты совпал с указанным при регистрации, {where}. Код действует 10 минут."
        )

    def _signature(self) -> str:
        return (
            "Управляющая компания\n"
            f"Телефон офиса: {self.settings.office_phone}\n"
            f"Часы работы: {self.settings.office_hours}"
        )

    def _registration_body(self, number: str, password: str) -> str:
        return (
            "Здравствуйте!\n\n"
            f"Для лицевого счёта {number} создан доступ в личный кабинет жителя.\n\n"
            f"Одноразовый пароль: {password}\n\n"
            "Пароль действует 24 часа. Войдите с номером лицевого счёта и этим паролем — "
            "кабинет сразу попросит придумать собственный пароль.\n\n"
            "Если вы не регистрировались, просто не отвечайте на это письмо: без пароля "
            "в кабинет никто не войдёт.\n\n"
            f"{self._signature()}\n"
        )

    def _reset_body(self, number: str, code: str) -> str:
        return (
            "Здравствуйте!\n\n"
            f"Для лицевого счёта {number} запрошено восстановление пароля.\n\n"
            f"Код: {code}\n\n"
            "Код действует 10 минут и подходит один раз. Введите его на странице «Забыли "
            "пароль?» вместе с новым паролем.\n\n"
            "Если вы не запрашивали восстановление, никому не сообщайте код: ваш пароль "
            "останется прежним.\n\n"
            f"{self._signature()}\n"
        )

    def _send(
        self, s: OrmSession, *, recipient: str, subject: str, body: str, account_id: int
    ) -> tuple[Delivery, bool]:
        """Mail the message; when the mail server or its settings fail, keep it in the
        outbox for the office instead (and say so in the audit log and the log). Either way
        the resident gets the same neutral answer: an error shown only when the data matched
        would tell that they did. Whether it failed is the second value."""
        try:
            return self.mailer.send(
                s, recipient=recipient, subject=subject, body=body, account_id=account_id
            ), False
        except MailError as error:
            log.warning("Mail failed, kept in the outbox: %s", error.__cause__ or error)
            delivery = OutboxMailer(self.clock).send(
                s, recipient=recipient, subject=subject, body=body, account_id=account_id
            )
            return delivery, True


def _manages_staff(actor: Actor) -> bool:
    return actor.kind == "system" or (actor.kind == "staff" and actor.role == StaffRole.ADMIN)


def _new_staff(
    login: str, full_name: str, role: StaffRole | str, by: Actor
) -> tuple[str, str, StaffRole]:
    """A new staff member's login, name and role as stored; Russian messages if refused."""
    if not _manages_staff(by):
        raise AccessDeniedError("Добавлять сотрудников может только администратор.")
    login_value = login.strip().casefold()
    if not 2 <= len(login_value) <= LOGIN_LIMIT or any(ch.isspace() for ch in login_value):
        raise ValidationError(f"Логин должен быть от 2 до {LOGIN_LIMIT} символов, без пробелов.")
    name = " ".join(full_name.split())
    if not name:
        raise ValidationError("Укажите фамилию, имя и отчество сотрудника.")
    try:
        role_value = StaffRole(role)
    except ValueError:
        raise ValidationError(
            f"Неизвестная роль «{role}»: выберите clerk (оператор) или admin (администратор)."
        ) from None
    return login_value, name, role_value


def _login_taken(s: OrmSession, login_value: str) -> bool:
    return s.scalar(select(StaffUser.id).where(StaffUser.login == login_value)) is not None


def _taken(login_value: str) -> ValidationError:
    return ValidationError(f"Сотрудник с логином «{login_value}» уже есть.")


def _set_password(
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


def _account_id(s: OrmSession, number: str) -> int | None:
    return s.scalar(select(Account.id).where(Account.number == number))
