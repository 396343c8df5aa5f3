"""a letter in the outbox may carry one file (the receipt's PDF a kiosk sends to the
resident's e-mail on file): its name and bytes, cleared once the letter is sent or given up

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "outbox_message",
        sa.Column("attachment_name", sa.String(100), nullable=False, server_default=""),
    )
    op.add_column("outbox_message", sa.Column("attachment", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    # Not a batch: SQLite (3.35+) drops the column in place (see 0013).
    op.drop_column("outbox_message", "attachment")
    op.drop_column("outbox_message", "attachment_name")
