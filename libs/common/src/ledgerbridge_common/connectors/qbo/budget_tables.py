"""Tables of the shared QBO budget (schema ``qbo_budget``), for its Alembic history."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Integer, String, Table, func

from ledgerbridge_common.db.engine import make_metadata

metadata = make_metadata("qbo_budget")

realms = Table(
    "realms",
    metadata,
    Column("realm_id", String(64), primary_key=True),
    Column("request_tat", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("batch_tat", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("resume_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

leases = Table(
    "leases",
    metadata,
    Column("realm_id", String(64), primary_key=True),
    Column("slot", Integer, primary_key=True),
    Column("holder", String(200), nullable=True),
    Column("expires_at", DateTime(timezone=True), nullable=True),
)
