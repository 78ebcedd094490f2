"""A client nobody here wrote, the ``netsuite`` package (jacobsvante/netsuite 0.12.0), drives the sandbox
unchanged: vendors, bills, payments and SuiteQL, signed with its own TBA (authlib, HMAC-SHA256, realm
in ``123456_SB1`` form, ``oauth_body_hash``), over TLS trusted through ``SSL_CERT_FILE``.

Two ways in, both from reference §7: a per-call ``url=`` pointing at the sandbox's account path prefix,
and no change at all, with ``HTTPS_PROXY`` sending the client's own
``https://<account>.suitetalk.api.netsuite.com`` requests through a CONNECT proxy to the sandbox."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest
from netsuite import Config, NetSuiteRestApi, TokenAuth
from netsuite.exceptions import NetsuiteAPIRequestError

from tests.integration.netsuite.conftest import TlsSandbox
from tests.integration.netsuite.proxy import ConnectProxy

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("trust_test_ca")]


def client(account: dict[str, Any], **kwargs: Any) -> NetSuiteRestApi:
    tba = account["tba"]
    config = Config(
        account=account["account_id"],
        auth=TokenAuth(
            consumer_key=tba["consumer_key"],
            consumer_secret=tba["consumer_secret"],
            token_id=tba["token_id"],
            token_secret=tba["token_secret"],
        ),
    )
    return NetSuiteRestApi(config, default_timeout=10, **kwargs)


class PerCallUrl:
    """Calls the package's own methods with ``url=`` set to the sandbox (the subpath stays as NetSuite's)."""

    def __init__(self, api: NetSuiteRestApi, base: str) -> None:
        self.api, self.base = api, base

    async def request(self, method: str, subpath: str, **kw: Any) -> httpx.Response:
        return await self.api.request(method, subpath, url=self.base + subpath, **kw)

    async def get(self, subpath: str, **kw: Any) -> Any:
        return await self.api.get(subpath, url=self.base + subpath, **kw)

    async def suiteql(self, q: str, limit: int, offset: int) -> Any:
        return await self.api.suiteql(q, limit=limit, offset=offset, url=f"{self.base}/query/v1/suiteql")


async def run_vendor_bill_payment_suiteql(ns: Any, account: dict[str, Any]) -> None:
    seeded = account["seeded"]
    us = {"id": seeded["subsidiary"]["US Subsidiary"]}
    name = f"Vendor {uuid.uuid4().hex[:6]}"

    created = await ns.request("POST", "/record/v1/vendor", json={"companyName": name, "subsidiary": us})
    assert created.status_code == 204 and created.content == b""
    vendor_id = created.headers["location"].rsplit("/", 1)[1]
    vendor = await ns.get(f"/record/v1/vendor/{vendor_id}")
    assert vendor["companyName"] == name and vendor["subsidiary"]["id"] == us["id"]

    bill = {
        "entity": {"id": vendor_id},
        "subsidiary": us,
        "tranDate": "2026-01-31",
        "tranId": "INV-9",
        "expense": {"items": [{"account": {"id": seeded["account"]["Office Supplies"]}, "amount": 120.0}]},
    }
    eid = f"bill_{uuid.uuid4().hex[:8]}"
    for _ in range(2):  # an idempotent create: the same upsert twice is one bill with one line
        put = await ns.request("PUT", f"/record/v1/vendorBill/eid:{eid}", json=bill, params={"replace": "expense"})
        assert put.status_code == 204, put.text
    bill_id = put.headers["location"].rsplit("/", 1)[1]
    stored = await ns.get(f"/record/v1/vendorBill/eid:{eid}", params={"expandSubResources": "true"})
    assert stored["id"] == bill_id and stored["total"] == 120.0 and len(stored["expense"]["items"]) == 1

    payment = {
        "entity": {"id": vendor_id},
        "subsidiary": us,
        "account": {"id": seeded["account"]["US Checking"]},
        "tranDate": "2026-02-01",
        "apply": {"items": [{"doc": {"id": bill_id}, "apply": True, "amount": 120.0}]},
    }
    paid = await ns.request("POST", "/record/v1/vendorPayment", json=payment)
    assert paid.status_code == 204, paid.text
    assert (await ns.get(f"/record/v1/vendorBill/{bill_id}"))["balance"] == 0.0
    again = await ns.request("POST", "/record/v1/vendorPayment", json=payment)
    assert again.status_code == 400 and again.json()["o:errorDetails"][0]["o:errorCode"] == "USER_ERROR"

    q = "SELECT id, type, foreigntotal FROM transaction WHERE type IN ('VendBill', 'VendPymt') ORDER BY id"
    rows: list[dict[str, Any]] = []
    offset = 0
    while True:
        page = await ns.suiteql(q, limit=1, offset=offset)
        rows += page["items"]
        if not page["hasMore"]:
            break
        offset += page["count"]
    assert [(r["type"], r["foreigntotal"]) for r in rows] == [("VendBill", "120"), ("VendPymt", "120")]
    assert rows[0]["id"] == bill_id and page["totalResults"] == 2


async def test_per_call_url(tls_sandbox: TlsSandbox, account: dict[str, Any]) -> None:
    ns = PerCallUrl(client(account), f"{tls_sandbox.url}{account['path_prefix']}")
    await run_vendor_bill_payment_suiteql(ns, account)


async def test_unchanged_client_through_a_connect_proxy(
    account: dict[str, Any], connect_proxy: ConnectProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", connect_proxy.url)
    api = client(account)
    assert api.hostname == f"{account['host_slug']}.suitetalk.api.netsuite.com"
    await run_vendor_bill_payment_suiteql(api, account)
    vendors = await api.get("/record/v1/vendor")
    assert vendors["items"][0]["links"][0]["href"].startswith(f"https://{api.hostname}/services/rest/record/v1/vendor/")
    assert connect_proxy.tunnels and set(connect_proxy.tunnels) == {api.hostname}


async def test_hmac_sha1_is_refused(tls_sandbox: TlsSandbox, account: dict[str, Any]) -> None:
    ns = PerCallUrl(client(account, signature_method="HMAC-SHA1"), f"{tls_sandbox.url}{account['path_prefix']}")
    with pytest.raises(NetsuiteAPIRequestError) as caught:
        await ns.get("/record/v1/vendor")
    assert caught.value.status_code == 401 and "INVALID_LOGIN" in caught.value.response_text


async def test_its_ten_concurrent_requests_meet_the_five_slot_cap(
    tls_sandbox: TlsSandbox, account: dict[str, Any], control: httpx.AsyncClient
) -> None:
    """The package opens up to 10 requests at once (reference §7); a Standard account serves 5."""
    limits = f"/_sandbox/accounts/{account['account_id']}/limits"
    (await control.put(limits, json={"concurrency": 5, "latency_ms": 1000})).raise_for_status()
    ns = PerCallUrl(client(account), f"{tls_sandbox.url}{account['path_prefix']}")
    results = await asyncio.gather(*(ns.get("/record/v1/vendor") for _ in range(10)), return_exceptions=True)
    throttled = [r for r in results if isinstance(r, NetsuiteAPIRequestError) and r.status_code == 429]
    served = [r for r in results if isinstance(r, dict)]
    assert len(served) + len(throttled) == 10 and served and throttled
    counters = (await control.get(f"/_sandbox/accounts/{account['account_id']}/counters")).json()
    assert counters["peak_in_flight"] <= 5 and counters["throttled_429"] == len(throttled)
