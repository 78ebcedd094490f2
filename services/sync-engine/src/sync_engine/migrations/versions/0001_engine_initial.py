"""engine: links, commands, parked changes, inbox

Revision ID: engine_0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from ledgerbridge_common.db.migration_ops import create_inbox, timestamp

revision = "engine_0001"
down_revision = None
branch_labels = None
depends_on = None

SCHEMA = "engine"


def upgrade() -> None:
    create_inbox(SCHEMA)
    op.create_table(
        "links",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=True),
        sa.Column("connection_id", sa.String(100), nullable=False),
        sa.Column("object_type", sa.String(40), nullable=False),
        sa.Column("billcom_id", sa.String(100)),
        sa.Column("ledger_id", sa.String(100)),
        sa.Column("billcom_fingerprint", sa.String(64)),
        sa.Column("ledger_fingerprint", sa.String(64)),
        sa.Column("billcom_view", JSONB),
        sa.Column("ledger_view", JSONB),
        sa.Column("last_command_id", sa.String(64)),
        sa.Column("pending_command_id", sa.String(64)),
        timestamp("updated_at"),
        sa.UniqueConstraint("connection_id", "object_type", "billcom_id", name="uq_links_billcom"),
        sa.UniqueConstraint("connection_id", "object_type", "ledger_id", name="uq_links_ledger"),
        schema=SCHEMA,
    )
    op.create_table(
        "commands",
        sa.Column("command_id", sa.String(64), primary_key=True),
        sa.Column("connection_id", sa.String(100), nullable=False),
        sa.Column("object_type", sa.String(40), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("source_ref", sa.Text, nullable=False),
        sa.Column("target_side", sa.String(10), nullable=False),
        sa.Column("link_object_type", sa.String(40), nullable=False),
        sa.Column("source_fingerprint", sa.String(64)),
        sa.Column("source_view", JSONB),
        sa.Column("status", sa.String(20), nullable=False, server_default="pending"),
        timestamp("created_at"),
        timestamp("updated_at"),
        schema=SCHEMA,
    )
    op.create_index("ix_commands_pending", "commands", ["connection_id", "object_type", "status"], schema=SCHEMA)
    op.create_table(
        "parked",
        sa.Column("connection_id", sa.String(100), nullable=False),
        sa.Column("source_ref", sa.Text, nullable=False),
        sa.Column("waiting_for", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("change", JSONB, nullable=False),
        timestamp("parked_at"),
        sa.PrimaryKeyConstraint("connection_id", "source_ref", name="pk_parked"),
        schema=SCHEMA,
    )
    op.create_index("ix_parked_waiting", "parked", ["connection_id", "waiting_for"], schema=SCHEMA)


def downgrade() -> None:
    for table in ("parked", "commands", "links", "processed_messages"):
        op.drop_table(table, schema=SCHEMA)
