"""errors the bookkeeper can clear: who acted on a sync-log row, closed errors, ignored objects

Revision ID: 0003_error_actions
Revises: 0002_spent_tokens
Create Date: 2026-12-05 06:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_error_actions"
down_revision: str | None = "0002_spent_tokens"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("sync_log", sa.Column("actor", sa.String(length=200), nullable=True), schema="prefs")
    op.add_column("sync_log", sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True), schema="prefs")
    op.add_column("sync_log", sa.Column("closed_by", sa.String(length=200), nullable=True), schema="prefs")
    op.add_column("sync_log", sa.Column("closed_reason", sa.Text(), nullable=True), schema="prefs")
    op.create_index("ix_sync_log_conn_ref", "sync_log", ["connection_id", "source_ref"], schema="prefs")
    op.create_table(
        "ignored_objects",
        sa.Column("connection_id", sa.String(length=64), nullable=False),
        sa.Column("source_ref", sa.String(length=300), nullable=False),
        sa.Column("object_type", sa.String(length=32), nullable=False),
        sa.Column("ignored_by", sa.String(length=200), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["connection_id"], ["prefs.connections.id"], name=op.f("fk_ignored_objects_connection_id_connections")
        ),
        sa.PrimaryKeyConstraint("connection_id", "source_ref", name=op.f("pk_ignored_objects")),
        schema="prefs",
        comment="Objects the bookkeeper chose not to sync until un-ignored",
    )


def downgrade() -> None:
    op.drop_table("ignored_objects", schema="prefs")
    op.drop_index("ix_sync_log_conn_ref", table_name="sync_log", schema="prefs")
    for column in ("closed_reason", "closed_by", "closed_at", "actor"):
        op.drop_column("sync_log", column, schema="prefs")
