"""payments from the banks' registries: one row per bank operation, for the resident's
«Платежи» list and for the debt, which counts the payments received after the last imported
statement month

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "payment",
        sa.Column("id", _ID, nullable=False),
        sa.Column("account_id", _ID, nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),  # kopecks (db.types.Money)
        sa.Column("commission", sa.BigInteger(), nullable=False),
        sa.Column("bank", sa.String(length=100), nullable=False),
        sa.Column("operation", sa.String(length=50), nullable=False),
        sa.Column("period", sa.Date(), nullable=True),
        sa.Column("batch_id", _ID, nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_payment_account_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["import_batch.id"], name=op.f("fk_payment_batch_id_import_batch")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment")),
        sa.UniqueConstraint("bank", "operation", "paid_on", name=op.f("uq_payment_bank")),
    )
    op.create_index(op.f("ix_payment_account_id"), "payment", ["account_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_payment_account_id"), table_name="payment")
    op.drop_table("payment")
