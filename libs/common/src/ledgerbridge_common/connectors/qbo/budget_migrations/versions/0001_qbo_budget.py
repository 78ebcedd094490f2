"""qbo_budget: realms (GCRA lanes, cool-down) and leases (concurrency slots)

Revision ID: qbo_budget_0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "qbo_budget_0001"
down_revision = None
branch_labels = None
depends_on = None

SCHEMA = "qbo_budget"


def _ts(name: str) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now())


def upgrade() -> None:
    op.create_table(
        "realms",
        sa.Column("realm_id", sa.String(64), nullable=False),
        _ts("request_tat"),
        _ts("batch_tat"),
        _ts("resume_at"),
        sa.PrimaryKeyConstraint("realm_id", name="pk_realms"),
        schema=SCHEMA,
    )
    op.create_table(
        "leases",
        sa.Column("realm_id", sa.String(64), nullable=False),
        sa.Column("slot", sa.Integer, nullable=False),
        sa.Column("holder", sa.String(200), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("realm_id", "slot", name="pk_leases"),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("leases", schema=SCHEMA)
    op.drop_table("realms", schema=SCHEMA)
