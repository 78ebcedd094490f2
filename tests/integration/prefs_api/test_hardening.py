"""prefs-api's guards, each against the served app: the body limit before authentication, the
back-off on failed keys, Secure cookies, signing out, the OAuth state, keys bound to
connections, chosen connection ids per tenant."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from ledgerbridge_common.db.engine import make_engine, make_sessionmaker
from ledgerbridge_common.settings import KafkaSettings
from prefs_api.domain.access import Scope
from prefs_api.handlers.keys import create_key
from tests.integration.prefs_api.conftest import ADMIN_KEY, PrefsApi, prefs_settings, serve_prefs_api

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]


@pytest.fixture
def guarded(request: pytest.FixtureRequest, database_url: str, kafka_settings: KafkaSettings) -> Iterator[PrefsApi]:
    """A prefs-api with the settings the test is marked with (``@pytest.mark.prefs(...)``)."""
    marker = request.node.get_closest_marker("prefs")
    overrides: dict[str, Any] = dict(marker.kwargs) if marker else {}
    with serve_prefs_api(prefs_settings(database_url, kafka_settings, **overrides)) as api:
        yield api


async def key_of_tenant(api: PrefsApi, tenant: str, connections: list[str] | None = None) -> dict[str, str]:
    engine = make_engine(api.settings.database)
    try:
        sessions = make_sessionmaker(engine)
        created = await create_key(
            sessions, tenant_id=tenant, name="t", scopes=[Scope.ADMIN], connection_ids=connections
        )
    finally:
        await engine.dispose()
    return {"X-API-Key": created.key}


async def test_a_body_over_the_limit_is_refused_before_authentication(prefs_api: PrefsApi) -> None:
    big = b'{"name": "' + b"x" * (prefs_api.settings.max_body_bytes + 10) + b'"}'

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(big), 65536):
            yield big[start : start + 65536]

    async with prefs_api.client({"Content-Type": "application/json"}) as http:
        declared = await http.post("/v1/connections", content=big)
        streamed = await http.post("/v1/connections", content=chunks())  # no Content-Length
        small = await http.post(
            "/v1/connections", json={"name": "x", "billcom_org_id": "o", "ledger_kind": "quickbooks_online"}
        )
    assert declared.status_code == 413 and streamed.status_code == 413
    assert declared.headers["content-type"].startswith("application/problem+json")
    assert streamed.headers["content-type"].startswith("application/problem+json")
    assert small.status_code == 401  # the same request within the limit reaches authentication


@pytest.mark.prefs(auth_free_failures=2, auth_backoff_first_seconds=60, trusted_proxies=["127.0.0.1/32"])
async def test_failed_keys_back_off_per_client_and_even_a_good_key_waits(guarded: PrefsApi) -> None:
    attacker = {"X-Forwarded-For": "203.0.113.7"}
    neighbour = {"X-Forwarded-For": "203.0.113.8"}
    async with guarded.client() as http:
        tries = [
            (await http.get("/v1/connections", headers={**attacker, "X-API-Key": f"lbk_{n}_wrong"})).status_code
            for n in range(4)
        ]
        refused = await http.get("/v1/connections", headers={**attacker, "X-API-Key": "lbk_x_wrong"})
        good_key_meanwhile = await http.get("/v1/connections", headers={**attacker, **guarded.admin})
        login = await http.post("/status/login", data={"key": ADMIN_KEY}, headers=attacker, follow_redirects=False)
        other_client = await http.get("/v1/connections", headers={**neighbour, **guarded.admin})
    assert tries == [401, 401, 401, 429]
    assert refused.status_code == 429 and 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert good_key_meanwhile.status_code == 429
    assert login.status_code == 429 and "Retry-After" in login.headers
    assert other_client.status_code == 200


@pytest.mark.prefs(auth_free_failures=1, auth_backoff_first_seconds=60)
async def test_forwarded_for_from_an_untrusted_peer_does_not_dodge_the_back_off(guarded: PrefsApi) -> None:
    async with guarded.client() as http:
        for n in range(3):
            await http.get("/v1/connections", headers={"X-Forwarded-For": f"198.51.100.{n}", "X-API-Key": "bad"})
        answer = await http.get("/v1/connections", headers={"X-Forwarded-For": "198.51.100.99", **guarded.admin})
    assert answer.status_code == 429


def _session_cookie(response: httpx.Response) -> str:
    return next(v for k, v in response.headers.multi_items() if k == "set-cookie" and v.startswith("lb_status="))


@pytest.mark.prefs(trusted_proxies=["127.0.0.1/32"])
async def test_the_session_cookie_is_secure_behind_an_https_proxy_that_is_trusted(guarded: PrefsApi) -> None:
    async with guarded.client() as http:
        plain = await http.post("/status/login", data={"key": ADMIN_KEY}, follow_redirects=False)
        proxied = await http.post(
            "/status/login", data={"key": ADMIN_KEY}, headers={"X-Forwarded-Proto": "https"}, follow_redirects=False
        )
    assert plain.status_code == proxied.status_code == 303
    assert "secure" not in _session_cookie(plain).lower()
    assert "secure" in _session_cookie(proxied).lower()


async def test_forwarded_proto_from_an_untrusted_peer_is_ignored(prefs_api: PrefsApi) -> None:
    async with prefs_api.client() as http:
        answer = await http.post(
            "/status/login", data={"key": ADMIN_KEY}, headers={"X-Forwarded-Proto": "https"}, follow_redirects=False
        )
    assert "secure" not in _session_cookie(answer).lower()


@pytest.mark.prefs(public_url="https://ledgerbridge.example.com")
async def test_the_session_cookie_is_secure_when_the_public_url_is_https(guarded: PrefsApi) -> None:
    async with guarded.client() as http:
        answer = await http.post("/status/login", data={"key": ADMIN_KEY}, follow_redirects=False)
    assert "secure" in _session_cookie(answer).lower()


async def test_sign_out_needs_the_csrf_token_and_ends_the_session_server_side(prefs_api: PrefsApi) -> None:
    async with prefs_api.client() as browser:
        await browser.post("/status/login", data={"key": ADMIN_KEY}, follow_redirects=False)
        stolen = browser.cookies.get("lb_status", path="/status")
        page = await browser.get("/status")
        csrf = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
        forged = await browser.post("/status/logout", data={}, follow_redirects=False)
        still_in = await browser.get("/status", follow_redirects=False)
        signed_out = await browser.post("/status/logout", data={"csrf": csrf}, follow_redirects=False)
    async with prefs_api.client() as replayer:
        replayer.cookies.set("lb_status", stolen or "", path="/status")
        with_copy = await replayer.get("/status", follow_redirects=False)
    assert page.status_code == 200
    assert forged.status_code == 403 and still_in.status_code == 200
    assert signed_out.status_code == 303 and signed_out.headers["location"] == "/status/login"
    assert with_copy.status_code == 303 and with_copy.headers["location"] == "/status/login"


@pytest.mark.prefs(qbo_oauth_url="http://127.0.0.1:9")  # a token endpoint that refuses connections
async def test_the_oauth_state_is_single_use_and_bound_to_the_browser_that_asked(guarded: PrefsApi) -> None:
    prefs_api = guarded
    connection = await prefs_api.new_connection()
    async with prefs_api.client(prefs_api.admin) as starter:
        started = await starter.get(f"/v1/connections/{connection['id']}/qbo/authorize")
        nonce = starter.cookies.get("lb_qbo_oauth")
    state = started.json()["state"]
    callback = {"code": "c0de", "state": state, "realmId": connection["ledger_company_id"]}
    async with prefs_api.client() as other_browser:
        without_cookie = await other_browser.get("/v1/oauth/qbo/callback", params=callback)
        other_browser.cookies.set("lb_qbo_oauth", "not-the-nonce", path="/v1/oauth/qbo")
        wrong_cookie = await other_browser.get("/v1/oauth/qbo/callback", params=callback)
    async with prefs_api.client() as same_browser:
        same_browser.cookies.set("lb_qbo_oauth", nonce or "", path="/v1/oauth/qbo")
        bad_realm = await same_browser.get("/v1/oauth/qbo/callback", params={**callback, "realmId": "../v3/x"})
        first = await same_browser.get("/v1/oauth/qbo/callback", params=callback)
        same_browser.cookies.set("lb_qbo_oauth", nonce or "", path="/v1/oauth/qbo")
        again = await same_browser.get("/v1/oauth/qbo/callback", params=callback)
    assert started.status_code == 200 and nonce
    assert "lb_qbo_oauth=" in started.headers["set-cookie"] and "httponly" in started.headers["set-cookie"].lower()
    assert without_cookie.status_code == 403 and wrong_cookie.status_code == 403
    assert bad_realm.status_code == 422
    # the state passes and is spent; the token endpoint is unreachable here (502)
    assert first.status_code == 502, first.text
    assert again.status_code == 403 and "already used" in again.json()["detail"]


async def test_a_key_bound_to_connections_lists_and_revokes_only_keys_within_them(prefs_api: PrefsApi) -> None:
    mine, theirs = (await prefs_api.new_connection())["id"], (await prefs_api.new_connection())["id"]
    tenant = prefs_api.settings.prefs_bootstrap_tenant
    bound = await key_of_tenant(prefs_api, tenant, [mine])
    async with prefs_api.client(prefs_api.admin) as http:
        inside = await http.post("/v1/api-keys", json={"name": "in", "scopes": ["read"], "connection_ids": [mine]})
        outside = await http.post("/v1/api-keys", json={"name": "out", "scopes": ["read"], "connection_ids": [theirs]})
        unbound = await http.post("/v1/api-keys", json={"name": "all", "scopes": ["read"]})
    async with prefs_api.client(bound) as http:
        listed = {k["id"] for k in (await http.get("/v1/api-keys")).json()}
        revoke_outside = await http.delete(f"/v1/api-keys/{outside.json()['id']}")
        revoke_unbound = await http.delete(f"/v1/api-keys/{unbound.json()['id']}")
        revoke_inside = await http.delete(f"/v1/api-keys/{inside.json()['id']}")
    assert inside.json()["id"] in listed
    assert outside.json()["id"] not in listed and unbound.json()["id"] not in listed
    assert revoke_outside.status_code == 404 and revoke_unbound.status_code == 404
    assert revoke_inside.status_code == 204


async def test_a_chosen_connection_id_says_nothing_about_other_tenants(prefs_api: PrefsApi) -> None:
    chosen = "acme-" + uuid.uuid4().hex[:6]
    ours = await prefs_api.new_connection(id=chosen)
    other = await key_of_tenant(prefs_api, "other-" + uuid.uuid4().hex[:6])
    theirs = await prefs_api.new_connection(headers=other, id=chosen)  # asserts 201
    async with prefs_api.client(prefs_api.admin) as http:
        again = await http.post("/v1/connections", json={**ours["_request"], "id": chosen})
    assert ours["id"].startswith(chosen + "-") and theirs["id"].startswith(chosen + "-")
    assert ours["id"] != theirs["id"]
    assert again.status_code == 409 and ours["id"] in again.json()["detail"]
