"""Saving BILL credentials connects BILL's webhooks, against the BILL sandbox (real PostgreSQL):
creating a connection makes its one subscription and seals the key; new credentials for the same
organization keep it; two saves at once make one; a subscription whose create answer was lost is
adopted with a new key instead of made twice; an operator's own key is left alone; a BILL that
refuses the login leaves the connection saved with a note, and saving good credentials subscribes."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from billcom_sandbox.app import create_app as create_billcom
from billcom_sandbox.settings import SandboxSettings as BillcomSandbox
from ledgerbridge_common.connectors.billcom import BillcomCredentials, BillcomHttpConnector
from ledgerbridge_common.connectors.billcom.subscriptions import EVENT_TYPES, notification_url, subscription_name
from ledgerbridge_common.prefs_client import ConnectionInfo, PrefsClient
from ledgerbridge_common.service import Overrides
from ledgerbridge_common.settings import KafkaSettings
from prefs_api.bootstrap import create_app
from tests.integration.prefs_api.conftest import ADMIN_KEY, INTERNAL_TOKEN, PrefsApi, prefs_settings
from tests.support.fake_billcom import FakeBillcom
from tests.support.fake_ledger import FakeLedger
from tests.support.servers import free_port, serve_in_thread, serve_together

pytestmark = [pytest.mark.integration, pytest.mark.timeout(90)]
HOOKS = "http://127.0.0.1:18000"


@pytest.fixture(scope="module")
def bill() -> Iterator[str]:
    with serve_in_thread(create_billcom(BillcomSandbox(webhook_tick_seconds=None))) as url:
        yield url


@pytest.fixture
def api(database_url: str, kafka_settings: KafkaSettings, bill: str) -> Iterator[PrefsApi]:
    settings = prefs_settings(
        database_url, kafka_settings, billcom_base_url=f"{bill}/connect", webhook_public_url=HOOKS
    )
    app = create_app(settings, Overrides())  # the real BILL connector, on the sandbox
    with serve_together(app, app.state.internal_app, ports=[free_port(), free_port()], timeout=30) as (url, internal):
        yield PrefsApi(
            url,
            settings,
            FakeLedger(),
            FakeBillcom(),
            {"X-API-Key": ADMIN_KEY},
            {"X-Internal-Token": INTERNAL_TOKEN},
            internal,
        )


async def new_org(bill: str) -> dict[str, Any]:
    async with httpx.AsyncClient(timeout=10) as http:
        org: dict[str, Any] = (await http.post(f"{bill}/_sandbox/orgs", json={"name": "Webhook Org"})).json()
    return org


def login(org: dict[str, Any], **changes: str) -> dict[str, str]:
    return {
        "username": org["username"],
        "password": org["password"],
        "organization_id": org["organizationId"],
        "dev_key": org["devKey"],
        **changes,
    }


async def in_bill(bill: str, org: dict[str, Any], call: str = "list", cid: str = "") -> Any:
    creds = BillcomCredentials(org["username"], org["password"], org["organizationId"], org["devKey"])
    async with httpx.AsyncClient(base_url=f"{bill}/connect", timeout=10) as http:
        connector = BillcomHttpConnector(http, creds)
        try:
            if call == "create":
                return await connector.create_subscription(
                    subscription_name(cid), notification_url(HOOKS, cid), EVENT_TYPES
                )
            return await connector.list_subscriptions()
        finally:
            await connector.aclose()


async def stored(api: PrefsApi, cid: str) -> ConnectionInfo:
    async with api.internal_client() as http:
        return await PrefsClient(http, internal_token=INTERNAL_TOKEN).connection(cid)


def key_of(info: ConnectionInfo) -> str:
    assert info.billcom is not None and info.billcom.webhook_security_key is not None
    return info.billcom.webhook_security_key.get_secret_value()


async def patch(api: PrefsApi, cid: str, body: dict[str, Any]) -> httpx.Response:
    async with api.client(api.admin) as http:
        return await http.patch(f"/v1/connections/{cid}", json=body)


async def test_connecting_bill_subscribes_once_and_new_credentials_keep_it(api: PrefsApi, bill: str) -> None:
    org = await new_org(bill)
    created = await api.new_connection(billcom_org_id=org["organizationId"], billcom=login(org))
    cid = created["id"]
    [sub] = await in_bill(bill, org)
    assert sub["notificationUrl"] == f"{HOOKS}/webhooks/billcom/{cid}"
    assert sorted(e["type"] for e in sub["events"]) == sorted(EVENT_TYPES)
    assert created["notes"] == [] and created["credentials"]["billcom_webhook_subscription_id"] == sub["id"]
    info = await stored(api, cid)
    key = key_of(info)
    assert info.billcom and info.billcom.webhook_subscription_id == sub["id"] and key not in str(created)

    renamed = await patch(api, cid, {"billcom": login(org, username="ap-team@example.com")})
    assert renamed.status_code == 200, renamed.text
    assert [s["id"] for s in await in_bill(bill, org)] == [sub["id"]]
    again = await stored(api, cid)
    assert again.billcom and again.billcom.username == "ap-team@example.com" and key_of(again) == key
    async with api.client(api.admin) as http:
        explicit = await http.post(f"/v1/connections/{cid}/billcom/webhook")
        log = (await http.get("/v1/sync-log", params={"connection_id": cid, "status": "action"})).json()["items"]
    assert explicit.json()["subscription_id"] == sub["id"]
    assert [i["decision"]["action"] for i in log] == ["billcom_subscribe"]


async def test_two_saves_at_once_make_one_subscription(api: PrefsApi, bill: str) -> None:
    org = await new_org(bill)
    cid = (await api.new_connection(billcom_org_id=org["organizationId"], billcom=None))["id"]
    first, second = await asyncio.gather(
        patch(api, cid, {"billcom": login(org)}), patch(api, cid, {"billcom": login(org)})
    )
    assert first.status_code == second.status_code == 200, (first.text, second.text)
    [sub] = await in_bill(bill, org)
    assert first.json()["credentials"]["billcom_webhook_subscription_id"] == sub["id"]
    assert second.json()["credentials"]["billcom_webhook_subscription_id"] == sub["id"]


async def test_a_subscription_whose_answer_was_lost_is_adopted_with_a_new_key(api: PrefsApi, bill: str) -> None:
    org = await new_org(bill)
    cid = (await api.new_connection(billcom_org_id=org["organizationId"], billcom=None))["id"]
    lost = await in_bill(bill, org, "create", cid)  # BILL made it; its answer never came back
    saved = await patch(api, cid, {"billcom": login(org)})
    assert saved.status_code == 200, saved.text
    assert [s["id"] for s in await in_bill(bill, org)] == [lost["id"]]
    info = await stored(api, cid)
    assert info.billcom and info.billcom.webhook_subscription_id == lost["id"]
    assert key_of(info) != lost["securityKey"]  # the lost key is unknown: BILL issued a new one


async def test_an_operators_own_key_is_left_alone(api: PrefsApi, bill: str) -> None:
    org = await new_org(bill)
    own = login(org, webhook_security_key="whsec-by-hand")
    created = await api.new_connection(billcom_org_id=org["organizationId"], billcom=own)
    assert created["notes"] == [] and await in_bill(bill, org) == []
    assert key_of(await stored(api, created["id"])) == "whsec-by-hand"


async def test_a_refused_login_saves_the_connection_with_a_note(api: PrefsApi, bill: str) -> None:
    org = await new_org(bill)
    created = await api.new_connection(billcom_org_id=org["organizationId"], billcom=login(org, password="wrong"))
    assert created["credentials"]["billcom_webhook_subscription_id"] is None
    [note] = created["notes"]
    assert note.startswith("BILL webhooks not subscribed") and "/billcom/webhook" in note
    assert await in_bill(bill, org) == []
    fixed = await patch(api, created["id"], {"billcom": login(org)})
    assert fixed.json()["notes"] == []
    [sub] = await in_bill(bill, org)
    assert fixed.json()["credentials"]["billcom_webhook_subscription_id"] == sub["id"]
