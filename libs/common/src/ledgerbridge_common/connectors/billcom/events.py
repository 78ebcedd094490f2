"""Which BILL changes arrive by webhook, which must be polled, and how often polling can run
within a devKey's hourly limit.

``WEBHOOK_EVENT_TYPES`` is every event type of an organization-level subscription that
``../shared/reference/billcom.md`` §2 lists (/docs/notification-payloads-reference,
/docs/ap-mass-payment-notification-payloads). The ``spend.*`` events belong to the Spend &
Expense API, whose subscriptions authenticate with an S&E ``apiToken``, not the devKey and
session LedgerBridge holds (§2, "S&E = apiToken"): they are not part of this list.

BILL sends no event for the types in ``EVENTLESS_TYPES`` (§2, NOTE): each connection polls them
with list endpoints and ``updatedTime`` filters every ``poll_interval_minutes`` (a preference,
default 5). :func:`poll_plan` stretches those intervals when the devKey's connections together
would poll more than ``POLL_SHARE`` of its hourly limit.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ledgerbridge_common.canonical.models import ObjectType
from ledgerbridge_common.connectors.billcom.budget import BillLimits

WEBHOOK_EVENT_TYPES: tuple[str, ...] = (
    "vendor.created", "vendor.updated", "vendor.archived", "vendor.restored",
    "bill.created", "bill.updated", "bill.archived", "bill.restored",
    "invoice.created", "invoice.updated", "invoice.archived", "invoice.restored",
    "payment.updated", "payment.failed", "autopay.failed", "mass-payment.updated",
    "bank-account.created", "bank-account.updated", "card-account.created", "card-account.updated",
    "risk-verification.updated",
)  # fmt: skip
"""Every event type an organization subscription gets (one shared list: ``billcom-subscribe`` and
prefs-api's connect flow subscribe to exactly these)."""

EVENTLESS_TYPES: tuple[ObjectType, ...] = (
    ObjectType.CUSTOMER, ObjectType.ACCOUNT, ObjectType.CLASS, ObjectType.DEPARTMENT, ObjectType.LOCATION,
    ObjectType.ITEM, ObjectType.VENDOR_CREDIT, ObjectType.RECEIVED_PAYMENT, ObjectType.FUNDS_TRANSFER,
)  # fmt: skip
"""Synced BILL types without a webhook event: polled on their own short cadence."""

DEFAULT_POLL_MINUTES = 5
POLL_SHARE = 0.25
"""Share of a devKey's hourly limit the short polls may plan to use (the rest: webhook-driven
reads, writes, daily sweeps, and what the companies' own users of the devKey send)."""


@dataclass(frozen=True)
class PollPlan:
    """One devKey's short polls: per connection, the interval asked for and the one planned."""

    dev_key_id: str
    asked_minutes: Mapping[str, float]
    """connection id → ``poll_interval_minutes`` preference."""
    planned_minutes: Mapping[str, float] = field(default_factory=dict)
    requests_per_hour: int = 0
    """What the planned polls send when nothing changed (one list request per type and poll)."""
    budget_per_hour: int = 0
    """``POLL_SHARE`` of the devKey's hourly limit."""

    @property
    def stretched(self) -> bool:
        return any(self.planned_minutes[c] > m for c, m in self.asked_minutes.items())

    def as_dict(self) -> dict[str, Any]:
        return {
            "dev_key": self.dev_key_id,
            "types": [str(t) for t in EVENTLESS_TYPES],
            "connections": [
                {"connection_id": c, "asked_minutes": m, "planned_minutes": self.planned_minutes[c]}
                for c, m in sorted(self.asked_minutes.items())
            ],
            "requests_per_hour": self.requests_per_hour,
            "budget_per_hour": self.budget_per_hour,
            "stretched": self.stretched,
        }


def poll_plan(dev_key_id: str, asked_minutes: Mapping[str, float], limits: BillLimits | None = None) -> PollPlan:
    """Every connection polls at its preference, unless together they would need more than
    ``POLL_SHARE`` of the devKey's hour: then every interval is stretched by the same factor."""
    limits = limits or BillLimits()
    budget = int(limits.hourly * POLL_SHARE)
    calls = len(EVENTLESS_TYPES)
    wanted = sum(calls * 60 / max(m, 1) for m in asked_minutes.values())
    stretch = max(1.0, wanted / budget) if budget else 1.0
    planned = {c: math.ceil(max(m, 1) * stretch * 10) / 10 for c, m in asked_minutes.items()}
    per_hour = round(sum(calls * 60 / m for m in planned.values()))
    return PollPlan(dev_key_id, dict(asked_minutes), planned, per_hour, budget)
