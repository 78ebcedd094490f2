"""ledger_refs.sync_token -> concurrency_token (the ledger's opaque concurrency token, if any)

Revision ID: posting_0002
Revises: posting_0001
Create Date: 2026-12-05
"""

from __future__ import annotations

from alembic import op

revision = "posting_0002"
down_revision = "posting_0001"
branch_labels = None
depends_on = None

SCHEMA = "posting"


def upgrade() -> None:
    op.alter_column("ledger_refs", "sync_token", new_column_name="concurrency_token", schema=SCHEMA)


def downgrade() -> None:
    op.alter_column("ledger_refs", "concurrency_token", new_column_name="sync_token", schema=SCHEMA)
