"""With the broker stopped, well-signed deliveries get 200 fast and wait in ``ingest.outbox``;
after it restarts, the relay lands every change exactly once and empties the outbox. Uses a
private broker (own ports and data, same jars as the shared one) that this test stops and
starts: the shared broker stays up for everybody else."""

from __future__ import annotations

import asyncio
import json
import time
import uuid

import asyncpg
import httpx
import pytest

from ledgerbridge_common.events.topics import Topics
from ledgerbridge_common.prefs_client import WebhookSecret
from ledgerbridge_common.settings import KafkaSettings
from tests.integration.webhook_ingest.harness import (
    PrefsState,
    create_topics,
    ingest_settings,
    prefs_stub,
    private_broker,
    read_topic,
    running_ingest,
)
from tests.support.servers import serve_in_thread
from webhook_ingest.signature import sign

pytestmark = [pytest.mark.integration, pytest.mark.timeout(240)]


def qbo_delivery(realm: str, entity_id: str) -> bytes:
    event = {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "type": "qbo.invoice.created.v1",
        "time": "2026-02-28T10:00:00Z",
        "intuitaccountid": realm,
        "intuitentityid": entity_id,
    }
    return json.dumps([event]).encode()


def bill_delivery(org: str, vendor_id: str) -> bytes:
    return json.dumps(
        {
            "metadata": {"eventId": str(uuid.uuid4()), "organizationId": org, "eventType": "vendor.updated"},
            "vendor": {"id": vendor_id, "updatedTime": "2026-02-28T10:00:00.000+0000"},
        }
    ).encode()


async def outbox_event_ids(database_url: str, connection_id: str) -> list[str]:
    conn = await asyncpg.connect(database_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        rows = await conn.fetch(
            "select event_id from ingest.outbox where connection_id = $1 order by id", connection_id
        )
    finally:
        await conn.close()
    return [r["event_id"] for r in rows]


async def test_broker_down_parks_changes_and_the_relay_lands_them_exactly_once(stack, database_url, connection_id):
    realm, org = f"realm-{uuid.uuid4().hex[:6]}", f"008{uuid.uuid4().hex[:6]}"
    state = PrefsState(
        secrets=[
            WebhookSecret(connection_id=connection_id, vendor="qbo", company_id=realm, secret="tok"),
            WebhookSecret(connection_id=connection_id, vendor="billcom", company_id=org, secret="key"),
        ]
    )
    qbo_path, bill_path = "/webhooks/qbo", f"/webhooks/billcom/{connection_id}"
    during = [(qbo_path, qbo_delivery(realm, f"inv-during-{n}"), "intuit-signature", "tok") for n in range(3)] + [
        (bill_path, bill_delivery(org, "009-during"), "x-bill-sha-signature", "key")
    ]

    async with private_broker() as broker:
        kafka = KafkaSettings(bootstrap_servers=broker.bootstrap, topics=Topics.with_suffix(uuid.uuid4().hex[:8]))
        await create_topics(broker.bootstrap, kafka.topics.all())
        with (
            serve_in_thread(prefs_stub(state)) as prefs_url,
            running_ingest(ingest_settings(kafka, database_url, prefs_url)) as url,
        ):
            async with httpx.AsyncClient(base_url=url, timeout=10) as client:

                async def deliver(path: str, body: bytes, header: str, secret: str) -> tuple[int, float]:
                    started = time.monotonic()
                    response = await client.post(
                        path,
                        content=body,
                        headers={header: sign(secret, body), "content-type": "application/json"},
                    )
                    return response.status_code, time.monotonic() - started

                first = qbo_delivery(realm, "inv-before")
                assert (await deliver(qbo_path, first, "intuit-signature", "tok"))[0] == 200

                await asyncio.to_thread(broker.stop)
                for attempt in range(2):  # the vendor's first tries, and a quick retry
                    for path, body, header, secret in during:
                        status, seconds = await deliver(path, body, header, secret)
                        assert status == 200, (attempt, path)
                        assert seconds < 3.0, f"answered in {seconds:.2f}s, QBO gives up at 3s"
                parked = await outbox_event_ids(database_url, connection_id)
                assert len(parked) == 4 and len(set(parked)) == 4, parked  # the retry found the keys stored
                ready = await client.get("/readyz")
                assert ready.status_code == 200, ready.text  # accepting: the outbox takes the changes
                assert ready.json()["checks"]["kafka"].startswith("failed")

                await asyncio.to_thread(broker.start)
                deadline = time.monotonic() + 60
                while parked and time.monotonic() < deadline:
                    await asyncio.sleep(0.5)
                    parked = await outbox_event_ids(database_url, connection_id)
                assert parked == []
                for item in during:  # a late duplicate retry after the relay
                    assert (await deliver(*item))[0] == 200
                assert await outbox_event_ids(database_url, connection_id) == []

        events = await read_topic(broker.bootstrap, kafka.topics.changes, expect=5, settle=3)
    ids = sorted(e.payload["object_id"] for e in events)
    assert ids == ["009-during", "inv-before", "inv-during-0", "inv-during-1", "inv-during-2"]
    assert len({e.event_id for e in events}) == 5
