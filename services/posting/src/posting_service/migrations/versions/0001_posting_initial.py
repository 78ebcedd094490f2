"""posting: ledger_refs, commands journal, posted_lines, parked_commands, inbox

Revision ID: posting_0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from ledgerbridge_common.db.migration_ops import create_inbox, timestamp

revision = "posting_0001"
down_revision = None
branch_labels = None
depends_on = None

SCHEMA = "posting"


def upgrade() -> None:
    create_inbox(SCHEMA)
    op.create_table(
        "ledger_refs",
        sa.Column("id", sa.BigInteger, autoincrement=True, nullable=False),
        sa.Column("connection_id", sa.String(100), nullable=False),
        sa.Column("target_side", sa.String(20), nullable=False),
        sa.Column("source_ref", sa.String(300), nullable=False),
        sa.Column("object_type", sa.String(40), nullable=False),
        sa.Column("target_id", sa.String(100), nullable=False),
        sa.Column("sync_token", sa.String(40)),
        sa.Column("last_fingerprint", sa.String(64)),
        sa.Column("last_command_id", sa.String(64)),
        timestamp("created_at"),
        timestamp("updated_at"),
        sa.PrimaryKeyConstraint("id", name="pk_ledger_refs"),
        sa.UniqueConstraint("connection_id", "target_side", "source_ref", name="uq_ledger_refs_source"),
        schema=SCHEMA,
    )
    op.create_table(
        "commands",
        sa.Column("command_id", sa.String(64), nullable=False),
        sa.Column("connection_id", sa.String(100), nullable=False),
        sa.Column("source_ref", sa.String(300), nullable=False),
        sa.Column("object_type", sa.String(40), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("target_side", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("request_id", sa.String(50)),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("target_id", sa.String(100)),
        sa.Column("error", sa.Text),
        sa.Column("outcome", JSONB),
        timestamp("created_at"),
        timestamp("updated_at"),
        sa.PrimaryKeyConstraint("command_id", name="pk_commands"),
        schema=SCHEMA,
    )
    op.create_index("ix_commands_connection_source", "commands", ["connection_id", "source_ref"], schema=SCHEMA)
    op.create_table(
        "posted_lines",
        sa.Column("id", sa.BigInteger, autoincrement=True, nullable=False),
        sa.Column("command_id", sa.String(64), nullable=False),
        sa.Column("connection_id", sa.String(100), nullable=False),
        sa.Column("source_ref", sa.String(300), nullable=False),
        sa.Column("object_type", sa.String(40), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("account_id", sa.String(100), nullable=False),
        sa.Column("debit", sa.Numeric(18, 2), nullable=False, server_default="0"),
        sa.Column("credit", sa.Numeric(18, 2), nullable=False, server_default="0"),
        timestamp("posted_at"),
        sa.PrimaryKeyConstraint("id", name="pk_posted_lines"),
        schema=SCHEMA,
    )
    op.create_index("ix_posted_lines_command_id", "posted_lines", ["command_id"], schema=SCHEMA)
    op.create_index(
        "ix_posted_lines_connection_account", "posted_lines", ["connection_id", "account_id"], schema=SCHEMA
    )
    op.create_index("ix_posted_lines_connection_source", "posted_lines", ["connection_id", "source_ref"], schema=SCHEMA)
    op.create_table(
        "parked_commands",
        sa.Column("command_id", sa.String(64), nullable=False),
        sa.Column("connection_id", sa.String(100), nullable=False),
        sa.Column("source_ref", sa.String(300), nullable=False),
        sa.Column("waiting_for", JSONB, nullable=False),
        sa.Column("command", JSONB, nullable=False),
        timestamp("parked_at"),
        sa.PrimaryKeyConstraint("command_id", name="pk_parked_commands"),
        schema=SCHEMA,
    )
    op.create_index("ix_parked_commands_connection_id", "parked_commands", ["connection_id"], schema=SCHEMA)


def downgrade() -> None:
    for table in ("parked_commands", "posted_lines", "commands", "ledger_refs", "processed_messages"):
        op.drop_table(table, schema=SCHEMA)
