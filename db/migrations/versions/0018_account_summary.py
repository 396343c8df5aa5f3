"""each account's balance to pay and latest reading on a row of its own (``account_summary``),
kept by ``desktop.account_summary`` whenever the statement, the payments or the readings
change, so that a page of found accounts reads one row each; filled here for every account

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

# A frozen copy of desktop.account_summary's computation (``{after}``: the first day after
# the newest statement month, in the backend's own words).
_NEWEST = "(SELECT max(n.month) FROM statement_row n WHERE n.account_id = a.id)"
_FILL = f"""
INSERT INTO account_summary (account_id, balance, last_reading_at)
SELECT a.id,
    (SELECT coalesce(sum(r.closing), 0) FROM statement_row r
        WHERE r.account_id = a.id AND r.month = {_NEWEST})
    - (SELECT coalesce(sum(p.amount), 0) FROM payment p
        WHERE p.account_id = a.id AND ({_NEWEST} IS NULL OR p.paid_on >= {{after}})),
    (SELECT max(e.entered_at) FROM reading e WHERE e.period_id = (
        SELECT d.id FROM period d
        WHERE d.account_id = a.id AND EXISTS (
            SELECT 1 FROM reading x WHERE x.period_id = d.id AND x.entered_at IS NOT NULL)
        ORDER BY d.month DESC LIMIT 1))
FROM account a
"""


def upgrade() -> None:
    op.create_table(
        "account_summary",
        sa.Column("account_id", _ID, autoincrement=False, nullable=False),
        sa.Column("balance", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("last_reading_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
            name=op.f("fk_account_summary_account_id_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_account_summary")),
    )
    if op.get_bind().dialect.name == "postgresql":
        after = f"{_NEWEST} + INTERVAL '1 month'"
    else:
        after = f"date({_NEWEST}, '+1 month')"
    op.execute(_FILL.format(after=after))


def downgrade() -> None:
    op.drop_table("account_summary")
