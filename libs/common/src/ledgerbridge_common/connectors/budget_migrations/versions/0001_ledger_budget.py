"""ledger_budget: companies (GCRA lanes, cool-down) and leases (concurrency slots), per ledger kind

Revision ID: ledger_budget_0001
Revises:
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "ledger_budget_0001"
down_revision = None
branch_labels = None
depends_on = None

SCHEMA = "ledger_budget"
KEY = ("ledger_kind", "company_id")


def _ts(name: str) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now())


def upgrade() -> None:
    op.create_table(
        "companies",
        sa.Column("ledger_kind", sa.String(40), nullable=False),
        sa.Column("company_id", sa.String(64), nullable=False),
        _ts("minute_tat"),
        _ts("second_tat"),
        _ts("batch_tat"),
        _ts("resume_at"),
        sa.PrimaryKeyConstraint(*KEY, name="pk_companies"),
        schema=SCHEMA,
    )
    op.create_table(
        "leases",
        sa.Column("ledger_kind", sa.String(40), nullable=False),
        sa.Column("company_id", sa.String(64), nullable=False),
        sa.Column("slot", sa.Integer, nullable=False),
        sa.Column("holder", sa.String(200), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint(*KEY, "slot", name="pk_leases"),
        schema=SCHEMA,
    )
    # the QBO-only budget this one replaces held scheduling state only, never business data
    op.execute("DROP SCHEMA IF EXISTS qbo_budget CASCADE")


def downgrade() -> None:
    op.drop_table("leases", schema=SCHEMA)
    op.drop_table("companies", schema=SCHEMA)
