"""A connection's lifecycle through prefs-api against the BILL and QBO sandboxes (real PostgreSQL
and Kafka): connecting BILL's webhooks (on create, then asked again) leaves one subscription with
the shared event types and seals its key; rotating replaces the key; disconnecting removes the subscription,
revokes the QBO refresh token (the sandbox then refuses it) and closes posting's gate;
reconnecting needs QuickBooks again, then re-subscribes and asks for a catch-up sweep."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from billcom_sandbox.app import create_app as create_billcom
from billcom_sandbox.settings import SandboxSettings as BillcomSandbox
from ledgerbridge_common.connectors.billcom import BillcomCredentials, BillcomHttpConnector
from ledgerbridge_common.connectors.billcom.subscriptions import EVENT_TYPES
from ledgerbridge_common.connectors.qbo import QboOAuthClient
from ledgerbridge_common.errors import AuthRevokedError
from ledgerbridge_common.prefs_client import PrefsClient, QboTokens
from ledgerbridge_common.service import Overrides
from ledgerbridge_common.settings import KafkaSettings
from posting_service.lifecycle import PrefsConnectionGate
from prefs_api.bootstrap import create_app
from qbo_sandbox.app import create_app as create_qbo
from tests.integration.prefs_api.conftest import ADMIN_KEY, INTERNAL_TOKEN, PrefsApi, prefs_settings, read_topic
from tests.support.fake_billcom import FakeBillcom
from tests.support.fake_ledger import FakeLedger
from tests.support.servers import free_port, serve_in_thread, serve_together

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]
QBO_CLIENT = ("ledgerbridge-sandbox", "sandbox-secret")
HOOKS = "http://127.0.0.1:18000"


@pytest.fixture
def vendors() -> Iterator[tuple[str, str]]:
    with (
        serve_in_thread(create_qbo()) as qbo,
        serve_in_thread(create_billcom(BillcomSandbox(webhook_tick_seconds=None))) as bill,
    ):
        yield qbo, bill


@pytest.fixture
def api(database_url: str, kafka_settings: KafkaSettings, vendors: tuple[str, str]) -> Iterator[PrefsApi]:
    qbo, bill = vendors
    settings = prefs_settings(
        database_url,
        kafka_settings,
        qbo_base_url=qbo,
        qbo_oauth_url=qbo,
        qbo_revoke_url=f"{qbo}/v2/oauth2/tokens/revoke",
        billcom_base_url=f"{bill}/connect",
        webhook_public_url=HOOKS,
    )
    app = create_app(settings, Overrides())  # the real QBO and BILL connectors, on the sandboxes
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


async def tokens_for(qbo: str, realm: str) -> QboTokens:
    async with httpx.AsyncClient(timeout=10) as http:
        issued = (await http.post(f"{qbo}/_sandbox/realms/{realm}/tokens", json={})).json()
    return QboTokens(
        access_token=issued["access_token"],
        refresh_token=issued["refresh_token"],
        access_expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(seconds=int(issued["expires_in"])),
    )


async def subscriptions(bill: str, org: dict[str, Any]) -> list[dict[str, Any]]:
    creds = BillcomCredentials(org["username"], org["password"], org["organizationId"], org["devKey"])
    async with httpx.AsyncClient(base_url=f"{bill}/connect", timeout=10) as http:
        connector = BillcomHttpConnector(http, creds)
        try:
            return list(await connector.events_call("GET", "/v3/subscriptions"))
        finally:
            await connector.aclose()


async def test_connect_disconnect_reconnect(api: PrefsApi, vendors: tuple[str, str]) -> None:
    qbo, bill = vendors
    async with httpx.AsyncClient(timeout=10) as http:
        org = (await http.post(f"{bill}/_sandbox/orgs", json={"name": "Lifecycle Org"})).json()
        realm = (await http.post(f"{qbo}/_sandbox/realms", json={})).json()["realm_id"]
    cid = (
        await api.new_connection(
            billcom_org_id=org["organizationId"],
            ledger_company_id=realm,
            billcom={
                "username": org["username"],
                "password": org["password"],
                "organization_id": org["organizationId"],
                "dev_key": org["devKey"],
            },
            qbo={"client_id": QBO_CLIENT[0], "client_secret": QBO_CLIENT[1]},
        )
    )["id"]
    first_tokens = await tokens_for(qbo, realm)
    async with api.internal_client() as http:
        prefs = PrefsClient(http, internal_token=INTERNAL_TOKEN)
        await prefs.save_qbo_tokens(cid, first_tokens)
    key = (await api.new_key(api.admin, name="bookkeeper-fay", scopes=["write"]))["X-API-Key"]

    async with api.client({"X-API-Key": key}) as http:
        subscribed = await http.post(f"/v1/connections/{cid}/billcom/webhook")
        again = await http.post(f"/v1/connections/{cid}/billcom/webhook")
    assert subscribed.status_code == 200, subscribed.text
    sub_id = subscribed.json()["subscription_id"]
    assert again.json()["subscription_id"] == sub_id
    [sub] = await subscriptions(bill, org)
    assert sub["id"] == sub_id and sub["notificationUrl"] == f"{HOOKS}/webhooks/billcom/{cid}"
    assert sorted(e["type"] for e in sub["events"]) == sorted(EVENT_TYPES)
    async with api.internal_client() as http:
        prefs = PrefsClient(http, internal_token=INTERNAL_TOKEN)
        info = await prefs.connection(cid)
        secrets = await prefs.webhook_secrets("billcom")
    assert info.billcom and info.billcom.webhook_subscription_id == sub_id
    first_key = info.billcom.webhook_security_key
    assert first_key is not None and first_key.get_secret_value() not in subscribed.text
    assert any(s.connection_id == cid for s in secrets)

    async with api.client({"X-API-Key": key}) as http:
        rotated = await http.post(f"/v1/connections/{cid}/billcom/webhook/rotate-key")
        disconnected = await http.post(f"/v1/connections/{cid}/disconnect")
        twice = await http.post(f"/v1/connections/{cid}/disconnect")
        early = await http.post(f"/v1/connections/{cid}/reconnect")
    assert rotated.status_code == 200, rotated.text
    assert disconnected.status_code == 200, disconnected.text
    assert disconnected.json() | {"notes": []} == {
        "connection_id": cid,
        "status": "disconnected",
        "subscription_id": None,
        "webhook_removed": True,
        "token_revoked": True,
        "notes": [],
    }
    assert twice.status_code == 409
    assert early.status_code == 409 and "Connect QuickBooks again" in early.json()["title"]
    assert await subscriptions(bill, org) == []
    oauth = QboOAuthClient.for_base_url(
        httpx.AsyncClient(timeout=10), qbo, client_id=QBO_CLIENT[0], client_secret=QBO_CLIENT[1], redirect_uri="x"
    )
    with pytest.raises(AuthRevokedError):
        await oauth.refresh(first_tokens.refresh_token.get_secret_value())
    await oauth.http.aclose()
    async with api.internal_client() as http:
        prefs = PrefsClient(http, internal_token=INTERNAL_TOKEN)
        info = await prefs.connection(cid)
        secrets = await prefs.webhook_secrets("billcom")
        assert await PrefsConnectionGate(prefs).disconnected(cid)
    assert info.status == "disconnected" and info.billcom and info.billcom.webhook_security_key is None
    assert info.qbo is not None and info.qbo.tokens is None
    assert all(s.connection_id != cid for s in secrets)

    async with api.internal_client() as http:  # QuickBooks connected again (OAuth stores tokens)
        await PrefsClient(http, internal_token=INTERNAL_TOKEN).save_qbo_tokens(cid, await tokens_for(qbo, realm))
    async with api.client({"X-API-Key": key}) as http:
        back = await http.post(f"/v1/connections/{cid}/reconnect")
        log = (await http.get("/v1/sync-log", params={"connection_id": cid, "status": "action"})).json()["items"]
    assert back.status_code == 200, back.text
    assert back.json()["status"] == "active" and back.json()["subscription_id"] not in (None, sub_id)
    assert len(await subscriptions(bill, org)) == 1
    async with api.internal_client() as http:
        assert not await PrefsConnectionGate(PrefsClient(http, internal_token=INTERNAL_TOKEN)).disconnected(cid)
    kafka = api.settings.kafka
    events = await read_topic(kafka, kafka.topics.prefs, want=10, timeout=5)
    assert [e.type for e in events if e.connection_id == cid][-2:] == ["PreferencesChanged", "SyncRequested"]
    assert [e.payload.get("trigger") for e in events if e.type == "SyncRequested"] == ["catch_up"]
    assert [(i["decision"]["action"], i["actor"]) for i in log] == [
        ("reconnect", "bookkeeper-fay"),
        ("billcom_subscribe", "bookkeeper-fay"),
        ("disconnect", "bookkeeper-fay"),
        ("billcom_rotate_key", "bookkeeper-fay"),
        ("billcom_subscribe", "bootstrap"),  # made when the connection was created with BILL credentials
    ]
    assert uuid.UUID(sub_id)
