"""`ledgerbridge status`, `sync-now` and `parked` against a real prefs-api (real PostgreSQL and
Kafka; prefs-api's own test fixture serves it with fake vendors)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys

import pytest

from ledgerbridge_common.events.envelope import Envelope
from ledgerbridge_common.events.models import OutcomeError, SyncOutcome
from ledgerbridge_common.kafka.producer import AiokafkaPublisher
from tests.integration.prefs_api.conftest import PrefsApi, prefs_api, read_topic

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]
__all__ = ["prefs_api"]  # the fixture, imported from prefs-api's tests


def ledgerbridge(api: PrefsApi, *args: str, key: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "LB_PREFS_URL": api.url,
        "LB_API_KEY": key if key is not None else api.admin["X-API-Key"],
        "LB_KAFKA__BOOTSTRAP_SERVERS": api.settings.kafka.bootstrap_servers,
    }
    return subprocess.run(
        [sys.executable, "-m", "ledgerbridge_ops", *args], capture_output=True, text=True, timeout=60, env=env
    )


async def cli(api: PrefsApi, *args: str, key: str | None = None) -> subprocess.CompletedProcess[str]:
    return await asyncio.to_thread(ledgerbridge, api, *args, key=key)


async def test_status_sync_now_and_parked(prefs_api: PrefsApi) -> None:
    created = await prefs_api.new_connection(name="Acme Books")
    cid = created["id"]
    other = (await prefs_api.new_connection(name="Other Co"))["id"]
    intacct_login = {
        "sender_id": "partner",
        "sender_password": "sender-pw",
        "company_id": "acme-intacct",
        "user_id": "ws_user",
        "user_password": "user-pw",
    }
    intacct = (await prefs_api.new_connection(name="Acme Intacct", ledger_kind="sage_intacct", intacct=intacct_login))[
        "id"
    ]
    kafka = prefs_api.settings.kafka
    reason = "Waiting for vendor 'Acme Supplies' to sync first"
    outcomes = [
        SyncOutcome(command_id="a1" * 16, status="posted", object_type="bill", source_ref="billcom:bill:00n01A"),
        SyncOutcome(
            command_id="a2" * 16,
            status="parked",
            object_type="bill",
            source_ref="billcom:bill:00n01B",
            reason=reason,
            producer="sync-engine",
        ),
        SyncOutcome(
            command_id="a3" * 16,
            status="failed",
            object_type="vendor",
            source_ref="billcom:vendor:00901C",
            error=OutcomeError(code="6240", message="Duplicate Name Exists Error"),
            reason="A vendor named 'Acme' already exists in QuickBooks",
        ),
    ]
    publisher = AiokafkaPublisher(kafka, client_id="test-outcomes")
    await publisher.start()
    try:
        await publisher.publish_many([(kafka.topics.outcomes, Envelope.wrap(o, connection_id=cid)) for o in outcomes])
    finally:
        await publisher.stop()

    deadline = asyncio.get_running_loop().time() + 30
    while True:
        result = await cli(prefs_api, "parked", "--connection", cid, "--json")
        assert result.returncode == 0, result.stderr
        parked = json.loads(result.stdout)
        if parked or asyncio.get_running_loop().time() > deadline:
            break
        await asyncio.sleep(0.5)
    assert [(p["connection_id"], p["source_ref"], p["reason"]) for p in parked] == [
        (cid, "billcom:bill:00n01B", reason)
    ]
    table = await cli(prefs_api, "parked")
    assert table.returncode == 0 and reason[:40] in table.stdout and "SOURCE-REF" in table.stdout

    status = await cli(prefs_api, "status", "--json")
    assert status.returncode == 0, status.stderr
    rows = {r["connection_id"]: r for r in json.loads(status.stdout)}
    assert {cid, other} <= set(rows)
    mine = rows[cid]
    assert (mine["name"], mine["ledger"], mine["state"]) == ("Acme Books", "quickbooks_online", "active")
    assert (mine["posted"], mine["parked"], mine["failed"], mine["open_errors"]) == (1, 1, 1, 2)
    assert rows[other]["posted"] == 0
    # the ledger's company and readiness (nothing is set yet: not ready, and it says what to choose)
    assert (mine["company"], mine["ready"]) == (created["ledger_company_id"], False)
    assert "Choose an Accounts Payable account for Accounts Payable" in mine["missing"]
    assert (rows[intacct]["ledger"], rows[intacct]["company"], rows[intacct]["ready"]) == (
        "sage_intacct",
        "acme-intacct",
        False,
    )
    assert any("Funds Transfer Journal Symbol" in m for m in rows[intacct]["missing"])
    shown = await cli(prefs_api, "status")
    assert "acme-intacct" in shown.stdout and "COMPANY" in shown.stdout and "READY" in shown.stdout
    only = json.loads((await cli(prefs_api, "status", "--connection", other, "--json")).stdout)
    assert [r["connection_id"] for r in only] == [other]

    sync = await cli(prefs_api, "sync-now", cid, "--json")
    assert sync.returncode == 0, sync.stderr
    event_id = json.loads(sync.stdout)["event_id"]
    found: list[tuple[str, str, str]] = []
    for want in range(1, 20):  # other prefs events may come first; read until ours shows up
        published = await read_topic(kafka, kafka.topics.prefs, want=want, timeout=5)
        found = [(e.event_id, e.connection_id, e.type) for e in published if e.event_id == event_id]
        if found or len(published) < want:
            break
    assert found == [(event_id, cid, "SyncRequested")]

    refused = await cli(prefs_api, "status", key="not-a-key")
    assert refused.returncode == 2 and "HTTP 401" in refused.stderr
