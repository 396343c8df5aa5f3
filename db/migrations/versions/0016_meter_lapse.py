"""a meter's latest lapse of verification: the due date it ran out after and the day the office
recorded the next one, so that the months it was out of verification stay closed to values
once the new date is in (desktop.readings.values.overdue_reason); NULL while it never lapsed

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("meter", sa.Column("lapsed_after", sa.Date(), nullable=True))
    op.add_column("meter", sa.Column("verified_again_on", sa.Date(), nullable=True))


def downgrade() -> None:
    # Not a batch: SQLite (3.35+) drops the column in place (see 0013).
    op.drop_column("meter", "verified_again_on")
    op.drop_column("meter", "lapsed_after")
