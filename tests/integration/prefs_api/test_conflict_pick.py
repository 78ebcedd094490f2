"""Picking among ambiguous first-sync matches, through the public API on real PostgreSQL and
Kafka: the conflict lists the candidates; a pick outside them, or of an object the ledger does not
have, is refused; a pick links the BILL bill to the chosen ledger bill (remembered as a link, in
the sync log with who picked), decides it again at once and closes the conflict as ``picked``."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest

from ledgerbridge_common.canonical.models import Bill
from ledgerbridge_common.events.models import Decision, SyncOutcome
from tests.integration.prefs_api.conftest import PrefsApi, read_topic
from tests.integration.prefs_api.test_error_actions import log, publish_outcomes, writer_key

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]


def ambiguous(ref: str, candidates: list[str]) -> SyncOutcome:
    reason = f"bill INV-7 matches several in the ledger ({', '.join(candidates)}): choose one in the conflicts inbox"
    return SyncOutcome(
        command_id="a" * 32,
        status="skipped",
        object_type="bill",
        source_ref=ref,
        decision=Decision(
            rule="ambiguous_match", reason=reason, overridden={"side": "ledger", "candidates": candidates}
        ),
        reason=reason,
    )


async def open_conflict(api: PrefsApi, cid: str) -> dict[str, Any]:
    deadline = asyncio.get_running_loop().time() + 30
    async with api.client(api.admin) as http:
        while True:
            items = (await http.get("/v1/conflicts", params={"connection_id": cid})).json()["items"]
            if items or asyncio.get_running_loop().time() > deadline:
                assert len(items) == 1, items
                return dict(items[0])
            await asyncio.sleep(0.2)


async def test_the_bookkeeper_picks_one_of_the_ambiguous_matches(prefs_api: PrefsApi) -> None:
    cid = (await prefs_api.new_connection())["id"]
    dana = await writer_key(prefs_api, "dana")
    for lid in ("145", "146"):
        prefs_api.ledger.objects[("bill", lid)] = Bill(
            id=lid, vendor_id="58", number="INV-7", date=dt.date(2026, 12, 1), lines=[]
        )
    await publish_outcomes(prefs_api, cid, [ambiguous("billcom:bill:00n07A", ["145", "146", "147"])])
    conflict = await open_conflict(prefs_api, cid)
    assert conflict["rule"] == "ambiguous_match" and conflict["losing_version"]["candidates"] == ["145", "146", "147"]
    url = f"/v1/conflicts/{conflict['id']}/pick"
    async with prefs_api.client(dana) as http:
        outside = await http.post(url, json={"candidate_id": "999"})
        missing = await http.post(url, json={"candidate_id": "147"})  # a candidate the ledger no longer has
        picked = await http.post(url, json={"candidate_id": "146"})
        again = await http.post(url, json={"candidate_id": "145"})
        mappings = (await http.get(f"/v1/connections/{cid}/mappings")).json()
        closed = (await http.get("/v1/conflicts", params={"connection_id": cid, "status": "picked"})).json()
    assert outside.status_code == 409 and "not one of the matches" in outside.json()["detail"]
    assert missing.status_code == 409 and "no bill '147'" in missing.json()["detail"].lower()
    assert picked.status_code == 200, picked.text
    assert picked.json()["status"] == "picked" and picked.json()["resolved_by"]
    assert again.status_code == 409
    assert mappings["objects"] == {"bill": {"00n07A": "146"}}
    assert [c["id"] for c in closed["items"]] == [conflict["id"]]

    action = next(i for i in await log(prefs_api, cid, 2) if i["status"] == "action")
    assert (action["actor"], action["target_id"], action["decision"]["action"]) == ("dana", "146", "link")
    kafka = prefs_api.settings.kafka
    changes = await read_topic(kafka, kafka.topics.changes, want=2)
    assert [c.type for c in changes] == ["PreferencesChanged", "ChangeDetected"]  # the link in force, then its replay
    assert changes[1].payload["delivery_id"] == f"link:{action['id']}"
    assert (changes[1].payload["object_type"], changes[1].payload["object_id"]) == ("bill", "00n07A")


async def test_only_an_ambiguous_match_can_be_picked(prefs_api: PrefsApi) -> None:
    cid = (await prefs_api.new_connection())["id"]
    master = SyncOutcome(
        command_id="m" * 32,
        status="posted",
        object_type="vendor",
        source_ref="billcom:vendor:00901M",
        decision=Decision(rule="master", reason="BILL wins", overridden={"email": "x@y.example"}),
    )
    await publish_outcomes(prefs_api, cid, [master])
    conflict = await open_conflict(prefs_api, cid)
    async with prefs_api.client(prefs_api.admin) as http:
        resp = await http.post(f"/v1/conflicts/{conflict['id']}/pick", json={"candidate_id": "1"})
    assert resp.status_code == 409 and "not an ambiguous match" in resp.json()["detail"]
