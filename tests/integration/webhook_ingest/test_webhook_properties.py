"""Property-based, through the real routes, Kafka and PostgreSQL: any validly signed body (arbitrary
JSON, vendor-shaped JSON with any value in any field, non-JSON, deeply nested) is answered 200, and
each of its events ends in the changes topic or the body in the dead-letter topic."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections import Counter

import httpx
import pytest
from hypothesis import HealthCheck, example, given, settings

from ledgerbridge_common.events.models import deterministic_id
from ledgerbridge_common.prefs_client import WebhookSecret
from tests.integration.webhook_ingest.harness import (
    PrefsState,
    ingest_settings,
    prefs_stub,
    read_topic,
    running_ingest,
)
from tests.support.servers import serve_in_thread
from tests.support.webhook_bodies import billcom_bodies, qbo_bodies
from webhook_ingest.signature import sign

pytestmark = [pytest.mark.integration, pytest.mark.timeout(600)]
ROUTE_PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))


async def test_any_well_signed_delivery_is_answered_200_and_produced_or_dead_lettered(
    kafka_settings, database_url, connection_id
):
    suffix = uuid.uuid4().hex[:8]
    realm, org = f"realm-{suffix}", f"008{suffix}"
    state = PrefsState(
        secrets=[
            WebhookSecret(connection_id=connection_id, vendor="qbo", company_id=realm, secret="verifier-p"),
            WebhookSecret(connection_id=connection_id, vendor="billcom", company_id=org, secret="key-p"),
        ]
    )
    produced: Counter[str] = Counter()
    expected_letters: set[str] = set()
    statuses: Counter[int] = Counter()

    def deliver(client: httpx.Client, vendor: str, path: str, header: str, secret: str, raw: bytes) -> None:
        response = client.post(path, content=raw, headers={header: sign(secret, raw)})
        statuses[response.status_code] += 1
        assert response.status_code == 200, (response.status_code, response.text, raw[:200])
        body = response.json()
        produced[vendor] += body["produced"]
        if body.get("rejected") or body.get("dead_lettered"):
            expected_letters.add(deterministic_id("webhook-dlq", vendor, hashlib.sha256(raw).hexdigest()))

    with (
        serve_in_thread(prefs_stub(state)) as prefs_url,
        running_ingest(ingest_settings(kafka_settings, database_url, prefs_url)) as url,
        httpx.Client(base_url=url, timeout=10) as client,
    ):
        valid_qbo = json.dumps(
            [
                {
                    "specversion": "1.0",
                    "id": suffix,
                    "type": "qbo.bill.updated.v1",
                    "intuitaccountid": realm,
                    "intuitentityid": "5",
                }
            ]
        ).encode()
        valid_bill = json.dumps(
            {"metadata": {"eventId": suffix, "organizationId": org, "eventType": "bill.updated"}, "bill": {"id": "b1"}}
        ).encode()

        @ROUTE_PROPERTY
        @given(qbo_bodies([realm, "other-realm"]))
        @example(valid_qbo)
        @example(b"[" * 100_000)
        def qbo_route(raw: bytes) -> None:
            deliver(client, "qbo", "/webhooks/qbo", "intuit-signature", "verifier-p", raw)

        @ROUTE_PROPERTY
        @given(billcom_bodies([org, "00800other"]))
        @example(valid_bill)
        @example(b'{"metadata": "x"}')
        def billcom_route(raw: bytes) -> None:
            deliver(client, "billcom", f"/webhooks/billcom/{connection_id}", "x-bill-sha-signature", "key-p", raw)

        qbo_route()
        billcom_route()

    assert set(statuses) == {200}
    assert produced["qbo"] >= 1 and produced["billcom"] >= 1 and len(expected_letters) >= 2
    topics = kafka_settings.topics
    changes = await read_topic(kafka_settings.bootstrap_servers, topics.changes, expect=sum(produced.values()))
    letters = await read_topic(kafka_settings.bootstrap_servers, topics.dlq, expect=len(expected_letters))
    assert Counter("qbo" if e.payload["side"] == "ledger" else "billcom" for e in changes) == produced
    assert {e.event_id for e in letters} == expected_letters
    assert all(e.payload["error"] for e in letters)
