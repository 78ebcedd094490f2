"""What the bookkeeper did in prefs-api is in force for every change published after prefs-api
answered: prefs-api puts ``PreferencesChanged`` on the changes topic (keyed by connection) before
answering, so the engine forgets its cached rules before it decides any later change. An object
ignored then is skipped at once, even though the engine had the old rules cached; a change of a
disconnected connection is parked ("connection disconnected") unread and released by the reconnect."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest

from ledgerbridge_common.canonical.models import ObjectType, Vendor
from ledgerbridge_common.events import Envelope, PreferencesChanged, Side, SyncOutcome
from ledgerbridge_common.settings import KafkaSettings
from tests.integration.sync_engine.support import Tail, engine_stack, parked, processed, produce, vendor_clients
from tests.support.builders import change

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]
B, T = Side.BILLCOM, ObjectType


def outcome_of(ref: str, status: str) -> Callable[[list[Envelope]], bool]:
    def seen(envelopes: list[Envelope]) -> bool:
        return any(e.type == "SyncOutcome" and e.payload.get("source_ref") == ref and e.payload.get("status") == status
                   for e in envelopes)  # fmt: skip

    return seen


def posting_for(ref: str) -> Callable[[list[Envelope]], bool]:
    return lambda seen: any(e.type == "PostingRequested" and e.payload.get("source_ref") == ref for e in seen)


async def test_an_ignore_and_a_disconnect_are_in_force_for_the_next_change(
    kafka_settings: KafkaSettings, database_url: str, connection_id: str
) -> None:
    topics = kafka_settings.topics
    with engine_stack(connection_id, kafka_settings, database_url) as stack:
        async with vendor_clients(stack) as clients:
            first = await clients.billcom.create(Vendor(name=f"Cached Rules {uuid.uuid4().hex[:6]}"))
            ignored = await clients.billcom.create(Vendor(name=f"Ignored At Once {uuid.uuid4().hex[:6]}"))
            held = await clients.billcom.create(Vendor(name=f"Held Back {uuid.uuid4().hex[:6]}"))
            assert first.id and ignored.id and held.id
            ignored_ref, held_ref = f"billcom:vendor:{ignored.id}", f"billcom:vendor:{held.id}"

            async with Tail(kafka_settings, topics.postings) as postings, Tail(kafka_settings, topics.outcomes) as outs:
                # the engine decides one change with the rules as they are: no ignore (now cached)
                await produce(kafka_settings, topics.changes, connection_id, change(B, T.VENDOR, first.id))
                await postings.wait_for(posting_for(f"billcom:vendor:{first.id}"))

                # prefs-api commits the ignore, puts PreferencesChanged on the changes topic and
                # answers; the clerk's change right after is skipped
                stack.prefs.mappings[connection_id] = {"ignored": [ignored_ref]}
                await produce(kafka_settings, topics.changes, connection_id, PreferencesChanged(version=2))
                event_id = await produce(kafka_settings, topics.changes, connection_id, change(B, T.VENDOR, ignored.id))
                assert event_id is not None
                await outs.wait_for(outcome_of(ignored_ref, "skipped"))
                await processed(database_url, event_id)
                skipped = [
                    SyncOutcome.model_validate(e.payload) for e in outs.seen if outcome_of(ignored_ref, "skipped")([e])
                ]
                assert [o.decision.rule for o in skipped if o.decision] == ["ignored"]
                assert not posting_for(ignored_ref)(postings.seen)

                # disconnected: the next change waits, unread, with the reason posting gives too
                stack.prefs.connections[connection_id]["status"] = "disconnected"
                await produce(kafka_settings, topics.changes, connection_id, PreferencesChanged(version=3))
                await produce(kafka_settings, topics.changes, connection_id, change(B, T.VENDOR, held.id))
                await outs.wait_for(outcome_of(held_ref, "parked"))
                [parked_out] = [
                    SyncOutcome.model_validate(e.payload) for e in outs.seen if outcome_of(held_ref, "parked")([e])
                ]
                assert parked_out.reason == "connection disconnected"
                assert parked_out.error is not None and parked_out.error.code == "connection_disconnected"
                await parked(database_url, connection_id, f"connection:{connection_id}", 1)
                assert not posting_for(held_ref)(postings.seen)

                # reconnected (prefs-api publishes PreferencesChanged on the prefs topic too): released
                stack.prefs.connections[connection_id]["status"] = "active"
                await produce(kafka_settings, topics.prefs, connection_id, PreferencesChanged(version=4))
                await postings.wait_for(posting_for(held_ref))
                await parked(database_url, connection_id, f"connection:{connection_id}", 0)
