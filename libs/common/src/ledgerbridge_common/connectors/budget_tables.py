"""Tables of the shared ledger budget (schema ``ledger_budget``), for its Alembic history."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Float, Integer, String, Table, func

from ledgerbridge_common.db.engine import make_metadata

metadata = make_metadata("ledger_budget")

companies = Table(
    "companies",
    metadata,
    Column("ledger_kind", String(40), primary_key=True),
    Column("company_id", String(64), primary_key=True),
    Column("minute_tat", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("second_tat", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("batch_tat", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("resume_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

leases = Table(
    "leases",
    metadata,
    Column("ledger_kind", String(40), primary_key=True),
    Column("company_id", String(64), primary_key=True),
    Column("slot", Integer, primary_key=True),
    Column("holder", String(200), nullable=True),
    Column("expires_at", DateTime(timezone=True), nullable=True),
)

bill_hours = Table(
    "bill_hours",
    metadata,
    Column("dev_key_id", String(64), primary_key=True),
    Column("lane", String(16), primary_key=True),
    Column("window_start", DateTime(timezone=True), nullable=False),
    Column("window_seconds", Float, nullable=False),
    Column("used", Integer, nullable=False),
    Column("hourly_limit", Integer, nullable=False),
    Column("allowed", Integer, nullable=False),
)
"""Each BILL devKey's current clock hour, per lane (``requests``, ``logins``)."""
