"""Concurrent deliveries against the real Kafka and PostgreSQL: the batched dedupe store keeps
one record per vendor event."""

from __future__ import annotations

import asyncio
import json
import uuid

import httpx
import pytest

from ledgerbridge_common.prefs_client import WebhookSecret
from ledgerbridge_common.settings import KafkaSettings
from tests.integration.webhook_ingest.harness import (
    PrefsState,
    ingest_settings,
    prefs_stub,
    read_topic,
    running_ingest,
)
from tests.integration.webhook_ingest.test_webhooks import stored_keys
from tests.support.servers import serve_in_thread
from webhook_ingest.signature import sign

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]

KEY = "bill-key"


def bill_event(org: str, bill_id: str) -> bytes:
    return json.dumps(
        {
            "metadata": {"eventId": str(uuid.uuid4()), "organizationId": org, "eventType": "bill.updated"},
            "bill": {"id": bill_id, "updatedTime": "2026-02-28T18:00:00.000+0000"},
        }
    ).encode()


def prefs_state(connection_id: str, org: str) -> PrefsState:
    return PrefsState(
        secrets=[WebhookSecret(connection_id=connection_id, vendor="billcom", company_id=org, secret=KEY)]
    )


async def burst(url: str, connection_id: str, bodies: list[bytes]) -> list[httpx.Response]:
    """All deliveries at once over 32 connections, as the vendor's retries of a backlog would come."""
    limits = httpx.Limits(max_connections=32)
    async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits) as client:
        return await asyncio.gather(
            *(
                client.post(
                    f"/webhooks/billcom/{connection_id}",
                    content=body,
                    headers={"content-type": "application/json", "x-bill-sha-signature": sign(KEY, body)},
                )
                for body in bodies
            )
        )


async def deliver_twice_and_check(
    url: str, connection_id: str, org: str, kafka: KafkaSettings, database_url: str, count: int
) -> None:
    bodies = [bill_event(org, f"00n-{i:04d}") for i in range(count)]
    first = await burst(url, connection_id, bodies)
    assert [r.status_code for r in first] == [200] * count
    assert sum(r.json()["produced"] for r in first) == count
    retried = await burst(url, connection_id, bodies)  # every delivery again: all known by now
    assert [r.status_code for r in retried] == [200] * count
    assert sum(r.json()["produced"] for r in retried) == 0
    events = await read_topic(kafka.bootstrap_servers, kafka.topics.changes, expect=count)
    assert sorted(e.payload["object_id"] for e in events) == [f"00n-{i:04d}" for i in range(count)]
    assert len(await stored_keys(database_url, [connection_id])) == count


async def test_a_concurrent_burst_and_its_retry_give_one_record_per_event(kafka_settings, database_url, connection_id):
    org = f"008{uuid.uuid4().hex[:6]}"
    with serve_in_thread(prefs_stub(prefs_state(connection_id, org))) as prefs_url:
        settings = ingest_settings(kafka_settings, database_url, prefs_url)
        with running_ingest(settings) as url:
            await deliver_twice_and_check(url, connection_id, org, kafka_settings, database_url, 300)
