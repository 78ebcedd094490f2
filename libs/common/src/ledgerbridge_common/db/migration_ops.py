"""Alembic pieces every service's history shares: the inbox table (``db/inbox.py``) and the
``created_at``-style timestamp column. Call them from a revision's ``upgrade``/``downgrade``."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


def timestamp(name: str) -> sa.Column[object]:
    """A ``timestamptz NOT NULL DEFAULT now()`` column."""
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now())


def create_inbox(schema: str) -> None:
    """``<schema>.processed_messages``: one row per (consumer, message id) handled."""
    op.create_table(
        "processed_messages",
        sa.Column("consumer", sa.String(100), nullable=False),
        sa.Column("message_id", sa.String(100), nullable=False),
        timestamp("processed_at"),
        sa.PrimaryKeyConstraint("consumer", "message_id", name="pk_processed_messages"),
        schema=schema,
    )
