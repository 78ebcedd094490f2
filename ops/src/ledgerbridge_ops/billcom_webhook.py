"""``ledgerbridge billcom-subscribe``: create a connection's BILL webhook subscription and store its
security key in prefs-api.

BILL shows a subscription's ``securityKey`` once, in the answer to ``POST /v3/subscriptions``
(``../shared/reference/billcom.md`` §2), so creating the subscription and storing the key are one
step: the key goes straight into the connection's ``billcom.webhook_security_key`` (encrypted by
prefs-api) and is never printed. The notification URL is webhook-ingest's
``{public base}/webhooks/billcom/{connection_id}``. Its BILL calls are charged to the devKey's
shared hour (``bill_budget.py``).
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from ledgerbridge_common.connectors.billcom import BillcomCredentials, BillcomHttpConnector
from ledgerbridge_common.connectors.billcom.subscriptions import EVENT_TYPES, notification_url, subscription_name
from ledgerbridge_common.prefs_client import PrefsClient
from ledgerbridge_common.profiles import Profile
from ledgerbridge_common.secret_rules import is_sandbox_url
from ledgerbridge_ops.bill_budget import shared_bill_budgets
from ledgerbridge_ops.check_connections import plain
from ledgerbridge_ops.prefs import PrefsApi
from ledgerbridge_ops.settings import CheckSettings


class SubscribeError(RuntimeError):
    pass


async def subscribe(settings: CheckSettings, api_key: str, connection_id: str, public_base: str) -> dict[str, Any]:
    """Create the subscription, store its key; return the subscription (without the key)."""
    url = notification_url(public_base, connection_id)
    if settings.profile is not Profile.SANDBOX and is_sandbox_url(url):
        raise SubscribeError(f"{url}: BILL needs a public https URL of webhook-ingest")
    timeout = settings.check_timeout_seconds
    async with httpx.AsyncClient(base_url=settings.prefs_url, timeout=timeout) as prefs_http:
        info = await PrefsClient(prefs_http, internal_token=settings.internal_token).connection(connection_id)
    creds = info.billcom
    if creds is None:
        raise SubscribeError(f"{connection_id} has no BILL credentials")
    login = BillcomCredentials(creds.username, plain(creds.password), creds.organization_id, plain(creds.dev_key))
    async with (
        shared_bill_budgets(settings) as budgets,
        httpx.AsyncClient(base_url=settings.billcom_base_url, timeout=timeout) as bill_http,
    ):
        bill = BillcomHttpConnector(bill_http, login, budgets=budgets)
        try:
            created = await bill.create_subscription(
                subscription_name(connection_id), url, EVENT_TYPES, idempotency_key=str(uuid.uuid4())
            )
        finally:
            await bill.aclose()
    key = created.pop("securityKey", None)
    if not key:
        raise SubscribeError(f"BILL answered without a securityKey: {created}")
    stored = {
        "username": creds.username,
        "password": plain(creds.password),
        "organization_id": creds.organization_id,
        "dev_key": plain(creds.dev_key),
        "webhook_security_key": key,
    }
    headers = {"X-API-Key": api_key}
    async with httpx.AsyncClient(base_url=settings.prefs_public_url, timeout=timeout, headers=headers) as public:
        await PrefsApi(public).update_connection(connection_id, {"billcom": stored})
    return dict(created)
