"""The ledger contract: what every ledger connector does against its sandbox, whatever the ledger.
Each test runs once per ledger of ``registry.LEDGERS_UNDER_TEST``; what differs between ledgers is
read from the connector's declared ``capabilities``, never from its kind."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid

import pytest

from ledgerbridge_common.canonical.models import ObjectType
from ledgerbridge_common.connectors.budget import MemoryLedgerBudgets
from ledgerbridge_common.connectors.capabilities import DeletionsSource, Idempotency
from ledgerbridge_common.connectors.ports import DocumentLookup, LedgerConnector
from ledgerbridge_common.errors import OutcomeUnknownError, StaleObjectError
from tests.integration.ledger_contract.registry import LedgerUnderTest

pytestmark = [pytest.mark.integration, pytest.mark.timeout(90)]

NAME_LISTS = frozenset(
    {ObjectType.VENDOR, ObjectType.CUSTOMER, ObjectType.ACCOUNT, ObjectType.CLASS, ObjectType.DEPARTMENT,
     ObjectType.LOCATION, ObjectType.ITEM}
)  # fmt: skip
"""Made inactive, never deleted; every other type is voided or deleted (``capabilities.voids``)."""


def rid() -> str:
    return uuid.uuid4().hex


def unique(prefix: str) -> str:
    return f"{prefix} {uuid.uuid4().hex[:8]}"


async def retire(connector: LedgerConnector, object_type: ObjectType, object_id: str) -> None:
    if object_type in NAME_LISTS:
        await connector.deactivate(object_type, object_id, request_id=rid())
    elif object_type in connector.capabilities.voids:
        await connector.void(object_type, object_id, request_id=rid())
    else:
        await connector.delete(object_type, object_id, request_id=rid())


async def test_every_object_type_is_created_read_updated_and_retired(ledger: LedgerUnderTest) -> None:
    connector = ledger.connector()
    for object_type in ledger.object_types:
        created = await connector.create(
            await ledger.sample(connector, object_type, unique("Contract")), request_id=rid()
        )
        assert created.id and created.object_type is object_type
        read = await connector.read(object_type, created.id)
        assert read is not None and read.id == created.id
        updated = await connector.update(ledger.edit(read), request_id=rid())
        assert updated.id == created.id
        again = await connector.read(object_type, created.id)
        assert again is not None and ledger.edited(again), object_type
        await retire(connector, object_type, created.id)
        after = await connector.read(object_type, created.id)
        if object_type in NAME_LISTS:
            assert after is not None and after.active is False, object_type
        elif object_type in connector.capabilities.voids:
            assert after is not None and ledger.voided(after), object_type
        else:
            assert after is None, object_type


async def test_a_create_that_timed_out_after_its_commit_is_not_written_twice(ledger: LedgerUnderTest) -> None:
    connector = ledger.connector(timeout=0.5)
    object_type = ledger.feed_types[1]
    sample = await ledger.sample(connector, object_type, unique("Timeout"))
    before = await ledger.count(object_type)
    request_id, tag = rid(), f"LB:billcom:contract:{uuid.uuid4().hex[:10]}"
    await ledger.timeout_after_commit(1.5)
    with pytest.raises(OutcomeUnknownError):
        await connector.create(sample, request_id=request_id, tag=tag)
    found = await connector.find_by_tag(object_type, tag)  # what posting does before writing again
    assert found is not None and found.id
    if connector.capabilities.idempotency is Idempotency.REQUEST_ID:
        replay = await connector.create(sample, request_id=request_id, tag=tag)
        assert replay.id == found.id
    assert await ledger.count(object_type) == before + 1
    await ledger.settle()


async def test_a_write_over_a_stale_read_is_refused_or_last_write_wins(ledger: LedgerUnderTest) -> None:
    connector = ledger.connector()
    object_type = ledger.feed_types[0]
    created = await connector.create(await ledger.sample(connector, object_type, unique("Stale")), request_id=rid())
    assert created.id
    stale = await connector.read(object_type, created.id)
    assert stale is not None
    await connector.update(ledger.edit(stale), request_id=rid())  # someone else's edit
    if connector.capabilities.concurrency_token:
        with pytest.raises(StaleObjectError):
            await connector.update(stale, request_id=rid())
        fresh = await connector.read(object_type, created.id)
        assert fresh is not None and ledger.edited(fresh)
    else:
        await connector.update(stale, request_id=rid())
        fresh = await connector.read(object_type, created.id)
        assert fresh is not None and not ledger.edited(fresh)


async def test_queries_page_through_everything(ledger: LedgerUnderTest) -> None:
    connector = ledger.connector(page_size=3)
    object_type = ledger.feed_types[0]
    since = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=5)
    made = set()
    for n in range(8):
        obj = await connector.create(await ledger.sample(connector, object_type, unique(f"Page {n}")), request_id=rid())
        made.add(obj.id)
    page = await connector.query_changed(object_type, since)
    listed = [c.object_id for c in page.changes]
    assert made <= set(listed) and len(listed) == len(set(listed))


async def test_the_change_feed_reports_creates_updates_and_deletions(ledger: LedgerUnderTest) -> None:
    connector = ledger.connector()
    feed = connector.capabilities.change_feed
    assert feed.deletions is not DeletionsSource.NONE
    since = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=5)
    name_type, txn_type = ledger.feed_types
    kept = await connector.create(await ledger.sample(connector, name_type, unique("Feed")), request_id=rid())
    txn = await connector.create(await ledger.sample(connector, txn_type, unique("Feed")), request_id=rid())
    assert kept.id and txn.id
    edited = await connector.read(name_type, kept.id)
    assert edited is not None
    await connector.update(ledger.edit(edited), request_id=rid())
    await retire(connector, txn_type, txn.id)
    changes: dict[tuple[ObjectType, str], str] = {}
    cursor = since
    for _ in range(10):  # pages until complete
        page = await connector.changes_since([name_type, txn_type], cursor)
        changes.update({(c.object_type, c.object_id): c.operation for c in page.changes})
        if page.complete:
            break
        cursor = page.next_watermark
    assert changes.get((name_type, kept.id)) in {"created", "updated"}
    expected = "voided" if txn_type in connector.capabilities.voids else "deleted"
    assert changes.get((txn_type, txn.id)) == expected


async def test_a_burst_over_the_declared_limits_gets_no_over_limit_answer(ledger: LedgerUnderTest) -> None:
    """The declared limits with the minute shrunk to 3 s, enforced by the sandbox: a burst of more
    requests than a window allows, from two connectors sharing one budget, is paced, not refused."""
    limits = ledger.shrunk_limits(3.0)
    assert limits.per_minute is not None
    await ledger.enforce_limits(limits)
    budgets = MemoryLedgerBudgets()
    connectors = [ledger.connector(limits=limits, budgets=budgets) for _ in range(2)]
    await connectors[0].company_info()
    await connectors[1].company_info()
    reads = int(limits.per_minute * 1.2)
    results = await asyncio.gather(
        *(connectors[n % 2].list_accounts() if n % 50 == 0 else connectors[n % 2].company_info() for n in range(reads)),
        return_exceptions=True,
    )
    assert [r for r in results if isinstance(r, BaseException)] == []
    assert await ledger.over_limit_answers() == 0


async def test_a_document_is_found_by_its_party_and_number(ledger: LedgerUnderTest) -> None:
    """``DocumentLookup``: what a first sync links to instead of creating a duplicate. Every ledger
    implements it."""
    connector = ledger.connector()
    assert isinstance(connector, DocumentLookup), connector.ledger_kind
    number = f"LK-{uuid.uuid4().hex[:8]}"
    sample = await ledger.sample(connector, ObjectType.BILL, unique("Lookup"))
    created = await connector.create(sample.model_copy(update={"number": number}), request_id=rid())
    party = getattr(created, "vendor_id", None)
    assert created.id and party
    found = await connector.find_documents(ObjectType.BILL, party, number)
    assert [d.id for d in found] == [created.id]
    assert await connector.find_documents(ObjectType.BILL, party, number + "-X") == []
    other = await ledger.sample(connector, ObjectType.BILL, unique("Other party"))
    assert await connector.find_documents(ObjectType.BILL, getattr(other, "vendor_id", ""), number) == []
