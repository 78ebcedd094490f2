"""The NetSuite sandbox in process (httpx ASGI transport), one seeded account per test, and clients
that sign with TBA (authlib's OAuth 1.0a client, HMAC-SHA256 computed here) or send a bearer token."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from authlib.integrations.httpx_client import OAuth1Auth
from authlib.oauth1.rfc5849.client_auth import ClientAuth
from authlib.oauth1.rfc5849.signature import generate_signature_base_string
from authlib.oauth1.rfc5849.util import escape

from netsuite_sandbox.app import create_app
from netsuite_sandbox.settings import SandboxSettings

BASE = "https://netsuite.test"  # authlib signs only https URLs; the ASGI transport needs no TLS


def sign_hmac_sha256(client: Any, request: Any) -> str:
    key = f"{escape(client.client_secret or '')}&{escape(client.token_secret or '')}"
    digest = hmac.new(key.encode(), generate_signature_base_string(request).encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


ClientAuth.register_signature_method("HMAC-SHA256", sign_hmac_sha256)


def tba(
    account: dict[str, Any], *, realm: str | None = None, method: str = "HMAC-SHA256", **overrides: str
) -> OAuth1Auth:
    creds = {**account["tba"], **overrides}
    return OAuth1Auth(
        client_id=creds["consumer_key"],
        client_secret=creds["consumer_secret"],
        token=creds["token_id"],
        token_secret=creds["token_secret"],
        realm=realm or account["account_id"],
        signature_method=method,
        force_include_body=True,
    )


class Sandbox:
    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def account(self, **body: Any) -> dict[str, Any]:
        response = await self.http.post("/_sandbox/accounts", json=body)
        response.raise_for_status()
        return dict(response.json())

    def client(self, account: dict[str, Any], auth: httpx.Auth | None = None) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            transport=self.http._transport,
            base_url=f"{BASE}{account['path_prefix']}",
            auth=auth or tba(account),
            headers={"Content-Type": "application/json"},
        )


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    app = create_app(SandboxSettings())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as http:
        yield Sandbox(http)


@pytest.fixture
async def account(sandbox: Sandbox) -> dict[str, Any]:
    return await sandbox.account()


@pytest.fixture
async def ns(sandbox: Sandbox, account: dict[str, Any]) -> AsyncIterator[httpx.AsyncClient]:
    async with sandbox.client(account) as client:
        yield client


def ids(account: dict[str, Any], record_type: str) -> dict[str, str]:
    return dict(account["seeded"][record_type])


def new_id(response: httpx.Response) -> str:
    assert response.status_code == 204, response.text
    assert response.content == b""
    return response.headers["location"].rsplit("/", 1)[1]


def error_code(response: httpx.Response) -> str | None:
    body = response.json()
    assert body["status"] == response.status_code and body["title"]
    return body["o:errorDetails"][0].get("o:errorCode")


async def vendor(ns: httpx.AsyncClient, account: dict[str, Any], sub: str = "US Subsidiary", **extra: Any) -> str:
    body = {
        "companyName": extra.pop("companyName", "Acme Supplies"),
        "subsidiary": {"id": ids(account, "subsidiary")[sub]},
        **extra,
    }
    return new_id(await ns.post("/record/v1/vendor", json=body))


def bill_body(account: dict[str, Any], vendor_id: str, amount: float = 120.0, **extra: Any) -> dict[str, Any]:
    return {
        "entity": {"id": vendor_id},
        "subsidiary": {"id": ids(account, "subsidiary")["US Subsidiary"]},
        "tranDate": "2026-01-31",
        "tranId": "INV-9",
        "expense": {"items": [{"account": {"id": ids(account, "account")["Office Supplies"]}, "amount": amount}]},
        **extra,
    }
