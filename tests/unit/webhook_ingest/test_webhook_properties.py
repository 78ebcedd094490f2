"""Property-based: whatever a well-signed body holds, the parsers account for every event (a change,
ignored, or a reject with its reason) and the handlers answer 200 with each event produced or the
body dead-lettered. The route-level twin on the real Kafka is in tests/integration/webhook_ingest."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.webhook_bodies import billcom_bodies, billcom_events, qbo_bodies, qbo_cloudevents, qbo_legacy
from tests.unit.webhook_ingest.test_webhook_handlers import TOPICS, World, bill_secret, qbo_secret
from webhook_ingest.parsing.billcom import parse_billcom_delivery
from webhook_ingest.parsing.common import ParsedDelivery, UnparseableDeliveryError
from webhook_ingest.parsing.qbo import parse_qbo_delivery
from webhook_ingest.signature import sign

pytestmark = pytest.mark.timeout(300)
NOW = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
REALMS = ["111", "222"]
ORGS = ["00801A", "00801B"]
PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _accounted(parsed: ParsedDelivery) -> int:
    return len(parsed.changes) + parsed.ignored + len(parsed.rejects)


@PROPERTY
@given(st.lists(st.integers(), max_size=0) | qbo_cloudevents(REALMS))
def test_every_cloudevent_is_a_change_ignored_or_a_reject(events: list[Any]):
    parsed = parse_qbo_delivery(json.dumps(events).encode(), received_at=NOW)
    assert _accounted(parsed) == len(events)


@PROPERTY
@given(qbo_legacy(REALMS))
def test_every_legacy_entity_is_a_change_ignored_or_a_reject(body: dict[str, Any]):
    parsed = parse_qbo_delivery(json.dumps(body).encode(), received_at=NOW)
    rejected_notifications = {
        int(m.group(1)) for r in parsed.rejects if (m := re.match(r"eventNotifications\[(\d+)\]: ", r))
    }
    entities = sum(
        len(n["dataChangeEvent"]["entities"])
        for i, n in enumerate(body["eventNotifications"])
        if i not in rejected_notifications
    )
    assert _accounted(parsed) - len(rejected_notifications) == entities


@PROPERTY
@given(billcom_events(ORGS))
def test_every_billcom_event_is_a_change_ignored_or_a_reject(body: Any):
    parsed = parse_billcom_delivery(json.dumps(body).encode(), received_at=NOW)
    assert _accounted(parsed) == (len(body) if isinstance(body, list) else 1)


@PROPERTY
@given(qbo_bodies(REALMS))
def test_qbo_parser_never_raises_anything_but_unparseable(raw: bytes):
    try:
        parsed = parse_qbo_delivery(raw, received_at=NOW)
    except UnparseableDeliveryError as exc:
        assert str(exc)
        return
    assert all(isinstance(c.object_id, str) and isinstance(c.company_id, str) for c in parsed.changes)


@PROPERTY
@given(billcom_bodies(ORGS))
def test_billcom_parser_never_raises_anything_but_unparseable(raw: bytes):
    try:
        parsed = parse_billcom_delivery(raw, received_at=NOW)
    except UnparseableDeliveryError as exc:
        assert str(exc)
        return
    assert all(isinstance(c.object_id, str) and isinstance(c.company_id, str) for c in parsed.changes)


def _assert_produced_or_dead_lettered(world: World, result: Any) -> None:
    assert result.status == 200, result.body
    changes = world.publisher.on(TOPICS.changes)
    letters = world.publisher.on(TOPICS.dlq)
    assert len(changes) == result.body["produced"]
    if result.body.get("rejected") or result.body.get("dead_lettered"):
        assert len(letters) == 1
        assert letters[0].event().error  # type: ignore[attr-defined]
    else:
        assert letters == []


@PROPERTY
@given(qbo_bodies(REALMS))
def test_well_signed_qbo_delivery_is_answered_200_and_kept(raw: bytes):
    world = World(qbo_secret("conn-1", "111", "verifier-1"))
    result = asyncio.run(world.qbo(raw, sign("verifier-1", raw)))
    _assert_produced_or_dead_lettered(world, result)


@PROPERTY
@given(billcom_bodies(ORGS))
def test_well_signed_billcom_delivery_is_answered_200_and_kept(raw: bytes):
    world = World(bill_secret("conn-1", "00801A", "key-1"))
    result = asyncio.run(world.bill("conn-1", raw, sign("key-1", raw)))
    _assert_produced_or_dead_lettered(world, result)


def test_an_oversized_dead_letter_is_cut_to_fit_a_kafka_record():
    raw = json.dumps({"eventNotifications": "\x00" * 600_000}).encode()
    world = World(qbo_secret("conn-1", "111", "verifier-1"))
    result = asyncio.run(world.qbo(raw, sign("verifier-1", raw)))
    assert result.status == 200
    (letter,) = world.publisher.on(TOPICS.dlq)
    assert len(letter.to_bytes()) < 1_000_000
    assert f"body of {len(raw)} bytes" in letter.event().error  # type: ignore[attr-defined]
