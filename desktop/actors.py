"""Who is acting: a resident at home or at the kiosk, a clerk, an administrator, or the system."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from db.models import Channel, StaffRole


class ActorKind(enum.StrEnum):
    """The kinds of actor; what each may do is the table in ``desktop.permissions``.

    KIOSK is a resident signed in at the office's self-service kiosk: their own account only,
    as RESIDENT, on a shared public machine. The kiosk before anyone signs in is not an actor:
    what it offers then (sign-in, registration, a support request) is anonymous.
    """

    RESIDENT = "resident"
    KIOSK = "kiosk"
    CLERK = "clerk"
    ADMIN = "admin"
    SYSTEM = "system"

    @property
    def label(self) -> str:
        """The kind in Russian, as screens and messages name it."""
        return _LABELS[self]


_LABELS = {
    ActorKind.RESIDENT: "житель",
    ActorKind.KIOSK: "киоск",
    ActorKind.CLERK: "оператор",
    ActorKind.ADMIN: "администратор",
    ActorKind.SYSTEM: "система",
}


@dataclass(frozen=True)
class Actor:
    """Someone (or something) the services act for; build one with the factories below."""

    kind: ActorKind
    name: str  # the account number, the staff login, or "system"
    account_id: int | None = None  # a resident's own account
    staff_id: int | None = None
    channel: Channel = Channel.RESIDENT
    # The sign-in's session (desktop.sessions): None for the system and the office's scripts,
    # which no one signs in to. Services refuse an actor whose session has ended.
    session_id: int | None = None
    # Signed in with a one-time password: may do nothing but choose a password.
    one_time: bool = False
    # The session's secret (desktop.sessions): only its SHA-256 is stored. Never shown, logged
    # or audited; an Actor with a session but without its token is refused.
    session_token: str | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", ActorKind(self.kind))

    @property
    def label(self) -> str:
        """The audit log's ``actor``: «resident:3492», «staff:ivanova» or «system».

        Unchanged since kinds were two («resident», «staff»), so old and new rows read alike:
        a kiosk resident is «resident:…» (the login's ``channel`` tells the kiosk) and
        clerks and administrators are both «staff:…» (the login names the person).
        """
        prefix = _LABEL_PREFIXES[self.kind]
        return f"{prefix}:{self.name}" if prefix else self.name

    @property
    def role(self) -> StaffRole | None:
        """A staff member's role, as StaffUser stores it; None for everyone else."""
        return _ROLES.get(self.kind)

    @classmethod
    def resident(
        cls,
        account_id: int,
        number: str,
        *,
        kiosk: bool = False,
        session_id: int | None = None,
        one_time: bool = False,
        session_token: str | None = None,
    ) -> Actor:
        kind, channel = (
            (ActorKind.KIOSK, Channel.KIOSK) if kiosk else (ActorKind.RESIDENT, Channel.RESIDENT)
        )
        return cls(
            kind,
            number,
            account_id=account_id,
            channel=channel,
            session_id=session_id,
            one_time=one_time,
            session_token=session_token,
        )

    @classmethod
    def staff(
        cls,
        staff_id: int,
        login: str,
        role: StaffRole | str,
        *,
        session_id: int | None = None,
        session_token: str | None = None,
    ) -> Actor:
        kind = ActorKind.ADMIN if StaffRole(role) is StaffRole.ADMIN else ActorKind.CLERK
        return cls(
            kind,
            login,
            staff_id=staff_id,
            channel=Channel.CLERK,
            session_id=session_id,
            session_token=session_token,
        )


_LABEL_PREFIXES = {
    ActorKind.RESIDENT: "resident",
    ActorKind.KIOSK: "resident",
    ActorKind.CLERK: "staff",
    ActorKind.ADMIN: "staff",
    ActorKind.SYSTEM: "",
}
_ROLES = {ActorKind.CLERK: StaffRole.CLERK, ActorKind.ADMIN: StaffRole.ADMIN}

SYSTEM = Actor(ActorKind.SYSTEM, "system", channel=Channel.IMPORT)
