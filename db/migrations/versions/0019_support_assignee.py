"""who took a support request in work («Взять в работу» on the office's «Обращения») and
when; NULL while nobody has

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger()
_FK = "fk_support_request_assigned_staff_id_staff_user"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.add_column("support_request", sa.Column("assigned_staff_id", _ID, nullable=True))
        op.create_foreign_key(_FK, "support_request", "staff_user", ["assigned_staff_id"], ["id"])
    else:
        # SQLite adds a column with its reference in place (Alembic would want a batch, whose
        # copy of the table could not be dropped while answers refer to its rows).
        op.execute(
            "ALTER TABLE support_request ADD COLUMN assigned_staff_id INTEGER "
            f"CONSTRAINT {_FK} REFERENCES staff_user (id)"
        )
    op.add_column(
        "support_request", sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=True)
    )


def downgrade() -> None:
    op.drop_column("support_request", "assigned_at")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint(_FK, "support_request", type_="foreignkey")
    op.drop_column("support_request", "assigned_staff_id")
