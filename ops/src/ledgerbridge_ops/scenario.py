"""Drives the whole system the way its users would: a bookkeeper connecting BILL to QuickBooks
Online through prefs-api, then an AP clerk working in BILL. Used by ``make demo``, the e2e tests,
the benchmarks and the fault runs.

Only public or documented interfaces are used: the sandboxes' vendor APIs (as BILL's and QBO's
users and apps would call them) and their ``/_sandbox`` control APIs (seed, clock, runs, faults),
prefs-api's public REST API, and webhook-ingest's webhook routes (through the sandboxes)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx

from ledgerbridge_common.connectors.billcom import BillcomCredentials, BillcomHttpConnector
from ledgerbridge_common.connectors.billcom.subscriptions import EVENT_TYPES
from ledgerbridge_ops.ledgers import QBO_CLIENT_ID, QBO_CLIENT_SECRET, LedgerSandbox, QboSandbox

__all__ = ["QBO_CLIENT_ID", "QBO_CLIENT_SECRET", "Company", "Scenario", "ScenarioError", "Urls", "wait_for"]

T = TypeVar("T")


@dataclass(frozen=True)
class Urls:
    prefs: str
    ingest: str
    qbo: str
    billcom: str
    intacct: str = "http://127.0.0.1:18083"
    netsuite: str = "http://127.0.0.1:18084"

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
    """What setup created: one connection between a fresh BILL org and a fresh ledger company
    (``realm_id``: the ledger's company id — QBO realm, Intacct company, NetSuite account)."""

    connection_id: str
    realm_id: str
    org_id: str
    accounts: dict[str, str]
    """Ledger account name → id."""
    bill_chart: dict[str, str]
    """BILL chart-of-accounts name → id."""
    bank_account_id: str
    bill_login: dict[str, str]
    subscription_id: str | None = None
    ledger_kind: str = "quickbooks_online"
    ledger_label: str = "QuickBooks Online"
    roles: dict[str, str] = field(default_factory=dict)
    """Account role (``ap``, ``money_out_clearing``, ``bank``...) → ledger account id."""
    ledger_preferences: dict[str, Any] = field(default_factory=dict)
    """Preferences only this ledger kind has (Funds Transfer Journal Symbol...)."""
    account_aliases: dict[str, str] = field(default_factory=dict)
    """Ids the ledger's payments name instead of a GL account (Intacct checking accounts) → GL id."""
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
        ledger: LedgerSandbox | None = None,
        verifier: str | None = None,
        first_sync: str = "immediately",
        dev_key: str | None = None,
    ) -> Company:
        """A fresh BILL organization connected to a fresh company of ``ledger`` (default: QBO).
        ``verifier``: the Intuit app's webhook verifier token for the default QBO company.
        ``dev_key``: a BILL developer key returned by an earlier set-up, so that the companies
        share its hourly count as one deployment's companies do (default: a key of its own)."""
        ledger = ledger or QboSandbox(self.urls.qbo, webhooks=qbo_webhooks, verifier=verifier)
        made = await ledger.create_company(self.http, name, multi_currency=multi_currency, limits=limits)
        seed = {"name": name, **({"devKey": dev_key} if dev_key else {})}
        org = _ok(await self.http.post(f"{self.urls.billcom}/_sandbox/orgs", json=seed))
        connection = _ok(
            await self.http.post(
                f"{self.urls.prefs}/v1/connections",
                headers=self.keyed,
                json={
                    "name": f"{name} (BILL ↔ {ledger.label})",
                    "billcom_org_id": org["organizationId"],
                    "ledger_kind": str(ledger.kind),
                    "ledger_company_id": made.company_id,
                    "first_sync": first_sync,
                    "billcom": {
                        "username": org["username"],
                        "password": org["password"],
                        "organization_id": org["organizationId"],
                        "dev_key": org["devKey"],
                    },
                    **made.credentials,
                },
            )
        )
        company = Company(
            connection_id=connection["id"],
            realm_id=made.company_id,
            org_id=org["organizationId"],
            accounts=made.accounts,
            bill_chart=org["chartOfAccounts"],
            bank_account_id=org["bankAccount"]["id"],
            bill_login={
                "username": org["username"],
                "password": org["password"],
                "organizationId": org["organizationId"],
                "devKey": org["devKey"],
            },
            ledger_kind=str(ledger.kind),
            ledger_label=ledger.label,
            roles=made.roles,
            ledger_preferences=made.preferences,
            account_aliases=made.aliases,
            extra={"ledger": made},
        )
        made_on_connect = connection["credentials"].get("billcom_webhook_subscription_id")  # LB_WEBHOOK_PUBLIC_URL set
        company.subscription_id = made_on_connect or await self._subscribe_billcom(company)
        await ledger.after_connect(self.http, made, self.urls.ingest)
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

        bank = await wait_for(seen, timeout=90, what="the BILL bank account to reach preferences")  # a busy host
        if bank["gl_account_id"] != company.roles["bank"]:
            await self.set_preferences(company, bank_gl_accounts={company.bank_account_id: company.roles["bank"]})

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
                EVENT_TYPES,
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
        role = company.roles
        values: dict[str, Any] = {
            "ap_account": role["ap"],
            "ar_account": role["ar"],
            "unallocated_expenses_account": role["expenses"],
            "unallocated_income_account": role["income"],
            "money_out_clearing_account": role["money_out_clearing"],
            "money_in_clearing_account": role["money_in_clearing"],
            "default_bank_account": role["bank"],
            "deposit_to_account": role["deposit_to"],
            **({"fx_gain_loss_account": role["fx"]} if "fx" in role else {}),
            **company.ledger_preferences,
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

    async def first_sync_preview(self, company: Company) -> dict[str, Any]:
        url = f"{self.urls.prefs}/v1/connections/{company.connection_id}/first-sync/preview"
        return dict(_ok(await self.http.get(url, headers=self.keyed, timeout=150)))  # reads both sides

    async def start_first_sync(self, company: Company) -> dict[str, Any]:
        url = f"{self.urls.prefs}/v1/connections/{company.connection_id}/first-sync"
        return dict(_ok(await self.http.post(url, headers=self.keyed, json={})))

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
