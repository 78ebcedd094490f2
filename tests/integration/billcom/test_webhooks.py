"""Webhooks: subscriptions, one-time securityKey, signed deliveries, no events for polled objects,
retries then auto-disable, history and resend, injected delivery faults, background delivery."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from decimal import Decimal
from typing import Any

import httpx
import pytest

from billcom_sandbox.app import create_app
from ledgerbridge_common.canonical.models import (
    Account,
    AppliedTo,
    Bill,
    BillPayment,
    Customer,
    ObjectType,
    TransactionLine,
    Vendor,
    VendorCredit,
)
from ledgerbridge_common.connectors.billcom import (
    SIGNATURE_HEADER,
    BillcomHttpConnector,
    parse_billcom_webhook,
    verify_billcom_signature,
)
from tests.integration.billcom.conftest import DEFAULTS, FAST_RETRY, Receiver, credentials, wait_for
from tests.support.servers import serve_in_thread

pytestmark = [pytest.mark.integration, pytest.mark.timeout(30)]
ALL_TYPES = [
    "vendor.created",
    "vendor.updated",
    "vendor.archived",
    "bill.created",
    "bill.updated",
    "invoice.created",
    "payment.updated",
    "bank-account.updated",
]


async def _subscribe(connector: BillcomHttpConnector, receiver: Receiver) -> dict[str, Any]:
    return await connector.create_subscription("ledgerbridge", receiver.url, ALL_TYPES)


def _events(receiver: Receiver, key: str) -> list[Any]:
    out = []
    for headers, body in receiver.deliveries:
        assert verify_billcom_signature(body, headers.get(SIGNATURE_HEADER), key)
        out.extend(parse_billcom_webhook(body))
    return out


async def test_subscription_key_shown_once(connector: BillcomHttpConnector, receiver: Receiver) -> None:
    key = str(uuid.uuid4())
    created = await connector.create_subscription("s", receiver.url, ["bill.created"], idempotency_key=key)
    assert created["securityKey"] and created["status"] == {"enabled": True}
    replay = await connector.create_subscription("s", receiver.url, ["bill.created"], idempotency_key=key)
    assert replay["id"] == created["id"] and "securityKey" not in replay
    read = await connector.events_call("GET", f"/v3/subscriptions/{created['id']}")
    assert "securityKey" not in read
    catalog = await connector.events_call("GET", "/v3/events/catalog")
    assert {"type": "bill.created", "versions": ["1"]} in catalog
    assert not any(c["type"].startswith(("vendor-credit", "customer", "chart", "receivable")) for c in catalog)
    rotated = await connector.events_call("POST", f"/v3/subscriptions/{created['id']}/security_key")
    assert rotated["securityKey"] != created["securityKey"]


async def test_missing_idempotency_key_is_rejected(sandbox_url: str, connector: BillcomHttpConnector) -> None:
    session = await connector.client.session()
    headers = {"devKey": connector.client.credentials.dev_key, "sessionId": session}
    async with httpx.AsyncClient(base_url=f"{sandbox_url}/connect-events", timeout=5) as http:
        response = await http.post(
            "/v3/subscriptions",
            headers=headers,
            json={
                "name": "x",
                "events": [{"type": "bill.created", "version": "1"}],
                "notificationUrl": "https://x.test",
            },
        )
    assert response.status_code == 400 and response.json()[0]["code"].startswith("BDC_")


async def test_signed_events_only_for_documented_objects(
    connector: BillcomHttpConnector, control: Any, receiver: Receiver, org: dict[str, Any]
) -> None:
    sub = await _subscribe(connector, receiver)
    vendor = await connector.create(Vendor(name="Evented"))
    bill = await connector.create(
        Bill(
            vendor_id=vendor.id or "",
            number="W-1",
            date=dt.date(2030, 1, 1),
            lines=(TransactionLine(amount=Decimal(10)),),
        )
    )
    await connector.create(
        VendorCredit(vendor_id=vendor.id or "", date=dt.date(2030, 1, 1), lines=(TransactionLine(amount=Decimal(1)),))
    )
    await connector.create(Customer(name="Silent Customer"))
    await connector.create(Account(name="Silent Account", account_type="Expense"))
    await control.call("POST", "/webhooks/deliver-now")

    events = _events(receiver, sub["securityKey"])
    assert [(e.event_type, e.object_type, e.object_id, e.operation) for e in events] == [
        ("vendor.created", ObjectType.VENDOR, vendor.id, "created"),
        ("bill.created", ObjectType.BILL, bill.id, "created"),
    ]
    assert len({e.event_id for e in events}) == 2
    assert all(e.organization_id == org["organizationId"] and e.subscription_id == sub["id"] for e in events)
    assert events[1].occurred_at == bill.updated_at
    headers, body = receiver.deliveries[0]
    assert not verify_billcom_signature(body + b" ", headers[SIGNATURE_HEADER], sub["securityKey"])
    assert not verify_billcom_signature(body, headers[SIGNATURE_HEADER], "wrong-key")


async def test_retries_then_disable_then_resend(
    connector: BillcomHttpConnector, control: Any, receiver: Receiver
) -> None:
    sub = await _subscribe(connector, receiver)
    receiver.status = 500
    vendor = await connector.create(Vendor(name="Unlucky"))
    for _ in range(len(DEFAULTS.webhook_retry_seconds) + 1):
        await control.call("POST", "/webhooks/deliver-now")
    assert len(receiver.deliveries) == len(DEFAULTS.webhook_retry_seconds) + 1  # first try + retries
    state = await connector.events_call("GET", f"/v3/subscriptions/{sub['id']}")
    assert state["status"] == {"enabled": False}

    await connector.create(Vendor(name="While Disabled"))
    await control.call("POST", "/webhooks/deliver-now")
    assert len(receiver.deliveries) == len(DEFAULTS.webhook_retry_seconds) + 1  # nothing sent while disabled

    history = await connector.events_call("GET", f"/v3/events/subscription/{sub['id']}?entityId={vendor.id}")
    [record] = history["results"]
    assert record["statusCode"] == 500 and parse_billcom_webhook(record["payload"].encode())[0].object_id == vendor.id

    receiver.status = 200
    await connector.events_call("PATCH", f"/v3/subscriptions/{sub['id']}", json={"status": {"enabled": True}})
    resent = await connector.events_call("POST", f"/v3/events/subscription/{sub['id']}/event/{record['id']}")
    assert resent["statusCode"] == 200
    assert parse_billcom_webhook(receiver.deliveries[-1][1])[0].event_id == record["id"]


async def test_duplicate_drop_and_reorder_faults(
    connector: BillcomHttpConnector, control: Any, receiver: Receiver
) -> None:
    sub = await _subscribe(connector, receiver)
    await control.call("POST", "/webhook-faults", {"kind": "duplicate", "count": 1})
    first = await connector.create(Vendor(name="Twice"))
    await control.call("POST", "/webhooks/deliver-now")
    ids = [e.event_id for e in _events(receiver, sub["securityKey"])]
    assert len(ids) == 2 and ids[0] == ids[1]  # same eventId: the dedupe key

    receiver.deliveries.clear()
    await control.call("POST", "/webhook-faults", {"kind": "drop", "count": 1})
    await connector.update(first.model_copy(update={"name": "Dropped"}))
    await control.call("POST", "/webhooks/deliver-now")
    assert receiver.deliveries == []
    history = await connector.events_call("GET", f"/v3/events/subscription/{sub['id']}")
    assert history["results"][-1]["deliveryStatus"] == "DROPPED"

    await control.call("POST", "/webhook-faults", {"kind": "reorder", "count": 2})
    a = await connector.create(Vendor(name="A"))
    b = await connector.create(Vendor(name="B"))
    await control.call("POST", "/webhooks/deliver-now")
    assert [e.object_id for e in _events(receiver, sub["securityKey"])] == [b.id, a.id]


async def test_payment_events_and_disabled_subscription(
    connector: BillcomHttpConnector, control: Any, receiver: Receiver, org: dict[str, Any]
) -> None:
    sub = await _subscribe(connector, receiver)
    await control.call("POST", f"/orgs/{org['organizationId']}/subscriptions/{sub['id']}/disable")
    await connector.create(Vendor(name="Nobody Hears"))
    await control.call("POST", "/webhooks/deliver-now")
    assert receiver.deliveries == []
    await connector.events_call("PATCH", f"/v3/subscriptions/{sub['id']}", json={"status": {"enabled": True}})
    [bank] = await connector.list_bank_accounts()
    await connector.update_bank_account_gl(bank.id, None)
    await control.call("POST", "/webhooks/deliver-now")
    [event] = _events(receiver, sub["securityKey"])
    assert (event.event_type, event.object_type, event.object_id) == ("bank-account.updated", None, bank.id)


async def test_background_delivery(control: Any) -> None:
    receiver = Receiver()
    settings = DEFAULTS.model_copy(update={"webhook_tick_seconds": 0.05})
    with serve_in_thread(receiver.app()) as hook_url, serve_in_thread(create_app(settings)) as url:
        receiver.url = f"{hook_url}/hooks/billcom"
        async with httpx.AsyncClient(base_url=url, timeout=5) as http:
            org = (await http.post("/_sandbox/orgs", json={})).json()
        async with httpx.AsyncClient(base_url=f"{url}/connect", timeout=5) as http:
            bill = BillcomHttpConnector(http, credentials(org, trusted=False), retry=FAST_RETRY)
            sub = await bill.create_subscription("bg", receiver.url, ["vendor.created"])
            vendor = await bill.create(Vendor(name="Background"))
            await wait_for(lambda: len(receiver.deliveries) == 1)
    [event] = _events(receiver, sub["securityKey"])
    assert event.object_id == vendor.id


PAYMENT_UPDATED_KEYS = {
    "id",
    "billIds",
    "vendor",
    "transactionNumber",
    "status",
    "createdBy",
    "createdTime",
    "updatedTime",
    "processDate",
    "funding",
    "disbursement",
    "billingType",
}
"""docs/payment-webhook-notification-payloads: not the GET object (no amount, no billPayments)."""


async def test_payment_updated_has_its_own_shape(
    connector: BillcomHttpConnector, control: Any, receiver: Receiver, org: dict[str, Any]
) -> None:
    sub = await connector.create_subscription("payments", receiver.url, ["payment.updated"])
    vendor = await connector.create(Vendor(name="Shape Co"))
    bill = await connector.create(
        Bill(
            vendor_id=vendor.id or "",
            number="S-1",
            date=dt.date(2030, 1, 1),
            lines=(TransactionLine(amount=Decimal(5)),),
        )
    )
    now = (await control.call("GET", "/clock"))["now"]
    payment = await connector.create(
        BillPayment(
            vendor_id=vendor.id or "",
            date=dt.date.fromisoformat(now[:10]) + dt.timedelta(days=1),
            amount=Decimal(5),
            applied_to=(AppliedTo(document_id=bill.id or "", amount=Decimal(5)),),
            funding_account_id=org["bankAccount"]["id"],
        )
    )
    await connector.cancel_payment(payment.id or "")
    await control.call("POST", "/webhooks/deliver-now")
    bodies = [json.loads(body)["payment"] for _, body in receiver.deliveries]
    assert [set(b) for b in bodies] == [PAYMENT_UPDATED_KEYS, PAYMENT_UPDATED_KEYS]
    assert bodies[0]["vendor"] == {"id": vendor.id, "name": "Shape Co"} and bodies[0]["billIds"] == [bill.id]
    assert [b["status"] for b in bodies] == ["SCHEDULED", "CANCELED"]
    events = _events(receiver, sub["securityKey"])
    assert [(e.object_type, e.object_id, e.operation) for e in events] == [
        (ObjectType.BILL_PAYMENT, payment.id, "updated"),
        (ObjectType.BILL_PAYMENT, payment.id, "voided"),
    ]
