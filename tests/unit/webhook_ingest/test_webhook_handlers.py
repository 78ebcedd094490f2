import datetime as dt
import json

import pytest

from ledgerbridge_common.events.topics import Topics
from ledgerbridge_common.prefs_client import WebhookSecret
from tests.unit.webhook_ingest.fakes import FakePublisher, FakeSecretSource
from webhook_ingest.adapters.deliveries import InMemoryDeliveryStore
from webhook_ingest.adapters.secrets import WebhookSecretCache
from webhook_ingest.handlers.webhooks import Delivery, handle_billcom_delivery, handle_qbo_delivery
from webhook_ingest.signature import sign

TOPICS = Topics()
NOW = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)


def qbo_secret(connection_id: str, realm: str, secret: str) -> WebhookSecret:
    return WebhookSecret(connection_id=connection_id, vendor="qbo", company_id=realm, secret=secret)


def bill_secret(connection_id: str, org: str, secret: str) -> WebhookSecret:
    return WebhookSecret(connection_id=connection_id, vendor="billcom", company_id=org, secret=secret)


def ce(event_id: str, realm: str, entity_id: str = "10", type_: str = "qbo.bill.updated.v1") -> dict:
    return {
        "specversion": "1.0",
        "id": event_id,
        "type": type_,
        "intuitaccountid": realm,
        "intuitentityid": entity_id,
    }


def bill_event(event_id: str, org: str = "00801A", bill_id: str = "00n01") -> bytes:
    return json.dumps(
        {
            "metadata": {
                "eventId": event_id,
                "organizationId": org,
                "eventType": "bill.updated",
                "version": "1",
            },
            "bill": {"id": bill_id, "updatedTime": "2026-02-28T10:00:00.000+0000"},
        }
    ).encode()


class World:
    def __init__(self, *secrets: WebhookSecret) -> None:
        self.source = FakeSecretSource(list(secrets))
        self.secrets = WebhookSecretCache(self.source, ttl_seconds=60, min_refresh_seconds=0)
        self.store = InMemoryDeliveryStore()
        self.publisher = FakePublisher()

    async def qbo(self, raw: bytes, signature: str | None):
        return await handle_qbo_delivery(
            Delivery(raw, signature, NOW),
            secrets=self.secrets,
            store=self.store,
            publisher=self.publisher,
            topics=TOPICS,
        )

    async def bill(self, connection_id: str, raw: bytes, signature: str | None):
        return await handle_billcom_delivery(
            connection_id,
            Delivery(raw, signature, NOW),
            secrets=self.secrets,
            store=self.store,
            publisher=self.publisher,
            topics=TOPICS,
        )

    def changes(self):
        return [env.event() for env in self.publisher.on(TOPICS.changes)]


BODY = json.dumps([ce("e1", "111")]).encode()


@pytest.mark.parametrize(
    "signature",
    [
        pytest.param(None, id="missing-header"),
        pytest.param(sign("wrong", BODY), id="wrong-secret"),
        pytest.param(sign("tok-a", BODY[:-1] + b" "), id="body-changed-one-byte"),
        pytest.param(sign("tok-a", BODY).encode().hex(), id="wrong-encoding"),
    ],
)
async def test_bad_qbo_signatures_get_401_and_cause_nothing(signature):
    world = World(qbo_secret("conn-a", "111", "tok-a"), qbo_secret("conn-b", "999", "tok-b"))
    assert (await world.qbo(BODY, signature)).status == 401
    assert world.publisher.published == []
    assert world.store.records == {}


async def test_a_qbo_event_signed_with_another_connections_token_is_not_emitted():
    # tok-b is a known verifier token, but only for realm 999: the event for realm 111 goes nowhere
    world = World(qbo_secret("conn-a", "111", "tok-a"), qbo_secret("conn-b", "999", "tok-b"))
    assert (await world.qbo(BODY, sign("tok-b", BODY))).status == 200
    assert world.publisher.published == []


async def test_a_well_signed_qbo_delivery_is_produced_once_even_when_retried():
    world = World(qbo_secret("conn-a", "111", "tok-a"))
    first = await world.qbo(BODY, sign("tok-a", BODY))
    retry = await world.qbo(BODY, sign("tok-a", BODY))
    assert (first.status, retry.status) == (200, 200)
    (env,) = world.publisher.on(TOPICS.changes)
    assert env.connection_id == "conn-a"
    change = env.event()
    assert (change.side, change.object_type, change.object_id, change.trigger) == (
        "ledger",
        "bill",
        "10",
        "webhook",
    )
    assert change.delivery_id == "qbo:ce:e1"
    assert retry.body["produced"] == 0


async def test_a_delivery_for_several_realms_goes_to_each_realms_connection():
    world = World(qbo_secret("conn-a", "111", "tok"), qbo_secret("conn-b", "222", "tok"))
    body = json.dumps([ce("e1", "111", "1"), ce("e2", "222", "2"), ce("e3", "333", "3")]).encode()
    result = await world.qbo(body, sign("tok", body))
    assert result.status == 200
    routed = sorted((env.connection_id, env.payload["object_id"]) for env in world.publisher.on(TOPICS.changes))
    assert routed == [("conn-a", "1"), ("conn-b", "2")]


async def test_a_rotated_token_is_picked_up_without_restart():
    world = World(qbo_secret("conn-a", "111", "old"))
    assert (await world.qbo(BODY, sign("old", BODY))).status == 200
    world.source.secrets = [qbo_secret("conn-a", "111", "old"), qbo_secret("conn-a", "111", "new")]
    body = json.dumps([ce("e2", "111")]).encode()
    assert (await world.qbo(body, sign("new", body))).status == 200
    assert len(world.changes()) == 2


async def test_kafka_down_answers_503_and_stores_nothing_then_the_retry_lands():
    world = World(qbo_secret("conn-a", "111", "tok"))
    world.publisher.down = True
    assert (await world.qbo(BODY, sign("tok", BODY))).status == 503
    assert world.store.records == {}
    world.publisher.down = False
    assert (await world.qbo(BODY, sign("tok", BODY))).status == 200
    assert len(world.changes()) == 1


async def test_database_down_still_produces_and_answers_200():
    world = World(qbo_secret("conn-a", "111", "tok"))
    world.store.fail = True
    assert (await world.qbo(BODY, sign("tok", BODY))).status == 200
    assert len(world.changes()) == 1


async def test_replayed_envelopes_are_identical_so_the_engine_inbox_drops_them():
    world = World(qbo_secret("conn-a", "111", "tok"))
    world.store.fail = True  # nothing remembered: the retry re-produces
    await world.qbo(BODY, sign("tok", BODY))
    await world.qbo(BODY, sign("tok", BODY))
    first, second = world.publisher.on(TOPICS.changes)
    assert first.event_id == second.event_id
    assert first.correlation_id == second.correlation_id
    assert first.payload == second.payload


@pytest.mark.parametrize("raw", [b"not json at all", b'{"unexpected": true}'])
async def test_a_well_signed_unreadable_qbo_delivery_is_dead_lettered_with_200(raw):
    world = World(qbo_secret("conn-a", "111", "tok"))
    result = await world.qbo(raw, sign("tok", raw))
    assert result.status == 200
    (letter,) = world.publisher.on(TOPICS.dlq)
    assert letter.event().value == raw.decode()
    assert world.changes() == []


async def test_prefs_api_down_with_no_cached_secret_answers_503():
    world = World(qbo_secret("conn-a", "111", "tok"))
    world.source.down = True
    assert (await world.qbo(BODY, sign("tok", BODY))).status == 503


async def test_prefs_api_down_after_the_ttl_keeps_the_last_secrets_for_a_bounded_time():
    now = [0.0]
    world = World(qbo_secret("conn-a", "111", "tok"))
    world.secrets = WebhookSecretCache(world.source, ttl_seconds=30, stale_seconds=600, clock=lambda: now[0])
    assert (await world.qbo(BODY, sign("tok", BODY))).status == 200
    world.source.down = True  # prefs-api killed or restarting
    now[0] = 31.0
    body = json.dumps([ce("e2", "111", entity_id="11")]).encode()
    assert (await world.qbo(body, sign("tok", body))).status == 200
    assert (await world.qbo(body, sign("wrong", body))).status == 503  # may be a rotation not seen yet: retry
    now[0] = 601.0
    assert (await world.qbo(body, sign("tok", body))).status == 503


BILL_BODY = bill_event("evt-1")


@pytest.mark.parametrize(
    ("connection_id", "signature"),
    [
        pytest.param("conn-a", None, id="missing-header"),
        pytest.param("conn-a", sign("wrong", BILL_BODY), id="wrong-secret"),
        pytest.param("conn-a", sign("key-a", BILL_BODY + b" "), id="body-changed"),
        pytest.param("conn-a", sign("key-b", BILL_BODY), id="other-connections-secret"),
        pytest.param("conn-unknown", sign("key-a", BILL_BODY), id="unknown-connection"),
    ],
)
async def test_bad_bill_signatures_get_401_and_cause_nothing(connection_id, signature):
    world = World(bill_secret("conn-a", "00801A", "key-a"), bill_secret("conn-b", "00801B", "key-b"))
    assert (await world.bill(connection_id, BILL_BODY, signature)).status == 401
    assert world.publisher.published == []


async def test_a_bill_event_is_produced_once_per_event_id():
    world = World(bill_secret("conn-a", "00801A", "key-a"))
    for _ in range(3):
        assert (await world.bill("conn-a", BILL_BODY, sign("key-a", BILL_BODY))).status == 200
    (change,) = world.changes()
    assert (change.side, change.object_type, change.object_id, change.operation) == (
        "billcom",
        "bill",
        "00n01",
        "updated",
    )
    assert change.delivery_id == "billcom:evt-1"


async def test_bill_events_not_about_synced_objects_are_acknowledged_and_ignored():
    raw = json.dumps(
        {
            "metadata": {"eventId": "e", "organizationId": "00801A", "eventType": "bank-account.created"},
            "bankAccount": {"id": "bac1"},
        }
    ).encode()
    world = World(bill_secret("conn-a", "00801A", "key-a"))
    result = await world.bill("conn-a", raw, sign("key-a", raw))
    assert (result.status, result.body["ignored"], world.changes()) == (200, 1, [])
