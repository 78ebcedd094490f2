"""Tables of the ``posting`` schema."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB

from ledgerbridge_common.db.engine import make_metadata
from ledgerbridge_common.db.inbox import inbox_table

metadata = make_metadata("posting")

inbox = inbox_table(metadata)

ledger_refs = Table(
    "ledger_refs",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("connection_id", String(100), nullable=False),
    Column("target_side", String(20), nullable=False),
    Column("source_ref", String(300), nullable=False),
    Column("object_type", String(40), nullable=False),
    Column("target_id", String(100), nullable=False),
    Column("concurrency_token", String(40)),
    Column("last_fingerprint", String(64)),
    Column("last_command_id", String(64)),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    UniqueConstraint("connection_id", "target_side", "source_ref", name="uq_ledger_refs_source"),
)

commands = Table(
    "commands",
    metadata,
    Column("command_id", String(64), primary_key=True),
    Column("connection_id", String(100), nullable=False),
    Column("source_ref", String(300), nullable=False),
    Column("object_type", String(40), nullable=False),
    Column("action", String(20), nullable=False),
    Column("target_side", String(20), nullable=False),
    Column("status", String(20), nullable=False),
    # in_flight (a write was sent), posted, failed, parked, skipped
    Column("request_id", String(50)),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("target_id", String(100)),
    Column("error", Text),
    Column("outcome", JSONB),
    # The SyncOutcome payload last emitted (re-emitted as is on a replay of a posted command).
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_commands_connection_source", "connection_id", "source_ref"),
)

posted_lines = Table(
    "posted_lines",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("command_id", String(64), nullable=False, index=True),
    Column("connection_id", String(100), nullable=False),
    Column("source_ref", String(300), nullable=False),
    Column("object_type", String(40), nullable=False),
    Column("kind", String(20), nullable=False),
    # posting (the object's lines), reversal (undoing earlier lines: void, or before an update)
    Column("account_id", String(100), nullable=False),
    Column("debit", Numeric(18, 2), nullable=False, server_default="0"),
    Column("credit", Numeric(18, 2), nullable=False, server_default="0"),
    Column("posted_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Index("ix_posted_lines_connection_account", "connection_id", "account_id"),
    Index("ix_posted_lines_connection_source", "connection_id", "source_ref"),
)

parked_commands = Table(
    "parked_commands",
    metadata,
    Column("command_id", String(64), primary_key=True),
    Column("connection_id", String(100), nullable=False, index=True),
    Column("source_ref", String(300), nullable=False),
    Column("waiting_for", JSONB, nullable=False),
    # source refs (placeholders) that could not be resolved
    Column("command", JSONB, nullable=False),
    # The PostingRequested payload, re-published when a dependency posts.
    Column("parked_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
