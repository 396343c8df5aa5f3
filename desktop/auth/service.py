"""The one sign-in service the screens and the command line use: residents, staff, and the
change of a signed-in user's password.

Its parts are built from what the composition root (``desktop.app``) hands in: the postman
who wakes the mail sender after a commit that queued mail, and this machine's device id
(for the per-device throttle).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session as OrmSession

from db.engine import Database
from db.models import ResidentCredential, StaffRole, StaffUser
from desktop import audit
from desktop.actors import SYSTEM, Actor, ActorKind
from desktop.audit import AuditAction
from desktop.auth import sealed_writes
from desktop.auth.code_issue import IssuedCode, RegistrationCodes
from desktop.auth.credentials import set_password
from desktop.auth.errors import LoginThrottled, on_field
from desktop.auth.letters import Postman, ResidentMail
from desktop.auth.model import RegistrationResult, ResetRequestResult, SignedIn
from desktop.auth.residents import ResidentAuth
from desktop.auth.sealed import PASSWORD, SecretCheck, has_password, plain_columns
from desktop.auth.sealed_staff import StaffSecretCheck, staff_by_id
from desktop.auth.staff import StaffAuth, StaffInfo
from desktop.auth.throttle import Throttle
from desktop.clock import Clock
from desktop.common.problems import ProblemError
from desktop.errors import AccessDeniedError
from desktop.passwords import check_policy, hash_password
from desktop.sessions import (
    LOGOUT,
    ONE_TIME_ABANDONED,
    PASSWORD_CHANGED,
    end_sessions,
    ensure_live,
)
from desktop.settings import Settings

# A session opened with a one-time password may choose the new one for this long.
ONE_TIME_SESSION = timedelta(minutes=15)


class AuthService:
    """Sign-in, registration, password reset and change, staff accounts."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        settings: Settings,
        *,
        postman: Postman | None = None,
        device: str,
    ) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings
        self.throttle = Throttle(db, device)
        self.residents = ResidentAuth(db, clock, ResidentMail(settings, postman), self.throttle)
        self.staff = StaffAuth(db, clock, self.throttle)
        self.codes = RegistrationCodes(db, clock)

    # --- residents ----------------------------------------------------------------------

    def login(self, account_number: str, password: str, *, kiosk: bool = False) -> SignedIn:
        """Sign a resident in; LoginError or LoginThrottled, the same for every account."""
        return self.residents.login(account_number, password, kiosk=kiosk)

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
        """Register a resident and send a one-time password valid 24 h; ``code`` is the
        registration code from the receipt (see ResidentAuth.register)."""
        return self.residents.register(fio, account_number, phone, email, code, actor=actor)

    def reissue_code(self, actor: Actor, account_id: int) -> IssuedCode:
        """A new registration code for the office's slip (the old one is void); clerks only,
        audited. The plain code is returned once, to print."""
        return self.codes.reissue(actor, account_id)

    def request_reset(
        self, account_number: str, email: str, *, actor: Actor | None = None
    ) -> ResetRequestResult:
        """«Забыли пароль?»: mail a code if the e-mail matches; a neutral answer either way."""
        return self.residents.request_reset(account_number, email, actor=actor)

    def complete_reset(self, account_number: str, code: str, new_password: str) -> None:
        """Set a new password with the mailed code; the code works once."""
        self.residents.complete_reset(account_number, code, new_password)

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
        """Add a clerk or administrator (see StaffAuth.create_staff)."""
        return self.staff.create_staff(login, full_name, role, password, by=by)

    def check_new_staff(
        self, login: str, full_name: str, role: StaffRole | str, *, by: Actor = SYSTEM
    ) -> None:
        """What create_staff would refuse, asked before the password is typed."""
        self.staff.check_new_staff(login, full_name, role, by=by)

    def list_staff(self, by: Actor = SYSTEM) -> list[StaffInfo]:
        """Every clerk and administrator, by login; for an administrator (or the system)."""
        return self.staff.list_staff(by)

    def set_staff_active(self, login: str, active: bool, *, by: Actor = SYSTEM) -> StaffInfo:
        """Disable a staff member (their sessions end everywhere) or let them work again
        (see StaffAuth.set_active)."""
        return self.staff.set_active(login, active, by=by)

    def reset_staff_password(self, login: str, *, by: Actor = SYSTEM) -> str:
        """A new temporary password for a staff member, shown once; they change it at their
        next sign-in and their sessions end (see StaffAuth.reset_password)."""
        return self.staff.reset_password(login, by=by)

    def unlock(self, actor: Actor, password: str) -> None:
        """The staff member's password typed again at a desk locked after idle (see
        StaffAuth.unlock)."""
        self.staff.unlock(actor, password)

    def staff_login(self, login: str, password: str) -> SignedIn:
        """Sign a clerk or administrator in; one message for every failure."""
        return self.staff.staff_login(login, password)

    # --- everyone -----------------------------------------------------------------------

    def change_password(self, actor: Actor, current_password: str, new_password: str) -> Actor:
        """Replace the signed-in user's password: the current one must be right (unless the
        session was opened with a one-time password, which it has used up), the new one must
        pass the policy and differ from it. A wrong current password counts as a failed
        attempt, as at sign-in. Every other session of the holder ends; the caller's own
        goes on as a normal session, whose actor is returned. Argon2 runs outside any
        transaction."""
        resident = actor.kind in (ActorKind.RESIDENT, ActorKind.KIOSK)
        if resident and actor.account_id is not None:
            with on_field("new_password"):
                check_policy(new_password, account_number=actor.name)
        elif actor.kind in (ActorKind.CLERK, ActorKind.ADMIN) and actor.staff_id is not None:
            with on_field("new_password"):
                check_policy(new_password)
        else:
            raise AccessDeniedError("Сменить пароль может только вошедший пользователь.")
        keys = self.throttle.keys("resident" if resident else "staff", actor.name)
        # A kiosk's role cannot read the hash, nor a clerk's a staff member's: the check asks
        # the database (sealed, sealed_staff).
        check = SecretCheck(PASSWORD, actor.name) if resident else StaffSecretCheck(actor.name)
        with self.db.read() as s:
            wait = 0 if actor.one_time else self.throttle.wait(s, keys, self.clock.now())
            holder = _holder(s, actor, lock=False)
            if isinstance(holder, ResidentCredential):
                check.load(s, holder)
                present = has_password(s, holder, actor.name)
            else:
                check.load(s, holder)
                present = isinstance(check, StaffSecretCheck) and check.present
        if holder is None or not present:
            raise AccessDeniedError(UNAVAILABLE)
        if actor.one_time:
            matches = True  # the sign-in checked it and used it up: the session proves it
        else:
            if not wait:
                check.run(current_password)
            matches = check.matches
        if matches and new_password == current_password:
            raise _same_password()
        new_hash = hash_password(new_password) if matches or check.sealed else None
        with self.db.unit_of_work() as s:
            now = self.clock.now()
            # The credential before the session rows, in the order a reset takes them: two
            # password changes of one account at once then wait, never deadlock. A kiosk's
            # role may not lock (or write) the credential: its function does both.
            kiosk_sealed = check.sealed and not isinstance(check, StaffSecretCheck)
            holder = _holder(s, actor, lock=not kiosk_sealed)
            resident_sealed = check.sealed and isinstance(holder, ResidentCredential)
            if resident_sealed:
                wait = wait or (0 if actor.one_time else self.throttle.wait(s, keys, now))
                reason = (
                    "throttled"
                    if wait
                    else sealed_writes.change_password(
                        s,
                        actor.name,
                        None if actor.one_time else check.candidate or "",
                        new_hash or "",
                        now,
                        ONE_TIME_SESSION,
                    )
                )
                session = ensure_live(s, actor) if actor.session_id is not None else None
                if reason == "no_session":
                    raise AccessDeniedError(UNAVAILABLE)
                if not reason and not actor.one_time and new_password == current_password:
                    raise _same_password()  # rolled back with the function's write
            else:
                session = ensure_live(s, actor) if actor.session_id is not None else None
            if resident_sealed:
                unchanged = True  # the function compared and wrote under its own lock
            else:
                found = check.outcome(s, holder) if holder is not None else None
                unchanged = found is not None and found.unchanged
                if found is not None and check.sealed and not actor.one_time:
                    # A staff member at a clerk's desk: the database compared (sealed_staff),
                    # unless its throttle refused the attempt.
                    wait = wait or check.wait
                    matches = found.matches and not wait
                    if matches and new_password == current_password:
                        raise _same_password()
            if holder is None or not unchanged:
                raise AccessDeniedError(UNAVAILABLE)
            expires_at = (
                holder.password_expires_at if isinstance(holder, ResidentCredential) else None
            )
            if resident_sealed:
                pass  # the reason is the function's
            elif actor.one_time:
                too_late = session is None or now >= session.created_at + ONE_TIME_SESSION
                reason = "expired" if too_late or not holder.must_change else ""
            else:
                wait = wait or self.throttle.wait(s, keys, now)
                if wait:
                    reason = "throttled"
                elif not matches:
                    reason = "wrong_password"
                elif expires_at is not None and now >= expires_at:
                    reason = "expired"
                else:
                    reason = ""
            if not reason and new_hash is not None:
                if isinstance(holder, ResidentCredential):
                    if not check.sealed:  # (sealed: written by the function)
                        set_password(holder, new_hash, now, expires_at=None)
                    account_id = holder.account_id
                    end_sessions(
                        s, now, PASSWORD_CHANGED, account_id=account_id, keep=actor.session_id
                    )
                else:
                    if not isinstance(check, StaffSecretCheck) or not check.store(
                        s, holder, new_hash, actor, now
                    ):
                        raise AccessDeniedError(UNAVAILABLE)
                    end_sessions(
                        s, now, PASSWORD_CHANGED, staff_id=holder.id, keep=actor.session_id
                    )
                if session is not None:
                    session.one_time = False
                if not actor.one_time:
                    self.throttle.succeeded(s, keys)
                audit.record(
                    s, now, actor, AuditAction.PASSWORD_CHANGE, account_id=actor.account_id
                )
                return replace(actor, one_time=False)
            if reason == "expired" and session is not None and actor.one_time:
                end_sessions(s, now, ONE_TIME_ABANDONED, session_id=session.id)
            if reason in ("wrong_password", "expired") and not actor.one_time:
                self.throttle.failed(s, keys, now)
            audit.record(
                s,
                now,
                actor,
                AuditAction.PASSWORD_CHANGE,
                account_id=actor.account_id,
                ok=False,
                reason=reason,
            )
        if wait:
            raise LoginThrottled(wait, field="current_password")
        if reason == "expired":
            raise ProblemError.one(
                "Срок действия одноразового пароля истёк. Получите новый: «Забыли пароль?» "
                "на странице входа.",
                field="current_password",
            )
        raise ProblemError.one(
            "Текущий пароль введён неверно. Проверьте раскладку и Caps Lock.",
            field="current_password",
        )

    def logout(self, actor: Actor) -> None:
        """End the actor's session (a one-time-password one too: its password is used up,
        a new one is asked for with «Забыли пароль?» or at the office)."""
        if actor.session_id is None:
            return
        reason = ONE_TIME_ABANDONED if actor.one_time else LOGOUT
        with self.db.unit_of_work() as s:
            end_sessions(s, self.clock.now(), reason, session_id=actor.session_id)


UNAVAILABLE = "Учетная запись недоступна. Войдите снова."


def _same_password() -> ProblemError:
    return ProblemError.one(
        "Новый пароль совпадает с текущим. Придумайте другой.", field="new_password"
    )


def _holder(s: OrmSession, actor: Actor, *, lock: bool) -> ResidentCredential | StaffUser | None:
    """Whose password the actor changes: the account's credential or the (active) staff
    member."""
    if actor.kind in (ActorKind.RESIDENT, ActorKind.KIOSK):
        query = (
            select(ResidentCredential)
            .options(*plain_columns(s))
            .where(ResidentCredential.account_id == actor.account_id)
        )
        return s.scalars(query.with_for_update() if lock else query).one_or_none()
    return staff_by_id(s, actor.staff_id, lock=lock)
