"""Each BILL devKey's hour and the short-poll plan, as an operator sees them: ``GET
/v1/bill-budget``, ``ledgerbridge status`` / ``bill-budget`` and the status page, against a real
prefs-api whose budget is the shared one in PostgreSQL (charged here as another process would)."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import Any

import pytest

from ledgerbridge_common.connectors.billcom.budget import BillLimits, dev_key_id
from ledgerbridge_common.connectors.billcom.budget_postgres import PostgresBillBudgets
from ledgerbridge_common.connectors.billcom.events import EVENTLESS_TYPES
from ledgerbridge_common.connectors.budget_postgres import PostgresLedgerBudgets
from tests.integration.ops.test_prefs_commands import cli
from tests.integration.prefs_api.conftest import PrefsApi, prefs_api

pytestmark = [pytest.mark.integration, pytest.mark.timeout(240)]
__all__ = ["prefs_api"]


async def clear_of_the_hour_turning(margin_seconds: float = 90.0) -> None:
    """The requests charged here count in BILL's current clock hour and vanish when it turns; start
    in a fresh hour when this one has less than ``margin_seconds`` left."""
    left = 3600 - time.time() % 3600
    if left < margin_seconds:
        await asyncio.sleep(left + 1)


async def charge(database_url: str, dev_key: str, requests: int) -> None:
    ledger = PostgresLedgerBudgets.for_url(database_url)
    try:
        budget = PostgresBillBudgets(ledger).get(dev_key, "00801ORG", BillLimits())
        for _ in range(requests):
            async with budget.slot():
                pass
    finally:
        await ledger.close()


async def two_connections_on_one_key(prefs_api: PrefsApi) -> tuple[str, list[str]]:
    dev_key = "devkey-" + uuid.uuid4().hex
    ids = []
    for name in ("Acme Books", "Birch Books"):
        body: dict[str, Any] = {
            "username": "ap@acme.example",
            "password": "bill-password-" + uuid.uuid4().hex,
            "organization_id": "00801ORG",
            "dev_key": dev_key,
            "webhook_security_key": "whsec-" + uuid.uuid4().hex,
        }
        ids.append((await prefs_api.new_connection(name=name, billcom=body))["id"])
    return dev_key, ids


async def test_budget_and_poll_plan_in_the_api_the_cli_and_the_status_page(
    prefs_api: PrefsApi, database_url: str
) -> None:
    await clear_of_the_hour_turning()
    dev_key, ids = await two_connections_on_one_key(prefs_api)
    await charge(database_url, dev_key, 7)
    digest = dev_key_id(dev_key)

    async with prefs_api.client(prefs_api.admin) as http:
        answer = (await http.get("/v1/bill-budget")).json()
        page = (await http.get("/status")).text
    [usage] = [k for k in answer["dev_keys"] if k["dev_key"] == digest]
    assert (usage["used"], usage["limit"], usage["parked"]) == (7, 20_000, False)
    assert usage["forecast"] >= 7
    assert dev_key not in json.dumps(answer), "the devKey itself is never shown"
    [plan] = [p for p in answer["poll_plans"] if p["dev_key"] == digest]
    assert sorted(c["connection_id"] for c in plan["connections"]) == sorted(ids)
    assert all(c["asked_minutes"] == c["planned_minutes"] == 5 for c in plan["connections"])
    assert plan["requests_per_hour"] == 2 * len(EVENTLESS_TYPES) * 12 and not plan["stretched"]

    assert "BILL request budget" in page and digest in page

    status = await cli(prefs_api, "status")
    assert status.returncode == 0, status.stderr
    assert "BILL requests this clock hour" in status.stdout and digest in status.stdout
    assert "Short polls of BILL types without webhook events" in status.stdout and ids[0] in status.stdout
    as_json = json.loads((await cli(prefs_api, "bill-budget", "--json")).stdout)
    assert [k["used"] for k in as_json["dev_keys"] if k["dev_key"] == digest] == [7]
