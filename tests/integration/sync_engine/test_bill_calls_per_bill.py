"""BILL requests per synced bill, counted by the BILL sandbox (its limits on): bills whose change
carries BILL's webhook payload are decided without reading them back, so a batch of bills of one
vendor costs the engine a login and the vendor's reads, not a read per bill. The same bills'
changes without a payload (the control) cost a read each."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

import httpx
import pytest

from ledgerbridge_common.canonical.models import Bill, ObjectType, TransactionLine, Vendor
from ledgerbridge_common.events import Envelope, PostingRequested, Side
from ledgerbridge_common.settings import KafkaSettings
from tests.integration.sync_engine.support import Stack, Tail, engine_stack, produce, settled, vendor_clients
from tests.support.builders import change

pytestmark = [pytest.mark.integration, pytest.mark.timeout(240)]
B, T = Side.BILLCOM, ObjectType
BILLS = 20


def postings(seen: list[Envelope]) -> list[PostingRequested]:
    return [e.event() for e in seen if e.type == "PostingRequested"]  # type: ignore[misc]


async def bill_requests(http: httpx.AsyncClient, stack: Stack) -> int:
    return int((await http.get(f"{stack.billcom_url}/_sandbox/counters")).json()["total"])


async def raw_bills(http: httpx.AsyncClient, stack: Stack) -> dict[str, dict[str, Any]]:
    """The bills as BILL's webhook carries them (control API: not counted)."""
    org = stack.org["organizationId"]
    rows = (await http.get(f"{stack.billcom_url}/_sandbox/orgs/{org}/objects/bill")).json()
    return {row["id"]: {k: v for k, v in row.items() if k != "approvers"} for row in rows}


async def test_bills_with_their_payload_cost_no_bill_read_each(
    kafka_settings: KafkaSettings, database_url: str, connection_id: str
) -> None:
    topics = kafka_settings.topics
    with engine_stack(connection_id, kafka_settings, database_url) as stack:
        async with vendor_clients(stack) as clients, Tail(kafka_settings, topics.postings) as out:
            http, billcom, poster = clients.http, clients.billcom, clients.poster
            vendor = await billcom.create(Vendor(name=f"Budget Paper {uuid.uuid4().hex[:6]}"))
            assert vendor.id
            ids = []
            for n in range(BILLS + 5):
                line = TransactionLine(amount=Decimal(f"{10 + n}.00"), description="paper")
                bill = await billcom.create(
                    Bill(vendor_id=vendor.id, number=f"INV-{n}", date=dt.date.today(), lines=(line,))
                )
                assert bill.id
                ids.append(bill.id)
            raw = await raw_bills(http, stack)
            await http.post(f"{stack.billcom_url}/_sandbox/counters/reset")

            async def sync(bill_ids: list[str], *, with_payload: bool, expected: int) -> None:
                for bill_id in bill_ids:
                    doc = raw[bill_id]
                    when = dt.datetime.fromisoformat(doc["updatedTime"].replace("Z", "+00:00"))
                    payload = doc if with_payload else None
                    event = change(B, T.BILL, bill_id, operation="created", source_time=when, payload=payload)
                    await produce(kafka_settings, topics.changes, connection_id, event)
                seen = postings(await out.wait_for(lambda s: len(postings(s)) >= expected, timeout=90))
                for cmd in seen[expected - len(bill_ids) - (expected == len(bill_ids) + 1) :]:
                    if cmd.source_ref not in poster.refs:
                        await poster.post(cmd)
                for bill_id in bill_ids:
                    await settled(database_url, connection_id, "bill", bill_id)

            await sync(ids[:BILLS], with_payload=True, expected=BILLS + 1)  # the vendor, then the bills
            with_payloads = await bill_requests(http, stack)
            assert with_payloads <= 3, "a login and the vendor's reads, no read per bill"
            assert with_payloads / BILLS <= 0.15

            await sync(ids[BILLS:], with_payload=False, expected=BILLS + 1 + 5)
            assert await bill_requests(http, stack) - with_payloads >= 5, "the control: a read per bill"
