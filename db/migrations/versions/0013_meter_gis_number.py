"""a meter's number in ГИС ЖКХ: imported from 1C's list of meters, needed to pass readings to
ГИС ЖКХ («Номер ПУ в ГИС ЖКХ» of its template); NULL while unknown

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("meter", sa.Column("gis_number", sa.String(length=50), nullable=True))


def downgrade() -> None:
    # Not a batch: SQLite (3.35+) drops the column in place, where a batch's copy of the
    # table could not be dropped while readings refer to its rows.
    op.drop_column("meter", "gis_number")
