"""spent tokens: used OAuth states, signed-out status-page sessions

Revision ID: 0002_spent_tokens
Revises: 0001_prefs_schema
Create Date: 2026-12-05 03:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_spent_tokens"
down_revision: str | None = "0001_prefs_schema"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "spent_tokens",
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("token_id", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("kind", "token_id", name=op.f("pk_spent_tokens")),
        schema="prefs",
        comment="Single-use tokens already used (OAuth state) or revoked (signed-out status sessions)",
    )
    op.create_index(op.f("ix_prefs_spent_tokens_expires_at"), "spent_tokens", ["expires_at"], schema="prefs")


def downgrade() -> None:
    op.drop_index(op.f("ix_prefs_spent_tokens_expires_at"), table_name="spent_tokens", schema="prefs")
    op.drop_table("spent_tokens", schema="prefs")
