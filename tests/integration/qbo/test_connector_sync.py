"""Contract: CDC, batch, and staying under the per-realm limits."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from decimal import Decimal

import httpx
import pytest

from ledgerbridge_common.canonical.models import Bill, Classifications, ObjectType, TransactionLine, Vendor
from ledgerbridge_common.connectors.ports import BatchItem
from ledgerbridge_common.connectors.qbo import QboConnector, qbo_limits
from ledgerbridge_common.errors import DuplicateError, NotFoundError
from tests.integration.qbo.conftest import Harness

pytestmark = pytest.mark.integration
TODAY = dt.date.today()


def rid() -> str:
    return uuid.uuid4().hex


async def test_cdc_reports_creates_updates_archives_and_deletes(qbo: QboConnector, harness: Harness) -> None:
    since = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=5)
    vendor = await qbo.create(Vendor(name="CDC Vendor"), request_id=rid())
    gone = await qbo.create(Vendor(name="CDC Gone"), request_id=rid())
    bill = await qbo.create(
        Bill(
            vendor_id=str(vendor.id),
            date=TODAY,
            lines=(
                TransactionLine(
                    amount=Decimal("5"),
                    classifications=Classifications(account_id=harness.accounts["Utilities"]),
                ),
            ),
        ),
        request_id=rid(),
    )
    await qbo.deactivate(ObjectType.VENDOR, str(gone.id), request_id=rid())
    await qbo.delete(ObjectType.BILL, str(bill.id), request_id=rid())
    page = await qbo.changes_since([ObjectType.VENDOR, ObjectType.BILL], since)
    ops = {(c.object_type, c.object_id): c.operation for c in page.changes}
    assert ops[(ObjectType.VENDOR, vendor.id or "")] == "created"
    assert ops[(ObjectType.VENDOR, gone.id or "")] == "archived"
    assert ops[(ObjectType.BILL, bill.id or "")] == "deleted"
    assert page.complete and page.next_watermark > since
    old = await qbo.changes_since([ObjectType.VENDOR], dt.datetime.now(dt.UTC) - dt.timedelta(days=45))
    assert "window_clamped_from" in old.extra  # never asks QBO past its 30-day window


async def test_cdc_cap_splits_and_continues(harness: Harness) -> None:
    await harness.limits(enabled=False)
    qbo = harness.connector(limits=qbo_limits(window_seconds=1))  # 40 batch calls a second, not a minute
    since = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=5)
    for chunk in range(35):  # 1,050 vendors through /batch, 30 a call
        items = [BatchItem(item_id=f"{chunk}-{i}", obj=Vendor(name=f"Bulk {chunk}-{i}")) for i in range(30)]
        results = await qbo.batch(items, request_id=rid()[:30])
        assert all(r.error is None for r in results)
    first = await qbo.changes_since([ObjectType.VENDOR, ObjectType.BILL], since)
    assert not first.complete and first.extra["truncated"] == "Vendor" and len(first.changes) == 1000
    second = await qbo.changes_since([ObjectType.VENDOR, ObjectType.BILL], first.next_watermark)
    seen = {c.object_id for c in first.changes} | {c.object_id for c in second.changes}
    assert second.complete and len(seen) == 1050


async def test_batch_items_are_independent(qbo: QboConnector, harness: Harness) -> None:
    await qbo.create(Vendor(name="Batch Taken"), request_id=rid())
    items = [
        BatchItem(item_id="ok", obj=Vendor(name="Batch New")),
        BatchItem(item_id="dup", obj=Vendor(name="Batch Taken")),
        BatchItem(
            item_id="missing",
            obj=Bill(
                vendor_id="999999",
                date=TODAY,
                lines=(TransactionLine(amount=Decimal("1"), classifications=Classifications(account_id="7")),),
            ),
            tag="LB:x",
        ),
    ]
    request_id = rid()[:30]
    results = {r.item_id: r for r in await qbo.batch(items, request_id=request_id)}
    assert results["ok"].obj is not None and results["ok"].error is None
    assert isinstance(results["dup"].error, DuplicateError)
    assert isinstance(results["missing"].error, NotFoundError)
    again = {r.item_id: r for r in await qbo.batch(items, request_id=request_id)}  # (requestid, bId) replay
    assert again["ok"].obj is not None and again["ok"].obj.id == results["ok"].obj.id
    assert (await harness.objects("Vendor"))["count"] == 2


async def test_connector_stays_under_the_limits(harness: Harness) -> None:
    # The real limits, with the minute scaled down to 12 s so 200 requests fit in a few seconds. The
    # per-second lane scales with it (a 200 ms "second"): a busy host's late wake-ups of a few tens
    # of milliseconds, which a 3 s "minute" (a 50 ms "second") turned into bursts, stay inside it.
    await harness.limits(enabled=True, per_minute=500, window_seconds=12, concurrent=10, latency_ms=5)
    qbo = harness.connector(limits=qbo_limits(per_minute=500, window_seconds=12, concurrent=10))
    await harness.control.post(f"/_sandbox/realms/{harness.realm_id}/counters/reset")
    results = await asyncio.gather(*(qbo.read(ObjectType.ACCOUNT, str(1 + n % 15)) for n in range(200)))
    assert all(r is not None for r in results)
    counters = await harness.counters()
    assert counters["requests"] == 201 and counters["throttled_429"] == 0  # + one Preferences read

    # the same burst without a limiter bounces off the sandbox: each answer takes 250 ms, so 60
    # requests sent together are more than 10 in flight however slowly a busy host sends them
    await harness.limits(enabled=True, per_minute=500, window_seconds=12, concurrent=10, latency_ms=250)
    token = await harness.store.load()
    assert token is not None
    async with httpx.AsyncClient(base_url=harness.url) as raw:
        answers = await asyncio.gather(
            *(
                raw.get(
                    f"/v3/company/{harness.realm_id}/account/1",
                    headers={"Authorization": f"Bearer {token.access_token}"},
                )
                for _ in range(60)
            )
        )
    assert any(a.status_code == 429 for a in answers)
    assert (await harness.counters())["throttled_429"] > 0
