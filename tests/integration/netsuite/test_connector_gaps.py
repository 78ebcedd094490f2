"""The NetSuite connector against the sandbox, for what the ledger contract suite does not cover:
a create that commits and then times out is found again through posting's writer (never doubled,
its lines never appended), OAuth 2.0 bearer tokens with one refresh, items (non-inventory for
resale), and BILL's vendor rules (company or individual names, Vendor IDs cut to 20 characters)."""

from __future__ import annotations

import datetime as dt

import pytest

from ledgerbridge_common.canonical.models import Bill, Classifications, Item, ObjectType, TransactionLine, Vendor
from ledgerbridge_common.connectors.netsuite import OAuth2Credentials
from ledgerbridge_common.errors import AuthRevokedError, ValidationError
from posting_service.writers import LedgerWriter
from tests.integration.netsuite.support import NetSuiteBooks, ns

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]
__all__ = ["ns"]  # fixtures
T = ObjectType
TODAY = dt.date.today()


async def test_a_bill_committed_then_timed_out_is_found_by_its_external_id_not_doubled(ns: NetSuiteBooks) -> None:
    vendor = await ns.make(Vendor(name="Acme Paper"))
    bill = Bill(vendor_id=vendor, date=TODAY, number="INV-9", lines=(ns.line("60.00"), ns.line("40.00")))
    await ns.control_post("/faults", {"timeout_after_commit_next": 1, "timeout_mode": "sleep", "timeout_seconds": 1.5})
    writer = LedgerWriter(ns.connector(timeout=0.5))
    result = await writer.upsert(bill, known=None, request_id="cmd-timeout-1", tag="LB:billcom:bill:00n09BILL")
    assert result.adopted and result.obj.id
    [stored] = await ns.records("vendorBill")
    assert stored["externalId"] == "LB_billcom_bill_00n09BILL" and len(stored["expense"]) == 2
    again = await writer.upsert(bill, known=None, request_id="cmd-timeout-1", tag="LB:billcom:bill:00n09BILL")
    assert again.obj.id == result.obj.id
    [stored] = await ns.records("vendorBill")
    assert len(stored["expense"]) == 2


async def test_oauth2_bearer_token_reads_and_writes(ns: NetSuiteBooks) -> None:
    oauth2 = ns.account["oauth2"]
    books = ns.connector(creds=OAuth2Credentials(ns.account_id, oauth2["access_token"]))
    assert (await books.company_info()).name == "US Subsidiary"
    made = await books.create(Vendor(name="Bearer Supplies"), request_id="r1", tag="LB:billcom:vendor:0090BEAR")
    assert made.id and (await ns.record("vendor", made.id))["companyName"] == "Bearer Supplies"


async def test_an_expired_bearer_token_is_refreshed_once_and_handed_back(ns: NetSuiteBooks) -> None:
    oauth2 = ns.account["oauth2"]
    refreshed: list[OAuth2Credentials] = []

    async def keep(creds: OAuth2Credentials) -> None:
        refreshed.append(creds)

    stale = OAuth2Credentials(
        ns.account_id, "no-longer-valid", oauth2["refresh_token"], oauth2["client_id"], oauth2["client_secret"]
    )
    books = ns.connector(creds=stale, on_refresh=keep)
    assert (await books.company_info()).name == "US Subsidiary"
    assert len(refreshed) == 1 and refreshed[0].access_token not in ("no-longer-valid", oauth2["access_token"])
    await books.list_accounts()  # the new token serves the next calls without another refresh
    assert len(refreshed) == 1

    revoked = OAuth2Credentials(ns.account_id, "no-longer-valid", "unknown-refresh", oauth2["client_id"], "wrong")
    with pytest.raises(AuthRevokedError):
        await ns.connector(creds=revoked).company_info()


async def test_items_are_non_inventory_resale_items_usable_on_bill_lines(ns: NetSuiteBooks) -> None:
    expense = ns.id("account", "Office Supplies")
    writer = LedgerWriter(ns.books)
    desired = Item(name="Paper ream", description="A4, 500 sheets", expense_account_id=expense)
    made = await writer.upsert(desired, known=None, request_id="item-1", tag="LB:billcom:item:0ii01PAPER")
    assert made.obj.id and (await ns.books.find_by_name(T.ITEM, "Paper ream")) == made.obj
    [stored] = [r for r in await ns.records("nonInventoryResaleItem") if r["id"] == made.obj.id]
    assert stored["itemId"] == "Paper ream" and stored["subsidiary"] == [{"id": ns.us}]
    line = TransactionLine(amount=20, quantity=2, classifications=Classifications(item_id=made.obj.id))
    vendor = await ns.make(Vendor(name="Acme Paper"))
    bill = await ns.books.read(T.BILL, await ns.make(Bill(vendor_id=vendor, date=TODAY, lines=(line,))))
    assert isinstance(bill, Bill) and bill.lines[0].classifications.item_id == made.obj.id
    again = await writer.upsert(desired, known=None, request_id="item-2", tag="LB:billcom:item:0ii01PAPER")
    assert again.obj.id == made.obj.id and again.adopted  # found by its external id, not made twice
    assert len(await ns.records("nonInventoryResaleItem")) == 2  # the seeded Consulting and this one


async def test_individual_vendors_get_first_and_last_names_companies_a_company_name(ns: NetSuiteBooks) -> None:
    person = await ns.books.create(Vendor(name="Jane van Doe", vendor_type="individual"), request_id="v1", tag="LB:p")
    stored = await ns.record("vendor", str(person.id))
    assert (stored["isPerson"], stored["firstName"], stored["lastName"]) == (True, "Jane van", "Doe")
    assert isinstance(person, Vendor) and (person.name, person.vendor_type) == ("Jane van Doe", "individual")
    company = await ns.books.create(Vendor(name="Acme Paper"), request_id="v2", tag="LB:c")
    stored = await ns.record("vendor", str(company.id))
    assert (stored["isPerson"], stored["companyName"]) == (False, "Acme Paper")
    assert await ns.books.find_by_name(T.VENDOR, "Jane van Doe") == person  # found by name before any create
    with pytest.raises(ValidationError, match="NetSuite needs a first and a last name"):
        await ns.books.create(Vendor(name="Cher", vendor_type="individual"), request_id="v3", tag="LB:x")
    assert len(await ns.records("vendor")) == 2


async def test_a_netsuite_vendor_id_reaches_bill_cut_to_20_characters(ns: NetSuiteBooks) -> None:
    made = await ns.books.create(
        Vendor(name="Acme Paper", short_name="ACME-PAPER-WHOLESALE-EAST-1"), request_id="v1", tag="LB:a"
    )
    assert (await ns.record("vendor", str(made.id)))["entityId"] == "ACME-PAPER-WHOLESALE-EAST-1"
    assert isinstance(made, Vendor) and made.short_name == "ACME-PAPER-WHOLESALE"
    plain = await ns.books.create(Vendor(name="No Id Supplies"), request_id="v2", tag="LB:b")
    assert isinstance(plain, Vendor) and plain.short_name is None  # NetSuite's entityId is just the name


async def test_the_change_feed_reports_item_edits_and_deletions_within_its_swept_types(ns: NetSuiteBooks) -> None:
    swept = ns.books.capabilities.swept_types
    assert swept is not None and T.ITEM in swept and T.FUNDS_TRANSFER not in swept
    since = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=5)
    item = await ns.make(Item(name="Toner"))
    vendor = await ns.make(Vendor(name="Acme Paper"))
    bill = await ns.make(Bill(vendor_id=vendor, date=TODAY, lines=(ns.line("5.00"),)))
    response = await ns.control.patch(
        f"/_sandbox/accounts/{ns.account_id}/records/nonInventoryResaleItem/{item}", json={"salesDescription": "K"}
    )
    response.raise_for_status()
    await ns.books.delete(T.BILL, bill, request_id="d1")
    page = await ns.books.changes_since(sorted(swept), since)
    seen = {(c.object_type, c.object_id): c.operation for c in page.changes}
    assert seen[(T.ITEM, item)] == "updated" and seen[(T.BILL, bill)] == "deleted"
    assert (T.JOURNAL_ENTRY, bill) not in seen


async def test_the_chart_offered_is_the_linked_subsidiarys(ns: NetSuiteBooks) -> None:
    names = {a.name for a in await ns.books.list_accounts()}
    assert {"US Checking", "Professional Fees", "Office Supplies", "Accounts Payable"} <= names
    assert "UK Checking" not in names  # UK Subsidiary only: NetSuite would refuse it on a US transaction
