"""The engine as it runs (uvicorn + lifespan consumer) against real Kafka, PostgreSQL and the two
vendor sandboxes. The test plays posting's part (write to QBO, report the outcome) so that the
whole AP loop, the echo rule, a conflict and a merge run for real."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest

from ledgerbridge_common.canonical.models import Bill, ObjectType, TransactionLine, Vendor
from ledgerbridge_common.events import Envelope, PostingRequested, Side
from ledgerbridge_common.settings import KafkaSettings
from tests.integration.sync_engine.support import Tail, engine_stack, produce, settled, vendor_clients
from tests.support.builders import change

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]
B, L, T = Side.BILLCOM, Side.LEDGER, ObjectType


def postings(seen: list[Envelope]) -> list[PostingRequested]:
    return [e.event() for e in seen if e.type == "PostingRequested"]  # type: ignore[misc]


async def test_ap_loop_echo_conflict_and_merge_against_sandboxes(
    kafka_settings: KafkaSettings, database_url: str, connection_id: str
) -> None:
    topics = kafka_settings.topics
    with engine_stack(connection_id, kafka_settings, database_url) as stack:
        async with vendor_clients(stack) as clients:
            qbo, billcom, poster = clients.qbo, clients.billcom, clients.poster
            name = f"Acme Paper {uuid.uuid4().hex[:6]}"
            vendor = await billcom.create(Vendor(name=name, email="ap@acme.test"))
            assert vendor.id
            bill = await billcom.create(
                Bill(
                    vendor_id=vendor.id,
                    number="INV-1001",
                    date=dt.date.today(),
                    lines=(TransactionLine(amount=Decimal("100.00"), description="paper"),),
                )
            )
            assert bill.id
            async with (
                Tail(kafka_settings, topics.postings) as out,
                Tail(kafka_settings, topics.outcomes) as log,
            ):
                # 1. a BILL bill whose vendor is unknown to QBO: vendor first, bill with a placeholder
                await produce(kafka_settings, topics.changes, connection_id, change(B, T.BILL, bill.id))
                seen = postings(await out.wait_for(lambda s: len(postings(s)) >= 2))
                assert [(p.object_type, p.target_id) for p in seen] == [(T.VENDOR, None), (T.BILL, None)]
                assert seen[1].desired and seen[1].desired["vendor_id"] == f"@ref:billcom:vendor:{vendor.id}"
                assert seen[1].desired["ap_account_id"] == stack.accounts["Accounts Payable (A/P)"]
                line_account = seen[1].desired["lines"][0]["classifications"]["account_id"]
                assert line_account == stack.accounts["Unallocated Expenses"]
                assert seen[1].depends_on == [f"billcom:vendor:{vendor.id}"]
                for cmd in seen:
                    await poster.post(cmd)
                link = await settled(database_url, connection_id, "vendor", vendor.id)
                await settled(database_url, connection_id, "bill", bill.id)
                qbo_id = link["ledger_id"]

                # 2. QBO's webhook for our own write: nothing; a sentinel change proves it was handled
                await produce(kafka_settings, topics.changes, connection_id, change(L, T.VENDOR, qbo_id))
                sentinel = await billcom.create(Vendor(name=f"Sentinel {uuid.uuid4().hex[:6]}"))
                await produce(kafka_settings, topics.changes, connection_id, change(B, T.VENDOR, sentinel.id or ""))
                seen = postings(await out.wait_for(lambda s: len(postings(s)) >= 3))
                assert [p.source_ref for p in seen[2:]] == [f"billcom:vendor:{sentinel.id}"]

                # 3. QBO edit + BILL edit of the same field: BILL (master) wins, QBO's goes to the inbox
                current = await qbo.read(T.VENDOR, qbo_id)
                assert current is not None
                await qbo.update(current.model_copy(update={"name": f"{name} (QBO edit)"}), request_id=uuid.uuid4().hex)
                await billcom.update(vendor.model_copy(update={"name": f"{name} Co"}))
                await produce(kafka_settings, topics.changes, connection_id, change(B, T.VENDOR, vendor.id))
                seen = postings(await out.wait_for(lambda s: len(postings(s)) >= 4))
                assert seen[3].target_side is L and seen[3].target_id == qbo_id
                assert seen[3].desired and seen[3].desired["name"] == f"{name} Co"
                outcomes = await log.wait_for(
                    lambda s: any(e.payload.get("decision") and e.payload["decision"]["rule"] == "conflict" for e in s)
                )
                conflict = next(
                    e.payload for e in outcomes if (e.payload.get("decision") or {}).get("rule") == "conflict"
                )
                assert conflict["decision"]["overridden"] == {
                    "side": "ledger",
                    "fields": {"name": f"{name} (QBO edit)"},
                }
                assert conflict["producer"] == "sync-engine" and conflict["status"] == "skipped"
                await poster.post(seen[3])
                await settled(database_url, connection_id, "vendor", vendor.id)
                written = await qbo.read(T.VENDOR, qbo_id)
                assert written is not None and written.model_dump()["name"] == f"{name} Co"

                # 4. different fields on each side: both sides get the merged version
                current = await qbo.read(T.VENDOR, qbo_id)
                assert current is not None
                await qbo.update(current.model_copy(update={"phone": "555-0199"}), request_id=uuid.uuid4().hex)
                latest = await billcom.read(T.VENDOR, vendor.id)
                assert latest is not None
                await billcom.update(latest.model_copy(update={"email": "billing@acme.test"}))
                await produce(kafka_settings, topics.changes, connection_id, change(B, T.VENDOR, vendor.id))
                seen = postings(await out.wait_for(lambda s: len(postings(s)) >= 6))
                merged = {p.target_side: p.desired for p in seen[4:6]}
                for side in (L, B):
                    desired = merged[side]
                    assert desired is not None
                    assert (desired["email"], desired["phone"]) == ("billing@acme.test", "555-0199")


async def test_poison_message_goes_to_dead_letter_topic(
    kafka_settings: KafkaSettings, database_url: str, connection_id: str
) -> None:
    topics = kafka_settings.topics
    with engine_stack(connection_id, kafka_settings, database_url):
        async with Tail(kafka_settings, topics.dlq) as dlq:
            await produce(kafka_settings, topics.changes, connection_id, b"{not an envelope")
            seen = await dlq.wait_for(lambda s: len(s) >= 1)
            assert seen[0].type == "DeadLetter" and seen[0].payload["consumer"] == "sync-engine"
