"""The sync log, report and conflicts inbox fill from SyncOutcome on the outcomes topic; replays
and overrides go out as ChangeDetected (trigger replay)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from ledgerbridge_common.canonical.models import Account
from ledgerbridge_common.events.envelope import Envelope
from ledgerbridge_common.events.models import Decision, OutcomeError, Side, SyncOutcome, TargetRef
from ledgerbridge_common.kafka.producer import AiokafkaPublisher
from tests.integration.prefs_api.conftest import PrefsApi, read_topic

pytestmark = [pytest.mark.integration, pytest.mark.timeout(90)]


def outcomes(cid: str) -> list[SyncOutcome]:
    return [
        SyncOutcome(
            command_id="c1" * 16,
            status="posted",
            object_type="bill",
            source_ref="billcom:bill:00n01A",
            target_ref=TargetRef(side=Side.LEDGER, id="145", concurrency_token="0"),
            written={"vendor_id": "58", "ap_account_id": "33", "lines": []},
        ),
        SyncOutcome(
            command_id="c2" * 16,
            status="failed",
            object_type="vendor",
            source_ref="billcom:vendor:00901B",
            error=OutcomeError(code="6240", message="Duplicate Name Exists Error"),
            reason="A vendor named 'Acme' already exists in QuickBooks",
        ),
        SyncOutcome(
            command_id="c3" * 16,
            status="parked",
            object_type="bill_payment",
            source_ref="billcom:bill_payment:stp01C",
            reason="Waiting for bill 00n01Z to sync first",
            producer="sync-engine",
        ),
        SyncOutcome(
            command_id="c4" * 16,
            status="posted",
            object_type="vendor",
            source_ref="billcom:vendor:00901D",
            target_ref=TargetRef(side=Side.LEDGER, id="58", concurrency_token="3"),
            written={"name": "Acme Supplies", "email": "ap@acme.example"},
            decision=Decision(
                rule="master",
                master=Side.BILLCOM,
                reason="Both sides changed the vendor; BILL is master for vendors",
                changed_fields=["email"],
                overridden={"name": "Acme Supplies", "email": "billing@acme.example"},
            ),
        ),
    ]


async def wait_for_log(api: PrefsApi, cid: str, want: int, timeout: float = 30) -> list[dict[str, Any]]:
    deadline = asyncio.get_running_loop().time() + timeout
    async with api.client(api.admin) as http:
        while True:
            items = (await http.get("/v1/sync-log", params={"connection_id": cid})).json()["items"]
            if len(items) >= want or asyncio.get_running_loop().time() > deadline:
                return list(items)
            await asyncio.sleep(0.2)


async def test_sync_log_report_and_conflicts_fill_from_outcomes(prefs_api: PrefsApi) -> None:
    cid = (await prefs_api.new_connection())["id"]
    kafka = prefs_api.settings.kafka
    publisher = AiokafkaPublisher(kafka, client_id="test-posting")
    await publisher.start()
    try:
        envs = [Envelope.wrap(o, connection_id=cid) for o in outcomes(cid)]
        await publisher.publish_many([(kafka.topics.outcomes, e) for e in envs])
        await publisher.publish(kafka.topics.outcomes, envs[0])  # a redelivery is recorded once
    finally:
        await publisher.stop()

    items = await wait_for_log(prefs_api, cid, want=4)
    assert sorted(i["status"] for i in items) == ["failed", "parked", "posted", "posted"]
    async with prefs_api.client(prefs_api.admin) as http:
        failed = (await http.get("/v1/sync-log", params={"connection_id": cid, "status": "failed"})).json()
        vendors = (await http.get("/v1/sync-log", params={"connection_id": cid, "object_type": "vendor"})).json()
        page = (await http.get("/v1/sync-log", params={"connection_id": cid, "limit": 3})).json()
        older = (
            await http.get("/v1/sync-log", params={"connection_id": cid, "before_id": page["next_before_id"]})
        ).json()
        future = (await http.get("/v1/sync-log", params={"connection_id": cid, "since": "2999-01-01T00:00:00Z"})).json()
        report = (await http.get("/v1/sync-report", params={"connection_id": cid})).json()
        conflicts = (await http.get("/v1/conflicts", params={"connection_id": cid})).json()["items"]
        preview = (await http.post(f"/v1/connections/{cid}/preferences/preview", json={"ap_account": "33"})).json()
    assert [i["reason"] for i in failed["items"]] == ["A vendor named 'Acme' already exists in QuickBooks"]
    assert {i["source_ref"] for i in vendors["items"]} == {"billcom:vendor:00901B", "billcom:vendor:00901D"}
    assert len(page["items"]) == 3 and len(older["items"]) == 1
    assert future["items"] == []

    health = next(c for c in report["connections"] if c["connection_id"] == cid)
    assert health["counts"] == {"posted": 2, "failed": 1, "parked": 1}
    assert health["last_sync_at"] is not None and health["freshness_seconds"] >= 0
    assert {e["status"] for e in report["errors"]} == {"failed", "parked"}
    assert report["open_conflicts"] == 1

    assert len(conflicts) == 1
    conflict = conflicts[0]
    assert conflict["rule"] == "master" and conflict["winner"] == "billcom"
    assert conflict["winning_version"]["email"] == "ap@acme.example"
    assert conflict["losing_version"]["email"] == "billing@acme.example"
    assert preview["changes"] == [{"preference": "ap_account", "old": None, "new": "33"}]

    async with prefs_api.client(prefs_api.admin) as http:
        overridden = await http.post(f"/v1/conflicts/{conflict['id']}/override")
        again = await http.post(f"/v1/conflicts/{conflict['id']}/override")
        replayed = await http.post("/v1/sync-log/replay", json={"connection_id": cid})
        posted_id = next(i["id"] for i in items if i["status"] == "posted")
        not_replayable = await http.post(f"/v1/sync-log/{posted_id}/replay")
    assert overridden.status_code == 200 and overridden.json()["status"] == "overridden"
    assert again.status_code == 409
    assert replayed.status_code == 200 and replayed.json()["replayed"] == 2
    assert not_replayable.status_code == 409

    changes = await read_topic(kafka, kafka.topics.changes, want=3)
    by_delivery = {e.payload["delivery_id"]: e.payload for e in changes}
    override = by_delivery[f"conflict-override:{conflict['id']}"]
    assert (override["side"], override["object_type"], override["object_id"]) == ("ledger", "vendor", "58")
    assert all(p["trigger"] == "replay" for p in by_delivery.values())
    replay_refs = {f"{p['side']}:{p['object_type']}:{p['object_id']}" for p in by_delivery.values()}
    assert {"billcom:vendor:00901B", "billcom:bill_payment:stp01C"} <= replay_refs


async def test_preview_names_the_objects_that_posted_to_a_replaced_account(prefs_api: PrefsApi) -> None:
    cid = (await prefs_api.new_connection())["id"]
    async with prefs_api.client(prefs_api.admin) as http:
        etag = (await http.get(f"/v1/connections/{cid}/preferences")).headers["ETag"]
        await http.patch(f"/v1/connections/{cid}/preferences", json={"ap_account": "33"}, headers={"If-Match": etag})
    kafka = prefs_api.settings.kafka
    publisher = AiokafkaPublisher(kafka, client_id="test-posting")
    await publisher.start()
    try:
        await publisher.publish(kafka.topics.outcomes, Envelope.wrap(outcomes(cid)[0], connection_id=cid))
    finally:
        await publisher.stop()
    await wait_for_log(prefs_api, cid, want=1)
    prefs_api.ledger.put(Account(id="34", name="AP 2", account_type="Accounts Payable"))
    async with prefs_api.client(prefs_api.admin) as http:
        preview = (await http.post(f"/v1/connections/{cid}/preferences/preview", json={"ap_account": "34"})).json()
    assert preview["valid"] is True
    assert [(a["source_ref"], a["field"]) for a in preview["affected"]] == [("billcom:bill:00n01A", "ap_account_id")]
