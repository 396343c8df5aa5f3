"""The audit log: who did what, when (UTC). Rows are only ever added."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import AuditEntry
from desktop.actors import Actor


def record(
    session: Session,
    at: datetime,
    actor: Actor | str,
    action: str,
    *,
    account_id: int | None = None,
    ok: bool = True,
    **details: Any,
) -> None:
    """Add an entry in the caller's transaction, so it lands exactly when the change does."""
    session.add(
        AuditEntry(
            at=at,
            actor=actor if isinstance(actor, str) else actor.label,
            action=action,
            account_id=account_id,
            ok=ok,
            details=json.dumps(details, ensure_ascii=False, default=str, sort_keys=True),
        )
    )


def entries(
    session: Session, *, account_id: int | None = None, action: str | None = None, limit: int = 200
) -> list[AuditEntry]:
    """The newest entries first, optionally for one account or one action."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if account_id is not None:
        query = query.where(AuditEntry.account_id == account_id)
    if action is not None:
        query = query.where(AuditEntry.action == action)
    return list(session.scalars(query))
