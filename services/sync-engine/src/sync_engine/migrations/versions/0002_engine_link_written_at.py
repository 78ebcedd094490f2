"""engine: links remember the vendor's last-updated time of our last write on each side

Revision ID: engine_0002
Revises: engine_0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "engine_0002"
down_revision = "engine_0001"
branch_labels = None
depends_on = None

SCHEMA = "engine"
COLUMNS = ("billcom_written_at", "ledger_written_at")


def upgrade() -> None:
    for name in COLUMNS:
        op.add_column("links", sa.Column(name, sa.DateTime(timezone=True), nullable=True), schema=SCHEMA)


def downgrade() -> None:
    for name in COLUMNS:
        op.drop_column("links", name, schema=SCHEMA)
