"""`ledgerbridge first-sync preview | what-syncs | start` against a real prefs-api (real
PostgreSQL and Kafka; prefs-api's test fixture serves it with fake vendors: an empty BILL
organization)."""

from __future__ import annotations

import json

import pytest

from tests.integration.ops.test_prefs_commands import cli
from tests.integration.prefs_api.conftest import PrefsApi, prefs_api

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]
__all__ = ["prefs_api"]


async def test_preview_what_syncs_and_start(prefs_api: PrefsApi) -> None:
    cid = (await prefs_api.new_connection(name="Acme Books", start_date="2026-11-01"))["id"]

    preview = await cli(prefs_api, "first-sync", "preview", cid)
    assert preview.returncode == 0, preview.stderr
    assert "start date 2026-11-01; first sync not started" in preview.stdout
    assert "OBJECT-TYPE" in preview.stdout and "vendor_credit" in preview.stdout

    matrix = await cli(prefs_api, "first-sync", "what-syncs", cid, "--json")
    cells = {c["object_type"]: c for c in json.loads(matrix.stdout)["cells"]}
    assert cells["bill_payment"]["chosen"] == "billcom_to_ledger" and "both" in cells["bill_payment"]["allowed"]

    started = await cli(prefs_api, "first-sync", "start", cid, "--start-date", "2026-11-15")
    assert started.returncode == 0, started.stderr
    assert f"first sync of {cid} started from 2026-11-15" in started.stdout
    again = await cli(prefs_api, "first-sync", "start", cid)
    assert again.returncode == 2 and "HTTP 409" in again.stderr
