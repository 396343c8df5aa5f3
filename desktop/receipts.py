"""The account's receipts (the list; the PDF is built elsewhere)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from db.engine import Database
from db.models import Receipt
from desktop.actors import Actor
from desktop.clock import Clock
from desktop.months import month_name
from desktop.permissions import require_account
from desktop.settings import Settings


@dataclass(frozen=True)
class ReceiptInfo:
    id: int
    number: str
    issued_on: date
    description: str
    month: date
    total: Decimal

    @property
    def period_title(self) -> str:
        return f"{month_name(self.month)} г."


class ReceiptService:
    def __init__(self, db: Database, clock: Clock, settings: Settings) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings

    def receipts(self, actor: Actor, account_id: int) -> list[ReceiptInfo]:
        """Newest first, as the cabinet lists them."""
        require_account(actor, account_id)
        with self.db.read() as s:
            found = s.scalars(
                select(Receipt)
                .where(Receipt.account_id == account_id)
                .order_by(Receipt.month.desc(), Receipt.issued_on.desc())
            )
            return [
                ReceiptInfo(r.id, r.number, r.issued_on, r.description, r.month, r.total)
                for r in found
            ]
