"""The full AP and AR cycles through all four services on real Kafka and PostgreSQL, for each
ledger (QuickBooks Online, Sage Intacct, NetSuite): vendor → bill → approval → payment →
disbursement run → funds transfer, clearing back to 0; customer → invoice → received payment →
deposit run; paid outside BILL; a voided payment; a vendor credit applied to a bill; a conflict
overridden by the bookkeeper; and (QBO) foreign currency without multi-currency.

Every check reads the ledger through the ledger port (``ledgerbridge_ops.ledger_reader``); what
differs by ledger is in the table of ``tests/e2e/ledgers.py``. Each test makes its own company."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx
import pytest

from ledgerbridge_common.canonical.models import BillPayment, ObjectType, ReceivedPayment, Vendor
from ledgerbridge_common.settings import ConnectedServiceSettings, DatabaseSettings
from ledgerbridge_ops.bill_clerk import BillClerk
from ledgerbridge_ops.ledger_reader import LedgerReader, connected_reader
from ledgerbridge_ops.scenario import Company, Scenario, Urls, wait_for
from ledgerbridge_ops.settle import SERVICE_GROUPS, wait_until_settled
from tests.conftest import KAFKA
from tests.e2e.conftest import ADMIN_KEY, INTERNAL_TOKEN, System
from tests.e2e.ledgers import LEDGERS, LedgerCase

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(180)]
T = ObjectType


@dataclass
class World:
    system: System
    case: LedgerCase
    urls: Urls
    scenario: Scenario
    company: Company
    clerk: BillClerk
    http: httpx.AsyncClient
    ledger: LedgerReader

    @property
    def role(self) -> dict[str, str]:
        return self.company.roles

    async def books(self) -> dict[str, Decimal]:
        """Balances (debit positive) by ledger account id, from the ledger's transactions."""
        books = await self.ledger.balances(ap=self.role["ap"], ar=self.role["ar"])
        return {account: books.get(account, Decimal(0)) for account in {*books, *self.role.values()}}

    async def assert_posting_clearing_zero(self, clearing: str, bank_balance: Decimal) -> None:
        """posting's own double-entry record agrees with the ledger: the clearing account is back to zero."""
        url = f"{self.system.url('posting')}/connections/{self.company.connection_id}/balances"

        async def settled() -> dict[str, Any] | None:
            resp = await self.http.get(url)
            resp.raise_for_status()
            body = dict(resp.json())
            return body if Decimal(str(body["clearing"][clearing]["balance"])) == 0 else None

        body = await wait_for(settled, timeout=15, what=f"posting's {clearing} balance to be zero")
        assert body["clearing"][clearing]["account_id"] == self.role[clearing]
        assert Decimal(str(body["accounts"][self.role["bank"]])) == bank_balance


@pytest.fixture(params=list(LEDGERS))
def ledger(request: pytest.FixtureRequest) -> LedgerCase:
    return LEDGERS[request.param]


@pytest.fixture
async def world(system: System, ledger: LedgerCase, request: pytest.FixtureRequest) -> AsyncIterator[World]:
    urls = Urls(
        prefs=system.url("prefs"),
        ingest=system.url("ingest"),
        qbo=system.url("qbo"),
        billcom=system.url("billcom"),
        intacct=system.url("intacct"),
        netsuite=system.url("netsuite"),
    )
    settings = ConnectedServiceSettings(
        prefs_url=system.internal_url,
        internal_token=INTERNAL_TOKEN,
        qbo_base_url=urls.qbo,
        qbo_oauth_url=urls.qbo,
        intacct_url=system.env["LB_INTACCT_URL"],
        netsuite_url=system.env["LB_NETSUITE_URL"],
        database=DatabaseSettings(url=system.database_url),
    )
    async with httpx.AsyncClient(timeout=30) as http:
        scenario = Scenario(urls, ADMIN_KEY, http)
        sandbox = ledger.sandbox(urls)
        company = await scenario.setup(f"Cycles {request.node.name[:40]}", ledger=sandbox)
        aliases = company.account_aliases
        async with connected_reader(company.connection_id, settings, sandbox.transfer_types, aliases) as reader:
            clerk = BillClerk(http, urls.billcom, company.bill_login)
            yield World(system, ledger, urls, scenario, company, clerk, http, reader)


def pays(payment: BillPayment | ReceivedPayment, document_id: str | None) -> bool:
    return any(applied.document_id == document_id for applied in payment.applied_to)


def total(document: Any) -> Decimal:
    return sum((line.amount for line in document.lines), Decimal(0))


async def test_ap_cycle_bill_payment_run_and_transfer(world: World) -> None:
    clerk, role, ledger = world.clerk, world.role, world.ledger
    await clerk.set_approval_policy(0)
    vendor_id = await clerk.create_vendor("Cycle Paper Co", email="ap@cycle.example")
    bill_id = await clerk.create_bill(vendor_id, "AP-2001", [("200.00", None, "Paper"), ("50.00", None, "Ink")])
    await clerk.approve(bill_id)
    bill = await ledger.wait(T.BILL, "the bill in the ledger", lambda b: b.number == "AP-2001")
    assert total(bill) == Decimal("250.00")

    await clerk.pay(vendor_id, bill_id, "250.00", world.company.bank_account_id)
    runs = await clerk.disbursement_run()
    assert [float(r["amount"]) for r in runs] == [-250.0]  # v2 MoneyMovement: money out is negative

    payment = await ledger.wait(T.BILL_PAYMENT, "the bill payment", lambda p: pays(p, bill.id))
    # no Sync Now: the engine decides the run as soon as a payment shows its run id
    moved = await ledger.wait_movement(role["money_out_clearing"], role["bank"], "250.00", "the run's transfer")
    await world.case.check_transfer(world.http, world.urls, world.company, moved)

    assert len(await ledger.find(T.VENDOR, lambda v: v.name == "Cycle Paper Co")) == 1
    assert len(await ledger.find(T.BILL, lambda b: b.number == "AP-2001")) == 1
    assert len(await ledger.objects(T.BILL_PAYMENT)) == 1
    assert ledger.gl(payment.bank_account_id) == role["money_out_clearing"]
    assert payment.amount == Decimal("250.00")
    assert await ledger.movements() == [moved]

    books = await world.books()
    assert books[role["money_out_clearing"]] == 0
    assert books[role["bank"]] == Decimal("-250.00")
    assert books[role["ap"]] == 0
    await world.assert_posting_clearing_zero("money_out_clearing", Decimal("-250.00"))


async def test_ar_cycle_invoice_payment_and_deposit_run(world: World) -> None:
    clerk, role, ledger = world.clerk, world.role, world.ledger
    customer_id = await clerk.create_customer("Cycle Retail LLC", email="ar@retail.example")
    invoice_id = await clerk.create_invoice(customer_id, "AR-3001", [("300.00", "Consulting"), ("20.00", "Travel")])
    invoice = await ledger.wait(T.INVOICE, "the invoice", lambda i: i.number == "AR-3001")
    assert total(invoice) == Decimal("320.00")

    await clerk.customer_pays_online(customer_id, invoice_id, "320.00")
    # BILL sends no webhook for received payments: the sweep (Sync Now) finds it
    await world.scenario.sync_now(world.company)
    payment = await ledger.wait(T.RECEIVED_PAYMENT, "the received payment", lambda p: pays(p, invoice.id))
    runs = await clerk.deposit_run()
    assert [float(r["amount"]) for r in runs] == [320.0]
    await world.scenario.sync_now(world.company)
    moved = await ledger.wait_movement(role["bank"], role["money_in_clearing"], "320.00", "the deposit run's transfer")
    await world.case.check_transfer(world.http, world.urls, world.company, moved)

    assert len(await ledger.find(T.CUSTOMER, lambda c: c.name == "Cycle Retail LLC")) == 1
    assert len(await ledger.find(T.INVOICE, lambda i: i.number == "AR-3001")) == 1
    assert len(await ledger.objects(T.RECEIVED_PAYMENT)) == 1
    assert ledger.gl(payment.deposit_to_account_id) == role["money_in_clearing"]
    assert payment.amount == Decimal("320.00")
    assert await ledger.movements() == [moved]

    books = await world.books()
    assert books[role["money_in_clearing"]] == 0
    assert books[role["bank"]] == Decimal("320.00")
    assert books[role["ar"]] == 0
    await world.assert_posting_clearing_zero("money_in_clearing", Decimal("320.00"))


async def test_bill_paid_outside_bill_is_paid_from_the_default_bank(world: World) -> None:
    clerk, role, ledger = world.clerk, world.role, world.ledger
    vendor_id = await clerk.create_vendor("Outside Paid Inc")
    bill_id = await clerk.create_bill(vendor_id, "OUT-1", [("75.25", None, "Cleaning")])
    bill = await ledger.wait(T.BILL, "the bill", lambda b: b.number == "OUT-1")

    await clerk.record_paid_outside(vendor_id, bill_id, "75.25")
    payment = await ledger.wait(T.BILL_PAYMENT, "the bill payment", lambda p: pays(p, bill.id))

    assert ledger.gl(payment.bank_account_id) == role["bank"]
    assert payment.amount == Decimal("75.25")
    assert len(await ledger.objects(T.BILL_PAYMENT)) == 1
    books = await world.books()
    assert books[role["bank"]] == Decimal("-75.25")
    assert books[role["money_out_clearing"]] == 0
    assert books[role["ap"]] == 0
    assert await ledger.movements() == []


@pytest.mark.parametrize("ledger", ["qbo"], indirect=True)
async def test_foreign_currency_bill_paid_at_another_rate_books_the_difference(world: World) -> None:
    """QBO only: a Sage Intacct connection syncs payments in USD only (reference intacct-api.md
    §7), and BILL's exchange-difference posting for NetSuite is not documented (§8)."""
    clerk, role, ledger = world.clerk, world.role, world.ledger
    await clerk.set_exchange_rates({"EUR": 1.2})
    vendor_id = await clerk.create_vendor("Papeterie Lyon SARL", currency="EUR")
    bill_id = await clerk.create_bill(vendor_id, "EU-77", [("100.00", None, "Papier")])
    bill = await ledger.wait(T.BILL, "the bill", lambda b: b.number == "EU-77")
    assert total(bill) * bill.exchange_rate == Decimal("120.00")

    await clerk.pay(vendor_id, bill_id, "100.00", world.company.bank_account_id)
    runs = await clerk.disbursement_run(actual_rates={"EUR": 1.0})
    assert [float(r["amount"]) for r in runs] == [-100.0]
    payment = await ledger.wait(T.BILL_PAYMENT, "the bill payment", lambda p: pays(p, bill.id))
    transfer = await ledger.wait_movement(role["money_out_clearing"], role["bank"], "100.00", "the run's transfer")
    difference = await ledger.wait_movement(role["money_out_clearing"], role["fx"], "20.00", "the exchange journal")

    assert payment.amount * payment.exchange_rate == Decimal("120.00")
    assert sorted(await ledger.movements(), key=lambda m: m.amount) == [difference, transfer]
    books = await world.books()
    assert books[role["money_out_clearing"]] == 0
    assert books[role["bank"]] == Decimal("-100.00")
    assert books[role["fx"]] == Decimal("-20.00")
    await world.assert_posting_clearing_zero("money_out_clearing", Decimal("-100.00"))


async def test_voided_payment_undoes_the_bill_payment_and_books_the_refund(world: World) -> None:
    clerk, role, ledger = world.clerk, world.role, world.ledger
    vendor_id = await clerk.create_vendor("Void Me Supplies")
    bill_id = await clerk.create_bill(vendor_id, "VOID-9", [("90.00", None, "Chairs")])
    bill = await ledger.wait(T.BILL, "the bill", lambda b: b.number == "VOID-9")
    payment_id = await clerk.pay(vendor_id, bill_id, "90.00", world.company.bank_account_id)
    await clerk.disbursement_run()
    await ledger.wait(T.BILL_PAYMENT, "the bill payment", lambda p: pays(p, bill.id))
    transfer = await ledger.wait_movement(role["money_out_clearing"], role["bank"], "90.00", "the run's transfer")

    await clerk.void_payment(payment_id)

    async def no_live_payment() -> bool:  # QBO voids (keeps it at 0); Intacct and NetSuite delete
        return not await ledger.find(T.BILL_PAYMENT, lambda p: pays(p, bill.id) and not p.voided)

    await wait_for(no_live_payment, timeout=45, what="the bill payment voided or deleted", interval=1.0)
    # the run had already debited the bank: BILL refunds it, the books get Dr bank / Cr clearing
    refund = await ledger.wait_movement(role["bank"], role["money_out_clearing"], "90.00", "the refund journal")

    assert sorted(await ledger.movements(), key=lambda m: m.debit == role["bank"]) == [transfer, refund]
    books = await world.books()
    assert books[role["money_out_clearing"]] == 0
    assert books[role["bank"]] == 0
    assert books[role["ap"]] == Decimal("-90.00"), "the bill is open again"
    await world.assert_posting_clearing_zero("money_out_clearing", Decimal("0.00"))


async def test_vendor_credit_applied_to_a_bill_in_a_payment(world: World) -> None:
    clerk, role, ledger = world.clerk, world.role, world.ledger
    vendor_id = await clerk.create_vendor("Credit Note Supplies")
    bill_id = await clerk.create_bill(vendor_id, "VC-BILL-1", [("100.00", None, "Desks")])
    bill = await ledger.wait(T.BILL, "the bill", lambda b: b.number == "VC-BILL-1")
    credit_id = await clerk.create_vendor_credit(vendor_id, "VC-1", [("30.00", "Returned desk")])
    await world.scenario.sync_now(world.company)  # BILL sends no webhook for vendor credits
    credit = await ledger.wait(T.VENDOR_CREDIT, "the vendor credit", lambda c: c.number == "VC-1")
    assert total(credit) == Decimal("30.00")
    assert credit.vendor_id == bill.vendor_id

    await clerk.pay(vendor_id, bill_id, "70.00", world.company.bank_account_id, vendor_credits=[(credit_id, "30.00")])
    runs = await clerk.disbursement_run()
    assert [float(r["amount"]) for r in runs] == [-70.0]
    payment = await ledger.wait(T.BILL_PAYMENT, "the bill payment", lambda p: pays(p, bill.id))
    moved = await ledger.wait_movement(role["money_out_clearing"], role["bank"], "70.00", "the run's transfer")

    assert payment.amount == Decimal("70.00")
    assert [(c.document_id, c.amount) for c in payment.vendor_credits] == [(credit.id, Decimal("30.00"))]
    assert await ledger.movements() == [moved]
    books = await world.books()
    assert books[role["ap"]] == 0
    assert books[role["money_out_clearing"]] == 0
    assert books[role["bank"]] == Decimal("-70.00")


async def test_conflict_overwritten_by_the_master_then_overridden_by_the_bookkeeper(world: World) -> None:
    """A vendor's e-mail edited in the ledger and in BILL before the engine saw the ledger's edit:
    BILL (the master) wins, the ledger's edit goes to the conflicts inbox; the bookkeeper's
    override then writes the ledger's version to BILL."""
    clerk, scenario, company, http, ledger = world.clerk, world.scenario, world.company, world.http, world.ledger
    vendor_id = await clerk.create_vendor("Conflicted Vendor Co", email="start@vendor.example")
    in_ledger: Vendor = await ledger.wait(T.VENDOR, "the vendor", lambda v: v.name == "Conflicted Vendor Co")
    await wait_for(lambda: _vendor_synced(world, vendor_id), timeout=30, what="the vendor in the sync log")
    await _quiet(world, seconds=4)  # the set-up's backlog (accounts, links) handled: a conflict, not a first sync

    await world.case.hold_ledger_changes(http, world.urls, True)
    try:
        current = await ledger.connector.read(T.VENDOR, str(in_ledger.id))
        assert current is not None
        edited = current.model_copy(update={"email": "ledger-edit@vendor.example"})
        await ledger.connector.update(edited, request_id=uuid.uuid4().hex)
        await clerk.update_vendor(vendor_id, email="bill-edit@vendor.example")
        await ledger.wait(
            T.VENDOR,
            "BILL's edit to overwrite the ledger's",
            lambda v: v.id == in_ledger.id and v.email == "bill-edit@vendor.example",
        )
    finally:
        await world.case.hold_ledger_changes(http, world.urls, False)

    async def open_conflict() -> dict[str, Any] | None:
        resp = await http.get(
            f"{scenario.urls.prefs}/v1/conflicts",
            headers=scenario.keyed,
            params={"connection_id": company.connection_id, "status": "open"},
        )
        resp.raise_for_status()
        return next((c for c in resp.json()["items"] if c["object_type"] == "vendor"), None)

    conflict = await wait_for(open_conflict, timeout=30, what="the conflict in the inbox")
    assert conflict["winner"] == "billcom"
    assert (conflict["target_side"], conflict["target_id"]) == ("ledger", in_ledger.id)
    assert conflict["losing_version"] == {"email": "ledger-edit@vendor.example"}

    resp = await http.post(f"{scenario.urls.prefs}/v1/conflicts/{conflict['id']}/override", headers=scenario.keyed)
    resp.raise_for_status()
    assert resp.json()["status"] == "overridden"

    async def bill_has_ledger_version() -> bool:
        vendor = next(v for v in await clerk.objects("vendor") if v["id"] == vendor_id)
        return vendor.get("email") == "ledger-edit@vendor.example"

    await wait_for(bill_has_ledger_version, timeout=30, what="the ledger's version written to BILL")
    await ledger.wait(
        T.VENDOR,
        "the ledger's version restored in the ledger",
        lambda v: v.id == in_ledger.id and v.email == "ledger-edit@vendor.example",
    )
    assert len(await ledger.find(T.VENDOR, lambda v: v.name == "Conflicted Vendor Co")) == 1


async def _quiet(world: World, seconds: float) -> None:
    """The set-up's backlog handled (this system's suffixed consumer groups at lag 0, the sync log
    still for ``seconds``), so the next edit is a conflict, not a first sync."""
    groups = [world.system.group(name) for name in SERVICE_GROUPS]
    topics = world.system.topics.all()
    await wait_until_settled(
        world.scenario, world.company, bootstrap_servers=KAFKA, groups=groups, topics=topics, quiet_seconds=seconds
    )


async def _vendor_synced(world: World, vendor_id: str) -> bool:
    log = await world.scenario.sync_log(world.company, object_type="vendor", status="posted")
    return any(vendor_id in e["source_ref"] for e in log)


@dataclass
class Reconciled:
    vendor_id: str
    open_id: str
    kept: Any
    """The open bill RC-2 in the ledger."""
    agreed: dict[str, Any]
    report: Callable[[int], Awaitable[dict[str, Any] | None]]
    """The report once it has that many differences (else ``None``)."""


async def reconciled_cycles(world: World) -> Reconciled:
    """An AP cycle (bill, payment, run) and an AR cycle (invoice, payment, deposit run), then the
    reconciliation report once it shows no difference."""
    clerk, role, ledger, scenario, company = world.clerk, world.role, world.ledger, world.scenario, world.company
    await clerk.set_approval_policy(0)
    vendor_id = await clerk.create_vendor("Recon Paper Co")
    paid_id = await clerk.create_bill(vendor_id, "RC-1", [("250.00", None, "Paper")])
    open_id = await clerk.create_bill(vendor_id, "RC-2", [("80.00", None, "Ink")])
    for bill_id in (paid_id, open_id):
        await clerk.approve(bill_id)
    paid = await ledger.wait(T.BILL, "the bill to pay", lambda b: b.number == "RC-1", timeout=60)
    kept = await ledger.wait(T.BILL, "the open bill", lambda b: b.number == "RC-2")
    await clerk.pay(vendor_id, paid_id, "250.00", company.bank_account_id)
    await clerk.disbursement_run()
    await ledger.wait(T.BILL_PAYMENT, "the bill payment", lambda p: pays(p, paid.id))
    await ledger.wait_movement(role["money_out_clearing"], role["bank"], "250.00", "the run's transfer")

    customer_id = await clerk.create_customer("Recon Retail LLC")
    invoice_id = await clerk.create_invoice(customer_id, "RC-3", [("320.00", "Consulting")])
    invoice = await ledger.wait(T.INVOICE, "the invoice", lambda i: i.number == "RC-3")
    await clerk.customer_pays_online(customer_id, invoice_id, "320.00")
    await scenario.sync_now(company)
    await ledger.wait(T.RECEIVED_PAYMENT, "the received payment", lambda p: pays(p, invoice.id))
    await clerk.deposit_run()
    await scenario.sync_now(company)
    await ledger.wait_movement(role["bank"], role["money_in_clearing"], "320.00", "the deposit run's transfer")

    url = f"{scenario.urls.prefs}/v1/connections/{company.connection_id}/reconciliation"

    async def report(expected: int) -> dict[str, Any] | None:
        resp = await world.http.get(url, headers=scenario.keyed)
        resp.raise_for_status()
        body = dict(resp.json())
        return body if body["differences"] == expected else None

    agreed = await wait_for(lambda: report(0), timeout=20, what="the reconciliation to show no difference")
    assert agreed["lines"] == [] and not agreed["truncated"]
    clearing = {c["account_id"]: Decimal(c["balance"]) for c in agreed["clearing"]}
    assert clearing == {role["money_out_clearing"]: 0, role["money_in_clearing"]: 0}
    return Reconciled(vendor_id, open_id, kept, agreed, report)


@pytest.mark.parametrize("ledger", ["intacct", "netsuite"], indirect=True)
async def test_reconciliation_agrees_after_the_cycles_with_clearing_computed(world: World) -> None:
    """Sage Intacct and NetSuite report no account balance: after the AP and AR cycles the report
    has no line, each clearing account at 0 computed from the ledger's payments and journals."""
    agreed = (await reconciled_cycles(world)).agreed
    name = world.ledger.connector.capabilities.display_name
    computed = f"computed from {name}'s bill payments, received payments and journal entries"
    computed += f" ({name} reports no balance)"
    assert {c["source"] for c in agreed["clearing"]} == {computed}


@pytest.mark.parametrize("ledger", ["qbo"], indirect=True)
async def test_reconciliation_agrees_after_the_cycles_and_finds_a_bill_deleted_by_hand(world: World) -> None:
    """QBO (whose sandbox keeps accounts' CurrentBalance): after an AP cycle (bill, payment, run)
    and an AR cycle (invoice, payment, deposit run) the report has no line; a bill then deleted in
    QuickBooks by hand is a payables difference and a document only in BILL, naming both objects."""
    done = await reconciled_cycles(world)
    vendor_id, open_id, kept, report, company = done.vendor_id, done.open_id, done.kept, done.report, world.company
    assert {c["source"] for c in done.agreed["clearing"]} == {"the balance QuickBooks Online reports"}

    gone = await world.http.delete(f"{world.urls.qbo}/_sandbox/realms/{company.realm_id}/objects/Bill/{kept.id}")
    gone.raise_for_status()
    differs = await wait_for(lambda: report(2), timeout=20, what="the deleted bill in the reconciliation")
    lines = {line["kind"]: line for line in differs["lines"]}
    assert set(lines) == {"open_payables", "only_in_billcom"}
    payables, missing = lines["open_payables"], lines["only_in_billcom"]
    assert (payables["key"], Decimal(payables["difference"])) == ("Recon Paper Co", Decimal("80.00"))
    assert payables["billcom_ref"] == f"billcom:vendor:{vendor_id}"
    assert payables["ledger_ref"] == f"ledger:vendor:{kept.vendor_id}"
    assert Decimal(missing["billcom_amount"]) == Decimal("80.00") and missing["ledger_amount"] is None
    assert (missing["billcom_ref"], missing["ledger_ref"]) == (f"billcom:bill:{open_id}", f"ledger:bill:{kept.id}")
