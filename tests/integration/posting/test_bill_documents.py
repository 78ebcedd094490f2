"""A bill's documents follow it from BILL to QuickBooks Online, through the posting service on
real Kafka and PostgreSQL against the BILL and QBO sandboxes: each document becomes one Attachable on
the ledger bill, exactly once, even when QuickBooks commits an upload and the answer is lost (the
retry finds the file by its tag) and when the engine sends the bill again."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest

from billcom_sandbox.app import create_app as create_billcom
from billcom_sandbox.settings import SandboxSettings as BillcomSandbox
from ledgerbridge_common.canonical.models import Bill, TransactionLine, Vendor
from ledgerbridge_common.connectors.billcom import BillcomCredentials, BillcomHttpConnector
from tests.conftest import random_ref
from tests.integration.posting.kafka_support import Outcomes, app_for, produce, running, settings_for
from tests.integration.posting.sandbox_support import QboWorld, qbo_world
from tests.support.servers import serve_in_thread
from tests.unit.posting import builders as b

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]
INVOICE = b"%PDF-1.4 the vendor's invoice\n" * 40
PHOTO = b"\x89PNG a photo of the receipt" * 10


@pytest.fixture
def world(connection_id: str) -> Iterator[QboWorld]:
    with qbo_world(connection_id) as w:
        yield w


@pytest.fixture
def bill_url() -> Iterator[str]:
    with serve_in_thread(create_billcom(BillcomSandbox(webhook_tick_seconds=None))) as url:
        yield url


async def bill_in_bill(bill_url: str) -> tuple[str, BillcomCredentials]:
    """A BILL organization with one bill (the documents are uploaded later)."""
    async with httpx.AsyncClient(timeout=10) as http:
        org = (await http.post(f"{bill_url}/_sandbox/orgs", json={"name": "Documents Org"})).json()
    creds = BillcomCredentials(org["username"], org["password"], org["organizationId"], org["devKey"])
    async with httpx.AsyncClient(base_url=f"{bill_url}/connect", timeout=10) as http:
        bill_api = BillcomHttpConnector(http, creds)
        vendor = await bill_api.create(Vendor(name=random_ref("Paper Co")))
        assert vendor.id
        line = (TransactionLine(amount=Decimal("40.00"), description="paper"),)
        bill = await bill_api.create(Bill(vendor_id=vendor.id, number="P-1", date=dt.date.today(), lines=line))
        await bill_api.aclose()
    assert bill.id
    return bill.id, creds


async def upload(bill_url: str, creds: BillcomCredentials, bill_id: str, name: str, content: bytes) -> None:
    async with httpx.AsyncClient(base_url=f"{bill_url}/connect", timeout=10) as http:
        bill_api = BillcomHttpConnector(http, creds)
        headers = {"devKey": creds.dev_key, "sessionId": await bill_api.client.session()}
        answer = await http.post(
            f"/v3/documents/bills/{bill_id}", params={"name": name}, content=content, headers=headers
        )
        answer.raise_for_status()
        await bill_api.aclose()


def attachables(world: QboWorld, bill_id: str) -> list[dict[str, Any]]:
    with httpx.Client(timeout=10) as http:
        token = http.post(f"{world.sandbox_url}/_sandbox/realms/{world.realm_id}/tokens", json={}).json()
        answer = http.post(
            f"{world.sandbox_url}/v3/company/{world.realm_id}/query",
            content=f"SELECT * FROM Attachable WHERE AttachableRef.EntityRef.value = '{bill_id}'",
            headers={"Authorization": f"Bearer {token['access_token']}", "Content-Type": "application/text"},
        )
    rows: list[dict[str, Any]] = answer.json()["QueryResponse"].get("Attachable", [])
    return rows


async def test_documents_reach_the_ledger_bill_once(
    world: QboWorld, bill_url: str, kafka_settings, database_url, connection_id
) -> None:
    bill_id, creds = await bill_in_bill(bill_url)
    world.prefs.connections[connection_id]["billcom"] = {
        "username": creds.username,
        "password": creds.password,
        "organization_id": creds.organization_id,
        "dev_key": creds.dev_key,
    }
    vendor_ref, bill_ref = b.ref("vendor"), f"billcom:bill:{bill_id}"
    desired = b.bill(
        f"@ref:{vendor_ref}", number="P-1", amounts=("40.00",), ap=world.accounts["Accounts Payable (A/P)"]
    )
    desired["lines"][0]["classifications"]["account_id"] = world.accounts["Office Supplies"]

    def cmd(*args: Any, **kw: Any) -> Any:
        return b.command(*args, connection_id=connection_id, **kw)

    vendor = cmd("vendor", vendor_ref, b.vendor(random_ref("Paper Co")))
    first = cmd("bill", bill_ref, desired, depends_on=[vendor_ref])
    again = cmd("bill", bill_ref, desired, depends_on=[vendor_ref], version="v2")  # approved again: same bill
    settings = settings_for(
        kafka_settings,
        database_url,
        qbo_base_url=world.sandbox_url,
        qbo_oauth_url=world.sandbox_url,
        billcom_base_url=f"{bill_url}/connect",
        prefs_url=world.prefs_url,
        internal_token="test-token",
        vendor_timeout_seconds=3,
        retry_budget_seconds=60,
    )
    app = app_for(settings)
    async with Outcomes(kafka_settings) as outcomes, running(app):
        await produce(kafka_settings, connection_id, [vendor, first])
        await outcomes.until(lambda seen: any(o.command_id == first.command_id and o.status == "posted" for o in seen))
        [posted] = outcomes.by_command(first.command_id)
        assert posted.target_ref is not None and posted.reason is None
        ledger_bill = posted.target_ref.id
        assert attachables(world, ledger_bill) == []

        await upload(bill_url, creds, bill_id, "invoice.pdf", INVOICE)
        await upload(bill_url, creds, bill_id, "receipt.png", PHOTO)
        world.faults(timeout_after_commit_next=1, timeout_mode="drop")  # the first upload's answer is lost
        await produce(kafka_settings, connection_id, [again])
        await outcomes.until(lambda seen: any(o.command_id == again.command_id and o.status == "posted" for o in seen))
        await produce(kafka_settings, connection_id, [again])  # a replay of the same command
        await outcomes.until(lambda seen: len(outcomes.by_command(again.command_id)) >= 2)

    assert world.counters()["injected_timeouts"] == 1
    rows = attachables(world, ledger_bill)
    assert sorted((r["FileName"], r["Size"]) for r in rows) == [
        ("invoice.pdf", len(INVOICE)),
        ("receipt.png", len(PHOTO)),
    ]
    assert {r["ContentType"] for r in rows} == {"application/pdf", "image/png"}
    assert all(o.reason is None for o in outcomes.by_command(again.command_id))
