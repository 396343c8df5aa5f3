"""a period's version, for optimistic locking of its readings

Every save of a period (or of its readings) bumps ``period.version`` with an
``UPDATE … WHERE version = <the version read>``, so a form opened before someone else's save,
or two desks saving at the same moment, cannot overwrite each other's values unnoticed.
Existing periods start at 1.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("period", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("version", sa.Integer(), nullable=False, server_default=sa.text("1"))
        )


def downgrade() -> None:
    with op.batch_alter_table("period", schema=None) as batch_op:
        batch_op.drop_column("version")
