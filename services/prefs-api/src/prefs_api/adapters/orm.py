"""Tables of the ``prefs`` schema."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB

from ledgerbridge_common.db.engine import make_metadata
from ledgerbridge_common.db.inbox import inbox_table

metadata = make_metadata("prefs")


def _now() -> Column[object]:
    return Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now())


connections = Table(
    "connections",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("tenant_id", String(64), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("status", String(16), nullable=False, server_default="active"),
    Column("billcom_org_id", String(64), nullable=False),
    Column("ledger_kind", String(32), nullable=False),
    Column("ledger_company_id", String(64), nullable=False),
    # Fernet token of the credentials JSON {"billcom": ..., "qbo": ...}
    Column("credentials", LargeBinary, nullable=True),
    _now(),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("tenant_id", String(64), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("scopes", JSONB, nullable=False),
    Column("connection_ids", JSONB, nullable=True),
    Column("secret_hash", String(64), nullable=False),
    _now(),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
)

preference_versions = Table(
    "preference_versions",
    metadata,
    Column("connection_id", String(64), ForeignKey("connections.id"), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("values", JSONB, nullable=False),
    Column("changes", JSONB, nullable=False),
    Column("changed_by", String(100), nullable=False),
    _now(),
)

bank_accounts = Table(
    "bank_accounts",
    metadata,
    Column("connection_id", String(64), ForeignKey("connections.id"), primary_key=True),
    Column("bank_account_id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("last4", String(8), nullable=False),
    Column("chart_of_account_id", String(64), nullable=True),
    Column("archived", Boolean, nullable=False, server_default="false"),
    _now(),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

mappings = Table(
    "mappings",
    metadata,
    Column("connection_id", String(64), ForeignKey("connections.id"), primary_key=True),
    Column("kind", String(16), primary_key=True),  # accounts | vendors | customers | fields
    Column("scope", String(32), primary_key=True),  # object type for field mappings, "" otherwise
    Column("source", String(200), primary_key=True),
    Column("target", String(200), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

sync_log = Table(
    "sync_log",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("event_id", String(100), nullable=False, unique=True),
    Column("connection_id", String(64), nullable=False),
    Column("command_id", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("object_type", String(32), nullable=False),
    Column("source_ref", String(300), nullable=False),
    Column("target_side", String(16), nullable=True),
    Column("target_id", String(100), nullable=True),
    Column("error_code", String(100), nullable=True),
    Column("error_message", Text, nullable=True),
    Column("reason", Text, nullable=True),
    Column("attempts", Integer, nullable=False, server_default="1"),
    Column("decision", JSONB, nullable=True),
    Column("written", JSONB, nullable=True),
    Column("producer", String(32), nullable=False),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("replayed_at", DateTime(timezone=True), nullable=True),
    Column("actor", String(200), nullable=True),  # the API key name of a bookkeeper's action
    Column("closed_at", DateTime(timezone=True), nullable=True),
    Column("closed_by", String(200), nullable=True),  # an API key name, or "auto"
    Column("closed_reason", Text, nullable=True),
    Index("ix_sync_log_conn_time", "connection_id", "occurred_at"),
    Index("ix_sync_log_conn_status", "connection_id", "status"),
    Index("ix_sync_log_conn_ref", "connection_id", "source_ref"),
)

ignored_objects = Table(
    "ignored_objects",
    metadata,
    Column("connection_id", String(64), ForeignKey("connections.id"), primary_key=True),
    Column("source_ref", String(300), primary_key=True),
    Column("object_type", String(32), nullable=False),
    Column("ignored_by", String(200), nullable=False),
    Column("note", Text, nullable=True),
    _now(),
    comment="Objects the bookkeeper chose not to sync until un-ignored",
)

conflicts = Table(
    "conflicts",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("connection_id", String(64), nullable=False, index=True),
    Column("sync_log_id", BigInteger, ForeignKey("sync_log.id"), nullable=False),
    Column("command_id", String(64), nullable=False),
    Column("object_type", String(32), nullable=False),
    Column("source_ref", String(300), nullable=False),
    Column("target_side", String(16), nullable=True),
    Column("target_id", String(100), nullable=True),
    Column("rule", String(32), nullable=False),
    Column("winner", String(16), nullable=True),
    Column("reason", Text, nullable=False),
    Column("changed_fields", JSONB, nullable=False),
    Column("winning_version", JSONB, nullable=True),
    Column("losing_version", JSONB, nullable=False),
    Column("status", String(16), nullable=False, server_default="open"),
    _now(),
    Column("resolved_at", DateTime(timezone=True), nullable=True),
    Column("resolved_by", String(100), nullable=True),
    UniqueConstraint("sync_log_id"),
)

inbox = inbox_table(metadata)

spent_tokens = Table(
    "spent_tokens",
    metadata,
    Column("kind", String(32), primary_key=True),
    Column("token_id", String(64), primary_key=True),
    Column("expires_at", DateTime(timezone=True), nullable=False, index=True),
    comment="Single-use tokens already used (OAuth state) or revoked (signed-out status sessions)",
)
