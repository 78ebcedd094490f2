"""In-memory state of the sandbox: organizations, sessions, objects, counters and faults."""

from __future__ import annotations

import collections
import datetime as dt
import secrets
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from billcom_sandbox.core import BillError, fmt_time, new_id
from billcom_sandbox.settings import SandboxSettings
from sandbox_kit import SandboxClock

KINDS = (
    "vendor",
    "bill",
    "vendor_credit",
    "payment",
    "customer",
    "invoice",
    "receivable_payment",
    "chart_of_account",
    "accounting_class",
    "department",
    "location",
    "job",
    "item",
    "bank_account",
    "money_movement",
)


@dataclass
class ApprovalPolicy:
    min_amount: Decimal
    approver_user_ids: list[str]


@dataclass
class Subscription:
    id: str
    org_id: str
    name: str
    enabled: bool
    events: list[dict[str, str]]
    notification_url: str
    security_key: str
    created_time: str
    updated_time: str
    idempotency_key: str
    consecutive_failures: int = 0

    def types(self) -> set[str]:
        return {e["type"] for e in self.events}

    def public(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "organizationId": self.org_id,
            "status": {"enabled": self.enabled},
            "events": self.events,
            "notificationUrl": self.notification_url,
            "createdTime": self.created_time,
            "updatedTime": self.updated_time,
        }


@dataclass
class EventRecord:
    id: str
    type: str
    version: str
    subscription_id: str
    entity_id: str
    body: bytes
    created_time: str
    status: str = "PENDING"  # PENDING, DELIVERED, FAILED, DROPPED, NOT_SENT
    status_code: int | None = None
    attempts: int = 0
    next_attempt: float = 0.0

    def public(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": self.type,
            "version": self.version,
            "subscriptionId": self.subscription_id,
            "payload": self.body.decode(),
            "createdTime": self.created_time,
            "statusCode": self.status_code,
            "deliveryStatus": self.status,
            "attempts": self.attempts,
        }


@dataclass
class Org:
    id: str
    name: str
    dev_key: str
    username: str
    password: str
    user_id: str
    dev_keys: set[str] = field(default_factory=set)
    """Every developer key that signs in to this organization (``dev_key`` and those added)."""
    objects: dict[str, dict[str, dict[str, Any]]] = field(default_factory=lambda: {kind: {} for kind in KINDS})
    approval_policy: ApprovalPolicy | None = None
    exchange_rates: dict[str, Decimal] = field(default_factory=dict)
    subscriptions: dict[str, Subscription] = field(default_factory=dict)
    events: list[EventRecord] = field(default_factory=list)
    bill_documents: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """Bill id -> its documents (``bill_documents.py``), newest last."""
    files: dict[str, bytes] = field(default_factory=dict)
    """Document id -> its content."""

    def get(self, kind: str, object_id: str, what: str | None = None) -> dict[str, Any]:
        doc = self.objects[kind].get(object_id)
        if doc is None:
            raise BillError.not_found(what or kind, object_id)
        return doc

    def ref(self, kind: str, object_id: str | None, what: str) -> dict[str, Any] | None:
        """An active referenced object, or a validation error."""
        if not object_id:
            return None
        doc = self.objects[kind].get(object_id)
        if doc is None or doc.get("archived"):
            raise BillError.invalid(f"{what} {object_id} does not exist or is archived")
        return doc


@dataclass
class Session:
    id: str
    org_id: str
    dev_key: str
    user_id: str
    last_used: dt.datetime
    trusted: bool = False


@dataclass
class HourCount:
    hour: dt.datetime
    calls: int = 0


@dataclass
class MfaChallenge:
    id: str
    session_id: str
    token: str
    """The 6-digit token BILL sends by SMS; the sandbox shows it through the control API."""


@dataclass
class RememberedDevice:
    """An MFA id trusted for 30 days after ``validate`` with ``rememberMe`` (v2 auth-mfaauthenticate)."""

    id: str
    org_id: str
    user_id: str
    device: str
    expires: dt.datetime


@dataclass
class Fault:
    kind: str  # rate_limit, concurrency, server_error, timeout_after_commit
    count: int
    path_prefix: str | None = None
    method: str | None = None

    def matches(self, method: str, path: str) -> bool:
        if self.method and self.method.upper() != method.upper():
            return False
        return not self.path_prefix or path.startswith(self.path_prefix)


@dataclass
class Counters:
    total: int = 0
    by_path: collections.Counter[str] = field(default_factory=collections.Counter)
    by_code: collections.Counter[str] = field(default_factory=collections.Counter)
    max_in_flight: dict[str, int] = field(default_factory=dict)
    logins: int = 0

    def public(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "byPath": dict(self.by_path),
            "byErrorCode": dict(self.by_code),
            "maxInFlight": dict(self.max_in_flight),
            "logins": self.logins,
        }


class Store:
    def __init__(self, settings: SandboxSettings) -> None:
        self.settings = settings
        self.clock = SandboxClock()
        self.orgs: dict[str, Org] = {}
        self.sessions: dict[str, Session] = {}
        self.in_flight: collections.Counter[str] = collections.Counter()
        self.hourly: dict[str, HourCount] = {}
        self.login_hourly: dict[str, HourCount] = {}
        self.v2_sessions: dict[str, Session] = {}
        self.mfa_challenges: dict[str, MfaChallenge] = {}
        self.remembered: dict[str, RememberedDevice] = {}
        self.faults: list[Fault] = []
        self.webhook_faults: list[Fault] = []
        self.counters = Counters()
        self.delivery_log: list[dict[str, Any]] = []
        self.dev_keys: set[str] = set()

    # --- organizations ------------------------------------------------------------------------

    def known_dev_key(self, dev_key: str) -> bool:
        return bool(dev_key) and dev_key in self.dev_keys

    def signs_in(self, dev_key: str, org: Org | None) -> bool:
        """A developer key signs in to the organizations of its account (seeded on it, or it added)."""
        return org is not None and dev_key in org.dev_keys

    def new_dev_key(self) -> str:
        key = secrets.token_hex(16).upper()
        self.dev_keys.add(key)
        return key

    def now_text(self) -> str:
        return fmt_time(self.clock.now())

    def new_org(self, name: str, dev_key: str | None = None) -> Org:
        """``dev_key``: a key registered before (organizations of one developer account share its
        hourly limit); else a new one."""
        if dev_key is not None and not self.known_dev_key(dev_key):
            raise BillError.invalid("devKey is not a registered developer key")
        org = Org(
            id=new_id("org"),
            name=name,
            dev_key=dev_key or self.new_dev_key(),
            username=f"api-{secrets.token_hex(4)}@sandbox.bill.test",
            password=secrets.token_urlsafe(12),
            user_id=new_id("user"),
        )
        org.dev_keys.add(org.dev_key)
        self.orgs[org.id] = org
        return org

    def put(self, org: Org, kind: str, doc: dict[str, Any]) -> dict[str, Any]:
        """Store ``doc``, stamping ``createdTime``/``updatedTime`` from the sandbox clock."""
        now = self.now_text()
        doc.setdefault("createdTime", now)
        doc["updatedTime"] = now
        org.objects[kind][doc["id"]] = doc
        return doc

    # --- limits -------------------------------------------------------------------------------

    def take_hourly(self, bucket: dict[str, HourCount], key: str, limit: int) -> bool:
        """Count one call in the current clock hour; False once ``limit`` calls were counted in it.
        BILL: "All subsequent API requests must wait until the beginning of the next hour"
        (developer.bill.com/docs/api-rate-limits) -- a fixed clock hour, not a sliding one."""
        hour = self.clock.now().replace(minute=0, second=0, microsecond=0)
        count = bucket.get(key)
        if count is None or count.hour != hour:
            count = bucket[key] = HourCount(hour)
        if count.calls >= limit:
            return False
        count.calls += 1
        return True

    def take_fault(self, faults: list[Fault], method: str, path: str) -> Fault | None:
        for fault in faults:
            if fault.count > 0 and fault.matches(method, path):
                fault.count -= 1
                if fault.count == 0:
                    faults.remove(fault)
                return fault
        return None
