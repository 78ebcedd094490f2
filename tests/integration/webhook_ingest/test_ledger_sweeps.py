"""Sage Intacct and NetSuite have no webhooks: the ingest service finds their changes by sweeping
(Intacct ``WHENMODIFIED`` in the company's time zone with deletions from ``AUDITHISTORY``; NetSuite
``lastmodifieddate`` with ``DeletedRecord``), on Sync Now like QBO, through the real service, the
vendor sandboxes and Kafka."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import asyncpg
import httpx
import pytest

from intacct_sandbox.app import create_app as create_intacct_sandbox
from intacct_sandbox.settings import SandboxSettings
from intacct_sandbox.state import DEMO_SENDER, DEMO_USER
from ledgerbridge_common.canonical.models import Bill, Classifications, TransactionLine, Vendor
from ledgerbridge_common.connectors.budget import MemoryLedgerBudgets
from ledgerbridge_common.connectors.intacct import IntacctConnector, IntacctLogin
from ledgerbridge_common.connectors.netsuite import NetSuiteConnector, TbaCredentials
from ledgerbridge_common.events.envelope import Envelope
from ledgerbridge_common.events.models import SyncRequested
from ledgerbridge_common.kafka.producer import AiokafkaPublisher
from ledgerbridge_common.prefs_client import (
    ConnectionInfo,
    ConnectionPreferences,
    IntacctCredentials,
    NetSuiteCredentials,
)
from netsuite_sandbox.app import create_app as create_netsuite_sandbox
from netsuite_sandbox.settings import SandboxSettings as NetSuiteSandboxSettings
from tests.integration.webhook_ingest.harness import PrefsState, ingest_settings, prefs_stub, read_topic, running_ingest
from tests.support.servers import serve_in_thread

pytestmark = [pytest.mark.integration, pytest.mark.timeout(150)]


async def sync_now(kafka_settings, connection_id: str) -> None:
    publisher = AiokafkaPublisher(kafka_settings, client_id=f"test-sync-now-{uuid.uuid4().hex[:6]}")
    await publisher.start()
    try:
        await publisher.publish(
            kafka_settings.topics.prefs, Envelope.wrap(SyncRequested(trigger="sync_now"), connection_id=connection_id)
        )
    finally:
        await publisher.stop()


def ledger_changes(events: list[Envelope]) -> set[tuple[str, str, str]]:
    return {
        (e.payload["object_type"], e.payload["object_id"], e.payload["operation"])
        for e in events
        if e.payload["side"] == "ledger"
    }


async def test_changes_keyed_in_intacct_and_a_delete_reach_the_changes_topic_through_sync_now(
    kafka_settings, database_url, connection_id
):
    state = PrefsState()
    company_id = f"lb-{uuid.uuid4().hex[:10]}"
    with (
        serve_in_thread(create_intacct_sandbox(SandboxSettings())) as sandbox,
        serve_in_thread(prefs_stub(state)) as prefs_url,
    ):
        async with httpx.AsyncClient(base_url=sandbox, timeout=10) as control, httpx.AsyncClient() as http:
            body = {"company_id": company_id, "timezone": "America/Los_Angeles"}
            (await control.post("/_sandbox/companies", json=body)).raise_for_status()
            limits = {"enabled": True, "concurrent": 2, "latency_ms": 20}  # Intacct's cap, calls that overlap
            (await control.put(f"/_sandbox/companies/{company_id}/limits", json=limits)).raise_for_status()
            state.connections[connection_id] = ConnectionInfo(
                connection_id=connection_id,
                tenant_id="t-1",
                name="Intacct sweep",
                status="active",
                billcom_org_id="00801SWEEP",
                ledger_kind="sage_intacct",
                ledger_company_id=company_id,
                ledger=IntacctCredentials(
                    sender_id=DEMO_SENDER[0],
                    sender_password=DEMO_SENDER[1],
                    user_id=DEMO_USER[0],
                    user_password=DEMO_USER[1],
                ),
            )
            state.preferences[connection_id] = ConnectionPreferences(
                connection_id=connection_id, version=1, ledger_kind="sage_intacct", ready=True
            )
            gateway = f"{sandbox}/ia/xml/xmlgw.phtml"
            settings = ingest_settings(
                kafka_settings,
                database_url,
                prefs_url,
                sweep_enabled=True,
                sweep_catch_up_on_start=False,
                sweep_tick_seconds=3600,
                intacct_url=gateway,
            )
            login = IntacctLogin(DEMO_SENDER[0], DEMO_SENDER[1], DEMO_USER[0], DEMO_USER[1], company_id)
            bookkeeper = IntacctConnector(http, login, endpoint=gateway, budgets=MemoryLedgerBudgets())
            with running_ingest(settings):
                # keyed in Intacct by hand: a vendor (control API) and a bill (another Web Services client)
                vendor_id = f"V-{uuid.uuid4().hex[:6].upper()}"
                inserted = await control.post(
                    f"/_sandbox/companies/{company_id}/records/VENDOR",
                    json={"VENDORID": vendor_id, "NAME": "Hand Keyed"},
                )
                inserted.raise_for_status()
                bill = await bookkeeper.create(
                    Bill(
                        vendor_id=vendor_id,
                        date=dt.date.today(),
                        lines=(
                            TransactionLine(
                                amount=Decimal("12.50"), classifications=Classifications(account_id="6000")
                            ),
                        ),
                    ),
                    request_id=uuid.uuid4().hex,
                )
                assert bill.id is not None
                await sync_now(kafka_settings, connection_id)
                first = await read_topic(
                    kafka_settings.bootstrap_servers, kafka_settings.topics.changes, expect=2, timeout=60
                )
                assert {("vendor", vendor_id, "updated"), ("bill", bill.id, "updated")} <= ledger_changes(first)

                await bookkeeper.delete(Bill.object_type, bill.id, request_id=uuid.uuid4().hex)
                await sync_now(kafka_settings, connection_id)
                events = await read_topic(
                    kafka_settings.bootstrap_servers, kafka_settings.topics.changes, expect=len(first) + 1, timeout=60
                )
                counters = (await control.get(f"/_sandbox/companies/{company_id}/counters")).json()

    assert counters["throttled_429"] == 0  # the sweeps stayed inside the company's concurrency
    assert ("bill", bill.id, "deleted") in ledger_changes(events)  # found in AUDITHISTORY
    assert all(e.connection_id == connection_id and e.payload["trigger"] == "sync_now" for e in events)
    swept_twice = [e for e in events if (e.payload["object_type"], e.payload["object_id"]) == ("vendor", vendor_id)]
    assert len(swept_twice) == 1  # the second sweep's overlapping window does not publish it again

    conn = await asyncpg.connect(database_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        marks = await conn.fetch(
            "select object_type, watermark from ingest.sweep_watermarks where connection_id = $1 and side = 'ledger'",
            connection_id,
        )
    finally:
        await conn.close()
    by_type = {m["object_type"]: m["watermark"] for m in marks}
    assert "item" not in by_type and "department" in by_type  # only what the Intacct connector syncs
    # WHENMODIFIED is Pacific time without a zone: read as UTC it would be hours off
    assert abs(by_type["bill"] - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=5)


async def test_the_same_sweep_serves_netsuite_changes_and_deleted_records(kafka_settings, database_url, connection_id):
    """NetSuite has no webhooks either: its change feed (``lastmodifieddate`` + ``DeletedRecord``)
    goes through the same ledger sweep."""
    state = PrefsState()
    with (
        serve_in_thread(create_netsuite_sandbox(NetSuiteSandboxSettings())) as sandbox,
        serve_in_thread(prefs_stub(state)) as prefs_url,
    ):
        async with httpx.AsyncClient(base_url=sandbox, timeout=10) as control, httpx.AsyncClient() as http:
            account = (await control.post("/_sandbox/accounts", json={})).raise_for_status().json()
            tba, seeded = account["tba"], account["seeded"]
            subsidiary = seeded["subsidiary"]["US Subsidiary"]
            state.connections[connection_id] = ConnectionInfo(
                connection_id=connection_id,
                tenant_id="t-1",
                name="NetSuite sweep",
                status="active",
                billcom_org_id="00801SWEEP",
                ledger_kind="oracle_netsuite",
                ledger_company_id=account["account_id"],
                ledger=NetSuiteCredentials(
                    account_id=account["account_id"],
                    consumer_key=tba["consumer_key"],
                    consumer_secret=tba["consumer_secret"],
                    token_id=tba["token_id"],
                    token_secret=tba["token_secret"],
                    subsidiary_id=subsidiary,
                ),
            )
            state.preferences[connection_id] = ConnectionPreferences(
                connection_id=connection_id, version=1, ledger_kind="oracle_netsuite", ready=True
            )
            settings = ingest_settings(
                kafka_settings,
                database_url,
                prefs_url,
                sweep_enabled=True,
                sweep_catch_up_on_start=False,
                sweep_tick_seconds=3600,
                netsuite_url=sandbox,
            )
            creds = TbaCredentials(
                account["account_id"], tba["consumer_key"], tba["consumer_secret"], tba["token_id"], tba["token_secret"]
            )
            bookkeeper = NetSuiteConnector(
                http, creds, subsidiary_id=subsidiary, base_url=sandbox, budgets=MemoryLedgerBudgets()
            )
            with running_ingest(settings):
                vendor = await bookkeeper.create(
                    Vendor(name=f"Keyed {uuid.uuid4().hex[:6]}"), request_id=uuid.uuid4().hex
                )
                line = TransactionLine(
                    amount=Decimal("9.00"),
                    classifications=Classifications(account_id=seeded["account"]["Office Supplies"]),
                )
                bill = await bookkeeper.create(
                    Bill(vendor_id=vendor.id or "", date=dt.date.today(), lines=(line,)), request_id=uuid.uuid4().hex
                )
                assert vendor.id and bill.id
                await sync_now(kafka_settings, connection_id)
                first = await read_topic(
                    kafka_settings.bootstrap_servers, kafka_settings.topics.changes, expect=2, timeout=60
                )
                assert {("vendor", vendor.id, "updated"), ("bill", bill.id, "updated")} <= ledger_changes(first)

                await bookkeeper.delete(Bill.object_type, bill.id, request_id=uuid.uuid4().hex)
                await sync_now(kafka_settings, connection_id)
                events = await read_topic(
                    kafka_settings.bootstrap_servers, kafka_settings.topics.changes, expect=len(first) + 1, timeout=60
                )

    assert ("bill", bill.id, "deleted") in ledger_changes(events)  # found in DeletedRecord
    assert len([e for e in events if (e.payload["object_type"], e.payload["object_id"]) == ("vendor", vendor.id)]) == 1
