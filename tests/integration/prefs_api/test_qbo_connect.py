"""The QBO OAuth connect flow against the QBO sandbox, then the chart of accounts read through
the real QboConnector with the stored tokens."""

from __future__ import annotations

import uuid

import httpx
import pytest

from ledgerbridge_common.prefs_client import PrefsClient
from ledgerbridge_common.service import Overrides
from ledgerbridge_common.settings import KafkaSettings
from prefs_api.bootstrap import create_app
from qbo_sandbox.app import create_app as create_sandbox
from tests.integration.prefs_api.conftest import ADMIN_KEY, INTERNAL_TOKEN, prefs_settings
from tests.support.fake_billcom import FakeBillcom, billcom_bank_chart
from tests.support.fake_ledger import factory
from tests.support.servers import free_port, serve_in_thread, serve_together

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]


async def test_connect_quickbooks_then_choose_from_its_chart_of_accounts(
    database_url: str, kafka_settings: KafkaSettings
) -> None:
    with serve_in_thread(create_sandbox()) as sandbox:
        realm_id = f"9341{uuid.uuid4().int % 10**12:012d}"
        async with httpx.AsyncClient(base_url=sandbox) as http:
            assert (await http.post("/_sandbox/realms", json={"realm_id": realm_id})).status_code < 300
        port = free_port()
        settings = prefs_settings(
            database_url,
            kafka_settings,
            qbo_base_url=sandbox,
            qbo_oauth_url=sandbox,
            qbo_redirect_uri=f"http://127.0.0.1:{port}/v1/oauth/qbo/callback",
        )
        app = create_app(settings, Overrides(fakes={"billcom": factory(FakeBillcom(billcom_bank_chart()))}))
        with serve_together(app, app.state.internal_app, ports=[port, free_port()], timeout=30) as (url, internal):
            admin = {"X-API-Key": ADMIN_KEY}
            async with httpx.AsyncClient(base_url=url, headers=admin, timeout=15) as http:
                created = await http.post(
                    "/v1/connections",
                    json={
                        "name": "Sandbox company",
                        "billcom_org_id": "00801SANDBOX",
                        "ledger_kind": "quickbooks_online",
                        "qbo": {"client_id": "ledgerbridge-sandbox", "client_secret": "sandbox-secret"},
                    },
                )
                cid = created.json()["id"]
                before = await http.get(f"/v1/connections/{cid}/chart-of-accounts")
            # the browser that asks for the authorize URL is the one that may come back with it
            async with httpx.AsyncClient(follow_redirects=True, timeout=15) as browser:
                authorize = (await browser.get(f"{url}/v1/connections/{cid}/qbo/authorize", headers=admin)).json()
                done = await browser.get(authorize["authorize_url"] + f"&realm_id={realm_id}")
                replay = await browser.get(done.url)
            async with httpx.AsyncClient(base_url=url, headers=admin, timeout=15) as http:
                chart = await http.get(f"/v1/connections/{cid}/chart-of-accounts")
                connection = (await http.get(f"/v1/connections/{cid}")).json()
            async with httpx.AsyncClient(base_url=internal, timeout=15) as http:
                info = await PrefsClient(http, internal_token=INTERNAL_TOKEN).connection(cid)

    assert before.status_code == 409
    assert done.status_code == 200, done.text
    assert done.json()["realm_id"] == realm_id
    assert replay.status_code == 403  # the state was spent (and the binding cookie cleared)
    assert connection["ledger_company_id"] == realm_id and connection["credentials"]["qbo_tokens"] is True
    assert "access_token" not in str(connection)
    assert info.qbo is not None and info.qbo.tokens is not None and info.ledger_company_id == realm_id
    assert chart.status_code == 200, chart.text
    assert any(a["account_type"] == "Bank" for a in chart.json())
