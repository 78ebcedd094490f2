"""The per-connection checks of ``ledgerbridge check``, over prefs-api's internal API (the same
view of a connection the services have): BILL sign-in, QBO token refresh and company read,
webhook secrets, preferences. The BILL sign-in is charged to the devKey's shared hour
(``bill_budget.py``)."""

from __future__ import annotations

from functools import partial

import httpx
from pydantic import SecretStr

from ledgerbridge_common.connectors.billcom.budget import BillBudgets
from ledgerbridge_common.connectors.billcom.client import BillcomClient
from ledgerbridge_common.connectors.billcom.client import BillcomCredentials as BillcomLogin
from ledgerbridge_common.connectors.qbo.auth import QboOAuthClient
from ledgerbridge_common.connectors.qbo.client import MINOR_VERSION
from ledgerbridge_common.errors import BudgetSpentError, ConnectorError, InfrastructureError
from ledgerbridge_common.events.models import LedgerKind
from ledgerbridge_common.prefs_client import ConnectionInfo, PrefsClient, QboTokens
from ledgerbridge_ops.bill_budget import shared_bill_budgets
from ledgerbridge_ops.check_ledger_login import ledger_login
from ledgerbridge_ops.check_results import CheckResult, bounded, fail, ok
from ledgerbridge_ops.settings import CheckSettings

EDIT_CONNECTION = "PATCH /v1/connections/{id} on prefs-api"


def plain(value: str | SecretStr | None) -> str:
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    return value or ""


async def connections(
    settings: CheckSettings, http: httpx.AsyncClient, *, only: str | None = None
) -> list[CheckResult]:
    limit = settings.check_timeout_seconds
    prefs_http = httpx.AsyncClient(base_url=settings.prefs_url, timeout=limit)
    prefs = PrefsClient(prefs_http, internal_token=settings.internal_token, cache_seconds=0)
    try:
        async with shared_bill_budgets(settings) as budgets:
            return await _check_connections(settings, http, prefs, budgets, only)
    finally:
        await prefs_http.aclose()


async def _check_connections(
    settings: CheckSettings, http: httpx.AsyncClient, prefs: PrefsClient, budgets: BillBudgets, only: str | None
) -> list[CheckResult]:
    limit = settings.check_timeout_seconds
    found: list[ConnectionInfo] = []
    results = await bounded("prefs-api", limit, lambda: _list_connections(settings, prefs, found))
    if any(r.failed for r in results):
        return results
    if only is not None:
        found = [info for info in found if info.connection_id == only]
        if not found:
            return [
                *results,
                fail("connection", "no such connection", "check the id (`ledgerbridge status`)", only),
            ]
    for info in found:
        subject = info.connection_id
        sign_in = partial(billcom_login, settings, info, budgets)
        results += await bounded("billcom sign-in", limit, sign_in, subject)
        token = partial(ledger_token, settings, http, prefs, info)
        results += await bounded("ledger token", limit, token, subject)
        results += webhook_secrets(info)
        results += await bounded("preferences", limit, partial(preferences, prefs, info), subject)
    return results


async def _list_connections(
    settings: CheckSettings, prefs: PrefsClient, found: list[ConnectionInfo]
) -> list[CheckResult]:
    try:
        found.extend(await prefs.list_connections("active"))
        found.extend(await prefs.list_connections("disabled"))
    except ConnectorError as exc:
        if exc.code in ("401", "403"):
            fix = "set LB_INTERNAL_TOKEN to the value prefs-api has"
            return [fail("prefs-api", f"the internal API refused LB_INTERNAL_TOKEN (HTTP {exc.code})", fix)]
        return [fail("prefs-api", f"{settings.prefs_url}: {exc}", "check LB_PREFS_URL and that prefs-api is running")]
    disabled = sum(info.status != "active" for info in found)
    return [ok("prefs-api", f"internal API answers: {len(found)} connection(s), {disabled} disabled")]


async def billcom_login(settings: CheckSettings, info: ConnectionInfo, budgets: BillBudgets) -> list[CheckResult]:
    subject = info.connection_id
    creds = info.billcom
    if creds is None:
        return [fail("billcom sign-in", "no BILL credentials stored", f"add them: {EDIT_CONNECTION}", subject)]
    login = BillcomLogin(creds.username, plain(creds.password), creds.organization_id, plain(creds.dev_key))
    bill_http = httpx.AsyncClient(base_url=settings.billcom_base_url, timeout=settings.check_timeout_seconds)
    client = BillcomClient(bill_http, login, budgets=budgets)
    try:
        await client.session()
        await client.logout()
    except BudgetSpentError as exc:
        return [
            fail("billcom sign-in", exc.message, "wait for the devKey's next hour (`ledgerbridge status`)", subject)
        ]
    except InfrastructureError as exc:
        fix = "check LB_DATABASE__URL: BILL calls are charged to the shared budget in PostgreSQL"
        return [fail("billcom sign-in", f"not tried: {exc}", fix, subject)]
    except ConnectorError as exc:
        fix = (
            "store the organization's BILL username, password, organization id and a developer key of "
            f"this environment (sandbox keys do not work in production): {EDIT_CONNECTION}"
        )
        return [fail("billcom sign-in", f"BILL refused the sign-in: {exc}", fix, subject)]
    finally:
        await bill_http.aclose()
    return [ok("billcom sign-in", f"signed in to organization {creds.organization_id}", subject)]


async def ledger_token(
    settings: CheckSettings, http: httpx.AsyncClient, prefs: PrefsClient, info: ConnectionInfo
) -> list[CheckResult]:
    subject = info.connection_id
    if info.ledger_kind != LedgerKind.QUICKBOOKS_ONLINE:
        return await ledger_login(settings, http, info)
    qbo = info.qbo
    reconnect = f"reconnect QuickBooks: GET /v1/connections/{subject}/qbo/authorize on prefs-api, then consent"
    if qbo is None or qbo.tokens is None:
        return [fail("ledger token", "QuickBooks is not connected (no tokens)", reconnect, subject)]
    oauth = QboOAuthClient(
        http,
        client_id=qbo.client_id,
        client_secret=plain(qbo.client_secret),
        redirect_uri="",
        token_url=f"{settings.qbo_oauth_url.rstrip('/')}/oauth2/v1/tokens/bearer",
    )
    try:
        fresh = await oauth.refresh(plain(qbo.tokens.refresh_token), info.ledger_company_id)
    except ConnectorError as exc:
        if exc.code == "invalid_client":
            fix = "store the Intuit app's client id and secret of this environment (Development or Production keys)"
            return [fail("ledger token", f"Intuit refused the app's keys: {exc}", f"{fix}: {EDIT_CONNECTION}", subject)]
        return [fail("ledger token", f"the refresh token no longer works: {exc}", reconnect, subject)]
    rotated = QboTokens(
        access_token=fresh.access_token,
        refresh_token=fresh.refresh_token,
        access_expires_at=fresh.expires_at,
        refresh_expires_at=fresh.refresh_expires_at,
    )
    await prefs.save_qbo_tokens(subject, rotated)
    return [await _company(settings, http, info, fresh.access_token)]


async def _company(settings: CheckSettings, http: httpx.AsyncClient, info: ConnectionInfo, token: str) -> CheckResult:
    realm = info.ledger_company_id
    response = await http.get(
        f"{settings.qbo_base_url.rstrip('/')}/v3/company/{realm}/companyinfo/{realm}",
        params={"minorversion": str(MINOR_VERSION)},
        headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
    )
    if response.status_code != 200:
        fix = "the company (realm) id or the environment is wrong: reconnect QuickBooks from this deployment"
        return fail(
            "ledger token",
            f"refreshed, but reading company {realm} gave HTTP {response.status_code}",
            fix,
            info.connection_id,
        )
    name = response.json().get("CompanyInfo", {}).get("CompanyName", "?")
    return ok("ledger token", f"refreshed and saved; company {realm} ({name}) readable", info.connection_id)


def webhook_secrets(info: ConnectionInfo) -> list[CheckResult]:
    """The secrets webhook-ingest verifies this connection's deliveries with (prefs-api hands out
    the same ones on ``/internal/v1/webhook-secrets`` while the connection is active)."""
    subject = info.connection_id
    secrets = {
        "billcom": plain(info.billcom.webhook_security_key if info.billcom else None),
        "qbo": plain(info.qbo.webhook_verifier_token if info.qbo else None),
    }
    fixes = {
        "billcom": "create the BILL webhook subscription and store its securityKey as billcom.webhook_security_key",
        "qbo": "store the Intuit app's webhook verifier token as qbo.webhook_verifier_token",
    }
    lines = []
    for vendor, fix in fixes.items():
        if vendor == "qbo" and info.ledger_kind != LedgerKind.QUICKBOOKS_ONLINE:
            continue
        name = f"{vendor} webhook secret"
        if secrets[vendor]:
            lines.append(ok(name, "set: webhook-ingest verifies this connection's deliveries", subject))
        else:
            lines.append(
                fail(
                    name,
                    "not set: webhook-ingest cannot verify this connection's deliveries",
                    f"{fix} ({EDIT_CONNECTION})",
                    subject,
                )
            )
    return lines


async def preferences(prefs: PrefsClient, info: ConnectionInfo) -> list[CheckResult]:
    current = await prefs.preferences(info.connection_id)
    if current.ready:
        return [ok("preferences", f"ready (version {current.version})", info.connection_id)]
    missing = "; ".join(current.missing) or "see the readiness"
    fix = f"set them: PATCH /v1/connections/{info.connection_id}/preferences or the status page"
    return [fail("preferences", f"not ready: {missing}", fix, info.connection_id)]
