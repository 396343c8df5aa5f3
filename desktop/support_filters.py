"""The conditions behind the office's queue of support requests: a place in it, and the
requests whose words hold what was typed (``SupportService.list_for``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Account, RequestStatus, SupportRequest
from desktop.support_queue import QueueStatus, matches


def in_place(status: QueueStatus) -> tuple[Any, ...]:
    """The conditions of one place in the queue."""
    if status is QueueStatus.NEW:
        return (
            SupportRequest.status == RequestStatus.OPEN,
            SupportRequest.assigned_staff_id.is_(None),
        )
    if status is QueueStatus.IN_WORK:
        return (
            SupportRequest.status == RequestStatus.OPEN,
            SupportRequest.assigned_staff_id.is_not(None),
        )
    return (SupportRequest.status == RequestStatus(status.value),)


def matching(s: Session, where: list[Any], typed: str, limit: int | None) -> list[int]:
    """The ids of the requests meeting ``where`` whose words hold what was typed, newest
    first: read as short rows and compared here, where case and ё/е fold alike on both
    databases."""
    short = (
        select(
            SupportRequest.id,
            SupportRequest.topic,
            SupportRequest.message,
            SupportRequest.contact,
            Account.number,
            Account.fio,
        )
        .outerjoin(Account, Account.id == SupportRequest.account_id)
        .where(*where)
        .order_by(SupportRequest.created_at.desc(), SupportRequest.id.desc())
    )
    found: list[int] = []
    for row in s.execute(short):
        fields = (f"№{row.id}", str(row.id), row.topic, row.message, row.contact)
        if matches(typed, (*fields, row.number or "", row.fio or "")):
            found.append(row.id)
            if limit is not None and len(found) >= limit:
                break
    return found
