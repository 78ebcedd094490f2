"""The echoes of our own QBO writes cost no QBO request: the engine recognises them by the
last-updated time posting read back, counted on the QBO sandbox's per-realm request counter.
The create of a bill echoes before its outcome: it waits unread, then is skipped unread. Sync
Now, at the very same time, still reads (the control that shows the counter counts)."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import httpx
import pytest

from ledgerbridge_common.canonical.models import Bill, ObjectType, TransactionLine, Vendor
from ledgerbridge_common.events import ChangeDetected, Envelope, PostingRequested, Side
from ledgerbridge_common.settings import KafkaSettings
from tests.integration.sync_engine.support import (
    Stack,
    Tail,
    engine_stack,
    parked,
    processed,
    produce,
    settled,
    vendor_clients,
)
from tests.support.builders import change

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]
B, L, T = Side.BILLCOM, Side.LEDGER, ObjectType
PDT = dt.timezone(dt.timedelta(hours=-7))


def postings(seen: list[Envelope]) -> list[PostingRequested]:
    return [e.event() for e in seen if e.type == "PostingRequested"]  # type: ignore[misc]


async def last_updated(http: httpx.AsyncClient, stack: Stack, entity: str, object_id: str) -> dt.datetime:
    """QBO's own ``MetaData.LastUpdatedTime`` of an object (control API: not a counted request)."""
    rows = (await http.get(f"{stack.qbo_url}/_sandbox/realms/{stack.realm_id}/objects/{entity}")).json()[entity]
    [row] = [r for r in rows if r["Id"] == object_id]
    return dt.datetime.fromisoformat(row["MetaData"]["LastUpdatedTime"])


async def qbo_requests(http: httpx.AsyncClient, stack: Stack) -> int:
    return int((await http.get(f"{stack.qbo_url}/_sandbox/realms/{stack.realm_id}/counters")).json()["requests"])


async def test_echoes_of_our_qbo_writes_cost_no_qbo_request(
    kafka_settings: KafkaSettings, database_url: str, connection_id: str
) -> None:
    topics = kafka_settings.topics
    with engine_stack(connection_id, kafka_settings, database_url) as stack:
        async with vendor_clients(stack) as clients:
            http, billcom, poster = clients.http, clients.billcom, clients.poster
            vendor = await billcom.create(Vendor(name=f"Echo Paper {uuid.uuid4().hex[:6]}"))
            assert vendor.id
            bill = await billcom.create(
                Bill(
                    vendor_id=vendor.id,
                    number="INV-2001",
                    date=dt.date.today(),
                    lines=(TransactionLine(amount=Decimal("40.00"), description="paper"),),
                )
            )
            assert bill.id

            async def deliver(event: ChangeDetected) -> None:
                event_id = await produce(kafka_settings, topics.changes, connection_id, event)
                assert event_id is not None
                await processed(database_url, event_id)

            async with Tail(kafka_settings, topics.postings) as out:
                await produce(
                    kafka_settings,
                    topics.changes,
                    connection_id,
                    change(B, T.BILL, bill.id),
                )
                seen = postings(await out.wait_for(lambda s: len(postings(s)) >= 2))
                assert [p.object_type for p in seen] == [T.VENDOR, T.BILL]
                await poster.post(seen[0])
                vendor_link = await settled(database_url, connection_id, "vendor", vendor.id)
                qbo_vendor = vendor_link["ledger_id"]
                vendor_time = await last_updated(http, stack, "Vendor", qbo_vendor)
                assert vendor_link["ledger_written_at"] == vendor_time

                # the bill is written; QBO's webhook for the create beats posting's outcome
                outcome = await poster.write(seen[1])
                assert outcome.target_ref is not None
                qbo_bill = outcome.target_ref.id
                bill_time = await last_updated(http, stack, "Bill", qbo_bill)
                await http.post(f"{stack.qbo_url}/_sandbox/realms/{stack.realm_id}/counters/reset")
                await deliver(change(L, T.BILL, qbo_bill, source_time=bill_time, operation="created"))
                await parked(database_url, connection_id, f"inflight:bill:{qbo_bill}", 1)
                await poster.report(outcome)
                await settled(database_url, connection_id, "bill", bill.id)
                await parked(database_url, connection_id, f"inflight:bill:{qbo_bill}", 0)

                # the vendor's echoes: legacy webhook (milliseconds, Z) and CDC (seconds at -07:00)
                await deliver(
                    change(L, T.VENDOR, qbo_vendor, source_time=vendor_time.astimezone(dt.UTC), operation="created")
                )
                cdc_time = vendor_time.replace(microsecond=0).astimezone(PDT)
                await deliver(change(L, T.VENDOR, qbo_vendor, source_time=cdc_time, trigger="cdc"))
                assert await qbo_requests(http, stack) == 0, "no QBO request for our own echoes"

                # Sync Now at the very same time reads QBO: the safety net (and the counter counts)
                await deliver(change(L, T.VENDOR, qbo_vendor, source_time=vendor_time, trigger="sync_now"))
                assert await qbo_requests(http, stack) >= 1

                # nothing was written back for any of them: the next posting is a sentinel's
                sentinel = await billcom.create(Vendor(name=f"Sentinel {uuid.uuid4().hex[:6]}"))
                await produce(
                    kafka_settings,
                    topics.changes,
                    connection_id,
                    change(B, T.VENDOR, sentinel.id or ""),
                )
                seen = postings(await out.wait_for(lambda s: len(postings(s)) >= 3))
                assert [p.source_ref for p in seen[2:]] == [f"billcom:vendor:{sentinel.id}"]
