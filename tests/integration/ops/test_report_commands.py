"""`ledgerbridge report export|reconcile` and `ledgerbridge connection disconnect|reconnect`
against a real prefs-api (real PostgreSQL and Kafka, fake vendors)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal

import pytest

from ledgerbridge_common.canonical.models import Bill, TransactionLine, Vendor
from ledgerbridge_common.prefs_client import PrefsClient, QboTokens
from tests.integration.ops.test_prefs_commands import cli
from tests.integration.prefs_api.conftest import INTERNAL_TOKEN, PrefsApi, prefs_api
from tests.integration.prefs_api.test_error_actions import failed, log, publish_outcomes

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]
__all__ = ["prefs_api"]


async def test_report_and_connection_commands(prefs_api: PrefsApi) -> None:
    cid = (await prefs_api.new_connection())["id"]
    await publish_outcomes(prefs_api, cid, [failed("billcom:bill:00n01A", "6000", 1)])
    await log(prefs_api, cid, 1)
    exported = await cli(prefs_api, "report", "export", "sync-log", "-c", cid, "--since", "2020-01-01")
    assert exported.returncode == 0, exported.stderr
    assert [r["source_ref"] for r in csv.DictReader(io.StringIO(exported.stdout))] == ["billcom:bill:00n01A"]
    report = await cli(prefs_api, "report", "export", "sync-report", "--format", "json", "-c", cid)
    assert [(r["status"], r["count"]) for r in json.loads(report.stdout)] == [("failed", 1)]

    agree = await cli(prefs_api, "report", "reconcile", cid)
    assert agree.returncode == 0, agree.stderr
    prefs_api.billcom.objects[("vendor", "009A")] = Vendor(id="009A", name="Acme")
    prefs_api.billcom.objects[("bill", "00nB")] = Bill(
        id="00nB", vendor_id="009A", date=dt.date(2026, 12, 1), lines=[TransactionLine(amount=Decimal("9"))]
    )
    differ = await cli(prefs_api, "report", "reconcile", cid, "--json")
    assert differ.returncode == 1
    assert [x["kind"] for x in json.loads(differ.stdout)["lines"]] == ["only_in_billcom"]

    off = await cli(prefs_api, "connection", "disconnect", cid)
    assert off.returncode == 0 and off.stdout.strip() == f"{cid}: disconnected", off.stderr
    early = await cli(prefs_api, "connection", "reconnect", cid)
    assert early.returncode == 2 and "qbo/authorize" in early.stderr  # QuickBooks must be connected again
    tokens = QboTokens(access_token="a", refresh_token="r", access_expires_at=dt.datetime.now(dt.UTC))
    async with prefs_api.internal_client() as http:
        await PrefsClient(http, internal_token=INTERNAL_TOKEN).save_qbo_tokens(cid, tokens)
    on = await cli(prefs_api, "connection", "reconnect", cid)
    assert on.returncode == 0 and on.stdout.strip() == f"{cid}: active", on.stderr
    assert "BILL webhooks not subscribed" in on.stderr  # no LB_WEBHOOK_PUBLIC_URL in this deployment
    refused = await cli(prefs_api, "connection", "clearing-accounts", cid)
    assert refused.returncode == 2 and "--yes" in refused.stderr
