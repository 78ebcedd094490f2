"""webhook-ingest against the real Kafka and PostgreSQL: signatures, dedupe, dead letters, limits."""

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


def cloudevents(realm: str, *entity_ids: str) -> bytes:
    return json.dumps(
        [
            {
                "specversion": "1.0",
                "id": str(uuid.uuid4()),
                "source": "intuit.test",
                "type": "qbo.bill.updated.v1",
                "time": "2026-02-28T10:00:00.000Z",
                "intuitaccountid": realm,
                "intuitentityid": entity_id,
            }
            for entity_id in entity_ids
        ]
    ).encode()


def legacy(realm: str, entity_id: str) -> bytes:
    return json.dumps(
        {
            "eventNotifications": [
                {
                    "realmId": realm,
                    "dataChangeEvent": {
                        "entities": [
                            {
                                "name": "Vendor",
                                "id": entity_id,
                                "operation": "Update",
                                "lastUpdated": "2026-02-28T10:00:00-0800",
                            }
                        ]
                    },
                }
            ]
        }
    ).encode()


def bill_event(org: str, bill_id: str) -> bytes:
    return json.dumps(
        {
            "metadata": {
                "eventId": str(uuid.uuid4()),
                "subscriptionId": "sub-1",
                "organizationId": org,
                "eventType": "bill.updated",
                "version": "1",
            },
            "bill": {"id": bill_id, "updatedTime": "2026-02-28T18:00:00.000+0000"},
        }
    ).encode()


@pytest.fixture
def ids(connection_id):
    suffix = uuid.uuid4().hex[:8]
    return {
        "conn_a": connection_id,
        "conn_b": f"{connection_id}-b",
        "realm_a": f"realm-{suffix}-a",
        "realm_b": f"realm-{suffix}-b",
        "org_a": f"008{suffix}A",
        "org_b": f"008{suffix}B",
    }


@pytest.fixture
def prefs_state(ids):
    return PrefsState(
        secrets=[
            WebhookSecret(connection_id=ids["conn_a"], vendor="qbo", company_id=ids["realm_a"], secret="verifier-a"),
            WebhookSecret(connection_id=ids["conn_b"], vendor="qbo", company_id=ids["realm_b"], secret="verifier-b"),
            WebhookSecret(connection_id=ids["conn_a"], vendor="billcom", company_id=ids["org_a"], secret="key-a"),
            WebhookSecret(connection_id=ids["conn_b"], vendor="billcom", company_id=ids["org_b"], secret="key-b"),
        ]
    )


@pytest.fixture
def ingest(kafka_settings, database_url, prefs_state):
    with (
        serve_in_thread(prefs_stub(prefs_state)) as prefs_url,
        running_ingest(ingest_settings(kafka_settings, database_url, prefs_url)) as url,
    ):
        yield url


async def post(url: str, path: str, body: bytes, headers: dict[str, str]) -> httpx.Response:
    async with httpx.AsyncClient(base_url=url, timeout=10) as client:
        return await client.post(path, content=body, headers={"content-type": "application/json", **headers})


async def stored_keys(database_url: str, connection_ids: list[str]) -> list[str]:
    conn = await asyncpg.connect(database_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        rows = await conn.fetch(
            "select dedupe_key from ingest.deliveries where connection_id = any($1::text[])", connection_ids
        )
    finally:
        await conn.close()
    return sorted(r["dedupe_key"] for r in rows)


async def test_negative_signature_matrix_causes_no_event(ingest, kafka_settings, database_url, ids):
    qbo = cloudevents(ids["realm_a"], "101")
    changed = bytearray(qbo)
    changed[-3] ^= 1
    bill = bill_event(ids["org_a"], "00n-bad")
    qbo_cases = {
        "missing header": {},
        "wrong secret": {"intuit-signature": sign("not-the-token", qbo)},
        "body changed by one byte": {"intuit-signature": sign("verifier-a", bytes(changed))},
        "wrong encoding (hex)": {"intuit-signature": sign("verifier-a", qbo).encode().hex()},
    }
    for case, headers in qbo_cases.items():
        response = await post(ingest, "/webhooks/qbo", qbo, headers)
        assert response.status_code == 401, case
    # another connection's verifier token: valid for realm_b only, so nothing for realm_a is emitted
    other = await post(ingest, "/webhooks/qbo", qbo, {"intuit-signature": sign("verifier-b", qbo)})
    assert other.status_code == 200
    bill_cases = {
        "missing header": {},
        "wrong secret": {"x-bill-sha-signature": sign("nope", bill)},
        "body changed by one byte": {"x-bill-sha-signature": sign("key-a", bill[:-2] + b" }")},
        "wrong encoding (hex)": {"x-bill-sha-signature": sign("key-a", bill).encode().hex()},
        "other connection's secret": {"x-bill-sha-signature": sign("key-b", bill)},
    }
    for case, headers in bill_cases.items():
        response = await post(ingest, f"/webhooks/billcom/{ids['conn_a']}", bill, headers)
        assert response.status_code == 401, case

    sentinel = cloudevents(ids["realm_a"], "sentinel")
    assert (
        await post(ingest, "/webhooks/qbo", sentinel, {"intuit-signature": sign("verifier-a", sentinel)})
    ).status_code == 200
    events = await read_topic(kafka_settings.bootstrap_servers, kafka_settings.topics.changes, expect=1)
    assert [e.payload["object_id"] for e in events] == ["sentinel"]
    assert len(await stored_keys(database_url, [ids["conn_a"], ids["conn_b"]])) == 1
    async with httpx.AsyncClient(base_url=ingest) as client:
        metrics = (await client.get("/metrics")).text
    assert 'ledgerbridge_ingest_signature_failures_total{vendor="billcom"}' in metrics


async def test_duplicate_deliveries_produce_one_event_each(ingest, kafka_settings, database_url, ids):
    deliveries = [
        ("/webhooks/qbo", cloudevents(ids["realm_a"], "201", "202"), "intuit-signature", "verifier-a"),
        ("/webhooks/qbo", legacy(ids["realm_b"], "301"), "intuit-signature", "verifier-b"),
        (
            f"/webhooks/billcom/{ids['conn_a']}",
            bill_event(ids["org_a"], "00n-401"),
            "x-bill-sha-signature",
            "key-a",
        ),
    ]
    for path, body, header, secret in deliveries:
        for _ in range(3):  # the vendor retries the same delivery
            response = await post(ingest, path, body, {header: sign(secret, body)})
            assert response.status_code == 200
    events = await read_topic(kafka_settings.bootstrap_servers, kafka_settings.topics.changes, expect=4)
    got = sorted((e.connection_id, e.payload["side"], e.payload["object_id"]) for e in events)
    assert got == [
        (ids["conn_a"], "billcom", "00n-401"),
        (ids["conn_a"], "ledger", "201"),
        (ids["conn_a"], "ledger", "202"),
        (ids["conn_b"], "ledger", "301"),
    ]
    assert len(await stored_keys(database_url, [ids["conn_a"], ids["conn_b"]])) == 4


async def test_dedupe_survives_a_restart(kafka_settings, database_url, prefs_state, ids):
    body = cloudevents(ids["realm_a"], "501")
    headers = {"intuit-signature": sign("verifier-a", body), "content-type": "application/cloudevents+json"}
    with serve_in_thread(prefs_stub(prefs_state)) as prefs_url:
        settings = ingest_settings(kafka_settings, database_url, prefs_url)
        with running_ingest(settings) as url:
            assert (await post(url, "/webhooks/qbo", body, headers)).status_code == 200
        with running_ingest(settings) as url:  # a new process: only PostgreSQL remembers
            assert (await post(url, "/webhooks/qbo", body, headers)).status_code == 200
    events = await read_topic(kafka_settings.bootstrap_servers, kafka_settings.topics.changes, expect=1)
    assert [e.payload["object_id"] for e in events] == ["501"]


async def test_well_signed_unreadable_qbo_delivery_is_dead_lettered_and_acknowledged(ingest, kafka_settings, ids):
    body = b'{"eventNotifications": "this is not a list"}'
    response = await post(ingest, "/webhooks/qbo", body, {"intuit-signature": sign("verifier-a", body)})
    assert response.status_code == 200
    (letter,) = await read_topic(kafka_settings.bootstrap_servers, kafka_settings.topics.dlq, expect=1)
    assert letter.type == "DeadLetter"
    assert letter.payload["value"] == body.decode()
    assert letter.connection_id == ids["conn_a"]


async def test_oversized_body_gets_413_and_health_routes_answer(ingest, kafka_settings):
    body = b"[" + b" " * (1_048_576 + 10) + b"]"
    response = await post(ingest, "/webhooks/qbo", body, {"intuit-signature": sign("verifier-a", body)})
    assert response.status_code == 413
    async with httpx.AsyncClient(base_url=ingest, timeout=10) as client:
        assert (await client.get("/healthz")).json() == {"status": "ok"}
        ready = await client.get("/readyz")
        assert ready.status_code == 200
        assert ready.json() == {
            "status": "ready",
            "checks": {
                "accepting": "ok",
                "kafka": "ok (optional)",
                "outbox": "ok (optional)",
                "postgresql": "ok (optional)",
            },
        }
        assert "ledgerbridge_ingest_deliveries_total" in (await client.get("/metrics")).text
