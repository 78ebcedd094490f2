"""Tables of the ``ingest`` schema."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, DateTime, Identity, String, Table, Text, func

from ledgerbridge_common.db.engine import make_metadata
from ledgerbridge_common.db.inbox import inbox_table

metadata = make_metadata("ingest")

deliveries = Table(
    "deliveries",
    metadata,
    Column("dedupe_key", String(300), primary_key=True),
    Column("connection_id", String(100), primary_key=True),
    Column("vendor", String(20), nullable=False),
    Column("event_id", String(64), nullable=True),
    Column("status", String(20), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
"""One row per vendor event (CloudEvents ``id``, BILL ``eventId``, legacy tuple) and connection,
written only after its ``ChangeDetected`` was acknowledged by Kafka."""

sweep_watermarks = Table(
    "sweep_watermarks",
    metadata,
    Column("connection_id", String(100), primary_key=True),
    Column("side", String(20), primary_key=True),
    Column("object_type", String(40), primary_key=True),
    Column("watermark", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

sweep_runs = Table(
    "sweep_runs",
    metadata,
    Column("connection_id", String(100), primary_key=True),
    Column("last_trigger", String(20), nullable=False),
    Column("last_started_at", DateTime(timezone=True), nullable=False),
    Column("last_finished_at", DateTime(timezone=True), nullable=True),
    Column("last_succeeded_at", DateTime(timezone=True), nullable=True),
    Column("last_error", Text, nullable=True),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", BigInteger, Identity(always=True), primary_key=True),
    Column("connection_id", String(100), nullable=False),
    Column("topic", String(200), nullable=False),
    Column("event_id", String(64), nullable=False),
    Column("envelope", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
"""Envelopes Kafka did not acknowledge in time, relayed oldest first (``adapters/outbox.py``)."""

processed_messages = inbox_table(metadata)
