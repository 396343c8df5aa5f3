"""Clerks and administrators: their accounts and their sign-in by login."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session as OrmSession

from db.engine import Database
from db.models import StaffRole, StaffUser
from db.rls import carry
from desktop import audit
from desktop.actors import SYSTEM, Actor, ActorKind
from desktop.audit import AuditAction
from desktop.auth.errors import STAFF_LOGIN_FAILED, LoginError, LoginThrottled, on_field
from desktop.auth.model import LOGIN_LIMIT, NAME_CHARACTERS, NEW_LOGIN, SignedIn, typed_name
from desktop.auth.sealed_staff import StaffSecretCheck, is_staff_sealed, staff_by_login
from desktop.auth.throttle import Throttle, printable_name
from desktop.clock import Clock
from desktop.common.problems import ProblemError
from desktop.errors import AccessDeniedError
from desktop.passwords import check_policy, hash_password, one_time_password
from desktop.permissions import Permission, allows
from desktop.sessions import PASSWORD_RESET, STAFF_DISABLED, end_sessions

FULL_NAME_LIMIT = 200  # the column's length
UNLOCK_FAILED = "Неверный пароль. Введите пароль, с которым вы входили в программу."


@dataclass(frozen=True)
class StaffInfo:
    """A clerk or administrator as the office lists them (no password, ever)."""

    id: int
    login: str
    full_name: str
    role: StaffRole
    active: bool
    must_change_password: bool


class StaffAuth:
    """Staff accounts (kept by administrators) and the staff's sign-in."""

    def __init__(self, db: Database, clock: Clock, throttle: Throttle) -> None:
        self.db = db
        self.clock = clock
        self.throttle = throttle

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
        with on_field("password"):
            check_policy(password)
        password_hash = hash_password(password)  # before the transaction: no lock for Argon2
        with self.db.unit_of_work() as s:
            if _login_taken(s, login_value):
                raise _taken(login_value)
            user = StaffUser(
                login=login_value,
                full_name=name,
                role=role_value,
                password_hash=password_hash,
                must_change=by.kind is not ActorKind.SYSTEM,
                active=True,
                failed_attempts=0,
            )
            s.add(user)
            try:
                s.flush()
            except IntegrityError:  # the same login added a moment ago at another desk
                raise _taken(login_value) from None
            audit.record(
                s,
                self.clock.now(),
                by,
                AuditAction.STAFF_CREATE,
                login=login_value,
                role=role_value.value,
            )
            return _info(user)

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
        if not allows(by, Permission.MANAGE_STAFF):
            raise AccessDeniedError("Список сотрудников доступен только администратору.")
        with self.db.read() as s:
            return [_info(u) for u in s.scalars(select(StaffUser).order_by(StaffUser.login))]

    def set_active(self, login: str, active: bool, *, by: Actor = SYSTEM) -> StaffInfo:
        """Disable a staff member (every session of theirs ends at once, at every desk: the
        next call there signs them out) or let them work again. For an administrator (or the
        system); nobody disables their own account or the last active administrator."""
        if not allows(by, Permission.MANAGE_STAFF):
            raise AccessDeniedError("Отключать и допускать сотрудников может только администратор.")
        login_value = login.strip().casefold()
        with self.db.unit_of_work() as s:
            if not active:
                _lock_admins(s)
            user = _member(s, login_value)
            if not active and user.id == by.staff_id:
                raise ProblemError.one(
                    "Свою учетную запись отключить нельзя: это сделает другой администратор.",
                    field="login",
                )
            if (
                not active
                and user.role is StaffRole.ADMIN
                and user.active
                and not _other_admin(s, user.id)
            ):
                raise ProblemError.one(
                    "Это единственный действующий администратор: сначала добавьте или "
                    "допустите другого, иначе управлять офисом будет некому.",
                    field="login",
                )
            if user.active != active:
                user.active = active
                now = self.clock.now()
                if active:
                    audit.record(s, now, by, AuditAction.STAFF_ENABLE, login=user.login)
                else:
                    ended = end_sessions(s, now, STAFF_DISABLED, staff_id=user.id)
                    audit.record(
                        s,
                        now,
                        by,
                        AuditAction.STAFF_DISABLE,
                        login=user.login,
                        sessions_ended=ended,
                    )
            return _info(user)

    def reset_password(self, login: str, *, by: Actor = SYSTEM) -> str:
        """Give a staff member a new temporary password (returned once, to be handed over on
        a slip): they must change it at their next sign-in, and every session of theirs ends
        at once. For an administrator (or the system); one's own password is changed, not
        reset."""
        if not allows(by, Permission.MANAGE_STAFF):
            raise AccessDeniedError("Сбрасывать пароли сотрудников может только администратор.")
        login_value = login.strip().casefold()
        password = one_time_password()
        password_hash = hash_password(password)  # before the transaction: no lock for Argon2
        with self.db.unit_of_work() as s:
            user = _member(s, login_value)
            if user.id == by.staff_id:
                raise ProblemError.one(
                    "Свой пароль не сбрасывают, а меняют: страница «Изменить пароль».",
                    field="login",
                )
            now = self.clock.now()
            user.password_hash = password_hash
            user.must_change = True
            ended = end_sessions(s, now, PASSWORD_RESET, staff_id=user.id)
            audit.record(
                s,
                now,
                by,
                AuditAction.STAFF_PASSWORD_RESET,
                login=user.login,
                sessions_ended=ended,
            )
        return password

    def unlock(self, actor: Actor, password: str) -> None:
        """The signed-in staff member types their password again at a desk locked after idle:
        nothing if it is right; ``LoginError`` or ``LoginThrottled`` if not, counted as a
        failed sign-in. The session goes on either way (the desk may still sign out)."""
        if actor.kind not in (ActorKind.CLERK, ActorKind.ADMIN) or actor.staff_id is None:
            raise AccessDeniedError("Разблокировать рабочее место может только сотрудник.")
        keys = self.throttle.keys("staff", actor.name)
        check = StaffSecretCheck(actor.name)  # a clerk's role cannot read the hash
        with self.db.read() as s:
            wait = self.throttle.wait(s, keys, self.clock.now())
            if not wait:
                member = staff_by_login(s, actor.name, lock=False)
                check.load(s, member if member is not None and member.active else None)
        if not wait:
            check.run(password)
        with self.db.unit_of_work() as s:
            now = self.clock.now()
            user = staff_by_login(s, actor.name)
            wait = wait or self.throttle.wait(s, keys, now)
            found = check.outcome(s, user) if user is not None and not wait else None
            wait = wait or check.wait  # the database's throttle refused the attempt (sealed)
            if wait:
                reason = "throttled"
            elif found is None or not found.unchanged:
                reason = "changed_meanwhile"
            elif not found.matches:
                reason = "wrong_password"
            else:
                self.throttle.succeeded(s, keys)
                audit.record(s, now, actor, AuditAction.STAFF_UNLOCK)
                return
            failures = self.throttle.failed(s, keys, now) if reason == "wrong_password" else 0
            audit.record(
                s, now, actor, AuditAction.STAFF_UNLOCK, ok=False, reason=reason, failures=failures
            )
        raise LoginThrottled(wait) if wait else LoginError(UNLOCK_FAILED)

    def staff_login(self, login: str, password: str) -> SignedIn:
        """Sign a clerk or administrator in; one message for every failure. Argon2 runs
        between two short transactions, as a resident's sign-in does."""
        login_value = login.strip().casefold()
        plausible = printable_name(login_value, LOGIN_LIMIT)
        keys = self.throttle.keys("staff", login_value)
        # A clerk's role cannot read the hash: the check asks the database (sealed_staff).
        check = StaffSecretCheck(login_value)
        with self.db.read() as s:
            wait = self.throttle.wait(s, keys, self.clock.now())
            if plausible and not wait:
                member = staff_by_login(s, login_value, lock=False)
                check.load(s, member if member is not None and member.active else None)
        if not wait:
            check.run(password)
        # Sealed, the hash stays as it is until a sign-in at a desk that may write it.
        rehashed = hash_password(password) if not check.sealed and check.needs_rehash() else None
        with self.db.unit_of_work() as s:
            now = self.clock.now()
            user = staff_by_login(s, login_value) if plausible else None
            wait = wait or self.throttle.wait(s, keys, now)
            found = (
                check.outcome(s, user) if user is not None and user.active and not wait else None
            )
            wait = wait or check.wait  # the database's throttle refused the attempt (sealed)
            actor: Actor | None = None
            if wait:
                reason = "throttled"
            elif user is None:
                reason = "unknown_login"
            elif not user.active:
                reason = "inactive"
            elif found is None or not found.unchanged:
                reason = "changed_meanwhile"
            elif not found.matches:
                reason = "wrong_password"
            else:
                # A password the administrator chose opens a session that may only set one's own.
                actor = check.open_session(
                    s, now, Actor.staff(user.id, user.login, user.role), user
                )
                reason = "" if actor is not None else "changed_meanwhile"
            if actor is not None and user is not None:
                carry(s, actor.session_token)  # its entry is the new session's (db.roles_audit)
                self.throttle.succeeded(s, keys)
                if rehashed:
                    user.password_hash = rehashed
                audit.record(s, now, actor, AuditAction.STAFF_SIGN_IN)
                return SignedIn(
                    actor, None, "", user.full_name, "", must_change_password=actor.one_time
                )
            failures = 0
            if reason not in ("throttled", "changed_meanwhile"):
                failures = self.throttle.failed(s, keys, now)
            audit.record(
                s,
                now,
                _who(login_value, user),
                AuditAction.STAFF_SIGN_IN,
                ok=False,
                reason=reason,
                failures=failures,
            )
        raise LoginThrottled(wait) if wait else LoginError(STAFF_LOGIN_FAILED)


def _new_staff(
    login: str, full_name: str, role: StaffRole | str, by: Actor
) -> tuple[str, str, StaffRole]:
    """A new staff member's login, name and role as stored; Russian messages if refused."""
    if not allows(by, Permission.MANAGE_STAFF):
        raise AccessDeniedError("Добавлять сотрудников может только администратор.")
    login_value = login.strip().casefold()
    if not 2 <= len(login_value) <= LOGIN_LIMIT or not NEW_LOGIN.fullmatch(login_value):
        raise ProblemError.one(
            f"Логин должен быть от 2 до {LOGIN_LIMIT} символов: латинские буквы, цифры и знаки "
            "«.», «_», «-», первой — буква. Например: ivanova или a.petrov.",
            field="login",
        )
    # Invisible format characters (bidi marks, zero-width) go; a control character stays,
    # to be refused below rather than to join two words silently.
    name = "".join(c for c in " ".join(full_name.split()) if unicodedata.category(c) != "Cf")
    if not name:
        raise ProblemError.one("Укажите фамилию, имя и отчество сотрудника.", field="full_name")
    if len(name) > FULL_NAME_LIMIT:
        raise ProblemError.one(
            f"ФИО сотрудника слишком длинное: не больше {FULL_NAME_LIMIT} символов.",
            field="full_name",
        )
    if not NAME_CHARACTERS.fullmatch(name):
        raise ProblemError.one(
            "ФИО сотрудника пишется буквами, например «Иванова А.А.»: без цифр и значков.",
            field="full_name",
        )
    try:
        role_value = StaffRole(role)
    except ValueError:
        raise ProblemError.one(
            f"Неизвестная роль «{role}»: выберите clerk (оператор) или admin (администратор).",
            field="role",
        ) from None
    return login_value, name, role_value


def _member(s: OrmSession, login_value: str) -> StaffUser:
    """The staff member with this login, locked for the change; Russian message if none."""
    user = staff_by_login(s, login_value) if printable_name(login_value, LOGIN_LIMIT) else None
    if user is None:
        raise ProblemError.one(
            f"Сотрудника с логином «{login_value}» нет. Проверьте логин в списке сотрудников.",
            field="login",
        )
    return user


def _info(user: StaffUser) -> StaffInfo:
    return StaffInfo(user.id, user.login, user.full_name, user.role, user.active, user.must_change)


def _lock_admins(s: OrmSession) -> None:
    """Lock the active administrators (where the connection may), in one order, before a
    disabling looks at anyone: two administrators disabling each other at once then take
    turns, and the second sees the first's change instead of both leaving none."""
    if not is_staff_sealed(s):
        query = select(StaffUser.id).where(
            StaffUser.role == StaffRole.ADMIN, StaffUser.active.is_(True)
        )
        s.scalars(query.order_by(StaffUser.id).with_for_update()).all()


def _other_admin(s: OrmSession, than: int) -> bool:
    """Whether an active administrator other than ``than`` remains."""
    query = select(StaffUser.id).where(
        StaffUser.role == StaffRole.ADMIN, StaffUser.active.is_(True), StaffUser.id != than
    )
    return s.scalar(query.limit(1)) is not None


def _who(login_value: str, user: StaffUser | None) -> str:
    """The audit actor for a typed login: the login only if that staff member exists."""
    return typed_name("staff", login_value, LOGIN_LIMIT, known=user is not None)


def _login_taken(s: OrmSession, login_value: str) -> bool:
    return s.scalar(select(StaffUser.id).where(StaffUser.login == login_value)) is not None


def _taken(login_value: str) -> ProblemError:
    return ProblemError.one(f"Сотрудник с логином «{login_value}» уже есть.", field="login")
