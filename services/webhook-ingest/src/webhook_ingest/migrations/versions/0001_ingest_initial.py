"""ingest: deliveries (dedupe), sweep watermarks, sweep runs, inbox

Revision ID: ingest_0001
Revises:
Create Date: 2026-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from ledgerbridge_common.db.migration_ops import create_inbox

revision = "ingest_0001"
down_revision = None
branch_labels = None
depends_on = None

SCHEMA = "ingest"


def upgrade() -> None:
    op.create_table(
        "deliveries",
        sa.Column("dedupe_key", sa.String(300), nullable=False),
        sa.Column("connection_id", sa.String(100), nullable=False),
        sa.Column("vendor", sa.String(20), nullable=False),
        sa.Column("event_id", sa.String(64), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.PrimaryKeyConstraint("dedupe_key", "connection_id", name="pk_deliveries"),
        schema=SCHEMA,
    )
    op.create_table(
        "sweep_watermarks",
        sa.Column("connection_id", sa.String(100), nullable=False),
        sa.Column("side", sa.String(20), nullable=False),
        sa.Column("object_type", sa.String(40), nullable=False),
        sa.Column("watermark", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.PrimaryKeyConstraint("connection_id", "side", "object_type", name="pk_sweep_watermarks"),
        schema=SCHEMA,
    )
    op.create_table(
        "sweep_runs",
        sa.Column("connection_id", sa.String(100), nullable=False),
        sa.Column("last_trigger", sa.String(20), nullable=False),
        sa.Column("last_started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_succeeded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("connection_id", name="pk_sweep_runs"),
        schema=SCHEMA,
    )
    create_inbox(SCHEMA)


def downgrade() -> None:
    for table in ("processed_messages", "sweep_runs", "sweep_watermarks", "deliveries"):
        op.drop_table(table, schema=SCHEMA)
