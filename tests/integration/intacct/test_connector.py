"""The Intacct connector against the sandbox: what the ledger contract does not cover — replayed
control ids, the company's time zone in change windows, entity logins, error mapping, sessions that
end, 429s and vendor credits applied in a payment."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

import httpx
import pytest

from intacct_sandbox.state import DEMO_SENDER, DEMO_USER
from ledgerbridge_common.canonical.models import (
    Account,
    AppliedTo,
    Bill,
    BillPayment,
    Classifications,
    Customer,
    Invoice,
    JournalEntry,
    JournalLine,
    ObjectType,
    ReceivedPayment,
    TransactionLine,
    Vendor,
    VendorCredit,
)
from ledgerbridge_common.connectors.budget import MemoryLedgerBudgets
from ledgerbridge_common.connectors.factory import LedgerContext, LedgerEndpoint, build_ledger
from ledgerbridge_common.connectors.intacct import IntacctConnector, IntacctLogin
from ledgerbridge_common.connectors.intacct.mapping_lists import LIST_MAPS
from ledgerbridge_common.connectors.intacct.xmlcodec import element
from ledgerbridge_common.errors import AuthRevokedError, DuplicateError, ValidationError
from ledgerbridge_common.events.models import LedgerKind
from ledgerbridge_common.prefs_client import ConnectionInfo, IntacctCredentials

pytestmark = pytest.mark.integration
TODAY = dt.date(2026, 12, 1)


def line(amount: str, **dims: str) -> TransactionLine:
    return TransactionLine(amount=Decimal(amount), classifications=Classifications(account_id="6000", **dims))


@pytest.fixture
async def http() -> Any:
    async with httpx.AsyncClient() as client:
        yield client


async def new_company(sandbox_url: str, **extra: Any) -> str:
    company_id = f"lb-{uuid.uuid4().hex[:10]}"
    body = {"company_id": company_id, **extra}
    httpx.post(f"{sandbox_url}/_sandbox/companies", json=body, timeout=10).raise_for_status()
    return company_id


def connector(http: httpx.AsyncClient, sandbox_url: str, company_id: str, **kw: Any) -> IntacctConnector:
    entity = kw.pop("entity", "")
    sender = kw.pop("sender", DEMO_SENDER)
    login = IntacctLogin(sender[0], sender[1], DEMO_USER[0], DEMO_USER[1], company_id, entity)
    return IntacctConnector(
        http, login, endpoint=f"{sandbox_url}/ia/xml/xmlgw.phtml", budgets=MemoryLedgerBudgets(), **kw
    )


def control(sandbox_url: str, company_id: str, path: str) -> dict[str, Any]:
    return dict(httpx.get(f"{sandbox_url}/_sandbox/companies/{company_id}/{path}", timeout=10).json())


async def test_a_replayed_create_returns_the_first_write(http: httpx.AsyncClient, sandbox_url: str) -> None:
    company = await new_company(sandbox_url)
    intacct = connector(http, sandbox_url, company)
    vendor = await intacct.create(Vendor(name="Replay Co"), request_id=uuid.uuid4().hex)
    assert vendor.id
    bill = Bill(vendor_id=vendor.id, date=TODAY, lines=(line("12.00"),), memo="first")
    request_id, tag = uuid.uuid4().hex, "LB:billcom:bill:00n01REPLAY"
    first = await intacct.create(bill, request_id=request_id, tag=tag)
    again = await intacct.create(bill, request_id=request_id, tag=tag)
    assert again.id == first.id and again.memo == "first"
    assert control(sandbox_url, company, "objects/APBILL")["count"] == 1
    assert control(sandbox_url, company, "counters")["replayed"] == 1


async def test_change_windows_follow_the_company_time_zone(http: httpx.AsyncClient, sandbox_url: str) -> None:
    company = await new_company(sandbox_url, timezone="Pacific/Auckland")
    intacct = connector(http, sandbox_url, company)
    now = dt.datetime.now(dt.UTC)
    vendor = await intacct.create(Vendor(name="Kiwi Ltd"), request_id=uuid.uuid4().hex)
    recent = await intacct.changes_since([ObjectType.VENDOR], now - dt.timedelta(seconds=30))
    later = await intacct.changes_since([ObjectType.VENDOR], now + dt.timedelta(minutes=10))
    assert vendor.id in {c.object_id for c in recent.changes}
    assert vendor.id not in {c.object_id for c in later.changes}
    assert vendor.updated_at is not None and abs((vendor.updated_at - now).total_seconds()) < 60


async def test_an_entity_login_posts_with_the_entity_as_location(http: httpx.AsyncClient, sandbox_url: str) -> None:
    company = await new_company(sandbox_url, entities=["E1", "E2"])
    intacct = connector(http, sandbox_url, company, entity="E1")
    vendor = await intacct.create(Vendor(name="Entity vendor"), request_id=uuid.uuid4().hex)
    assert vendor.id
    bill = await intacct.create(
        Bill(vendor_id=vendor.id, date=TODAY, lines=(line("5.00"),)), request_id=uuid.uuid4().hex
    )
    assert isinstance(bill, Bill) and bill.lines[0].classifications.location_id == "E1"
    entry = JournalEntry(
        date=TODAY,
        lines=(
            JournalLine(posting_type="Debit", amount=Decimal(5), account_id="1010"),
            JournalLine(posting_type="Credit", amount=Decimal(5), account_id="1000"),
        ),
    )
    assert (await intacct.create(entry, request_id=uuid.uuid4().hex)).id
    rows = control(sandbox_url, company, "objects/APBILL")["APBILL"]
    assert [r["MEGAENTITYID"] for r in rows] == ["E1"]


async def test_errors_are_typed(http: httpx.AsyncClient, sandbox_url: str) -> None:
    company = await new_company(sandbox_url, closed_through="11/30/2026")
    intacct = connector(http, sandbox_url, company)
    again = Account(name="Again", account_type="Expense", number="6000")
    record = LIST_MAPS[ObjectType.ACCOUNT].to_intacct(again, await intacct.setup(), None)
    with pytest.raises(DuplicateError):  # the raw write; ``create`` links to the company's account 6000
        await intacct.client.call(element("create", {"GLACCOUNT": record}), write=True, controlid=uuid.uuid4().hex)
    assert (await intacct.create(again, request_id=uuid.uuid4().hex)).id == "6000"
    vendor = await intacct.create(Vendor(name="Closed Co"), request_id=uuid.uuid4().hex)
    assert vendor.id
    with pytest.raises(ValidationError):
        old = Bill(vendor_id=vendor.id, date=dt.date(2026, 11, 15), lines=(line("1.00"),))
        await intacct.create(old, request_id=uuid.uuid4().hex)
    stranger = connector(http, sandbox_url, company, sender=("nobody", "nothing"))
    with pytest.raises(AuthRevokedError):
        await stranger.company_info()


async def test_an_ended_session_is_renewed_and_429_is_retried(http: httpx.AsyncClient, sandbox_url: str) -> None:
    company = await new_company(sandbox_url)
    intacct = connector(http, sandbox_url, company)
    await intacct.company_info()
    httpx.post(f"{sandbox_url}/_sandbox/clock", json={"advance_seconds": 3 * 3600}, timeout=10)
    try:
        httpx.post(f"{sandbox_url}/_sandbox/companies/{company}/faults", json={"throttle_next": 1}, timeout=10)
        assert len(await intacct.list_accounts()) >= 8
    finally:
        httpx.post(f"{sandbox_url}/_sandbox/clock", json={"reset": True}, timeout=10)
    counters = control(sandbox_url, company, "counters")
    assert counters["auth_failures"] == 1 and counters["injected_429"] == 1


async def test_a_vendor_credit_is_applied_inline_in_a_payment(http: httpx.AsyncClient, sandbox_url: str) -> None:
    company = await new_company(sandbox_url)
    intacct = connector(http, sandbox_url, company)
    vendor = await intacct.create(Vendor(name="Credit Co"), request_id=uuid.uuid4().hex)
    assert vendor.id
    bill = await intacct.create(
        Bill(vendor_id=vendor.id, date=TODAY, lines=(line("100.00"),)), request_id="b1" + uuid.uuid4().hex
    )
    credit = await intacct.create(
        VendorCredit(vendor_id=vendor.id, date=TODAY, lines=(line("30.00"),)), request_id=uuid.uuid4().hex
    )
    assert isinstance(credit, VendorCredit) and credit.total == Decimal("30.00")
    assert bill.id and credit.id
    payment = BillPayment(
        vendor_id=vendor.id,
        date=TODAY,
        amount=Decimal("70.00"),
        bank_account_id="BOA-CHK",
        applied_to=(AppliedTo(document_id=bill.id, amount=Decimal("70.00")),),
        vendor_credits=(AppliedTo(document_id=credit.id, amount=Decimal("30.00")),),
    )
    paid = await intacct.create(payment, request_id=uuid.uuid4().hex)
    assert isinstance(paid, BillPayment) and paid.amount == Decimal("70.00")
    after = await intacct.read(ObjectType.BILL, bill.id)
    assert after is not None and after.side_status["state"] == "Paid"


async def test_the_registry_builds_an_intacct_connector_from_a_connection(
    http: httpx.AsyncClient, sandbox_url: str
) -> None:
    company = await new_company(sandbox_url)
    info = ConnectionInfo(
        connection_id="conn-1",
        tenant_id="t",
        name="Intacct",
        status="active",
        billcom_org_id="org",
        ledger_kind=LedgerKind.SAGE_INTACCT,
        ledger_company_id=company,
        ledger=IntacctCredentials(
            sender_id=DEMO_SENDER[0], sender_password=DEMO_SENDER[1], user_id=DEMO_USER[0], user_password=DEMO_USER[1]
        ),
    )
    endpoints = {LedgerKind.SAGE_INTACCT: LedgerEndpoint(f"{sandbox_url}/ia/xml/xmlgw.phtml")}
    ledger = build_ledger(info, LedgerContext(http=http, credentials=None, endpoints=endpoints))  # type: ignore[arg-type]
    assert isinstance(ledger, IntacctConnector)
    assert (await ledger.company_info()).company_id == company
    assert any(a.id == "1010" for a in await ledger.list_accounts())


async def test_invoices_and_received_payments_are_created_read_and_deleted(
    http: httpx.AsyncClient, sandbox_url: str
) -> None:
    company = await new_company(sandbox_url)
    intacct = connector(http, sandbox_url, company)
    customer = await intacct.create(Customer(name="Buyer Inc"), request_id=uuid.uuid4().hex)
    assert customer.id
    sale = TransactionLine(amount=Decimal("80.00"), classifications=Classifications(account_id="4000"))
    invoice = await intacct.create(
        Invoice(customer_id=customer.id, date=TODAY, lines=(sale,), memo="December"), request_id=uuid.uuid4().hex
    )
    assert isinstance(invoice, Invoice) and invoice.total == Decimal("80.00") and invoice.memo == "December"
    assert invoice.id
    received = await intacct.create(
        ReceivedPayment(
            customer_id=customer.id,
            date=TODAY,
            amount=Decimal("80.00"),
            deposit_to_account_id="BOA-CHK",
            applied_to=(AppliedTo(document_id=invoice.id, amount=Decimal("80.00")),),
        ),
        request_id=uuid.uuid4().hex,
    )
    assert isinstance(received, ReceivedPayment) and received.applied_to[0].document_id == invoice.id
    assert received.id
    with pytest.raises(ValidationError):
        await intacct.update(received, request_id=uuid.uuid4().hex)
    await intacct.delete(ObjectType.RECEIVED_PAYMENT, received.id, request_id=uuid.uuid4().hex)
    await intacct.delete(ObjectType.INVOICE, invoice.id, request_id=uuid.uuid4().hex)
    assert await intacct.read(ObjectType.INVOICE, invoice.id) is None
    page = await intacct.changes_since([ObjectType.INVOICE, ObjectType.RECEIVED_PAYMENT], dt.datetime.now(dt.UTC))
    assert {(c.object_type, c.operation) for c in page.changes} == {
        (ObjectType.INVOICE, "deleted"),
        (ObjectType.RECEIVED_PAYMENT, "deleted"),
    }
