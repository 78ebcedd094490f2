"""Errors the bookkeeper can clear, through the public API on real PostgreSQL and Kafka: an error
closes when a later attempt of the same object succeeds; ignore / un-ignore; link to an existing
ledger object; replay filtered by code, type and date; each action in the sync log with the name
of the API key that did it."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest

from ledgerbridge_common.canonical.models import Bill
from ledgerbridge_common.events.envelope import Envelope
from ledgerbridge_common.events.models import OutcomeError, Side, SyncOutcome, TargetRef
from ledgerbridge_common.kafka.producer import AiokafkaPublisher
from tests.integration.prefs_api.conftest import PrefsApi, read_topic

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]


def failed(ref: str, code: str, n: int) -> SyncOutcome:
    return SyncOutcome(
        command_id=f"f{n:031d}",
        status="failed",
        object_type=ref.split(":")[1],
        source_ref=ref,
        error=OutcomeError(code=code, message=f"error {code}"),
        reason=f"QuickBooks refused it ({code})",
    )


def posted(ref: str, n: int) -> SyncOutcome:
    return SyncOutcome(
        command_id=f"p{n:031d}",
        status="posted",
        object_type=ref.split(":")[1],
        source_ref=ref,
        target_ref=TargetRef(side=Side.LEDGER, id="900", concurrency_token="0"),
        written={},
    )


async def publish_outcomes(api: PrefsApi, cid: str, outs: list[SyncOutcome]) -> None:
    kafka = api.settings.kafka
    publisher = AiokafkaPublisher(kafka, client_id="test-posting")
    await publisher.start()
    try:
        await publisher.publish_many([(kafka.topics.outcomes, Envelope.wrap(o, connection_id=cid)) for o in outs])
    finally:
        await publisher.stop()


async def log(api: PrefsApi, cid: str, want: int, **params: Any) -> list[dict[str, Any]]:
    deadline = asyncio.get_running_loop().time() + 30
    async with api.client(api.admin) as http:
        while True:
            resp = await http.get("/v1/sync-log", params={"connection_id": cid, "limit": 200, **params})
            items = list(resp.json()["items"])
            if len(items) >= want or asyncio.get_running_loop().time() > deadline:
                return items
            await asyncio.sleep(0.2)


async def writer_key(api: PrefsApi, name: str) -> dict[str, str]:
    return await api.new_key(api.admin, name=name, scopes=["write"])


async def test_an_error_closes_itself_when_a_later_attempt_succeeds(prefs_api: PrefsApi) -> None:
    cid = (await prefs_api.new_connection())["id"]
    await publish_outcomes(prefs_api, cid, [failed("billcom:bill:00n01A", "6000", 1)])
    await log(prefs_api, cid, 1)
    async with prefs_api.client(prefs_api.admin) as http:
        before = (await http.get("/v1/sync-report", params={"connection_id": cid})).json()["errors"]
    await publish_outcomes(prefs_api, cid, [posted("billcom:bill:00n01A", 2)])
    items = await log(prefs_api, cid, 2)
    async with prefs_api.client(prefs_api.admin) as http:
        after = (await http.get("/v1/sync-report", params={"connection_id": cid})).json()["errors"]
    error = next(i for i in items if i["status"] == "failed")
    success = next(i for i in items if i["status"] == "posted")
    assert [e["source_ref"] for e in before] == ["billcom:bill:00n01A"]
    assert after == []
    assert error["closed_by"] == "auto" and error["closed_at"] is not None
    assert error["closed_reason"] == f"a later attempt succeeded (sync log entry {success['id']})"


async def test_ignore_closes_the_error_reaches_the_engine_and_unignore_replays(prefs_api: PrefsApi) -> None:
    cid = (await prefs_api.new_connection())["id"]
    alice = await writer_key(prefs_api, "alice")
    await publish_outcomes(prefs_api, cid, [failed("billcom:vendor:00901B", "6240", 1)])
    [entry] = await log(prefs_api, cid, 1)
    async with prefs_api.client(alice) as http:
        ignored = await http.post(f"/v1/sync-log/{entry['id']}/ignore", json={"note": "kept by hand in QBO"})
        listed = (await http.get(f"/v1/connections/{cid}/ignored")).json()
        report = (await http.get("/v1/sync-report", params={"connection_id": cid})).json()
    async with prefs_api.internal_client() as http:
        mappings = (await http.get(f"/internal/v1/connections/{cid}/mappings")).json()
    assert ignored.status_code == 200, ignored.text
    assert ignored.json()["ignored_by"] == "alice" and ignored.json()["note"] == "kept by hand in QBO"
    assert [i["source_ref"] for i in listed] == ["billcom:vendor:00901B"]
    assert mappings["ignored"] == ["billcom:vendor:00901B"]
    assert report["errors"] == []
    kafka = prefs_api.settings.kafka
    # on the changes topic when the API answered: the engine drops its cached rules before any later change
    [in_force] = await read_topic(kafka, kafka.topics.changes, want=1, timeout=5)
    assert (in_force.type, in_force.connection_id) == ("PreferencesChanged", cid)

    async with prefs_api.client(alice) as http:
        gone = await http.delete(f"/v1/connections/{cid}/ignored/billcom:vendor:00901B")
        again = await http.delete(f"/v1/connections/{cid}/ignored/billcom:vendor:00901B")
        listed_after = (await http.get(f"/v1/connections/{cid}/ignored")).json()
    assert gone.status_code == 200, gone.text
    assert again.status_code == 404
    assert listed_after == []

    items = await log(prefs_api, cid, 3)
    actions = [(i["decision"]["action"], i["actor"]) for i in items if i["status"] == "action"]
    assert actions == [("unignore", "alice"), ("ignore", "alice")]
    closed = next(i for i in items if i["status"] == "failed")
    assert closed["closed_by"] == "alice"

    prefs_events = await read_topic(kafka, kafka.topics.prefs, want=4, timeout=5)
    assert [e.type for e in prefs_events] == ["PreferencesChanged"] * 3  # created, ignored, un-ignored
    changes = await read_topic(kafka, kafka.topics.changes, want=3, timeout=5)
    assert [c.type for c in changes] == ["PreferencesChanged", "PreferencesChanged", "ChangeDetected"]
    assert changes[2].payload["delivery_id"] == f"unignore:{gone.json()['action_id']}"
    assert (changes[2].payload["object_type"], changes[2].payload["object_id"]) == ("vendor", "00901B")


async def test_link_to_an_existing_ledger_bill(prefs_api: PrefsApi) -> None:
    cid = (await prefs_api.new_connection())["id"]
    bob = await writer_key(prefs_api, "bob")
    prefs_api.ledger.objects[("bill", "145")] = Bill(
        id="145", vendor_id="58", number="INV-1", date=dt.date(2026, 12, 1), lines=[]
    )
    await publish_outcomes(prefs_api, cid, [failed("billcom:bill:00n01A", "6140", 1)])
    [entry] = await log(prefs_api, cid, 1)
    async with prefs_api.client(bob) as http:
        unknown = await http.post(f"/v1/sync-log/{entry['id']}/link", json={"other_id": "999"})
        linked = await http.post(f"/v1/sync-log/{entry['id']}/link", json={"other_id": "145"})
        mappings = (await http.get(f"/v1/connections/{cid}/mappings")).json()
    assert unknown.status_code == 409 and "no bill '999'" in unknown.json()["detail"].lower()
    assert linked.status_code == 200, linked.text
    assert mappings["objects"] == {"bill": {"00n01A": "145"}}
    kafka = prefs_api.settings.kafka
    changes = await read_topic(kafka, kafka.topics.changes, want=2)
    assert [c.type for c in changes] == ["PreferencesChanged", "ChangeDetected"]
    assert changes[1].payload["delivery_id"] == f"link:{linked.json()['action_id']}"
    action = next(i for i in await log(prefs_api, cid, 2) if i["status"] == "action")
    assert (action["actor"], action["target_id"], action["decision"]["action"]) == ("bob", "145", "link")
    # the error stays open until the replay's success closes it
    await publish_outcomes(prefs_api, cid, [posted("billcom:bill:00n01A", 2)])
    items = await log(prefs_api, cid, 3)
    assert next(i for i in items if i["status"] == "failed")["closed_by"] == "auto"


async def test_a_link_without_replay_is_recorded_by_the_engine_before_any_later_change(prefs_api: PrefsApi) -> None:
    cid = (await prefs_api.new_connection())["id"]
    bob = await writer_key(prefs_api, "bob")
    prefs_api.ledger.objects[("bill", "146")] = Bill(
        id="146", vendor_id="58", number="INV-2", date=dt.date(2026, 12, 1), lines=[]
    )
    await publish_outcomes(prefs_api, cid, [failed("billcom:bill:00n01B", "6140", 1)])
    [entry] = await log(prefs_api, cid, 1)
    async with prefs_api.client(bob) as http:
        linked = await http.post(f"/v1/sync-log/{entry['id']}/link", json={"other_id": "146", "replay": False})
    assert linked.status_code == 200, linked.text
    assert linked.json()["replay_event_ids"] == []
    kafka = prefs_api.settings.kafka
    changes = await read_topic(kafka, kafka.topics.changes, want=2, timeout=5)
    assert [c.type for c in changes] == ["PreferencesChanged", "ChangeDetected"]
    assert changes[1].payload["delivery_id"] == f"linked:{linked.json()['action_id']}"
    assert (changes[1].payload["object_type"], changes[1].payload["object_id"]) == ("bill", "00n01B")


async def test_replay_many_filters_by_code_type_and_date(prefs_api: PrefsApi) -> None:
    cid = (await prefs_api.new_connection())["id"]
    carol = await writer_key(prefs_api, "carol")
    await publish_outcomes(
        prefs_api,
        cid,
        [
            failed("billcom:bill:00n01A", "6000", 1),
            failed("billcom:bill:00n01B", "6240", 2),
            failed("billcom:vendor:00901C", "6000", 3),
        ],
    )
    await log(prefs_api, cid, 3)
    async with prefs_api.client(carol) as http:
        future = await http.post("/v1/sync-log/replay", json={"connection_id": cid, "since": "2999-01-01T00:00:00Z"})
        by_code_and_type = await http.post(
            "/v1/sync-log/replay", json={"connection_id": cid, "error_code": "6000", "object_type": "bill"}
        )
        by_code = await http.post("/v1/sync-log/replay", json={"connection_id": cid, "error_code": "6000"})
    assert future.json()["replayed"] == 0
    assert by_code_and_type.json()["source_refs"] == ["billcom:bill:00n01A"]
    assert by_code.json()["source_refs"] == ["billcom:vendor:00901C"]  # 00n01A was replayed already
    items = await log(prefs_api, cid, 5)
    actions = [(i["source_ref"], i["decision"]["action"], i["actor"]) for i in items if i["status"] == "action"]
    assert sorted(actions) == [
        ("billcom:bill:00n01A", "replay", "carol"),
        ("billcom:vendor:00901C", "replay", "carol"),
    ]
