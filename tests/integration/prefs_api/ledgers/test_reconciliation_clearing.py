"""The reconciliation report's clearing balances for the ledgers whose chart of accounts reports no
balance (Sage Intacct, NetSuite), read by the real connectors from their sandboxes: a bill payment
out of Money Out Clearing without its disbursement run leaves the clearing account short (a
``clearing_balance`` line, computed from the ledger's payments and journal entries); once the run's
journal is in, the account is back to 0 and the report has no clearing line."""

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
    AccountType,
    AppliedTo,
    Bill,
    BillPayment,
    Classifications,
    JournalEntry,
    JournalLine,
    TransactionLine,
    Vendor,
)
from ledgerbridge_common.connectors.budget import MemoryLedgerBudgets
from ledgerbridge_common.connectors.intacct import IntacctConnector, IntacctLogin
from ledgerbridge_common.connectors.netsuite import NetSuiteConnector, TbaCredentials
from ledgerbridge_common.connectors.ports import LedgerConnector
from tests.integration.prefs_api.ledgers.conftest import (
    Served,
    body,
    intacct_company,
    intacct_login,
    netsuite_account,
    netsuite_login,
)

pytestmark = [pytest.mark.integration, pytest.mark.timeout(90)]
TODAY = dt.date.today()
PAID = Decimal("70.00")


async def connect(api: httpx.AsyncClient, kind: str, clearing: tuple[str, str], **blocks: Any) -> str:
    created = await api.post("/v1/connections", json=body(kind, **blocks))
    assert created.status_code == 201, created.text
    cid = str(created.json()["id"])
    prefs = {"money_out_clearing_account": clearing[0], "money_in_clearing_account": clearing[1]}
    patched = await api.patch(f"/v1/connections/{cid}/preferences", json=prefs, headers={"If-Match": "*"})
    assert patched.status_code == 200, patched.text
    return cid


async def report(api: httpx.AsyncClient, cid: str) -> dict[str, Any]:
    answer = await api.get(f"/v1/connections/{cid}/reconciliation")
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def clearing_lines(rec: dict[str, Any]) -> list[tuple[str, Decimal, str]]:
    return [(x["key"], Decimal(x["ledger_amount"]), x["note"]) for x in rec["lines"] if x["kind"] == "clearing_balance"]


def balances(rec: dict[str, Any]) -> dict[str, Decimal]:
    return {c["account_id"]: Decimal(c["balance"]) for c in rec["clearing"]}


async def pay_a_bill(ledger: LedgerConnector, expense: str, paid_from: str) -> None:
    """A bill paid in full out of ``paid_from``, as posting writes BILL's payment."""
    vendor = await ledger.create(Vendor(name=f"Clearing Co {uuid.uuid4().hex[:6]}"), request_id=uuid.uuid4().hex)
    line = TransactionLine(amount=PAID, classifications=Classifications(account_id=expense))
    bill = await ledger.create(Bill(vendor_id=str(vendor.id), date=TODAY, lines=(line,)), request_id=uuid.uuid4().hex)
    payment = BillPayment(
        vendor_id=str(vendor.id),
        date=TODAY,
        amount=PAID,
        applied_to=(AppliedTo(document_id=str(bill.id), amount=PAID),),
        bank_account_id=paid_from,
    )
    await ledger.create(payment, request_id=uuid.uuid4().hex)


async def disbursement_run(ledger: LedgerConnector, clearing: str, bank: str) -> None:
    """BILL's disbursement run as a journal: the bank funds Money Out Clearing."""
    lines = (
        JournalLine(posting_type="Debit", amount=PAID, account_id=clearing),
        JournalLine(posting_type="Credit", amount=PAID, account_id=bank),
    )
    await ledger.create(JournalEntry(date=TODAY, lines=lines), request_id=uuid.uuid4().hex)


async def test_intacct_clearing_is_short_until_the_run_is_in(served: Served, api: httpx.AsyncClient) -> None:
    company = intacct_company(served)
    for bank_id, gl in (("BILL-OUT", "1010"), ("BILL-IN", "1020")):
        record = {"BANKACCOUNTID": bank_id, "BANKNAME": "BILL", "GLACCOUNTNO": gl, "CURRENCY": "USD"}
        url = f"{served.intacct}/_sandbox/companies/{company}/records/CHECKINGACCOUNT"
        httpx.post(url, json=record, timeout=10).raise_for_status()
    cid = await connect(api, "sage_intacct", ("1010", "1020"), intacct=intacct_login(company))
    async with httpx.AsyncClient(timeout=30) as http:
        login = IntacctLogin(DEMO_SENDER[0], DEMO_SENDER[1], DEMO_USER[0], DEMO_USER[1], company, "")
        endpoint = f"{served.intacct}/ia/xml/xmlgw.phtml"
        intacct = IntacctConnector(http, login, endpoint=endpoint, budgets=MemoryLedgerBudgets())
        await pay_a_bill(intacct, "6000", "BILL-OUT")  # an Intacct payment names the checking account
        short = await report(api, cid)
        await disbursement_run(intacct, "1010", "1000")
        settled = await report(api, cid)

    computed = "computed from Sage Intacct's bill payments, received payments and journal entries"
    ((name, amount, note),) = clearing_lines(short)
    assert (name, amount) == ("Bill.com Money Out Clearing", -PAID)
    assert note.startswith(f"money_out_clearing_account must be 0 after runs; {computed}")
    assert balances(short) == {"1010": -PAID, "1020": 0}
    assert clearing_lines(settled) == [] and balances(settled) == {"1010": 0, "1020": 0}
    assert all(c["source"].startswith(computed) for c in settled["clearing"]) and not settled["truncated"]


async def test_netsuite_clearing_is_short_until_the_run_is_in(served: Served, api: httpx.AsyncClient) -> None:
    account = netsuite_account(served)
    seeded = account["seeded"]
    us = str(seeded["subsidiary"]["US Subsidiary"])
    tba = account["tba"]
    creds = TbaCredentials(
        account["account_id"], tba["consumer_key"], tba["consumer_secret"], tba["token_id"], tba["token_secret"]
    )
    async with httpx.AsyncClient(timeout=30) as http:
        netsuite = NetSuiteConnector(
            http, creds, subsidiary_id=us, base_url=served.netsuite, budgets=MemoryLedgerBudgets()
        )
        out, into = [
            str((await netsuite.create(Account(name=n, account_type=AccountType.BANK), request_id=uuid.uuid4().hex)).id)
            for n in ("BILL Money Out Clearing", "BILL Money In Clearing")
        ]
        cid = await connect(api, "oracle_netsuite", (out, into), netsuite=netsuite_login(account, subsidiary_id=us))
        await pay_a_bill(netsuite, str(seeded["account"]["Office Supplies"]), out)
        short = await report(api, cid)
        await disbursement_run(netsuite, out, str(seeded["account"]["US Checking"]))
        settled = await report(api, cid)

    computed = "computed from Oracle NetSuite's bill payments, received payments and journal entries"
    ((name, amount, note),) = clearing_lines(short)
    assert (name, amount) == ("BILL Money Out Clearing", -PAID)
    assert note.startswith(f"money_out_clearing_account must be 0 after runs; {computed}")
    assert balances(short) == {out: -PAID, into: 0}
    assert clearing_lines(settled) == [] and balances(settled) == {out: 0, into: 0}
    assert all(c["source"].startswith(computed) for c in settled["clearing"]) and not settled["truncated"]
