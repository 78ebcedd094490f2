"""Tables of the ``engine`` schema."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, DateTime, Index, String, Table, Text, UniqueConstraint, func
from sqlalchemy.dialects.postgresql import JSONB

from ledgerbridge_common.db.engine import make_metadata
from ledgerbridge_common.db.inbox import inbox_table

metadata = make_metadata("engine")
inbox = inbox_table(metadata)

links = Table(
    "links",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("connection_id", String(100), nullable=False),
    Column("object_type", String(40), nullable=False),
    Column("billcom_id", String(100)),
    Column("ledger_id", String(100)),
    Column("billcom_fingerprint", String(64)),
    Column("ledger_fingerprint", String(64)),
    Column("billcom_view", JSONB),
    Column("ledger_view", JSONB),
    Column("last_command_id", String(64)),
    Column("pending_command_id", String(64)),
    # the vendor's last-updated time of the object as we last wrote it (echo without a read)
    Column("billcom_written_at", DateTime(timezone=True)),
    Column("ledger_written_at", DateTime(timezone=True)),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    UniqueConstraint("connection_id", "object_type", "billcom_id", name="uq_links_billcom"),
    UniqueConstraint("connection_id", "object_type", "ledger_id", name="uq_links_ledger"),
)

commands = Table(
    "commands",
    metadata,
    Column("command_id", String(64), primary_key=True),
    Column("connection_id", String(100), nullable=False),
    Column("object_type", String(40), nullable=False),
    Column("action", String(20), nullable=False),
    Column("source_ref", Text, nullable=False),
    Column("target_side", String(10), nullable=False),
    Column("link_object_type", String(40), nullable=False),
    Column("source_fingerprint", String(64)),
    Column("source_view", JSONB),
    Column("status", String(20), nullable=False, server_default="pending"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_commands_pending", "connection_id", "object_type", "status"),
)

parked = Table(
    "parked",
    metadata,
    Column("connection_id", String(100), primary_key=True),
    Column("source_ref", Text, primary_key=True),
    Column("waiting_for", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("change", JSONB, nullable=False),
    Column("parked_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_parked_waiting", "connection_id", "waiting_for"),
)
