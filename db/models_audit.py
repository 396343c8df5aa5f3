"""The audit tables: the append-only, hash-chained log, the entries written but not yet
chained (PostgreSQL), and the chain's lock row. ``db.models`` re-exports them with every other
model."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base
from db.types import Id, UTCDateTime


class AuditEntry(Base):
    """The append-only, tamper-evident audit log. Triggers refuse UPDATE, DELETE, a REPLACE
    of an existing row and (PostgreSQL) TRUNCATE; see migrations 0001 and 0005. Each row's
    ``row_hash`` covers its values and the previous row's hash (``prev_hash``), so a changed
    or removed row breaks the chain (``desktop.audit.verify``). A trigger takes only the
    chain's next row (id = last + 1, ``prev_hash`` = the last ``row_hash``) and, on
    PostgreSQL, stamps ``db_role`` with the login that wrote it (migration 0009)."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_account_at", "account_id", "at"),
        Index("ix_audit_log_actor_id", "actor", "id"),  # «Журнал действий» by staff member
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor: Mapped[str] = mapped_column(String(100))  # «resident:3492», «staff:ivanova», «system»
    action: Mapped[str] = mapped_column(String(50), index=True)
    account_id: Mapped[int | None] = mapped_column(Id, ForeignKey("account.id"))
    ok: Mapped[bool] = mapped_column(Boolean, default=True)
    details: Mapped[str] = mapped_column(Text, default="")  # JSON
    prev_hash: Mapped[str] = mapped_column(String(64), server_default="")  # sha256 hex
    row_hash: Mapped[str] = mapped_column(String(64), server_default="")
    # PostgreSQL: the database login (session_user) that wrote the row, set by the trigger
    # whatever the client sent; NULL on SQLite and for rows from before 0009.
    db_role: Mapped[str | None] = mapped_column(String(63))


class AuditPending(Base):
    """An audit entry written but not yet chained (PostgreSQL, migration 0012): writers only
    append here, without any lock; ``audit_chain()`` (owned by the schema's owner) moves the
    committed ones into ``audit_log`` with their hashes. A trigger stamps ``db_role``."""

    __tablename__ = "audit_pending"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(50))
    account_id: Mapped[int | None] = mapped_column(Id)  # no key: audit_chain() checks it
    ok: Mapped[bool] = mapped_column(Boolean)
    details: Mapped[str] = mapped_column(Text)
    db_role: Mapped[str | None] = mapped_column(String(63))


class AuditChain(Base):
    """One row, locked by ``audit_chain()`` while it chains (SKIP LOCKED: never waited for);
    no application role may read or lock it (migration 0012)."""

    __tablename__ = "audit_chain"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
