"""Sweeps against the BILL sandbox: a change whose webhook the sandbox dropped, and objects BILL
sends no webhook for, are found by the next sweep ("Sync Now" through the prefs topic)."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import asyncpg
import httpx
import pytest

from billcom_sandbox.app import create_app as create_billcom_sandbox
from billcom_sandbox.settings import SandboxSettings
from ledgerbridge_common.canonical.models import Bill, TransactionLine, Vendor, VendorCredit
from ledgerbridge_common.connectors.billcom import BillcomCredentials, BillcomHttpConnector
from ledgerbridge_common.events.envelope import Envelope
from ledgerbridge_common.events.models import SyncRequested
from ledgerbridge_common.kafka.producer import AiokafkaPublisher
from ledgerbridge_common.prefs_client import BillcomCredentials as StoredBillcomCredentials
from ledgerbridge_common.prefs_client import ConnectionInfo, ConnectionPreferences, WebhookSecret
from tests.integration.webhook_ingest.harness import (
    PrefsState,
    ingest_settings,
    prefs_stub,
    read_topic,
    running_ingest,
)
from tests.support.servers import serve_in_thread

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]

SANDBOX = SandboxSettings(webhook_tick_seconds=None, webhook_retry_seconds=(0.0, 0.0, 0.0))


async def test_dropped_webhooks_and_unannounced_objects_are_found_by_the_next_sweep(
    kafka_settings, database_url, connection_id
):
    state = PrefsState()
    with (
        serve_in_thread(create_billcom_sandbox(SANDBOX.model_copy())) as sandbox,
        serve_in_thread(prefs_stub(state)) as prefs_url,
    ):
        async with httpx.AsyncClient(base_url=sandbox, timeout=10) as control:
            org = (await control.post("/_sandbox/orgs", json={"name": "Sweep Org"})).json()
        creds = BillcomCredentials(org["username"], org["password"], org["organizationId"], org["devKey"])
        state.connections[connection_id] = ConnectionInfo(
            connection_id=connection_id,
            tenant_id="t-1",
            name="Sweep Org",
            status="active",
            billcom_org_id=org["organizationId"],
            ledger_kind="quickbooks_online",
            ledger_company_id=f"realm-{uuid.uuid4().hex[:6]}",
            billcom=StoredBillcomCredentials(
                username=org["username"],
                password=org["password"],
                organization_id=org["organizationId"],
                dev_key=org["devKey"],
            ),
        )
        state.preferences[connection_id] = ConnectionPreferences(
            connection_id=connection_id, version=1, ledger_kind="quickbooks_online", ready=True
        )
        settings = ingest_settings(
            kafka_settings,
            database_url,
            prefs_url,
            sweep_enabled=True,
            sweep_catch_up_on_start=False,
            sweep_tick_seconds=3600,
            billcom_base_url=f"{sandbox}/connect",
        )
        with running_ingest(settings) as ingest_url:
            async with (
                httpx.AsyncClient(base_url=f"{sandbox}/connect", timeout=10) as http,
                httpx.AsyncClient(base_url=sandbox, timeout=10) as control,
            ):
                bill_api = BillcomHttpConnector(http, creds)
                sub = await bill_api.create_subscription(
                    "ledgerbridge",
                    f"{ingest_url}/webhooks/billcom/{connection_id}",
                    ["vendor.created", "vendor.updated", "bill.created", "bill.updated"],
                )
                state.secrets.append(
                    WebhookSecret(
                        connection_id=connection_id,
                        vendor="billcom",
                        company_id=org["organizationId"],
                        secret=sub["securityKey"],
                    )
                )
                vendor = await bill_api.create(Vendor(name=f"Heard {uuid.uuid4().hex[:6]}"))
                await control.post("/_sandbox/webhooks/deliver-now")

                (await control.post("/_sandbox/webhook-faults", json={"kind": "drop", "count": 1})).raise_for_status()
                bill = await bill_api.create(
                    Bill(
                        vendor_id=vendor.id or "",
                        number=f"D-{uuid.uuid4().hex[:6]}",
                        date=dt.date(2030, 1, 1),
                        lines=(TransactionLine(amount=Decimal(10)),),
                    )
                )
                credit = await bill_api.create(
                    VendorCredit(
                        vendor_id=vendor.id or "",
                        date=dt.date(2030, 1, 1),
                        lines=(TransactionLine(amount=Decimal(1)),),
                    )
                )
                await control.post("/_sandbox/webhooks/deliver-now")
                log = (await control.get("/_sandbox/webhooks/log")).json()

            heard = await read_topic(kafka_settings.bootstrap_servers, kafka_settings.topics.changes, expect=1)
            assert [(e.payload["object_id"], e.payload["trigger"]) for e in heard] == [(vendor.id, "webhook")]
            assert all(entry.get("statusCode") == 200 for entry in log)

            publisher = AiokafkaPublisher(kafka_settings, client_id="test-sync-now")
            await publisher.start()
            try:
                await publisher.publish(
                    kafka_settings.topics.prefs,
                    Envelope.wrap(SyncRequested(trigger="sync_now"), connection_id=connection_id),
                )
            finally:
                await publisher.stop()
            events = await read_topic(
                kafka_settings.bootstrap_servers, kafka_settings.topics.changes, expect=4, timeout=60
            )

    swept = {(e.payload["object_type"], e.payload["object_id"]) for e in events if e.payload["trigger"] == "sync_now"}
    assert ("bill", bill.id) in swept  # its webhook was dropped
    assert ("vendor_credit", credit.id) in swept  # BILL has no webhook for vendor credits
    assert ("vendor", vendor.id) in swept
    assert all(e.connection_id == connection_id and e.payload["side"] == "billcom" for e in events)
    assert [b["id"] for b in state.bank_accounts[connection_id]] == [org["bankAccount"]["id"]]

    conn = await asyncpg.connect(database_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        marks = await conn.fetch(
            "select object_type from ingest.sweep_watermarks where connection_id = $1 and side = 'billcom'",
            connection_id,
        )
        run = await conn.fetchrow("select * from ingest.sweep_runs where connection_id = $1", connection_id)
    finally:
        await conn.close()
    assert {"bill", "vendor_credit", "vendor", "customer", "account"} <= {m["object_type"] for m in marks}
    assert (run["last_trigger"], run["last_error"]) == ("sync_now", None)
