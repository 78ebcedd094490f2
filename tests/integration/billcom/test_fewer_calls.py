"""Fewer BILL calls per object, counted by the sandbox: several objects by id in one list
request (``id:in:``, how a money-movement run's payments and documents are read), and a sweep's
list rows carry each object whole (so the engine need not read it again)."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest

from ledgerbridge_common.canonical.models import Bill, ObjectType, TransactionLine, Vendor
from ledgerbridge_common.connectors.billcom import BillcomHttpConnector
from tests.integration.billcom.conftest import FAST_RETRY, Control

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]


async def test_several_objects_by_id_in_one_request(connector: BillcomHttpConnector, control: Control) -> None:
    made = [await connector.create(Vendor(name=f"Many {n} {uuid.uuid4().hex[:6]}")) for n in range(5)]
    ids = [v.id or "" for v in made]
    await control.call("POST", "/counters/reset")
    found = await connector.read_many(ObjectType.VENDOR, [*ids, ids[0]])
    assert sorted(found) == sorted(ids) and all(found[i].name == v.name for i, v in zip(ids, made, strict=True))
    assert (await control.call("GET", "/counters"))["total"] == 1


async def test_list_rows_are_whole_objects(connector: BillcomHttpConnector, control: Control) -> None:
    since = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    vendor = await connector.create(Vendor(name=f"Listed {uuid.uuid4().hex[:6]}", email="ap@listed.test"))
    page = await connector.list_changed(ObjectType.VENDOR, since)
    [ref] = [c for c in page.changes if c.object_id == vendor.id]
    assert ref.payload is not None
    await control.call("POST", "/counters/reset")
    from_row = await connector.from_payload(ObjectType.VENDOR, ref.payload, listed=True)
    assert from_row == await connector.read(ObjectType.VENDOR, vendor.id or "")
    assert (await control.call("GET", "/counters"))["total"] == 1, "only the control read"
    partial = {k: v for k, v in ref.payload.items() if k != "name"}
    assert await connector.from_payload(ObjectType.VENDOR, partial, listed=False) is None


async def test_a_vendor_seen_once_gives_its_bills_currency_without_a_read(
    connector: BillcomHttpConnector, control: Control
) -> None:
    vendor = await connector.create(Vendor(name=f"Currency {uuid.uuid4().hex[:6]}"))
    line = TransactionLine(amount=Decimal("12.50"), description="paper")
    bill = await connector.create(Bill(vendor_id=vendor.id or "", number="C-1", date=dt.date.today(), lines=(line,)))
    org_id = connector.client.credentials.organization_id
    raw_vendor = next(v for v in await control.objects(org_id, "vendor") if v["id"] == vendor.id)
    raw_bill = next(b for b in await control.objects(org_id, "bill") if b["id"] == bill.id)
    fresh = BillcomHttpConnector(connector.client.http, connector.client.credentials, retry=FAST_RETRY)
    await control.call("POST", "/counters/reset")
    assert await fresh.from_payload(ObjectType.VENDOR, raw_vendor, listed=False) is not None  # its webhook
    mapped = await fresh.from_payload(ObjectType.BILL, raw_bill, listed=False)
    assert mapped is not None and mapped.id == bill.id
    assert (await control.call("GET", "/counters"))["total"] == 0


async def test_a_bill_waiting_for_approvers_is_not_taken_from_its_webhook(connector: BillcomHttpConnector) -> None:
    raw = {"id": "00n01X", "updatedTime": "2026-12-05T00:00:00.000Z", "vendorId": "009X", "billLineItems": [],
           "invoice": {"invoiceNumber": "1"}, "approvalStatus": "ASSIGNED"}  # fmt: skip
    assert await connector.from_payload(ObjectType.BILL, raw, listed=False) is None
