"""a reading's confirmation and reason apart (they shared «note»)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CONFIRMATIONS = ("jump", "rollover", "replacement")


def upgrade() -> None:
    with op.batch_alter_table("reading", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "confirmation",
                sa.Enum(*CONFIRMATIONS, name="confirmation", native_enum=False, length=20),
                nullable=True,
            )
        )
        batch_op.add_column(
            sa.Column("reason", sa.String(length=300), nullable=False, server_default="")
        )
    reading = sa.table(
        "reading",
        sa.column("note", sa.String),
        sa.column("confirmation", sa.String),
        sa.column("reason", sa.String),
    )
    op.execute(
        reading.update()
        .where(reading.c.note.in_(CONFIRMATIONS))
        .values(confirmation=reading.c.note)
    )
    op.execute(
        reading.update()
        .where(reading.c.note.not_in(CONFIRMATIONS), reading.c.note != "")
        .values(reason=reading.c.note)
    )
    with op.batch_alter_table("reading", schema=None) as batch_op:
        batch_op.drop_column("note")


def downgrade() -> None:
    with op.batch_alter_table("reading", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("note", sa.String(length=300), nullable=False, server_default="")
        )
    reading = sa.table(
        "reading",
        sa.column("note", sa.String),
        sa.column("confirmation", sa.String),
        sa.column("reason", sa.String),
    )
    # One column held either: a confirmation wins, as the code read it first.
    op.execute(
        reading.update().values(note=sa.func.coalesce(reading.c.confirmation, reading.c.reason))
    )
    with op.batch_alter_table("reading", schema=None) as batch_op:
        batch_op.drop_column("reason")
        batch_op.drop_column("confirmation")
