"""Who is acting: a resident on their own account, a clerk or administrator, or the system."""

from __future__ import annotations

from dataclasses import dataclass

from db.models import Channel, StaffRole
from desktop.errors import AccessDeniedError


@dataclass(frozen=True)
class Actor:
    kind: str  # "resident" | "staff" | "system"
    name: str  # the account number, the staff login, or "system"
    account_id: int | None = None  # a resident's own account
    staff_id: int | None = None
    role: StaffRole | None = None
    channel: Channel = Channel.RESIDENT

    @property
    def label(self) -> str:
        return self.name if self.kind == "system" else f"{self.kind}:{self.name}"

    @property
    def is_staff(self) -> bool:
        return self.kind in ("staff", "system")

    def check_account(self, account_id: int) -> None:
        """A resident may act on their own account only."""
        if not self.is_staff and self.account_id != account_id:
            raise AccessDeniedError("Нет доступа к этому лицевому счёту.")

    @classmethod
    def resident(cls, account_id: int, number: str, *, kiosk: bool = False) -> Actor:
        channel = Channel.KIOSK if kiosk else Channel.RESIDENT
        return cls("resident", number, account_id=account_id, channel=channel)

    @classmethod
    def staff(cls, staff_id: int, login: str, role: StaffRole) -> Actor:
        return cls("staff", login, staff_id=staff_id, role=role, channel=Channel.CLERK)


SYSTEM = Actor("system", "system", channel=Channel.IMPORT)
