"""TBA verified exactly (realm, HMAC-SHA256 only, query parameters and body hash signed, nonces) and
OAuth 2.0 bearer tokens; every failure is 401 INVALID_LOGIN with a WWW-Authenticate challenge."""

from __future__ import annotations

import time
from typing import Any

import httpx

from tests.unit.netsuite_sandbox.conftest import Sandbox, error_code, tba


def assert_invalid_login(response: httpx.Response) -> None:
    assert response.status_code == 401, response.text
    assert error_code(response) == "INVALID_LOGIN"
    assert 'error="invalid_token"' in response.headers["www-authenticate"]


async def test_signed_request_with_query_parameters_passes(ns: httpx.AsyncClient) -> None:
    response = await ns.get("/record/v1/vendor", params={"limit": 5, "offset": 0})
    assert response.status_code == 200, response.text
    assert response.json()["items"] == []


async def test_wrong_secret_is_invalid_login(sandbox: Sandbox, account: dict[str, Any]) -> None:
    async with sandbox.client(account, tba(account, token_secret="not-the-secret")) as client:
        assert_invalid_login(await client.get("/record/v1/vendor"))


async def test_hmac_sha1_is_refused(sandbox: Sandbox, account: dict[str, Any]) -> None:
    async with sandbox.client(account, tba(account, method="HMAC-SHA1")) as client:
        assert_invalid_login(await client.get("/record/v1/vendor"))


async def test_realm_must_be_the_account_id(sandbox: Sandbox, account: dict[str, Any]) -> None:
    async with sandbox.client(account, tba(account, realm=account["host_slug"])) as client:
        assert_invalid_login(await client.get("/record/v1/vendor"))


async def test_query_parameters_are_part_of_the_signature(sandbox: Sandbox, account: dict[str, Any]) -> None:
    async with sandbox.client(account) as client:
        signed = client.build_request("GET", "/record/v1/vendor", params={"limit": 5})
        signed = next(client.auth.auth_flow(signed))  # type: ignore[union-attr]
        tampered = httpx.Request("GET", signed.url.copy_set_param("limit", "6"), headers=signed.headers)
        assert_invalid_login(await client.send(tampered, auth=None))


async def test_body_hash_is_checked(sandbox: Sandbox, account: dict[str, Any]) -> None:
    async with sandbox.client(account) as client:
        request = client.build_request("POST", "/record/v1/vendor", json={"companyName": "A"})
        signed = next(client.auth.auth_flow(request))  # type: ignore[union-attr]
        assert "oauth_body_hash" in signed.headers["authorization"]
        tampered = httpx.Request("POST", signed.url, headers=signed.headers, content=b'{"companyName": "B"}')
        assert_invalid_login(await client.send(tampered, auth=None))


async def test_a_nonce_is_accepted_once(sandbox: Sandbox, account: dict[str, Any]) -> None:
    async with sandbox.client(account) as client:
        signed = next(client.auth.auth_flow(client.build_request("GET", "/record/v1/vendor")))  # type: ignore[union-attr]
        assert (await client.send(signed, auth=None)).status_code == 200
        assert_invalid_login(await client.send(signed, auth=None))


async def test_stale_timestamp_is_refused(sandbox: Sandbox, account: dict[str, Any], monkeypatch: Any) -> None:
    async with sandbox.client(account) as client:
        real = time.time
        monkeypatch.setattr("authlib.oauth1.rfc5849.client_auth.generate_timestamp", lambda: str(int(real() - 3600)))
        assert_invalid_login(await client.get("/record/v1/vendor"))


async def test_revoked_token_is_refused(sandbox: Sandbox, account: dict[str, Any]) -> None:
    token = account["tba"]["token_id"]
    (await sandbox.http.delete(f"/_sandbox/accounts/{account['account_id']}/tba/{token}")).raise_for_status()
    async with sandbox.client(account) as client:
        assert_invalid_login(await client.get("/record/v1/vendor"))


class Bearer(httpx.Auth):
    def __init__(self, token: str) -> None:
        self.token = token

    def auth_flow(self, request: httpx.Request):
        request.headers["Authorization"] = f"Bearer {self.token}"
        yield request


async def test_bearer_token_works_for_its_account_only(sandbox: Sandbox, account: dict[str, Any]) -> None:
    other = await sandbox.account()
    async with sandbox.client(account, Bearer(account["oauth2"]["access_token"])) as client:
        assert (await client.get("/record/v1/vendor")).status_code == 200
    async with sandbox.client(other, Bearer(account["oauth2"]["access_token"])) as client:
        assert_invalid_login(await client.get("/record/v1/vendor"))


async def test_expired_bearer_token_is_refused(sandbox: Sandbox, account: dict[str, Any]) -> None:
    minted = await sandbox.http.post(
        f"/_sandbox/accounts/{account['account_id']}/oauth2/tokens", json={"expires_in": 0}
    )
    async with sandbox.client(account, Bearer(minted.json()["access_token"])) as client:
        assert_invalid_login(await client.get("/record/v1/vendor"))


async def test_refresh_token_grant(sandbox: Sandbox, account: dict[str, Any]) -> None:
    oauth2 = account["oauth2"]
    url = f"{account['path_prefix']}/auth/oauth2/v1/token"
    form = {"grant_type": "refresh_token", "refresh_token": oauth2["refresh_token"]}
    bad = await sandbox.http.post(url, data=form, auth=(oauth2["client_id"], "wrong"))
    assert bad.status_code == 401 and bad.json() == {"error": "invalid_client"}
    good = await sandbox.http.post(url, data=form, auth=(oauth2["client_id"], oauth2["client_secret"]))
    assert good.status_code == 200 and good.json()["expires_in"] == 3600
    async with sandbox.client(account, Bearer(good.json()["access_token"])) as client:
        assert (await client.get("/record/v1/vendor")).status_code == 200


async def test_account_by_host_header(sandbox: Sandbox, account: dict[str, Any]) -> None:
    host = f"{account['host_slug']}.suitetalk.api.netsuite.com"
    async with httpx.AsyncClient(
        transport=sandbox.http._transport, base_url=f"https://{host}", auth=tba(account)
    ) as client:
        assert (await client.get("/services/rest/record/v1/vendor")).status_code == 200
