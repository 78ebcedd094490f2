"""A safe first sync against the sandboxes, the engine served for real: a QBO company with 30
hand-keyed bills, 10 of which BILL also has. Nothing is written until the first sync starts;
then the 10 are linked (through the ledger port's document lookup), not created again, the one
dated before the start date is skipped, and only BILL's two new bills are created: 0 duplicates."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest

from ledgerbridge_common.canonical.models import Bill, ObjectType, TransactionLine, Vendor
from ledgerbridge_common.events import Envelope, PostingRequested, PreferencesChanged, Side, SyncRequested
from ledgerbridge_common.settings import KafkaSettings
from tests.integration.sync_engine.support import Tail, engine_stack, parked, produce, settled, vendor_clients
from tests.support.builders import change

pytestmark = [pytest.mark.integration, pytest.mark.timeout(240)]
B, L, T = Side.BILLCOM, Side.LEDGER, ObjectType
TODAY = dt.date.today()


def postings(seen: list[Envelope]) -> list[PostingRequested]:
    return [e.event() for e in seen if e.type == "PostingRequested"]  # type: ignore[misc]


def rules(seen: list[Envelope]) -> list[tuple[str, str]]:
    return [(e.payload["source_ref"], (e.payload.get("decision") or {}).get("rule", "")) for e in seen]


def amount(n: int) -> Decimal:
    return Decimal(100 + n) + Decimal("0.25")


async def test_first_sync_links_hand_keyed_bills_and_creates_no_duplicate(
    kafka_settings: KafkaSettings, database_url: str, connection_id: str
) -> None:
    topics = kafka_settings.topics
    with engine_stack(connection_id, kafka_settings, database_url) as stack:
        prefs = stack.prefs.preferences[connection_id]
        prefs.update(first_sync_started=False, start_date=(TODAY - dt.timedelta(days=5)).isoformat())
        expense = stack.accounts["Unallocated Expenses"]
        async with vendor_clients(stack) as clients:
            qbo, billcom, poster = clients.qbo, clients.billcom, clients.poster
            name = f"Hand Keyed Supplies {uuid.uuid4().hex[:6]}"
            qbo_vendor = await qbo.create(Vendor(name=name), request_id=uuid.uuid4().hex)
            bill_vendor = await billcom.create(Vendor(name=name))
            assert qbo_vendor.id and bill_vendor.id
            keyed: dict[str, str] = {}
            for n in range(1, 31):  # the bookkeeper keyed 30 bills into QBO by hand
                doc = Bill(
                    vendor_id=qbo_vendor.id,
                    number=f"HK-{n:03}",
                    date=TODAY,
                    lines=(TransactionLine(amount=amount(n), classifications={"account_id": expense}),),
                )
                created = await qbo.create(doc, request_id=uuid.uuid4().hex)
                assert created.id
                keyed[f"HK-{n:03}"] = created.id
            in_bill: dict[str, str] = {}
            for number, n, day in [
                *((f"HK-{n:03}", n, TODAY) for n in range(1, 11)),  # 10 also in BILL
                ("NEW-1", 41, TODAY),
                ("NEW-2", 42, TODAY),
                ("OLD-1", 43, TODAY - dt.timedelta(days=30)),  # before the start date
            ]:
                doc = Bill(
                    vendor_id=bill_vendor.id,
                    number=number,
                    date=day,
                    lines=(TransactionLine(amount=amount(n), description="supplies"),),
                )
                created = await billcom.create(doc)
                assert created.id
                in_bill[number] = created.id

            async with Tail(kafka_settings, topics.postings) as out, Tail(kafka_settings, topics.outcomes) as log:
                # the ledger's own changes to 5 of the shared bills come first (either order must link)
                for number in ("HK-001", "HK-002", "HK-003", "HK-004", "HK-005"):
                    await produce(kafka_settings, topics.changes, connection_id, change(L, T.BILL, keyed[number]))
                for bill_id in in_bill.values():
                    await produce(
                        kafka_settings, topics.changes, connection_id, change(B, T.BILL, bill_id, trigger="poll")
                    )
                # before the bookkeeper starts the first sync: everything held, nothing written
                await parked(database_url, connection_id, "prefs", 5 + len(in_bill))
                assert postings(out.seen) == []

                prefs.update(first_sync_started=True, version=2)
                await produce(kafka_settings, topics.prefs, connection_id, PreferencesChanged(version=2))
                seen = postings(
                    await out.wait_for(lambda s: len([p for p in postings(s) if p.object_type is T.BILL]) >= 2)
                )
                await log.wait_for(lambda s: (f"billcom:bill:{in_bill['OLD-1']}", "start_date") in rules(s))
                await parked(database_url, connection_id, "prefs", 0)
                bills = [p for p in seen if p.object_type is T.BILL]
                assert sorted(p.source_ref for p in bills) == sorted(
                    f"billcom:bill:{in_bill[n]}" for n in ("NEW-1", "NEW-2")
                )
                assert all(p.target_id is None for p in bills)
                for cmd in seen:
                    await poster.post(cmd)
                for number in ("NEW-1", "NEW-2"):
                    await settled(database_url, connection_id, "bill", in_bill[number])

                # the 10 are linked to the hand-keyed QBO bills
                for n in range(1, 11):
                    link = await settled(database_url, connection_id, "bill", in_bill[f"HK-{n:03}"])
                    assert link["ledger_id"] == keyed[f"HK-{n:03}"]
                linked = [r for r in rules(log.seen) if r[1] == "match_by_document"]
                assert len(linked) == 10

            # 0 duplicates: QBO holds the 30 hand-keyed bills and BILL's 2 new ones, each number once
            ledger_bills = await qbo.query_all(T.BILL, f"VendorRef = '{qbo_vendor.id}'")
            numbers = sorted(str(getattr(b, "number", "")) for b in ledger_bills)
            assert numbers == sorted([*keyed, "NEW-1", "NEW-2"])
            assert len(numbers) == len(set(numbers)) == 32


async def test_manual_mode_holds_webhooks_until_sync_now_and_a_type_switched_off_is_skipped(
    kafka_settings: KafkaSettings, database_url: str, connection_id: str
) -> None:
    topics = kafka_settings.topics
    with engine_stack(connection_id, kafka_settings, database_url) as stack:
        stack.prefs.preferences[connection_id].update(sync_mode="manual", what_syncs={"invoice": "off"})
        async with vendor_clients(stack) as clients:
            vendor = await clients.billcom.create(Vendor(name=f"Manual Mode Co {uuid.uuid4().hex[:6]}"))
            assert vendor.id
            async with Tail(kafka_settings, topics.postings) as out, Tail(kafka_settings, topics.outcomes) as log:
                await produce(kafka_settings, topics.changes, connection_id, change(B, T.VENDOR, vendor.id))
                await produce(kafka_settings, topics.changes, connection_id, change(B, T.INVOICE, "00e01OFF"))
                await parked(database_url, connection_id, "sync_now", 1)
                seen = await log.wait_for(lambda s: ("billcom:invoice:00e01OFF", "what_syncs") in rules(s))
                manual = [e.payload for e in seen if e.payload["source_ref"] == f"billcom:vendor:{vendor.id}"]
                assert manual and manual[0]["status"] == "parked" and manual[0]["decision"]["rule"] == "manual"
                off = next(e.payload for e in seen if e.payload["source_ref"] == "billcom:invoice:00e01OFF")
                assert "what_syncs.invoice = off" in off["reason"]
                assert postings(out.seen) == []

                await produce(kafka_settings, topics.prefs, connection_id, SyncRequested(trigger="sync_now"))
                seen_postings = postings(await out.wait_for(lambda s: len(postings(s)) >= 1))
                assert [(p.object_type, p.source_ref) for p in seen_postings] == [
                    (T.VENDOR, f"billcom:vendor:{vendor.id}")
                ]
                await parked(database_url, connection_id, "sync_now", 0)
