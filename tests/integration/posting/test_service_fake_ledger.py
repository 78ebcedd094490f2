"""The posting service end to end on real Kafka and PostgreSQL, with a fake ledger connector:
batching of a backlog, replays, parking and release, retries of 429s."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest
from aiokafka.partitioner import DefaultPartitioner

from ledgerbridge_common.canonical.models import ObjectType
from ledgerbridge_common.errors import RateLimitedError, RetryableError
from ledgerbridge_common.events.models import PostingRequested
from tests.conftest import random_ref
from tests.integration.posting.kafka_support import Outcomes, app_for, produce, running, settings_for
from tests.integration.posting.ledger_lines import assert_every_posting_balances
from tests.support.fake_ledger import FakeLedger
from tests.unit.posting import builders as b
from tests.unit.posting.fakes import FakeConnectors

pytestmark = [pytest.mark.integration, pytest.mark.timeout(90)]


def vendor_and_bills(connection_id: str, count: int) -> list[PostingRequested]:
    """A vendor, then ``count`` bills of it (each waiting for the vendor's id)."""
    vendor_ref = b.ref("vendor")
    cmds = [b.command("vendor", vendor_ref, b.vendor(random_ref("Vendor")), connection_id=connection_id)]
    for i in range(count):
        bill = b.bill(f"@ref:{vendor_ref}", number=f"B-{i}")
        cmds.append(b.command("bill", b.ref("bill"), bill, depends_on=[vendor_ref], connection_id=connection_id))
    return cmds


async def test_backlog_goes_through_batches_without_a_dependency_in_the_same_batch(
    kafka_settings, database_url, connection_id, sessions
):
    ledger = FakeLedger()
    vendor_refs = [b.ref("vendor") for _ in range(2)]
    cmds = [b.command("vendor", r, b.vendor(random_ref("Vendor")), connection_id=connection_id) for r in vendor_refs]
    bills = [
        b.command(
            "bill",
            b.ref("bill"),
            b.bill(f"@ref:{vendor_refs[i % 2]}", number=f"B-{i}"),
            depends_on=[vendor_refs[i % 2]],
            connection_id=connection_id,
        )
        for i in range(40)
    ]
    cmds += bills
    await produce(kafka_settings, connection_id, cmds)
    app = app_for(settings_for(kafka_settings, database_url), connectors=FakeConnectors(ledger))
    async with Outcomes(kafka_settings) as outcomes, running(app):
        await outcomes.until(lambda seen: len({o.command_id for o in seen if o.status == "posted"}) == len(cmds))
    assert ledger.batches, "the backlog did not use the batch endpoint"
    tag_of = {f"LB:{c.source_ref}": c for c in cmds}
    for batch in ledger.batches:
        assert len(batch) <= 30
        in_batch = {tag_of[item.tag].source_ref for item in batch if item.tag}
        for item in batch:
            assert not set(tag_of[item.tag].depends_on) & in_batch  # type: ignore[index]
    assert len(ledger.of_type(ObjectType.BILL)) == 40
    assert len(ledger.of_type(ObjectType.VENDOR)) == 2
    vendor_ids = {o.id for o in ledger.of_type(ObjectType.VENDOR)}
    assert {bill.vendor_id for bill in ledger.of_type(ObjectType.BILL)} == vendor_ids  # type: ignore[attr-defined]
    assert all(len(outcomes.by_command(c.command_id)) == 1 for c in cmds)
    assert await assert_every_posting_balances(sessions, connection_id) == 40


async def test_a_backlog_larger_than_a_poll_goes_out_in_whole_batches(
    kafka_settings, database_url, connection_id, sessions
):
    """Polls of 50 records: a short last chunk waits for the next poll instead of going out as a
    small batch, so every batch but the very last holds 30 items; nothing is posted twice."""
    ledger = FakeLedger()
    cmds = vendor_and_bills(connection_id, 130)
    await produce(kafka_settings, connection_id, cmds)
    app = app_for(settings_for(kafka_settings, database_url, max_poll_records=50), connectors=FakeConnectors(ledger))
    async with Outcomes(kafka_settings) as outcomes, running(app):
        await outcomes.until(lambda seen: len({o.command_id for o in seen if o.status == "posted"}) == len(cmds))
    bill_batches = [len(batch) for batch in ledger.batches if batch[0].obj.object_type is ObjectType.BILL]
    assert sum(bill_batches) == 130
    assert all(size == 30 for size in bill_batches[:-1]), bill_batches
    assert len(ledger.of_type(ObjectType.BILL)) == 130
    assert all(len(outcomes.by_command(c.command_id)) == 1 for c in cmds)
    assert await assert_every_posting_balances(sessions, connection_id) == 130


class SlowBatchLedger(FakeLedger):
    """Batch calls take a while (as when waiting for the realm's batch budget); records when."""

    def __init__(self) -> None:
        super().__init__()
        self.spans: list[tuple[float, float]] = []

    async def batch(self, items, *, request_id):
        began = time.monotonic()
        await asyncio.sleep(0.3)
        try:
            return await super().batch(items, request_id=request_id)
        finally:
            self.spans.append((began, time.monotonic()))


class PerConnection(FakeConnectors):
    def __init__(self, ledgers: dict[str, FakeLedger]) -> None:
        super().__init__()
        self.ledgers = ledgers

    async def ledger(self, connection_id: str) -> FakeLedger:
        return self.ledgers[connection_id]


def _same_partition_ids(partitions: int = 3) -> tuple[str, str]:
    partitioner = DefaultPartitioner()
    first = random_ref("conn")
    target = partitioner(first.encode(), list(range(partitions)), list(range(partitions)))
    while True:
        other = random_ref("conn")
        if partitioner(other.encode(), list(range(partitions)), list(range(partitions))) == target:
            return first, other


async def test_two_realms_in_one_partition_batch_side_by_side(kafka_settings, database_url, sessions):
    """Each realm has its own QBO budget, so one realm's batch calls never wait for another's."""
    conns = _same_partition_ids()
    ledgers = {conn: SlowBatchLedger() for conn in conns}
    for conn in conns:
        await produce(kafka_settings, conn, vendor_and_bills(conn, 60))
    app = app_for(settings_for(kafka_settings, database_url), connectors=PerConnection(ledgers))  # type: ignore[arg-type]
    async with Outcomes(kafka_settings) as outcomes, running(app):
        await outcomes.until(lambda seen: len({o.command_id for o in seen if o.status == "posted"}) == 122)
    first, second = (ledgers[c].spans for c in conns)
    assert first and second
    assert any(a0 < b1 and b0 < a1 for a0, a1 in first for b0, b1 in second), "the realms' batches never overlapped"
    assert all(len(ledgers[c].of_type(ObjectType.BILL)) == 60 for c in conns)


async def test_replay_parking_release_and_retries(kafka_settings, database_url, connection_id, sessions):
    ledger = FakeLedger()
    ledger.inject("create", RateLimitedError("throttled", retry_after=0.2), RetryableError("503"))
    vendor_ref, bill_ref, pay_ref = b.ref("vendor"), b.ref("bill"), b.ref("bill_payment")
    bill_cmd = b.command(
        "bill", bill_ref, b.bill(f"@ref:{vendor_ref}"), depends_on=[vendor_ref], connection_id=connection_id
    )
    pay_cmd = b.command(
        "bill_payment",
        pay_ref,
        b.bill_payment(f"@ref:{vendor_ref}", f"@ref:{bill_ref}", "100.00"),
        depends_on=[vendor_ref, bill_ref],
        connection_id=connection_id,
    )
    run_cmd = b.command(
        "funds_transfer", b.ref("run"), b.transfer("100.00"), action="transfer", connection_id=connection_id
    )
    vendor_cmd = b.command("vendor", vendor_ref, b.vendor(random_ref("Acme")), connection_id=connection_id)
    app = app_for(settings_for(kafka_settings, database_url), connectors=FakeConnectors(ledger))
    async with Outcomes(kafka_settings) as outcomes, running(app):
        await produce(kafka_settings, connection_id, [bill_cmd, pay_cmd, run_cmd])
        await outcomes.until(lambda seen: len(seen) >= 3)
        assert [o.status for o in outcomes.by_command(bill_cmd.command_id)] == ["parked"]
        await produce(kafka_settings, connection_id, [vendor_cmd, vendor_cmd])
        await outcomes.until(lambda seen: len(outcomes.by_command(pay_cmd.command_id)) >= 2, timeout=60)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://posting") as http:
            balances = (await http.get(f"/connections/{connection_id}/balances")).json()
            assert (await http.get("/healthz")).status_code == 200
    assert [o.status for o in outcomes.by_command(bill_cmd.command_id)] == ["parked", "posted"]
    assert [o.status for o in outcomes.by_command(pay_cmd.command_id)] == ["parked", "posted"]
    vendor_outcomes = outcomes.by_command(vendor_cmd.command_id)
    assert len(vendor_outcomes) == 2 and vendor_outcomes[0] == vendor_outcomes[1]
    assert len(ledger.of_type(ObjectType.VENDOR)) == 1
    assert len(ledger.of_type(ObjectType.BILL)) == 1
    # Money Out Clearing: payment credits it, the run debits it back to zero
    assert balances["accounts"]["clearing-out"] == "0.00"
    assert await assert_every_posting_balances(sessions, connection_id) == 3
