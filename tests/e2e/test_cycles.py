"""The full AP and AR cycles through all four services on real Kafka and PostgreSQL, with both
sandboxes: vendor → bill → approval → payment → disbursement run → funds transfer; customer →
invoice → received payment → deposit run; paid outside BILL; voids; foreign currency without
multi-currency; a conflict overridden by the bookkeeper. Each test makes its own company."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from ledgerbridge_common.kafka.lag import measure_lag
from ledgerbridge_ops.bill_clerk import BillClerk
from ledgerbridge_ops.scenario import QBO_CLIENT_ID, Company, Scenario, Urls, wait_for
from tests.conftest import KAFKA
from tests.e2e.conftest import ADMIN_KEY, System

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(150)]


@dataclass
class World:
    system: System
    scenario: Scenario
    company: Company
    clerk: BillClerk
    http: httpx.AsyncClient

    @property
    def acc(self) -> dict[str, str]:
        return self.company.accounts

    async def qbo(self, entity: str, **where: Any) -> list[dict[str, Any]]:
        objs = await self.scenario.qbo_objects(self.company, entity)
        return [o for o in objs if all(o.get(k) == v for k, v in where.items())]

    async def wait_qbo(self, entity: str, what: str, check: Any, timeout: float = 45) -> dict[str, Any]:
        async def found() -> dict[str, Any] | None:
            return next((o for o in await self.qbo(entity) if check(o)), None)

        return await wait_for(found, timeout=timeout, what=what)

    async def balances(self) -> dict[str, float]:
        """QBO's per-account balances (debit positive) by account name, from the sandbox's ledger."""
        ledger = await self.scenario.qbo_ledger(self.company)
        assert ledger["balanced"], ledger
        return {name: float(value) for name, value in ledger["by_name"].items()}

    async def assert_posting_clearing_zero(self, clearing: str, bank: str, bank_balance: float) -> None:
        """posting's own double-entry record agrees with QBO: the clearing account is back to zero."""
        url = f"{self.system.url('posting')}/connections/{self.company.connection_id}/balances"

        async def settled() -> dict[str, Any] | None:
            resp = await self.http.get(url)
            resp.raise_for_status()
            body = dict(resp.json())
            return body if float(body["clearing"][clearing]["balance"]) == 0.0 else None

        body = await wait_for(settled, timeout=15, what=f"posting's {clearing} balance to be zero")
        assert (
            body["clearing"][clearing]["account_id"]
            == self.acc["BILL Money Out Clearing" if clearing == "money_out_clearing" else "BILL Money In Clearing"]
        )
        assert float(body["accounts"][bank]) == bank_balance


async def _world(system: System, name: str, **setup: Any) -> AsyncIterator[World]:
    urls = Urls(
        prefs=system.url("prefs"), ingest=system.url("ingest"), qbo=system.url("qbo"), billcom=system.url("billcom")
    )
    async with httpx.AsyncClient(timeout=30) as http:
        scenario = Scenario(urls, ADMIN_KEY, http)
        company = await scenario.setup(name, **setup)
        yield World(system, scenario, company, BillClerk(http, urls.billcom, company.bill_login), http)


@pytest.fixture
async def world(system: System, request: pytest.FixtureRequest) -> AsyncIterator[World]:
    async for w in _world(system, f"Cycles {request.node.name[:30]}"):
        yield w


def linked_to(obj: dict[str, Any], txn_id: str) -> bool:
    return any(linked.get("TxnId") == txn_id for line in obj.get("Line", []) for linked in line.get("LinkedTxn", []))


async def test_ap_cycle_bill_payment_run_and_transfer(world: World) -> None:
    clerk, acc = world.clerk, world.acc
    await clerk.set_approval_policy(0)
    vendor_id = await clerk.create_vendor("Cycle Paper Co", email="ap@cycle.example")
    bill_id = await clerk.create_bill(vendor_id, "AP-2001", [("200.00", None, "Paper"), ("50.00", None, "Ink")])
    await clerk.approve(bill_id)
    qbo_bill = await world.wait_qbo("Bill", "the bill in QBO", lambda b: b.get("DocNumber") == "AP-2001")

    await clerk.pay(vendor_id, bill_id, "250.00", world.company.bank_account_id)
    runs = await clerk.disbursement_run()
    assert [float(r["amount"]) for r in runs] == [-250.0]  # v2 MoneyMovement: money out is negative

    payment = await world.wait_qbo("BillPayment", "the bill payment", lambda p: linked_to(p, qbo_bill["Id"]))
    # no Sync Now: the engine decides the run as soon as a payment shows its run id
    transfer = await world.wait_qbo("Transfer", "the run's transfer", lambda t: True, timeout=30)

    assert len(await world.qbo("Vendor", DisplayName="Cycle Paper Co")) == 1
    assert len(await world.qbo("Bill", DocNumber="AP-2001")) == 1
    assert len(await world.qbo("BillPayment")) == 1
    assert payment["CheckPayment"]["BankAccountRef"]["value"] == acc["BILL Money Out Clearing"]
    assert float(payment["TotalAmt"]) == 250.0
    assert len(await world.qbo("Transfer")) == 1
    assert transfer["FromAccountRef"]["value"] == acc["Checking"]
    assert transfer["ToAccountRef"]["value"] == acc["BILL Money Out Clearing"]
    assert float(transfer["Amount"]) == 250.0
    bill = (await world.qbo("Bill", Id=qbo_bill["Id"]))[0]
    assert float(bill["Balance"]) == 0.0

    books = await world.balances()
    assert books["BILL Money Out Clearing"] == 0.0
    assert books["Checking"] == -250.0
    assert books["Accounts Payable (A/P)"] == 0.0
    await world.assert_posting_clearing_zero("money_out_clearing", acc["Checking"], -250.0)


async def test_ar_cycle_invoice_payment_and_deposit_run(world: World) -> None:
    clerk, acc = world.clerk, world.acc
    customer_id = await clerk.create_customer("Cycle Retail LLC", email="ar@retail.example")
    invoice_id = await clerk.create_invoice(customer_id, "AR-3001", [("300.00", "Consulting"), ("20.00", "Travel")])
    qbo_invoice = await world.wait_qbo("Invoice", "the invoice", lambda i: i.get("DocNumber") == "AR-3001")
    assert float(qbo_invoice["TotalAmt"]) == 320.0

    await clerk.customer_pays_online(customer_id, invoice_id, "320.00")
    # BILL sends no webhook for received payments: the sweep (Sync Now) finds it
    await world.scenario.sync_now(world.company)
    payment = await world.wait_qbo("Payment", "the received payment", lambda p: linked_to(p, qbo_invoice["Id"]))
    runs = await clerk.deposit_run()
    assert [float(r["amount"]) for r in runs] == [320.0]
    await world.scenario.sync_now(world.company)
    transfer = await world.wait_qbo("Transfer", "the deposit run's transfer", lambda t: True, timeout=30)

    assert len(await world.qbo("Customer", DisplayName="Cycle Retail LLC")) == 1
    assert len(await world.qbo("Invoice", DocNumber="AR-3001")) == 1
    assert len(await world.qbo("Payment")) == 1
    assert payment["DepositToAccountRef"]["value"] == acc["BILL Money In Clearing"]
    assert float(payment["TotalAmt"]) == 320.0
    invoice = (await world.qbo("Invoice", Id=qbo_invoice["Id"]))[0]
    assert float(invoice["Balance"]) == 0.0
    assert len(await world.qbo("Transfer")) == 1
    assert transfer["FromAccountRef"]["value"] == acc["BILL Money In Clearing"]
    assert transfer["ToAccountRef"]["value"] == acc["Checking"]
    assert float(transfer["Amount"]) == 320.0

    books = await world.balances()
    assert books["BILL Money In Clearing"] == 0.0
    assert books["Checking"] == 320.0
    assert books["Accounts Receivable (A/R)"] == 0.0
    await world.assert_posting_clearing_zero("money_in_clearing", acc["Checking"], 320.0)


async def test_bill_paid_outside_bill_is_paid_from_the_default_bank(world: World) -> None:
    clerk, acc = world.clerk, world.acc
    vendor_id = await clerk.create_vendor("Outside Paid Inc")
    bill_id = await clerk.create_bill(vendor_id, "OUT-1", [("75.25", None, "Cleaning")])
    qbo_bill = await world.wait_qbo("Bill", "the bill", lambda b: b.get("DocNumber") == "OUT-1")

    await clerk.record_paid_outside(vendor_id, bill_id, "75.25")
    payment = await world.wait_qbo("BillPayment", "the bill payment", lambda p: linked_to(p, qbo_bill["Id"]))

    assert payment["CheckPayment"]["BankAccountRef"]["value"] == acc["Checking"]
    assert float(payment["TotalAmt"]) == 75.25
    assert len(await world.qbo("BillPayment")) == 1
    assert float((await world.qbo("Bill", Id=qbo_bill["Id"]))[0]["Balance"]) == 0.0
    books = await world.balances()
    assert books["Checking"] == -75.25
    assert books["BILL Money Out Clearing"] == 0.0
    assert await world.qbo("Transfer") == []


async def test_foreign_currency_bill_paid_at_another_rate_books_the_difference(world: World) -> None:
    clerk, acc = world.clerk, world.acc
    await clerk.set_exchange_rates({"EUR": 1.2})
    vendor_id = await clerk.create_vendor("Papeterie Lyon SARL", currency="EUR")
    bill_id = await clerk.create_bill(vendor_id, "EU-77", [("100.00", None, "Papier")])
    qbo_bill = await world.wait_qbo("Bill", "the bill", lambda b: b.get("DocNumber") == "EU-77")
    assert float(qbo_bill["TotalAmt"]) == 120.0

    await clerk.pay(vendor_id, bill_id, "100.00", world.company.bank_account_id)
    runs = await clerk.disbursement_run(actual_rates={"EUR": 1.0})
    assert [float(r["amount"]) for r in runs] == [-100.0]
    payment = await world.wait_qbo("BillPayment", "the bill payment", lambda p: linked_to(p, qbo_bill["Id"]))
    transfer = await world.wait_qbo("Transfer", "the run's transfer", lambda t: True, timeout=30)
    journal = await world.wait_qbo("JournalEntry", "the exchange difference journal", lambda j: True, timeout=30)

    assert float(payment["TotalAmt"]) == 120.0
    assert float(transfer["Amount"]) == 100.0
    lines = sorted(
        (
            line["JournalEntryLineDetail"]["PostingType"],
            line["JournalEntryLineDetail"]["AccountRef"]["value"],
            float(line["Amount"]),
        )
        for line in journal["Line"]
    )
    assert lines == [
        ("Credit", acc["Exchange Gain or Loss"], 20.0),
        ("Debit", acc["BILL Money Out Clearing"], 20.0),
    ]
    books = await world.balances()
    assert books["BILL Money Out Clearing"] == 0.0
    assert books["Checking"] == -100.0
    assert books["Exchange Gain or Loss"] == -20.0
    await world.assert_posting_clearing_zero("money_out_clearing", acc["Checking"], -100.0)


async def test_voided_payment_voids_the_bill_payment_and_books_the_refund(world: World) -> None:
    clerk, acc = world.clerk, world.acc
    vendor_id = await clerk.create_vendor("Void Me Supplies")
    bill_id = await clerk.create_bill(vendor_id, "VOID-9", [("90.00", None, "Chairs")])
    qbo_bill = await world.wait_qbo("Bill", "the bill", lambda b: b.get("DocNumber") == "VOID-9")
    payment_id = await clerk.pay(vendor_id, bill_id, "90.00", world.company.bank_account_id)
    await clerk.disbursement_run()
    payment = await world.wait_qbo("BillPayment", "the bill payment", lambda p: linked_to(p, qbo_bill["Id"]))
    await world.wait_qbo("Transfer", "the run's transfer", lambda t: True, timeout=30)

    await clerk.void_payment(payment_id)
    voided = await world.wait_qbo(
        "BillPayment", "the voided bill payment", lambda p: p["Id"] == payment["Id"] and float(p["TotalAmt"]) == 0
    )
    assert "Voided" in voided.get("PrivateNote", "")
    # the run had already debited the bank: BILL refunds it, the books get Dr bank / Cr clearing
    refund = await world.wait_qbo("JournalEntry", "the refund journal", lambda j: True, timeout=30)
    lines = sorted(
        (
            line["JournalEntryLineDetail"]["PostingType"],
            line["JournalEntryLineDetail"]["AccountRef"]["value"],
            float(line["Amount"]),
        )
        for line in refund["Line"]
    )
    assert lines == [("Credit", acc["BILL Money Out Clearing"], 90.0), ("Debit", acc["Checking"], 90.0)]

    assert len(await world.qbo("BillPayment")) == 1
    assert len(await world.qbo("Transfer")) == 1
    assert len(await world.qbo("JournalEntry")) == 1
    assert float((await world.qbo("Bill", Id=qbo_bill["Id"]))[0]["Balance"]) == 90.0, "the bill is open again"
    books = await world.balances()
    assert books["BILL Money Out Clearing"] == 0.0
    assert books["Checking"] == 0.0
    assert books["Accounts Payable (A/P)"] == -90.0
    await world.assert_posting_clearing_zero("money_out_clearing", acc["Checking"], 0.0)


async def test_conflict_overwritten_by_the_master_then_overridden_by_the_bookkeeper(world: World) -> None:
    """A vendor's e-mail edited in QBO and in BILL before the engine saw the QBO edit: BILL (the
    master) wins, QBO's edit goes to the conflicts inbox; the bookkeeper's override then writes
    QBO's version to BILL."""
    clerk, scenario, company, http = world.clerk, world.scenario, world.company, world.http
    vendor_id = await clerk.create_vendor("Conflicted Vendor Co", email="start@vendor.example")
    qbo_vendor = await world.wait_qbo("Vendor", "the vendor", lambda v: v["DisplayName"] == "Conflicted Vendor Co")
    await wait_for(lambda: _vendor_synced(world, vendor_id), timeout=30, what="the vendor in the sync log")
    await _quiet(world, seconds=4)  # the set-up's backlog (accounts, links) handled: a conflict, not a first sync

    hooks = f"{scenario.urls.qbo}/_sandbox/apps/{QBO_CLIENT_ID}/webhooks"
    (await http.put(hooks, json={"auto_deliver": False})).raise_for_status()  # hold QBO's webhook
    try:
        token = (await http.post(f"{scenario.urls.qbo}/_sandbox/realms/{company.realm_id}/tokens", json={})).json()
        qbo_api = f"{scenario.urls.qbo}/v3/company/{company.realm_id}"
        bearer = {"Authorization": f"Bearer {token['access_token']}", "Accept": "application/json"}
        current = (await http.get(f"{qbo_api}/vendor/{qbo_vendor['Id']}", headers=bearer)).json()["Vendor"]
        edited = {**current, "PrimaryEmailAddr": {"Address": "qbo-edit@vendor.example"}, "sparse": False}
        (await http.post(f"{qbo_api}/vendor", headers=bearer, json=edited)).raise_for_status()
        await clerk.update_vendor(vendor_id, email="bill-edit@vendor.example")

        def email(v: dict[str, Any]) -> str | None:
            return (v.get("PrimaryEmailAddr") or {}).get("Address")

        await world.wait_qbo(
            "Vendor",
            "BILL's edit to overwrite QBO's",
            lambda v: v["Id"] == qbo_vendor["Id"] and email(v) == ("bill-edit@vendor.example"),
        )
    finally:
        (await http.put(hooks, json={"auto_deliver": True})).raise_for_status()

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
    assert (conflict["target_side"], conflict["target_id"]) == ("ledger", qbo_vendor["Id"])
    assert conflict["losing_version"] == {"email": "qbo-edit@vendor.example"}

    resp = await http.post(f"{scenario.urls.prefs}/v1/conflicts/{conflict['id']}/override", headers=scenario.keyed)
    resp.raise_for_status()
    assert resp.json()["status"] == "overridden"

    async def bill_has_qbo_version() -> bool:
        vendor = next(v for v in await clerk.objects("vendor") if v["id"] == vendor_id)
        return vendor.get("email") == "qbo-edit@vendor.example"

    await wait_for(bill_has_qbo_version, timeout=30, what="QBO's version written to BILL")
    await world.wait_qbo(
        "Vendor",
        "QBO's version restored in QBO",
        lambda v: v["Id"] == qbo_vendor["Id"] and email(v) == ("qbo-edit@vendor.example"),
    )
    assert len(await world.qbo("Vendor", DisplayName="Conflicted Vendor Co")) == 1


async def _quiet(world: World, seconds: float) -> None:
    """Wait until the engine and posting have consumed everything on this system's topics
    (consumer lag 0, as the ops tooling measures it) and the sync log has not grown for
    ``seconds``: the set-up's backlog is handled, so the next edit is a conflict, not a first sync."""
    topics = set(world.system.topics.all())
    groups = ["ledgerbridge-sync-engine", "ledgerbridge-posting"]
    last, still = -1, 0.0
    while still < seconds:
        rows = await measure_lag(KAFKA, groups)
        behind = sum(r.lag_messages for r in rows if r.topic in topics)
        count = len(await world.scenario.sync_log(world.company))
        still = still + 0.5 if count == last and behind == 0 else 0.0
        last = count
        await asyncio.sleep(0.5)


async def _vendor_synced(world: World, vendor_id: str) -> bool:
    log = await world.scenario.sync_log(world.company, object_type="vendor", status="posted")
    return any(vendor_id in e["source_ref"] for e in log)
