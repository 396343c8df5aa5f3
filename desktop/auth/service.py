"""The one sign-in service the screens and the command line use: residents, staff, and the
change of a signed-in user's password.

Its parts are built from what the composition root (``desktop.app``) hands in: the postman
who wakes the mail sender after a commit that queued mail, and the throttle for unknown
names, shared by the whole process.
"""

from __future__ import annotations

from sqlalchemy import select

from db.engine import Database
from db.models import ResidentCredential, StaffRole, StaffUser
from desktop import audit
from desktop.actors import SYSTEM, Actor, ActorKind
from desktop.audit import AuditAction
from desktop.auth.codes import IssuedCode, RegistrationCodes
from desktop.auth.errors import LoginThrottled, on_field
from desktop.auth.letters import Postman, ResidentMail
from desktop.auth.model import RegistrationResult, ResetRequestResult, SignedIn
from desktop.auth.residents import ResidentAuth, set_password
from desktop.auth.staff import StaffAuth, StaffInfo
from desktop.auth.throttle import PhantomThrottle, attempt
from desktop.clock import Clock
from desktop.common.problems import ProblemError
from desktop.errors import AccessDeniedError
from desktop.passwords import check_policy, hash_password
from desktop.settings import Settings


class AuthService:
    """Sign-in, registration, password reset and change, staff accounts."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        settings: Settings,
        *,
        throttle: PhantomThrottle,
        postman: Postman | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings
        self.residents = ResidentAuth(db, clock, ResidentMail(settings, postman), throttle)
        self.staff = StaffAuth(db, clock, throttle)
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

    def staff_login(self, login: str, password: str) -> SignedIn:
        """Sign a clerk or administrator in; one message for every failure."""
        return self.staff.staff_login(login, password)

    # --- everyone -----------------------------------------------------------------------

    def change_password(self, actor: Actor, current_password: str, new_password: str) -> None:
        """Replace the signed-in user's password (a one-time one too): the current one must be
        right, the new one must pass the policy and differ from it. A wrong current password
        counts as a failed attempt, as at sign-in."""
        if actor.kind in (ActorKind.RESIDENT, ActorKind.KIOSK) and actor.account_id is not None:
            with on_field("new_password"):
                check_policy(new_password, account_number=actor.name)
        elif actor.kind in (ActorKind.CLERK, ActorKind.ADMIN) and actor.staff_id is not None:
            with on_field("new_password"):
                check_policy(new_password)
        else:
            raise AccessDeniedError("Сменить пароль может только вошедший пользователь.")
        with self.db.unit_of_work() as s:
            now = self.clock.now()
            holder: ResidentCredential | StaffUser | None
            if actor.kind in (ActorKind.RESIDENT, ActorKind.KIOSK):
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
            outcome = attempt(holder, holder.password_hash, current_password, now, expires_at)
            if outcome.ok:
                if new_password == current_password:
                    raise ProblemError.one(
                        "Новый пароль совпадает с текущим. Придумайте другой.",
                        field="new_password",
                    )
                if isinstance(holder, ResidentCredential):
                    set_password(holder, hash_password(new_password), now, expires_at=None)
                else:
                    holder.password_hash = hash_password(new_password)
                    holder.must_change = False
                audit.record(
                    s, now, actor, AuditAction.PASSWORD_CHANGE, account_id=actor.account_id
                )
                return
            audit.record(
                s,
                now,
                actor,
                AuditAction.PASSWORD_CHANGE,
                account_id=actor.account_id,
                ok=False,
                reason=outcome.reason,
            )
        if outcome.wait:
            raise LoginThrottled(outcome.wait, field="current_password")
        if outcome.reason == "expired":
            raise ProblemError.one(
                "Срок действия одноразового пароля истёк. Получите новый: «Забыли пароль?» "
                "на странице входа.",
                field="current_password",
            )
        raise ProblemError.one(
            "Текущий пароль введён неверно. Проверьте раскладку и Caps Lock.",
            field="current_password",
        )
