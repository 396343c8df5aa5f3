"""readings exported to 1C and to ГИС ЖКХ: each export (month, where to, file, who, when) and
the periods it carried, so that exporting a month again says what changed since; and 1C's
refusal of a period's readings (``period.declined_at``/``declined_reason``), the other answer
of its ``accepted`` file beside «Обновлено из 1С»

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "readings_export",
        sa.Column("id", _ID, nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("target", sa.String(length=10), nullable=False),
        sa.Column("file_format", sa.String(length=10), nullable=False),
        sa.Column("file_name", sa.String(length=300), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("exported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("exported_by", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_readings_export")),
    )
    op.create_index(
        "ix_readings_export_month_target", "readings_export", ["month", "target"], unique=False
    )
    op.create_table(
        "readings_export_period",
        sa.Column("export_id", _ID, nullable=False),
        # No foreign key: a period deleted since stays listed, and is reported as removed.
        sa.Column("period_id", _ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["export_id"],
            ["readings_export.id"],
            name=op.f("fk_readings_export_period_export_id_readings_export"),
        ),
        sa.PrimaryKeyConstraint("export_id", "period_id", name=op.f("pk_readings_export_period")),
    )
    op.add_column("period", sa.Column("declined_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("period", sa.Column("declined_reason", sa.String(length=300), nullable=True))


def downgrade() -> None:
    op.drop_column("period", "declined_reason")
    op.drop_column("period", "declined_at")
    op.drop_table("readings_export_period")
    op.drop_index("ix_readings_export_month_target", table_name="readings_export")
    op.drop_table("readings_export")
