"""A hung PostgreSQL (here: the dedupe table locked by another transaction, so every statement on it
waits) must not hold a webhook answer past QBO's 3 s: the look-up and the record are bounded and
the delivery is produced without the check."""

from __future__ import annotations

import json
import uuid

import asyncpg
import httpx
import pytest

from ledgerbridge_common.prefs_client import WebhookSecret
from tests.integration.webhook_ingest.harness import (
    PrefsState,
    ingest_settings,
    prefs_stub,
    read_topic,
    running_ingest,
)
from tests.support.servers import serve_in_thread
from webhook_ingest.signature import sign

pytestmark = [pytest.mark.integration, pytest.mark.timeout(90)]
QBO_DEADLINE_SECONDS = 3.0


async def test_webhook_is_answered_within_qbo_deadline_while_the_dedupe_table_is_locked(
    kafka_settings, database_url, connection_id
):
    realm = f"realm-{uuid.uuid4().hex[:8]}"
    state = PrefsState(
        secrets=[WebhookSecret(connection_id=connection_id, vendor="qbo", company_id=realm, secret="verifier-h")]
    )
    bodies = [
        json.dumps(
            [{"specversion": "1.0", "id": uuid.uuid4().hex, "type": "qbo.bill.updated.v1",
              "intuitaccountid": realm, "intuitentityid": entity_id}]
        ).encode()
        for entity_id in ("h1", "h2")
    ]  # fmt: skip
    locker = await asyncpg.connect(database_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        with (
            serve_in_thread(prefs_stub(state)) as prefs_url,
            running_ingest(ingest_settings(kafka_settings, database_url, prefs_url)) as url,
        ):
            async with httpx.AsyncClient(base_url=url, timeout=QBO_DEADLINE_SECONDS) as client:
                warm = await client.post(
                    "/webhooks/qbo", content=bodies[0], headers={"intuit-signature": sign("verifier-h", bodies[0])}
                )
                assert warm.status_code == 200
                transaction = locker.transaction()
                await transaction.start()
                await locker.execute("lock table ingest.deliveries in access exclusive mode")
                # httpx raises ReadTimeout if the answer takes longer than QBO waits
                hung = await client.post(
                    "/webhooks/qbo", content=bodies[1], headers={"intuit-signature": sign("verifier-h", bodies[1])}
                )
                await transaction.rollback()
        assert hung.status_code == 200
        assert hung.json()["produced"] == 1
    finally:
        await locker.close()
    events = await read_topic(kafka_settings.bootstrap_servers, kafka_settings.topics.changes, expect=2)
    assert sorted(e.payload["object_id"] for e in events) == ["h1", "h2"]
