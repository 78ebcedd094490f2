"""Contract: every object type round-trips through QboConnector against the sandbox."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest

from ledgerbridge_common.canonical.models import (
    Account,
    AccountingClass,
    AppliedTo,
    Bill,
    BillPayment,
    Classifications,
    Customer,
    Department,
    FundsTransfer,
    Invoice,
    Item,
    JournalEntry,
    JournalLine,
    Location,
    ObjectType,
    ReceivedPayment,
    TransactionLine,
    Vendor,
    VendorCredit,
)
from ledgerbridge_common.connectors.qbo import QboConnector
from ledgerbridge_common.errors import ValidationError
from tests.integration.qbo.conftest import Harness

pytestmark = pytest.mark.integration
TODAY = dt.date.today()


def rid() -> str:
    return uuid.uuid4().hex


def line(amount: str, account: str, **kw: str) -> TransactionLine:
    return TransactionLine(amount=Decimal(amount), classifications=Classifications(account_id=account, **kw))


async def new_vendor(qbo: QboConnector, name: str | None = None) -> Vendor:
    created = await qbo.create(Vendor(name=name or f"Vendor {uuid.uuid4().hex[:6]}"), request_id=rid())
    assert isinstance(created, Vendor)
    return created


async def test_name_lists_round_trip(qbo: QboConnector, harness: Harness) -> None:
    vendor = await qbo.create(
        Vendor(name="Norton Lumber", email="ap@norton.example", track_1099=True), request_id=rid()
    )
    assert isinstance(vendor, Vendor) and vendor.id and vendor.concurrency_token == "0"
    assert (vendor.email, vendor.track_1099) == ("ap@norton.example", True)
    assert await qbo.read(ObjectType.VENDOR, vendor.id) == vendor
    found = await qbo.find_by_name(ObjectType.VENDOR, "Norton Lumber")
    assert found is not None and found.id == vendor.id
    renamed = await qbo.update(vendor.model_copy(update={"name": "Norton Lumber Co"}), request_id=rid())
    assert renamed.concurrency_token == "1" and isinstance(renamed, Vendor) and renamed.name == "Norton Lumber Co"

    customer = await qbo.create(Customer(name="Cool Cars"), request_id=rid())
    account = await qbo.create(Account(name="Freight", account_type="Expense"), request_id=rid())
    klass = await qbo.create(AccountingClass(name="East"), request_id=rid())
    sub = await qbo.create(AccountingClass(name="Boston", parent_id=klass.id), request_id=rid())
    dept = await qbo.create(Department(name="HQ"), request_id=rid())
    loc = await qbo.create(Location(name="Warehouse"), request_id=rid())
    item = await qbo.create(
        Item(name="Consulting", unit_price=Decimal("150.00"), income_account_id=harness.accounts["Services"]),
        request_id=rid(),
    )
    assert isinstance(account, Account) and account.account_subtype == "OtherMiscellaneousServiceCost"
    assert isinstance(sub, AccountingClass) and sub.parent_id == klass.id
    assert sub.side_status["fully_qualified_name"] == "East:Boston"
    assert isinstance(loc, Location) and (await harness.objects("Department"))["count"] == 2
    assert isinstance(item, Item) and item.unit_price == Decimal("150")
    for obj in (customer, dept):
        assert obj.id is not None

    inactive = await qbo.deactivate(ObjectType.CUSTOMER, str(customer.id), request_id=rid())
    assert inactive.active is False
    assert (await harness.objects("Customer"))["Customer"][0]["Active"] is False
    assert await qbo.find_by_name(ObjectType.CUSTOMER, "Cool Cars") is not None  # inactive still found
    accounts = await qbo.list_accounts()
    assert {"Accounts Payable (A/P)", "BILL Money Out Clearing", "Freight"} <= {a.name for a in accounts}
    gain_loss = next(a for a in accounts if a.name == "Exchange Gain or Loss")
    assert (gain_loss.account_type, gain_loss.account_subtype) == ("Other Expense", "ExchangeGainOrLoss")
    info = await qbo.company_info()
    assert (info.company_id, info.home_currency, info.multi_currency) == (harness.realm_id, "USD", False)


async def test_ap_flow_bill_credit_payment_void(qbo: QboConnector, harness: Harness) -> None:
    acc = harness.accounts
    vendor = await new_vendor(qbo)
    bill = await qbo.create(
        Bill(
            vendor_id=str(vendor.id),
            number="INV-991",
            date=TODAY,
            memo="lumber",
            lines=(line("100.00", acc["Office Supplies"]), line("3.55", acc["Utilities"])),
        ),
        request_id=rid(),
        tag="LB:billcom:bill:00n1",
    )
    assert isinstance(bill, Bill) and bill.total == Decimal("103.55") and bill.memo == "lumber"
    assert bill.side_status["balance"] == 103.55 and bill.side_status["tag"] == "LB:billcom:bill:00n1"
    credit = await qbo.create(
        VendorCredit(vendor_id=str(vendor.id), date=TODAY, lines=(line("3.55", acc["Utilities"]),)),
        request_id=rid(),
    )
    payment = await qbo.create(
        BillPayment(
            vendor_id=str(vendor.id),
            date=TODAY,
            amount=Decimal("100.00"),
            applied_to=(AppliedTo(document_id=str(bill.id), amount=Decimal("103.55")),),
            vendor_credits=(AppliedTo(document_id=str(credit.id), amount=Decimal("3.55")),),
            bank_account_id=acc["BILL Money Out Clearing"],
            reference="ACH-1",
        ),
        request_id=rid(),
        tag="LB:billcom:payment:1",
    )
    assert isinstance(payment, BillPayment) and payment.amount == Decimal("100.00")
    assert payment.bank_account_id == acc["BILL Money Out Clearing"] and payment.reference == "ACH-1"
    paid = await qbo.read(ObjectType.BILL, str(bill.id))
    assert paid is not None and paid.side_status["balance"] == 0
    assert paid.side_status["linked"] == [{"TxnId": payment.id, "TxnType": "BillPaymentCheck"}]
    ledger = await harness.ledger()
    assert ledger["balanced"] and ledger["by_name"]["Accounts Payable (A/P)"] == "0.00"
    assert ledger["by_name"]["BILL Money Out Clearing"] == "-100.00"

    voided = await qbo.void(ObjectType.BILL_PAYMENT, str(payment.id), request_id=rid())
    assert isinstance(voided, BillPayment) and voided.voided and voided.amount == 0
    again = await qbo.read(ObjectType.BILL, str(bill.id))
    assert again is not None and again.side_status["balance"] == 103.55
    with pytest.raises(ValidationError):
        await qbo.void(ObjectType.BILL, str(bill.id), request_id=rid())

    updated = await qbo.update(
        bill.model_copy(update={"lines": (line("50.00", acc["Office Supplies"]),)}), request_id=rid()
    )
    assert isinstance(updated, Bill) and updated.total == Decimal("50.00") and len(updated.lines) == 1
    await qbo.delete(ObjectType.BILL, str(bill.id), request_id=rid())
    assert await qbo.read(ObjectType.BILL, str(bill.id)) is None


async def test_ar_flow_invoice_payment_transfer_journal(qbo: QboConnector, harness: Harness) -> None:
    acc, items = harness.accounts, harness.items
    customer = await qbo.create(Customer(name=f"Customer {uuid.uuid4().hex[:6]}"), request_id=rid())
    invoice = await qbo.create(
        Invoice(
            customer_id=str(customer.id),
            date=TODAY,
            lines=(
                TransactionLine(
                    amount=Decimal("200.00"),
                    description="work",
                    classifications=Classifications(item_id=items["Services"]),
                ),
            ),
        ),
        request_id=rid(),
    )
    assert isinstance(invoice, Invoice) and invoice.total == Decimal("200.00") and len(invoice.lines) == 1
    assert invoice.number  # QBO numbers invoices itself
    payment = await qbo.create(
        ReceivedPayment(
            customer_id=str(customer.id),
            date=TODAY,
            amount=Decimal("200.00"),
            applied_to=(AppliedTo(document_id=str(invoice.id), amount=Decimal("200.00")),),
            deposit_to_account_id=acc["BILL Money In Clearing"],
        ),
        request_id=rid(),
    )
    assert isinstance(payment, ReceivedPayment) and payment.deposit_to_account_id == acc["BILL Money In Clearing"]
    inv = await qbo.read(ObjectType.INVOICE, str(invoice.id))
    assert inv is not None and inv.side_status["balance"] == 0
    transfer = await qbo.create(
        FundsTransfer(
            date=TODAY,
            amount=Decimal("200.00"),
            from_account_id=acc["BILL Money In Clearing"],
            to_account_id=acc["Checking"],
        ),
        request_id=rid(),
    )
    assert isinstance(transfer, FundsTransfer) and transfer.amount == Decimal("200.00")
    journal = await qbo.create(
        JournalEntry(
            date=TODAY,
            lines=(
                JournalLine(posting_type="Debit", amount=Decimal("20"), account_id=acc["BILL Money Out Clearing"]),
                JournalLine(posting_type="Credit", amount=Decimal("20"), account_id=acc["Exchange Gain or Loss"]),
            ),
        ),
        request_id=rid(),
    )
    assert isinstance(journal, JournalEntry) and journal.balanced
    ledger = await harness.ledger()
    assert ledger["balanced"] and ledger["by_name"]["BILL Money In Clearing"] == "0.00"
    assert ledger["by_name"]["Checking"] == "200.00"

    voided = await qbo.void(ObjectType.RECEIVED_PAYMENT, str(payment.id), request_id=rid())
    assert isinstance(voided, ReceivedPayment) and voided.voided
    voided_invoice = await qbo.void(ObjectType.INVOICE, str(invoice.id), request_id=rid())
    assert voided_invoice.side_status["total"] == 0
    with pytest.raises(ValidationError):  # unbalanced journal: 6000
        await qbo.create(
            JournalEntry(
                date=TODAY,
                lines=(JournalLine(posting_type="Debit", amount=Decimal("1"), account_id=acc["Checking"]),),
            ),
            request_id=rid(),
        )


async def test_find_by_tag_and_query_paging(qbo: QboConnector, harness: Harness) -> None:
    vendor = await new_vendor(qbo)
    for n in range(25):
        await qbo.create(
            Bill(
                vendor_id=str(vendor.id),
                number=f"P-{n}",
                date=TODAY,
                lines=(line("1.00", harness.accounts["Unallocated Expenses"]),),
            ),
            request_id=rid(),
            tag=f"LB:billcom:bill:{n}",
        )
    rows = [r async for r in qbo.client.query_all("SELECT * FROM Bill", "Bill", page_size=10)]
    assert len(rows) == 25 and len({r["Id"] for r in rows}) == 25
    assert len(await qbo.query_all(ObjectType.BILL, f"VendorRef = '{vendor.id}'")) == 25
    hit = await qbo.find_by_tag(ObjectType.BILL, "LB:billcom:bill:7")
    assert hit is not None and isinstance(hit, Bill) and hit.number == "P-7"
    by_doc = await qbo.find_by_tag(ObjectType.BILL, "LB:billcom:bill:3", doc_number="P-3")
    assert by_doc is not None and by_doc.side_status["tag"] == "LB:billcom:bill:3"
    assert await qbo.find_by_tag(ObjectType.BILL, "LB:billcom:bill:nope") is None


async def test_multi_currency_realm(harness: Harness) -> None:
    realm = (await harness.control.post("/_sandbox/realms", json={"multi_currency": True})).json()
    minted = (await harness.control.post(f"/_sandbox/realms/{realm['realm_id']}/tokens", json={})).json()
    from ledgerbridge_common.connectors.qbo import InMemoryTokenStore
    from tests.integration.qbo.conftest import tokens_from

    harness.realm_id, harness.store = (
        realm["realm_id"],
        InMemoryTokenStore(tokens_from(minted, realm["realm_id"])),
    )
    qbo, acc = harness.connector(), realm["accounts"]
    assert (await qbo.company_info()).multi_currency
    vendor = await qbo.create(Vendor(name="Euro GmbH", currency="EUR"), request_id=rid())
    assert isinstance(vendor, Vendor) and vendor.currency == "EUR"
    bill = await qbo.create(
        Bill(
            vendor_id=str(vendor.id),
            date=TODAY,
            currency="EUR",
            exchange_rate=Decimal("1.2"),
            lines=(line("100.00", acc["Office Supplies"]),),
        ),
        request_id=rid(),
    )
    assert isinstance(bill, Bill) and (bill.currency, bill.exchange_rate) == ("EUR", Decimal("1.2"))
    assert bill.side_status["home_total"] == 120
    with pytest.raises(ValidationError):  # a EUR vendor's bill cannot be in USD
        await qbo.create(
            Bill(vendor_id=str(vendor.id), date=TODAY, lines=(line("1", acc["Utilities"]),)), request_id=rid()
        )
    await qbo.create(
        BillPayment(
            vendor_id=str(vendor.id),
            date=TODAY,
            amount=Decimal("100"),
            currency="EUR",
            exchange_rate=Decimal("1.25"),
            bank_account_id=acc["Checking"],
            applied_to=(AppliedTo(document_id=str(bill.id), amount=Decimal("100")),),
        ),
        request_id=rid(),
    )
    ledger = await harness.ledger()
    assert ledger["balanced"] and ledger["by_name"]["Exchange Gain or Loss"] == "5.00"
    assert ledger["by_name"]["Checking"] == "-125.00"
