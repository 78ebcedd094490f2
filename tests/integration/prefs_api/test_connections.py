"""Connections, credentials at rest, API keys and tenant isolation."""

from __future__ import annotations

import asyncpg
import httpx
import pytest

from ledgerbridge_common.prefs_client import PrefsClient
from tests.integration.prefs_api.conftest import PrefsApi

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]


async def test_connection_is_created_and_credentials_never_leave_in_clear(
    prefs_api: PrefsApi, database_url: str
) -> None:
    created = await prefs_api.new_connection()
    password = created["_request"]["billcom"]["password"]
    secret = created["_request"]["qbo"]["client_secret"]
    assert created["credentials"]["billcom_login"] is True
    assert created["credentials"]["qbo_tokens"] is False
    async with prefs_api.client(prefs_api.admin) as http:
        listed = await http.get("/v1/connections")
        read = await http.get(f"/v1/connections/{created['id']}")
    for resp in (listed, read):
        assert resp.status_code == 200
        assert password not in resp.text and secret not in resp.text
    assert created["id"] in [c["id"] for c in listed.json()]

    dsn = database_url.replace("postgresql+asyncpg://", "postgresql://")
    conn = await asyncpg.connect(dsn)
    try:
        stored = await conn.fetchval("SELECT credentials FROM prefs.connections WHERE id = $1", created["id"])
    finally:
        await conn.close()
    assert password.encode() not in stored and secret.encode() not in stored

    async with prefs_api.internal_client() as http:
        client = PrefsClient(http, internal_token=prefs_api.settings.internal_token or "")
        info = await client.connection(created["id"])
    assert info.billcom is not None and info.billcom.password.get_secret_value() == password
    assert info.qbo is not None and info.qbo.client_secret.get_secret_value() == secret
    assert password not in repr(info) and secret not in str(info)  # a logged model shows no secret


async def test_disabled_connection_leaves_the_internal_active_list(prefs_api: PrefsApi) -> None:
    created = await prefs_api.new_connection()
    async with prefs_api.client(prefs_api.admin) as http:
        resp = await http.post(f"/v1/connections/{created['id']}/disable")
        assert resp.status_code == 200 and resp.json()["status"] == "disabled"
    async with prefs_api.internal_client() as http:
        client = PrefsClient(http, internal_token=prefs_api.settings.internal_token or "")
        active = await client.list_connections()
        secrets = await client.webhook_secrets("qbo")
    assert created["id"] not in [c.connection_id for c in active]
    assert created["id"] not in [s.connection_id for s in secrets]


async def test_internal_routes_need_the_internal_token(prefs_api: PrefsApi) -> None:
    wrong = {"X-Internal-Token": "wrong-token-1234"}
    async with httpx.AsyncClient(base_url=prefs_api.internal_url, headers=wrong) as http:
        resp = await http.get("/internal/v1/connections")
    assert resp.status_code == 401
    assert resp.headers["content-type"].startswith("application/problem+json")


async def test_internal_api_is_only_on_its_own_listener_with_its_own_document(prefs_api: PrefsApi) -> None:
    async with prefs_api.client({**prefs_api.admin, **prefs_api.internal}) as http:
        on_public = await http.get("/internal/v1/connections")
        public_doc = (await http.get("/openapi.json")).json()
    async with prefs_api.internal_client() as http:
        on_internal = await http.get("/internal/v1/connections")
        public_on_internal = await http.get("/v1/connections", headers=prefs_api.admin)
        internal_doc = (await http.get("/openapi.json")).json()
    assert on_public.status_code == 404 and on_internal.status_code == 200
    assert public_on_internal.status_code == 404
    assert not [p for p in public_doc["paths"] if p.startswith("/internal")]
    assert "InternalToken" not in public_doc["components"]["securitySchemes"]
    assert {p for p in internal_doc["paths"] if p.startswith("/internal/v1")} and not [
        p for p in internal_doc["paths"] if p.startswith("/v1")
    ]
    assert internal_doc["components"]["securitySchemes"] == {
        "InternalToken": {
            "type": "apiKey",
            "in": "header",
            "name": "X-Internal-Token",
            "description": "The shared secret of the LedgerBridge services (LB_INTERNAL_TOKEN)",
        }
    }
    secured = internal_doc["paths"]["/internal/v1/connections"]["get"]
    assert secured["security"] == [{"InternalToken": []}]
    assert "x-internal-token" not in [p["name"].lower() for p in secured.get("parameters", [])]


async def test_webhook_secrets_name_the_company(prefs_api: PrefsApi) -> None:
    created = await prefs_api.new_connection()
    async with prefs_api.internal_client() as http:
        client = PrefsClient(http, internal_token=prefs_api.settings.internal_token or "")
        qbo = {s.connection_id: s for s in await client.webhook_secrets("qbo")}
        bill = {s.connection_id: s for s in await client.webhook_secrets("billcom")}
    assert qbo[created["id"]].company_id == created["ledger_company_id"]
    assert qbo[created["id"]].secret.get_secret_value() == created["_request"]["qbo"]["webhook_verifier_token"]
    assert bill[created["id"]].company_id == created["billcom_org_id"]
    assert bill[created["id"]].secret.get_secret_value() == created["_request"]["billcom"]["webhook_security_key"]


async def test_every_route_but_health_needs_a_key(prefs_api: PrefsApi) -> None:
    async with prefs_api.client() as http:
        assert (await http.get("/healthz")).status_code == 200
        resp = await http.get("/v1/connections")
        bad = await http.get("/v1/connections", headers={"X-API-Key": "lbk_nope_nope"})
    assert resp.status_code == 401 and bad.status_code == 401
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert resp.json()["status"] == 401


async def test_a_read_key_cannot_change_and_is_shown_once(prefs_api: PrefsApi) -> None:
    created = await prefs_api.new_connection()
    reader = await prefs_api.new_key(prefs_api.admin, scopes=["read"])
    async with prefs_api.client(reader) as http:
        assert (await http.get(f"/v1/connections/{created['id']}")).status_code == 200
        resp = await http.post(f"/v1/connections/{created['id']}/sync-now")
    assert resp.status_code == 403
    async with prefs_api.client(prefs_api.admin) as http:
        keys = await http.get("/v1/api-keys")
    assert keys.status_code == 200
    assert all("key" not in k for k in keys.json())
    assert reader["X-API-Key"] not in keys.text


async def test_a_key_never_sees_another_tenants_connections(prefs_api: PrefsApi, database_url: str) -> None:
    from ledgerbridge_common.db.engine import make_engine, make_sessionmaker
    from prefs_api.domain.access import Scope
    from prefs_api.handlers.keys import create_key

    theirs = await prefs_api.new_connection()
    engine = make_engine(prefs_api.settings.database)
    try:
        other = await create_key(make_sessionmaker(engine), tenant_id="other-tenant", name="o", scopes=[Scope.ADMIN])
    finally:
        await engine.dispose()
    other_headers = {"Authorization": f"Bearer {other.key}"}
    cid = theirs["id"]
    async with prefs_api.client(other_headers) as http:
        listed = await http.get("/v1/connections")
        statuses = [
            (await http.get(f"/v1/connections/{cid}")).status_code,
            (await http.get(f"/v1/connections/{cid}/preferences")).status_code,
            (await http.patch(f"/v1/connections/{cid}/preferences", json={}, headers={"If-Match": '"1"'})).status_code,
            (await http.get("/v1/sync-log", params={"connection_id": cid})).status_code,
            (await http.post(f"/v1/connections/{cid}/disable")).status_code,
            (await http.get(f"/v1/connections/{cid}/mappings")).status_code,
        ]
        mine = await prefs_api.new_connection(other_headers)
        own = await http.get(f"/v1/connections/{mine['id']}")
    assert listed.status_code == 200 and cid not in [c["id"] for c in listed.json()]
    assert statuses == [404] * len(statuses)
    assert own.status_code == 200


async def test_a_key_bound_to_connections_sees_only_those(prefs_api: PrefsApi) -> None:
    one = await prefs_api.new_connection()
    two = await prefs_api.new_connection()
    bound = await prefs_api.new_key(prefs_api.admin, scopes=["write"], connection_ids=[one["id"]])
    async with prefs_api.client(bound) as http:
        listed = await http.get("/v1/connections")
        hidden = await http.get(f"/v1/connections/{two['id']}")
    assert [c["id"] for c in listed.json()] == [one["id"]]
    assert hidden.status_code == 404
