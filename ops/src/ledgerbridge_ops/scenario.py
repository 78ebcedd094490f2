"""Drives the whole system the way its users would: a bookkeeper connecting BILL to QuickBooks
Online through prefs-api, then an AP clerk working in BILL. Used by ``make demo``, the e2e tests,
the benchmarks and the fault runs.

Only public or documented interfaces are used: the sandboxes' vendor APIs (as BILL's and QBO's
users and apps would call them) and their ``/_sandbox`` control APIs (seed, clock, runs, faults),
prefs-api's public REST API, and webhook-ingest's webhook routes (through the sandboxes)."""

from __future__ import annotations

import asyncio
import datetime as dt
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx

from ledgerbridge_common.connectors.billcom import BillcomCredentials, BillcomHttpConnector
from ledgerbridge_common.connectors.billcom.events import WEBHOOK_EVENT_TYPES

QBO_CLIENT_ID = "ledgerbridge-sandbox"
QBO_CLIENT_SECRET = "sandbox-secret"
BILL_EVENT_TYPES = WEBHOOK_EVENT_TYPES
T = TypeVar("T")


@dataclass(frozen=True)
class Urls:
    prefs: str
    ingest: str
    qbo: str
    billcom: str

    @classmethod
    def local(cls) -> Urls:
        return cls(
            "http://127.0.0.1:18010",
            "http://127.0.0.1:18000",
            "http://127.0.0.1:18081",
            "http://127.0.0.1:18082",
        )


@dataclass
class Company:
    """What setup created: one connection between a fresh BILL org and a fresh QBO realm."""

    connection_id: str
    realm_id: str
    org_id: str
    accounts: dict[str, str]
    """QBO account name → Id."""
    bill_chart: dict[str, str]
    """BILL chart-of-accounts name → id."""
    bank_account_id: str
    bill_login: dict[str, str]
    subscription_id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class ScenarioError(RuntimeError):
    pass


async def wait_for(check: Callable[[], Awaitable[T | None]], *, timeout: float, what: str, interval: float = 0.2) -> T:
    """Poll ``check`` until it returns something truthy; fail with ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        result = await check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise ScenarioError(f"timed out after {timeout:.0f}s waiting for {what}")
        await asyncio.sleep(interval)


def _ok(resp: httpx.Response) -> Any:
    if resp.status_code >= 400:
        raise ScenarioError(f"{resp.request.method} {resp.request.url} → {resp.status_code}: {resp.text[:500]}")
    return resp.json() if resp.content else None


class Scenario:
    """One tenant's view of the system. ``api_key`` must be an admin key of prefs-api."""

    def __init__(self, urls: Urls, api_key: str, http: httpx.AsyncClient) -> None:
        self.urls = urls
        self.http = http
        self.keyed = {"X-API-Key": api_key}

    # --- set-up -----------------------------------------------------------------------------------

    async def setup(
        self,
        name: str = "Acme Inc.",
        *,
        multi_currency: bool = False,
        qbo_webhooks: bool = True,
        limits: bool = True,
        dev_key: str | None = None,
    ) -> Company:
        """``dev_key``: a BILL developer key returned by an earlier set-up, so that the companies
        share its hourly count as one deployment's companies do (default: a key of its own)."""
        realm = _ok(
            await self.http.post(
                f"{self.urls.qbo}/_sandbox/realms",
                json={"company_name": name, "multi_currency": multi_currency},
            )
        )
        realm_id = realm["realm_id"]
        if not limits:
            _ok(await self.http.put(f"{self.urls.qbo}/_sandbox/realms/{realm_id}/limits", json={"enabled": False}))
        tokens = _ok(
            await self.http.post(
                f"{self.urls.qbo}/_sandbox/realms/{realm_id}/tokens", json={"client_id": QBO_CLIENT_ID}
            )
        )
        seed = {"name": name, **({"devKey": dev_key} if dev_key else {})}
        org = _ok(await self.http.post(f"{self.urls.billcom}/_sandbox/orgs", json=seed))
        verifier = "vt-" + secrets.token_hex(16)
        expires = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=int(tokens["expires_in"]))
        connection = _ok(
            await self.http.post(
                f"{self.urls.prefs}/v1/connections",
                headers=self.keyed,
                json={
                    "name": f"{name} (BILL ↔ QuickBooks Online)",
                    "billcom_org_id": org["organizationId"],
                    "ledger_kind": "quickbooks_online",
                    "ledger_company_id": realm_id,
                    "billcom": {
                        "username": org["username"],
                        "password": org["password"],
                        "organization_id": org["organizationId"],
                        "dev_key": org["devKey"],
                    },
                    "qbo": {
                        "client_id": QBO_CLIENT_ID,
                        "client_secret": QBO_CLIENT_SECRET,
                        "webhook_verifier_token": verifier,
                        "tokens": {
                            "access_token": tokens["access_token"],
                            "refresh_token": tokens["refresh_token"],
                            "access_expires_at": expires.isoformat(),
                        },
                    },
                },
            )
        )
        company = Company(
            connection_id=connection["id"],
            realm_id=realm_id,
            org_id=org["organizationId"],
            accounts=realm["accounts"],
            bill_chart=org["chartOfAccounts"],
            bank_account_id=org["bankAccount"]["id"],
            bill_login={
                "username": org["username"],
                "password": org["password"],
                "organizationId": org["organizationId"],
                "devKey": org["devKey"],
            },
        )
        company.subscription_id = await self._subscribe_billcom(company)
        if qbo_webhooks:
            _ok(
                await self.http.put(
                    f"{self.urls.qbo}/_sandbox/apps/{QBO_CLIENT_ID}/webhooks",
                    json={
                        "url": f"{self.urls.ingest}/webhooks/qbo",
                        "verifier_token": verifier,
                        "format": "cloudevents",
                        "enabled": True,
                        "auto_deliver": True,
                    },
                )
            )
        await self.set_preferences(company)
        await self.link_bank_account(company)
        return company

    async def link_bank_account(self, company: Company) -> None:
        """The BILL bank account appears in preferences once a sweep has seen it (Sync Now);
        then its "GL Account for Bank Account ****XXXX" is set, unless name matching already did."""
        await self.sync_now(company)
        url = f"{self.urls.prefs}/v1/connections/{company.connection_id}/preferences"

        async def seen() -> dict[str, Any] | None:
            view = _ok(await self.http.get(url, headers=self.keyed))
            banks = {b["bank_account_id"]: b for b in view["bank_accounts"]}
            return banks.get(company.bank_account_id)

        bank = await wait_for(seen, timeout=30, what="the BILL bank account to reach preferences")
        if bank["gl_account_id"] != company.accounts["Checking"]:
            await self.set_preferences(
                company, bank_gl_accounts={company.bank_account_id: company.accounts["Checking"]}
            )

    async def _subscribe_billcom(self, company: Company) -> str:
        creds = BillcomCredentials(
            username=company.bill_login["username"],
            password=company.bill_login["password"],
            organization_id=company.org_id,
            dev_key=company.bill_login["devKey"],
        )
        async with httpx.AsyncClient(base_url=f"{self.urls.billcom}/connect", timeout=30) as bill_http:
            connector = BillcomHttpConnector(bill_http, creds)
            sub = await connector.create_subscription(
                f"LedgerBridge {company.connection_id}",
                f"{self.urls.ingest}/webhooks/billcom/{company.connection_id}",
                BILL_EVENT_TYPES,
            )
            await connector.aclose()
        _ok(
            await self.http.patch(
                f"{self.urls.prefs}/v1/connections/{company.connection_id}",
                headers=self.keyed,
                json={
                    "billcom": {
                        "username": creds.username,
                        "password": creds.password,
                        "organization_id": creds.organization_id,
                        "dev_key": creds.dev_key,
                        "webhook_security_key": sub["securityKey"],
                    }
                },
            )
        )
        return str(sub["id"])

    async def set_preferences(self, company: Company, **overrides: Any) -> dict[str, Any]:
        acc = company.accounts
        values: dict[str, Any] = {
            "ap_account": acc["Accounts Payable (A/P)"],
            "ar_account": acc["Accounts Receivable (A/R)"],
            "unallocated_expenses_account": acc["Unallocated Expenses"],
            "unallocated_income_account": acc["Unallocated Income"],
            "money_out_clearing_account": acc["BILL Money Out Clearing"],
            "money_in_clearing_account": acc["BILL Money In Clearing"],
            "default_bank_account": acc["Checking"],
            "deposit_to_account": acc["Undeposited Funds"],
            "fx_gain_loss_account": acc["Exchange Gain or Loss"],
            **overrides,
        }
        url = f"{self.urls.prefs}/v1/connections/{company.connection_id}/preferences"
        current = await self.http.get(url, headers=self.keyed)
        _ok(current)
        resp = await self.http.patch(url, headers={**self.keyed, "If-Match": current.headers["ETag"]}, json=values)
        return dict(_ok(resp))

    # --- prefs-api reads --------------------------------------------------------------------------

    async def sync_log(self, company: Company, **filters: str) -> list[dict[str, Any]]:
        params = {"connection_id": company.connection_id, "limit": "200", **filters}
        page = _ok(await self.http.get(f"{self.urls.prefs}/v1/sync-log", headers=self.keyed, params=params))
        return list(page["items"])

    async def sync_now(self, company: Company) -> None:
        _ok(
            await self.http.post(
                f"{self.urls.prefs}/v1/connections/{company.connection_id}/sync-now", headers=self.keyed
            )
        )

    async def readiness(self, company: Company) -> dict[str, Any]:
        return dict(
            _ok(
                await self.http.get(
                    f"{self.urls.prefs}/v1/connections/{company.connection_id}/readiness", headers=self.keyed
                )
            )
        )

    # --- QBO reads (control API) ------------------------------------------------------------------

    async def qbo_objects(self, company: Company, entity: str) -> list[dict[str, Any]]:
        body = _ok(await self.http.get(f"{self.urls.qbo}/_sandbox/realms/{company.realm_id}/objects/{entity}"))
        return [dict(o) for o in body[entity]]

    async def qbo_ledger(self, company: Company) -> dict[str, Any]:
        return dict(_ok(await self.http.get(f"{self.urls.qbo}/_sandbox/realms/{company.realm_id}/ledger")))

    async def wait_qbo(
        self,
        company: Company,
        entity: str,
        predicate: Callable[[dict[str, Any]], bool],
        *,
        timeout: float = 30,
    ) -> dict[str, Any]:
        async def check() -> dict[str, Any] | None:
            return next((o for o in await self.qbo_objects(company, entity) if predicate(o)), None)

        return await wait_for(check, timeout=timeout, what=f"QBO {entity} in realm {company.realm_id}")
