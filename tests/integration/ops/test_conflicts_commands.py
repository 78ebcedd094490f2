"""`ledgerbridge conflicts` against a real prefs-api (real PostgreSQL and Kafka, fake vendors):
list shows an ambiguous match with its candidates; pick refuses a candidate outside them, links
the chosen one and closes the conflict as picked (the sync log has the key's name); dismiss closes another."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from ledgerbridge_common.canonical.models import Bill
from ledgerbridge_common.events.models import Decision, SyncOutcome
from tests.integration.ops.test_prefs_commands import cli
from tests.integration.prefs_api.conftest import PrefsApi, prefs_api
from tests.integration.prefs_api.test_conflict_pick import ambiguous
from tests.integration.prefs_api.test_error_actions import log, publish_outcomes

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]
__all__ = ["prefs_api"]


async def test_conflicts_commands(prefs_api: PrefsApi) -> None:
    cid = (await prefs_api.new_connection())["id"]
    key = (await prefs_api.new_key(prefs_api.admin, name="ops-omar", scopes=["write"]))["X-API-Key"]
    for lid in ("145", "146"):
        prefs_api.ledger.objects[("bill", lid)] = Bill(
            id=lid, vendor_id="58", number="INV-7", date=dt.date(2026, 12, 1), lines=[]
        )
    master = SyncOutcome(
        command_id="m" * 32,
        status="posted",
        object_type="vendor",
        source_ref="billcom:vendor:00901M",
        decision=Decision(rule="master", reason="BILL wins", overridden={"email": "x@y.example"}),
    )
    await publish_outcomes(prefs_api, cid, [ambiguous("billcom:bill:00n07A", ["145", "146"]), master])
    await log(prefs_api, cid, 2)

    listed = await cli(prefs_api, "conflicts", "list", "-c", cid, "--json", key=key)
    assert listed.returncode == 0, listed.stderr
    conflicts = {c["source_ref"]: c for c in json.loads(listed.stdout)}
    assert set(conflicts) == {"billcom:bill:00n07A", "billcom:vendor:00901M"}
    bill_conflict = conflicts["billcom:bill:00n07A"]["id"]
    table = await cli(prefs_api, "conflicts", "list", "-c", cid, key=key)
    assert table.returncode == 0 and "145, 146" in table.stdout and "ambiguous_match" in table.stdout

    outside = await cli(prefs_api, "conflicts", "pick", str(bill_conflict), "999", key=key)
    assert outside.returncode == 2 and "not one of the matches" in outside.stderr
    picked = await cli(prefs_api, "conflicts", "pick", str(bill_conflict), "146", key=key)
    assert picked.returncode == 0, picked.stderr
    assert picked.stdout.strip() == f"conflict {bill_conflict} picked: billcom:bill:00n07A linked to 146"
    dismissed = await cli(prefs_api, "conflicts", "dismiss", str(conflicts["billcom:vendor:00901M"]["id"]), key=key)
    assert dismissed.returncode == 0, dismissed.stderr

    still_open = await cli(prefs_api, "conflicts", "list", "-c", cid, "--json", key=key)
    assert json.loads(still_open.stdout) == []
    closed = await cli(prefs_api, "conflicts", "list", "-c", cid, "--status", "picked", "--json", key=key)
    assert [(c["id"], bool(c["resolved_by"])) for c in json.loads(closed.stdout)] == [(bill_conflict, True)]
    action = next(i for i in await log(prefs_api, cid, 3) if i["status"] == "action")
    assert (action["actor"], action["target_id"], action["decision"]["action"]) == ("ops-omar", "146", "link")
    async with prefs_api.client(prefs_api.admin) as http:
        mappings = (await http.get(f"/v1/connections/{cid}/mappings")).json()
    assert mappings["objects"] == {"bill": {"00n07A": "146"}}
