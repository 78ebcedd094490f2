"""Contract: every BILL object type round-trips through the connector against the sandbox."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from ledgerbridge_common.canonical.models import (
    Account,
    AccountingClass,
    Address,
    ApprovalStatus,
    Bill,
    CanonicalObject,
    Classifications,
    Customer,
    Department,
    Invoice,
    Item,
    Location,
    ObjectType,
    Project,
    TransactionLine,
    Vendor,
    VendorCredit,
)
from ledgerbridge_common.connectors.billcom import BillcomHttpConnector
from ledgerbridge_common.errors import ValidationError

pytestmark = [pytest.mark.integration, pytest.mark.timeout(20)]

PREFIX = {
    ObjectType.VENDOR: "009",
    ObjectType.CUSTOMER: "0cu",
    ObjectType.ACCOUNT: "0ca",
    ObjectType.CLASS: "cls",
    ObjectType.DEPARTMENT: "0de",
    ObjectType.LOCATION: "loc",
    ObjectType.PROJECT: "job",
    ObjectType.ITEM: "0ii",
    ObjectType.BILL: "00n",
    ObjectType.VENDOR_CREDIT: "vcr",
    ObjectType.INVOICE: "00e",
}


def synced(obj: CanonicalObject) -> dict[str, Any]:
    """Synced fields as Python values (Decimals compare by value: 25 == 25.00)."""
    return obj.model_dump(exclude=set(obj.NON_SYNCED_FIELDS))


NAME_LISTS: list[CanonicalObject] = [
    Vendor(
        name="Acme Paper",
        email="ap@acme.test",
        address=Address(line1="1 Main", city="Austin", state="TX"),
        tax_id="12-3456789",
        track_1099=True,
        currency="USD",
    ),
    Customer(name="Globex", email="pay@globex.test", address=Address(line1="2 Elm", city="Reno"), currency="USD"),
    Account(name="Travel", account_type="Expense", number="6200", description="trips"),
    AccountingClass(name="Retail"),
    Department(name="Finance"),
    Location(name="Boston"),
    Project(name="Harbour Fit-out"),
    Item(name="Consulting hour", item_type="Service", unit_price=Decimal("150.00")),
]


@pytest.mark.parametrize("obj", NAME_LISTS, ids=lambda o: o.object_type.value)
async def test_name_list_lifecycle(connector: BillcomHttpConnector, obj: CanonicalObject) -> None:
    created = await connector.create(obj)
    assert created.id is not None and len(created.id) == 20 and created.id.startswith(PREFIX[obj.object_type])
    assert synced(created) == synced(obj)

    renamed = created.model_copy(update={"name": f"{obj.name} II"})  # type: ignore[attr-defined]
    updated = await connector.update(renamed)
    assert updated.name == f"{obj.name} II"  # type: ignore[attr-defined]
    assert updated.updated_at is not None and updated.updated_at >= created.updated_at  # type: ignore[operator]

    archived = await connector.archive(obj.object_type, created.id)
    assert archived.active is False
    assert (await connector.read(obj.object_type, created.id)).active is False  # type: ignore[union-attr]
    restored = await connector.restore(obj.object_type, created.id)
    assert restored.active is True

    found = await connector.find_by_name(obj.object_type, f"{obj.name} II")  # type: ignore[attr-defined]
    assert found is not None and found.id == created.id
    assert await connector.find_by_name(obj.object_type, "no such name") is None


async def test_chart_of_accounts_types_map_to_qbo_vocabulary(connector: BillcomHttpConnector) -> None:
    accounts = await connector.list_objects(ObjectType.ACCOUNT)
    by_name = {a.name: a for a in accounts if isinstance(a, Account)}
    assert by_name["Checking"].account_type == "Bank"
    assert by_name["Accounts Payable"].account_type == "Accounts Payable"
    assert by_name["Office Supplies"].account_type == "Expense"
    assert by_name["Exchange Rate Gain/Loss"].account_type == "Other Expense"


async def _classified_lines(connector: BillcomHttpConnector, org: dict[str, Any]) -> Classifications:
    cls = await connector.create(AccountingClass(name="Wholesale"))
    dept = await connector.create(Department(name="Ops"))
    loc = await connector.create(Location(name="Denver"))
    job = await connector.create(Project(name="Quay Lighting"))
    item = await connector.create(Item(name="Widget"))
    return Classifications(
        account_id=org["chartOfAccounts"]["Office Supplies"],
        class_id=cls.id,
        department_id=dept.id,
        location_id=loc.id,
        project_id=job.id,
        item_id=item.id,
    )


async def test_bill_with_classified_lines(connector: BillcomHttpConnector, org: dict[str, Any]) -> None:
    vendor = await connector.create(Vendor(name="Initech"))
    classes = await _classified_lines(connector, org)
    bill = Bill(
        vendor_id=vendor.id or "",
        number="INV-1001",
        date=dt.date(2030, 1, 5),
        due_date=dt.date(2030, 2, 4),
        lines=(
            TransactionLine(amount=Decimal("120.50"), description="paper", classifications=classes),
            TransactionLine(amount=Decimal("30.00"), quantity=Decimal(3), unit_price=Decimal(10)),
        ),
        memo="January supplies",
    )
    created = await connector.create(bill)
    assert isinstance(created, Bill) and created.id is not None and created.id.startswith("00n")
    assert synced(created) == synced(bill) | {"approval_status": ApprovalStatus.UNASSIGNED}
    assert created.total == Decimal("150.50")
    assert created.side_status["paymentStatus"] == "UNPAID"

    edited = created.model_copy(update={"memo": "edited", "lines": created.lines[:1]})
    updated = await connector.update(edited)
    assert isinstance(updated, Bill) and updated.memo == "edited" and updated.total == Decimal("120.50")


async def test_bill_referencing_unknown_vendor_is_a_validation_error(connector: BillcomHttpConnector) -> None:
    bill = Bill(
        vendor_id="00901XXXXXXXXXXXXXXX",
        date=dt.date(2030, 1, 1),
        lines=(TransactionLine(amount=Decimal(1)),),
    )
    with pytest.raises(ValidationError):
        await connector.create(bill)
    assert await connector.read(ObjectType.BILL, "00n01XXXXXXXXXXXXXXX") is None


async def test_a_bill_line_naming_no_job_is_a_validation_error(connector: BillcomHttpConnector) -> None:
    vendor = await connector.create(Vendor(name="Hooli"))
    line = TransactionLine(amount=Decimal(1), classifications=Classifications(project_id="job01XXXXXXXXXXXXXXX"))
    with pytest.raises(ValidationError):
        await connector.create(Bill(vendor_id=vendor.id or "", date=dt.date(2030, 1, 1), lines=(line,)))


async def test_approval_policy_assigns_and_approves(
    connector: BillcomHttpConnector, control: Any, org: dict[str, Any]
) -> None:
    await control.call("PUT", f"/orgs/{org['organizationId']}/approval-policy", {"minAmount": 1000})
    vendor = await connector.create(Vendor(name="Big Supplier"))
    small = await connector.create(
        Bill(
            vendor_id=vendor.id or "",
            number="S-1",
            date=dt.date(2030, 1, 1),
            lines=(TransactionLine(amount=Decimal(999)),),
        )
    )
    big = await connector.create(
        Bill(
            vendor_id=vendor.id or "",
            number="B-1",
            date=dt.date(2030, 1, 1),
            lines=(TransactionLine(amount=Decimal(1000)),),
        )
    )
    assert isinstance(small, Bill) and small.approval_status is ApprovalStatus.UNASSIGNED
    assert isinstance(big, Bill) and big.approval_status is ApprovalStatus.ASSIGNED
    assert [p["billId"] for p in await connector.pending_approvals()] == [big.id]

    await connector.approve_bills([big.id or ""], comment="ok")
    approved = await connector.read(ObjectType.BILL, big.id or "")
    assert isinstance(approved, Bill) and approved.approval_status is ApprovalStatus.APPROVED
    assert await connector.pending_approvals() == []


async def test_denied_bill(connector: BillcomHttpConnector, control: Any, org: dict[str, Any]) -> None:
    await control.call("PUT", f"/orgs/{org['organizationId']}/approval-policy", {"minAmount": 10})
    vendor = await connector.create(Vendor(name="Shady Inc"))
    bill = await connector.create(
        Bill(
            vendor_id=vendor.id or "",
            number="D-1",
            date=dt.date(2030, 1, 1),
            lines=(TransactionLine(amount=Decimal(50)),),
        )
    )
    await connector.approve_bills([bill.id or ""], deny=True)
    denied = await connector.read(ObjectType.BILL, bill.id or "")
    assert isinstance(denied, Bill) and denied.approval_status is ApprovalStatus.DENIED


async def test_vendor_credit_and_invoice(connector: BillcomHttpConnector, org: dict[str, Any]) -> None:
    vendor = await connector.create(Vendor(name="Credit Co"))
    credit = VendorCredit(
        vendor_id=vendor.id or "",
        number="VC-1",
        date=dt.date(2030, 1, 2),
        lines=(TransactionLine(amount=Decimal(25)),),
        memo="returned",
    )
    created = await connector.create(credit)
    assert created.id is not None and created.id.startswith("vcr")
    assert synced(created) == synced(credit)
    assert created.side_status["status"] == "NOT_APPLIED"

    customer = await connector.create(Customer(name="Umbrella"))
    income = org["chartOfAccounts"]["Sales"]
    invoice = Invoice(
        customer_id=customer.id or "",
        number="AR-1",
        date=dt.date(2030, 1, 3),
        due_date=dt.date(2030, 2, 2),
        lines=(
            TransactionLine(
                amount=Decimal(200),
                quantity=Decimal(2),
                unit_price=Decimal(100),
                classifications=Classifications(account_id=income),
            ),
        ),
    )
    inv = await connector.create(invoice)
    assert inv.id is not None and inv.id.startswith("00e")
    assert synced(inv) == synced(invoice)
    assert inv.side_status["status"] == "OPEN"


async def test_foreign_currency_vendor_bill(connector: BillcomHttpConnector) -> None:
    vendor = await connector.create(Vendor(name="Euro GmbH", currency="EUR"))
    bill = Bill(
        vendor_id=vendor.id or "",
        number="EU-1",
        date=dt.date(2030, 1, 1),
        currency="EUR",
        exchange_rate=Decimal("1.2"),
        lines=(TransactionLine(amount=Decimal(100)),),
    )
    created = await connector.create(bill)
    assert isinstance(created, Bill)
    assert (created.currency, created.exchange_rate, created.total) == ("EUR", Decimal("1.2"), Decimal(100))
