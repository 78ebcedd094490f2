"""`ledgerbridge errors` against a real prefs-api (real PostgreSQL and Kafka, fake vendors):
list, replay filtered by code, ignore / ignored / unignore, link; the actions carry the key's name."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from ledgerbridge_common.canonical.models import Bill
from tests.integration.ops.test_prefs_commands import cli
from tests.integration.prefs_api.conftest import PrefsApi, prefs_api
from tests.integration.prefs_api.test_error_actions import failed, log, publish_outcomes

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]
__all__ = ["prefs_api"]


async def test_errors_commands(prefs_api: PrefsApi) -> None:
    cid = (await prefs_api.new_connection())["id"]
    key = (await prefs_api.new_key(prefs_api.admin, name="ops-erin", scopes=["write"]))["X-API-Key"]
    prefs_api.ledger.objects[("bill", "145")] = Bill(
        id="145", vendor_id="58", number="1", date=dt.date(2026, 12, 1), lines=[]
    )
    await publish_outcomes(
        prefs_api,
        cid,
        [
            failed("billcom:bill:00n01A", "6000", 1),
            failed("billcom:bill:00n01B", "6240", 2),
            failed("billcom:vendor:00901C", "6000", 3),
        ],
    )
    entries = {e["source_ref"]: e["id"] for e in await log(prefs_api, cid, 3)}

    listed = await cli(prefs_api, "errors", "list", "-c", cid, "--json", key=key)
    assert listed.returncode == 0, listed.stderr
    assert sorted(e["source_ref"] for e in json.loads(listed.stdout)) == sorted(entries)

    replayed = await cli(prefs_api, "errors", "replay", "-c", cid, "--code", "6240", key=key)
    assert replayed.returncode == 0, replayed.stderr
    assert replayed.stdout.strip() == "replayed 1: billcom:bill:00n01B"

    ignored = await cli(prefs_api, "errors", "ignore", str(entries["billcom:vendor:00901C"]), "--note", "dup", key=key)
    assert ignored.returncode == 0 and ignored.stdout.strip() == "billcom:vendor:00901C ignored"
    shown = await cli(prefs_api, "errors", "ignored", cid, "--json", key=key)
    assert [(r["source_ref"], r["ignored_by"], r["note"]) for r in json.loads(shown.stdout)] == [
        ("billcom:vendor:00901C", "ops-erin", "dup")
    ]
    back = await cli(prefs_api, "errors", "unignore", cid, "billcom:vendor:00901C", "--no-replay", key=key)
    assert back.returncode == 0, back.stderr

    wrong = await cli(prefs_api, "errors", "link", str(entries["billcom:bill:00n01A"]), "999", key=key)
    assert wrong.returncode == 2 and "no bill '999'" in wrong.stderr.lower()
    linked = await cli(prefs_api, "errors", "link", str(entries["billcom:bill:00n01A"]), "145", key=key)
    assert linked.returncode == 0 and linked.stdout.strip() == "billcom:bill:00n01A linked to 145"

    actions = [e for e in await log(prefs_api, cid, 7) if e["status"] == "action"]
    assert [(a["decision"]["action"], a["actor"]) for a in actions] == [
        ("link", "ops-erin"),
        ("unignore", "ops-erin"),
        ("ignore", "ops-erin"),
        ("replay", "ops-erin"),
    ]
