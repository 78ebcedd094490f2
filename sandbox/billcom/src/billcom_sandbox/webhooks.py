"""Webhook events: what is emitted, how it is signed and delivered, retried and given up on.

BILL documents events for vendors, bills, invoices, payments, bank and card accounts (and
spend/risk objects the sandbox does not model). There are **no** events for vendor credits,
received payments, customers or the chart of accounts: the sandbox emits none for them."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import logging
import time
import uuid
from typing import Any

import httpx

from billcom_sandbox.store import EventRecord, Fault, Org, Store, Subscription

CATALOG: dict[str, list[str]] = {
    "vendor": ["created", "updated", "archived", "restored"],
    "bill": ["created", "updated", "archived", "restored"],
    "invoice": ["created", "updated", "archived", "restored"],
    "payment": ["updated", "failed"],
    "bank-account": ["created", "updated"],
    "card-account": ["created", "updated"],
    "autopay": ["failed"],
    "mass-payment": ["updated"],
    "risk-verification": ["updated"],
}
EVENT_TYPES = sorted(f"{entity}.{op}" for entity, ops in CATALOG.items() for op in ops)
log = logging.getLogger(__name__)
PAYLOAD_KEY = {"bank-account": "bankAccount", "card-account": "cardAccount"}
"""Payload key of the object (UNCERTAIN for bank/card accounts: not shown in the reference)."""


def payment_payload(payment: dict[str, Any]) -> dict[str, Any]:
    """The ``payment.updated`` object: its own shape, not the GET object
    (developer.bill.com/docs/payment-webhook-notification-payloads): ``billIds``, ``vendor{id, name}``,
    ``status`` with single-status values, ``funding``, ``disbursement``, ``billingType``. No amount."""
    return {
        "id": payment["id"],
        "billIds": [bp["billId"] for bp in payment.get("billPayments") or []],
        "vendor": {"id": payment["vendorId"], "name": payment.get("vendorName")},
        "transactionNumber": payment.get("transactionNumber"),
        "status": payment.get("singleStatus"),
        "createdBy": payment.get("createdBy"),
        "createdTime": payment.get("createdTime"),
        "updatedTime": payment.get("updatedTime"),
        "processDate": payment.get("processDate"),
        "funding": dict(payment.get("fundingAccount") or {}),
        "disbursement": {"type": payment.get("disbursementType"), "status": payment.get("disbursementStatus")},
        "billingType": "BDC",
    }


def _payload_object(entity: str, doc: dict[str, Any]) -> dict[str, Any]:
    if entity == "payment":
        return payment_payload(doc)
    if entity == "bill":  # approvers only come back to a request with billApprovals=true
        return {k: v for k, v in doc.items() if k != "approvers"}
    return doc


def sign(security_key: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(security_key.encode(), body, hashlib.sha256).digest()).decode()


def emit(store: Store, org: Org, entity: str, operation: str, doc: dict[str, Any]) -> None:
    """Record one event per subscription listening to ``entity.operation``."""
    event_type = f"{entity}.{operation}"
    if event_type not in EVENT_TYPES:
        return
    for sub in org.subscriptions.values():
        if event_type not in sub.types():
            continue
        event_id = str(uuid.uuid4())
        payload = {
            "metadata": {
                "eventId": event_id,
                "subscriptionId": sub.id,
                "organizationId": org.id,
                "eventType": event_type,
                "version": "1",
            },
            PAYLOAD_KEY.get(entity, entity): _payload_object(entity, doc),
        }
        body = json.dumps(payload, separators=(",", ":"), default=str).encode()
        record = EventRecord(
            id=event_id,
            type=event_type,
            version="1",
            subscription_id=sub.id,
            entity_id=str(doc.get("id")),
            body=body,
            created_time=store.now_text(),
            status="PENDING" if sub.enabled else "NOT_SENT",
        )
        org.events.append(record)


class Deliverer:
    """Posts pending events; a background task calls ``run_due`` every tick, tests call it directly."""

    def __init__(self, store: Store, client: httpx.AsyncClient | None = None) -> None:
        self.store = store
        self.client = client or httpx.AsyncClient(timeout=store.settings.webhook_timeout_seconds)
        self.lock = asyncio.Lock()

    async def aclose(self) -> None:
        await self.client.aclose()

    def _subscription(self, record: EventRecord) -> tuple[Org, Subscription] | None:
        for org in self.store.orgs.values():
            sub = org.subscriptions.get(record.subscription_id)
            if sub is not None:
                return org, sub
        return None

    async def post(self, sub: Subscription, record: EventRecord) -> int | None:
        headers = {
            "content-type": "application/json",
            "x-bill-sha-signature": sign(sub.security_key, record.body),
        }
        started = time.monotonic()
        error: str | None = None
        try:
            response = await self.client.post(sub.notification_url, content=record.body, headers=headers)
            status: int | None = response.status_code
        except httpx.HTTPError as exc:
            status = None
            error = type(exc).__name__
        self.store.delivery_log.append(
            {
                "eventId": record.id,
                "type": record.type,
                "subscriptionId": sub.id,
                "url": sub.notification_url,
                "statusCode": status,
                "error": error,
                "at": self.store.now_text(),
                "seconds": round(time.monotonic() - started, 4),
            }
        )
        return status

    async def run_due(self, force: bool = False) -> int:
        """Attempt every pending event whose back-off elapsed (all of them when ``force``)."""
        async with self.lock:
            now = time.monotonic()
            due = [
                e
                for org in self.store.orgs.values()
                for e in org.events
                if e.status == "PENDING" and (force or e.next_attempt <= now)
            ]
            due = self._apply_reorder(due)
            attempted = 0
            for record in due:
                found = self._subscription(record)
                if found is None:
                    continue
                _, sub = found
                if not sub.enabled:
                    record.status = "NOT_SENT"
                    continue
                fault = self.store.take_fault(self.store.webhook_faults, "POST", record.type)
                if fault and fault.kind == "drop":
                    record.status = "DROPPED"
                    continue
                attempted += 1
                await self._attempt(sub, record)
                if fault and fault.kind == "duplicate" and record.status == "DELIVERED":
                    await self.post(sub, record)
            return attempted

    def _apply_reorder(self, due: list[EventRecord]) -> list[EventRecord]:
        fault: Fault | None = next((f for f in self.store.webhook_faults if f.kind == "reorder"), None)
        if fault is None or len(due) < 2:
            return due
        n = min(fault.count, len(due))
        self.store.webhook_faults.remove(fault)
        return list(reversed(due[:n])) + due[n:]

    async def _attempt(self, sub: Subscription, record: EventRecord) -> None:
        record.attempts += 1
        status = await self.post(sub, record)
        record.status_code = status
        if status == 200:
            record.status = "DELIVERED"
            sub.consecutive_failures = 0
            return
        schedule = self.store.settings.webhook_retry_seconds
        if record.attempts <= len(schedule):
            record.next_attempt = time.monotonic() + schedule[record.attempts - 1]
            return
        record.status = "FAILED"
        sub.consecutive_failures += 1
        sub.enabled = False  # BILL disables a subscription whose deliveries keep failing
        sub.updated_time = self.store.now_text()

    async def resend(self, sub: Subscription, record: EventRecord) -> int | None:
        """Deliver one event again now (history resend): a single attempt, no retry schedule."""
        status = await self.post(sub, record)
        record.status_code = status
        if status == 200:
            record.status = "DELIVERED"
        return status

    async def loop(self, tick: float) -> None:
        while True:
            await asyncio.sleep(tick)
            try:
                await self.run_due()
            except Exception:
                log.exception("webhook delivery tick failed")
