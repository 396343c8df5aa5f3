"""registration codes (one per account, printed on receipts and slips, stored as a keyed hash);
the outbox becomes a queue that a sender delivers after commit

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "registration_code",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=120), nullable=True),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_registration_code_account_id_account")
        ),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_registration_code")),
    )
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        # Rows from before were slips for the office (no SMTP, or it failed).
        batch_op.add_column(
            sa.Column("channel", sa.String(length=10), nullable=False, server_default="slip")
        )
        batch_op.add_column(
            sa.Column("status", sa.String(length=10), nullable=False, server_default="queued")
        )
        batch_op.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("next_attempt_at", sa.DateTime(timezone=True)))
        batch_op.add_column(sa.Column("sent_at", sa.DateTime(timezone=True)))
        batch_op.add_column(sa.Column("expires_at", sa.DateTime(timezone=True)))
        batch_op.add_column(
            sa.Column("last_error", sa.String(length=300), nullable=False, server_default="")
        )
        batch_op.create_index(
            "ix_outbox_message_due", ["channel", "status", "next_attempt_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_message_due")
        for column in (
            "last_error",
            "expires_at",
            "sent_at",
            "next_attempt_at",
            "attempts",
            "status",
            "channel",
        ):
            batch_op.drop_column(column)
    op.drop_table("registration_code")
