"""Clerks and administrators: their accounts and their sign-in by login."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session as OrmSession

from db.engine import Database
from db.models import StaffRole, StaffUser
from desktop import audit
from desktop.actors import SYSTEM, Actor, ActorKind
from desktop.audit import AuditAction
from desktop.auth.errors import STAFF_LOGIN_FAILED, LoginError, LoginThrottled, on_field
from desktop.auth.model import LOGIN_LIMIT, SignedIn, typed_name
from desktop.auth.throttle import Attempts, PhantomThrottle, attempt
from desktop.clock import Clock
from desktop.common.problems import ProblemError
from desktop.errors import AccessDeniedError
from desktop.passwords import check_policy, hash_password, needs_rehash
from desktop.permissions import Permission, allows


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

    def __init__(self, db: Database, clock: Clock, throttle: PhantomThrottle) -> None:
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
        with self.db.unit_of_work() as s:
            if _login_taken(s, login_value):
                raise _taken(login_value)
            user = StaffUser(
                login=login_value,
                full_name=name,
                role=role_value,
                password_hash=hash_password(password),
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
        if not allows(by, Permission.MANAGE_STAFF):
            raise AccessDeniedError("Список сотрудников доступен только администратору.")
        with self.db.read() as s:
            return [
                StaffInfo(u.id, u.login, u.full_name, u.role, u.active, u.must_change)
                for u in s.scalars(select(StaffUser).order_by(StaffUser.login))
            ]

    def staff_login(self, login: str, password: str) -> SignedIn:
        """Sign a clerk or administrator in; one message for every failure."""
        login_value = login.strip().casefold()
        with self.db.unit_of_work() as s:
            now = self.clock.now()
            user = s.scalars(
                select(StaffUser).where(StaffUser.login == login_value).with_for_update()
            ).one_or_none()
            holder: Attempts = (
                user if user is not None else self.throttle.holder("staff", login_value)
            )
            usable = user is not None and user.active
            stored = user.password_hash if user is not None and usable else None
            outcome = attempt(holder, stored, password, now, None)
            if user is not None and outcome.ok:
                if needs_rehash(user.password_hash):
                    user.password_hash = hash_password(password)
                actor = Actor.staff(user.id, user.login, user.role)
                audit.record(s, now, actor, AuditAction.STAFF_SIGN_IN)
                return SignedIn(
                    actor, None, "", user.full_name, "", must_change_password=user.must_change
                )
            reason = outcome.reason
            if user is None and not outcome.wait:
                reason = "unknown_login"
            elif not usable and not outcome.wait:
                reason = "inactive"
            who = typed_name("staff", login_value, LOGIN_LIMIT)
            audit.record(
                s,
                now,
                who,
                AuditAction.STAFF_SIGN_IN,
                ok=False,
                reason=reason,
                failures=holder.failed_attempts,
            )
        raise LoginThrottled(outcome.wait) if outcome.wait else LoginError(STAFF_LOGIN_FAILED)


def _new_staff(
    login: str, full_name: str, role: StaffRole | str, by: Actor
) -> tuple[str, str, StaffRole]:
    """A new staff member's login, name and role as stored; Russian messages if refused."""
    if not allows(by, Permission.MANAGE_STAFF):
        raise AccessDeniedError("Добавлять сотрудников может только администратор.")
    login_value = login.strip().casefold()
    if not 2 <= len(login_value) <= LOGIN_LIMIT or any(ch.isspace() for ch in login_value):
        raise ProblemError.one(
            f"Логин должен быть от 2 до {LOGIN_LIMIT} символов, без пробелов.", field="login"
        )
    name = " ".join(full_name.split())
    if not name:
        raise ProblemError.one("Укажите фамилию, имя и отчество сотрудника.", field="full_name")
    try:
        role_value = StaffRole(role)
    except ValueError:
        raise ProblemError.one(
            f"Неизвестная роль «{role}»: выберите clerk (оператор) или admin (администратор).",
            field="role",
        ) from None
    return login_value, name, role_value


def _login_taken(s: OrmSession, login_value: str) -> bool:
    return s.scalar(select(StaffUser.id).where(StaffUser.login == login_value)) is not None


def _taken(login_value: str) -> ProblemError:
    return ProblemError.one(f"Сотрудник с логином «{login_value}» уже есть.", field="login")
