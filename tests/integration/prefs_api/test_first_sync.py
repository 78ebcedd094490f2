"""The first sync through prefs-api against the QBO and BILL sandboxes: the start date on
connect, the preview per object type (link / create / skip / conflict, with examples), What Syncs
(its matrix, its validation, shown in the preview), a cron schedule, and starting the first sync."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Any

import httpx
import pytest

from billcom_sandbox.app import create_app as create_billcom
from billcom_sandbox.settings import SandboxSettings as BillcomSettings
from ledgerbridge_common.canonical.models import Bill, ObjectType, TransactionLine, Vendor
from ledgerbridge_common.connectors.billcom import BillcomCredentials, BillcomHttpConnector
from ledgerbridge_common.connectors.qbo import QboConnector, StaticTokenSource, qbo_limits
from ledgerbridge_common.settings import KafkaSettings
from prefs_api.bootstrap import create_app
from qbo_sandbox.app import create_app as create_qbo
from tests.integration.prefs_api.conftest import ADMIN_KEY, prefs_settings, read_topic
from tests.support.servers import serve_in_thread, serve_together

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]
TODAY = dt.date.today()
START = TODAY - dt.timedelta(days=5)
T = ObjectType


@asynccontextmanager
async def world(database_url: str, kafka: KafkaSettings) -> AsyncIterator[dict[str, Any]]:
    with (
        serve_in_thread(create_qbo()) as qbo_url,
        serve_in_thread(create_billcom(BillcomSettings(webhook_tick_seconds=None))) as bill_url,
    ):
        settings = prefs_settings(
            database_url, kafka, qbo_base_url=qbo_url, qbo_oauth_url=qbo_url, billcom_base_url=f"{bill_url}/connect"
        )
        app = create_app(settings)
        with serve_together(app, app.state.internal_app, timeout=30) as (url, _internal):
            async with (
                httpx.AsyncClient(timeout=15) as http,
                httpx.AsyncClient(base_url=f"{bill_url}/connect", timeout=15) as bill_http,
            ):
                realm = (await http.post(f"{qbo_url}/_sandbox/realms", json={"company_name": "Preview Co"})).json()
                tokens = (await http.post(f"{qbo_url}/_sandbox/realms/{realm['realm_id']}/tokens", json={})).json()
                org = (await http.post(f"{bill_url}/_sandbox/orgs", json={"name": "Preview Org"})).json()
                qbo = QboConnector(
                    http,
                    realm["realm_id"],
                    StaticTokenSource(tokens["access_token"]),
                    base_url=qbo_url,
                    limits=qbo_limits(),
                )
                billcom = BillcomHttpConnector(
                    bill_http,
                    BillcomCredentials(org["username"], org["password"], org["organizationId"], org["devKey"]),
                )
                expires = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=int(tokens["expires_in"]))
                body = {
                    "name": "Preview Co",
                    "billcom_org_id": org["organizationId"],
                    "ledger_kind": "quickbooks_online",
                    "ledger_company_id": realm["realm_id"],
                    "billcom": {
                        "username": org["username"],
                        "password": org["password"],
                        "organization_id": org["organizationId"],
                        "dev_key": org["devKey"],
                    },
                    "qbo": {
                        "client_id": "ledgerbridge-sandbox",
                        "client_secret": "sandbox-secret",
                        "tokens": {
                            "access_token": tokens["access_token"],
                            "refresh_token": tokens["refresh_token"],
                            "access_expires_at": expires.isoformat(),
                        },
                    },
                }
                async with httpx.AsyncClient(base_url=url, headers={"X-API-Key": ADMIN_KEY}, timeout=60) as api:
                    yield {
                        "api": api,
                        "qbo": qbo,
                        "billcom": billcom,
                        "body": body,
                        "accounts": realm["accounts"],
                        "realm": f"{qbo_url}/_sandbox/realms/{realm['realm_id']}",
                        "http": http,
                        "url": url,
                    }


def bill(vendor_id: str, number: str, amount: str, day: dt.date, account: str | None = None) -> Bill:
    line = TransactionLine(amount=Decimal(amount), classifications={"account_id": account}, description="x")
    return Bill(vendor_id=vendor_id, number=number, date=day, lines=(line,))


def by_type(preview: dict[str, Any], object_type: str) -> dict[str, Any]:
    return next(t for t in preview["types"] if t["object_type"] == object_type)


async def test_start_date_defaults_to_the_first_of_the_month_and_nothing_syncs_before_the_start(
    database_url: str, kafka_settings: KafkaSettings
) -> None:
    async with world(database_url, kafka_settings) as w:
        api = w["api"]
        created = (await api.post("/v1/connections", json=w["body"])).json()
        prefs = (await api.get(f"/v1/connections/{created['id']}/preferences")).json()
        now = dt.datetime.now(dt.UTC).date()
        assert prefs["values"]["start_date"] == now.replace(day=1).isoformat()
        assert prefs["values"]["first_sync_started"] is False
        immediate = (await api.post("/v1/connections", json={**w["body"], "first_sync": "immediately"})).json()
        values = (await api.get(f"/v1/connections/{immediate['id']}/preferences")).json()["values"]
        assert values["first_sync_started"] is True


async def test_preview_links_creates_skips_and_leaves_ambiguity_to_the_bookkeeper(
    database_url: str, kafka_settings: KafkaSettings
) -> None:
    async with world(database_url, kafka_settings) as w:
        api, qbo, billcom = w["api"], w["qbo"], w["billcom"]
        expense = w["accounts"]["Unallocated Expenses"]
        name = f"Paper Mill {uuid.uuid4().hex[:6]}"
        q_vendor = await qbo.create(Vendor(name=name), request_id=uuid.uuid4().hex)
        b_vendor = await billcom.create(Vendor(name=name))
        await billcom.create(Vendor(name=f"Only In Bill {uuid.uuid4().hex[:6]}"))
        # the company does not warn about duplicate bill numbers: two QBO bills can share HK-9
        no_check = await w["http"].post(f"{w['realm']}/preferences", json={"duplicate_doc_checks": {"Bill": False}})
        assert no_check.status_code == 200, no_check.text
        keyed = await qbo.create(bill(q_vendor.id, "HK-1", "120.00", TODAY, expense), request_id=uuid.uuid4().hex)
        twins = [
            await qbo.create(bill(q_vendor.id, "HK-9", "90.00", TODAY, expense), request_id=uuid.uuid4().hex)
            for _ in range(2)
        ]
        for number, amount, day in [
            ("HK-1", "120.00", TODAY),
            ("HK-9", "90.00", TODAY),
            ("NEW-1", "55.00", TODAY),
            ("OLD-1", "70.00", START - dt.timedelta(days=1)),
        ]:
            await billcom.create(bill(b_vendor.id or "", number, amount, day))
        cid = (await api.post("/v1/connections", json={**w["body"], "start_date": START.isoformat()})).json()["id"]
        base = f"/v1/connections/{cid}"

        matrix = (await api.get(f"{base}/what-syncs")).json()
        cells = {c["object_type"]: c for c in matrix["cells"]}
        assert sorted(cells["bill"]["allowed"]) == ["billcom_to_ledger", "both", "off"]
        assert sorted(cells["vendor_credit"]["allowed"]) == ["billcom_to_ledger", "off"]
        assert cells["bill_payment"]["chosen"] == "billcom_to_ledger" and "both" in cells["bill_payment"]["allowed"]

        etag = (await api.get(f"{base}/preferences")).headers["ETag"]
        refused = await api.patch(
            f"{base}/preferences", json={"what_syncs": {"vendor_credit": "both"}}, headers={"If-Match": etag}
        )
        assert refused.status_code == 409, refused.text
        assert refused.json()["errors"][0]["code"] == "direction_not_offered"
        bad_cron = await api.patch(
            f"{base}/preferences", json={"schedule_cron": "61 * * * *"}, headers={"If-Match": etag}
        )
        assert bad_cron.status_code == 409 and bad_cron.json()["errors"][0]["code"] == "invalid_cron"
        saved = await api.patch(
            f"{base}/preferences",
            json={"what_syncs": {"invoice": "off", "bill_payment": "both"}, "schedule_cron": "0 6 * * 1-5"},
            headers={"If-Match": etag},
        )
        assert saved.status_code == 200, saved.text
        assert saved.json()["values"]["what_syncs"] == {"invoice": "off", "bill_payment": "both"}

        preview = (await api.get(f"{base}/first-sync/preview")).json()
        assert preview["start_date"] == START.isoformat() and preview["first_sync_started"] is False
        bills = by_type(preview, "bill")
        assert (bills["link"], bills["create"], bills["skip"], bills["conflict"]) == (1, 1, 1, 1)
        examples = {e["label"]: e for e in bills["examples"]}
        assert examples["HK-1"]["verdict"] == "link" and examples["HK-1"]["ledger_id"] == keyed.id
        assert sorted(examples["HK-9"]["candidates"]) == sorted(t.id for t in twins)
        assert examples["NEW-1"]["verdict"] == "create"
        assert "before the start date" in examples["OLD-1"]["reason"]
        vendors = by_type(preview, "vendor")
        assert (vendors["link"], vendors["create"]) == (1, 1)
        invoices = by_type(preview, "invoice")
        assert invoices["direction"] == "off" and invoices["examples"] == []

        started = await api.post(f"{base}/first-sync", json={})
        assert started.status_code == 202, started.text
        assert (await api.post(f"{base}/first-sync", json={})).status_code == 409
        values = (await api.get(f"{base}/preferences")).json()["values"]
        assert values["first_sync_started"] is True
        events = await read_topic(kafka_settings, kafka_settings.topics.prefs, want=10, timeout=5)
        mine = [e.type for e in events if e.connection_id == cid]
        assert mine[-2:] == ["PreferencesChanged", "SyncRequested"]
