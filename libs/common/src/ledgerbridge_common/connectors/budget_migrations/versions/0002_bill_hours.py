"""ledger_budget.bill_hours: each BILL devKey's clock hour, per lane (requests, logins)

Revision ID: ledger_budget_0002
Revises: ledger_budget_0001
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "ledger_budget_0002"
down_revision = "ledger_budget_0001"
branch_labels = None
depends_on = None

SCHEMA = "ledger_budget"


def upgrade() -> None:
    op.create_table(
        "bill_hours",
        sa.Column("dev_key_id", sa.String(64), nullable=False),
        sa.Column("lane", sa.String(16), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("window_seconds", sa.Float, nullable=False),
        sa.Column("used", sa.Integer, nullable=False),
        sa.Column("hourly_limit", sa.Integer, nullable=False),
        sa.Column("allowed", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("dev_key_id", "lane", name="pk_bill_hours"),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("bill_hours", schema=SCHEMA)
