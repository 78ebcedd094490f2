"""The reconciliation report through the API (real PostgreSQL; the connectors are fakes holding
each side's documents): books that agree give no line; after a bill is deleted by hand in the
ledger, the vendor's open payables differ and the bill is listed as only in BILL; a clearing
account not back to 0 is a line."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from ledgerbridge_common.canonical.models import AppliedTo, Bill, BillPayment, TransactionLine, Vendor
from ledgerbridge_common.errors import InfrastructureError
from tests.integration.prefs_api.conftest import PrefsApi

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]
LINE = (TransactionLine(amount=Decimal("100.00")),)


def bill(bid: str, vendor: str, **status: object) -> Bill:
    return Bill(id=bid, vendor_id=vendor, number=f"N-{bid}", date=dt.date(2026, 12, 1), lines=LINE, side_status=status)


async def test_reconciliation_report(prefs_api: PrefsApi) -> None:
    cid = (await prefs_api.new_connection())["id"]
    billcom, ledger = prefs_api.billcom.objects, prefs_api.ledger.objects
    billcom[("vendor", "009A")] = Vendor(id="009A", name="Acme")
    ledger[("vendor", "58")] = Vendor(id="58", name="Acme")
    for n in range(3):
        billcom[("bill", f"00n{n}")] = bill(f"00n{n}", "009A", dueAmount="100.00")
        ledger[("bill", f"14{n}")] = bill(f"14{n}", "58", balance="100.00", tag=f"LB:billcom:bill:00n{n}")
    async with prefs_api.client(prefs_api.admin) as http:
        agree = await http.get(f"/v1/connections/{cid}/reconciliation")
        del ledger[("bill", "141")]  # deleted by hand in the ledger
        differ = await http.get(f"/v1/connections/{cid}/reconciliation")
    assert agree.status_code == 200, agree.text
    assert agree.json()["lines"] == [] and agree.json()["differences"] == 0
    lines = differ.json()["lines"]
    assert [(x["kind"], x["key"], x["difference"]) for x in lines] == [
        ("open_payables", "Acme", "100.00"),
        ("only_in_billcom", "bill N-00n1 (Acme)", "100.00"),
    ]
    assert lines[1]["billcom_ref"] == "billcom:bill:00n1"


async def test_a_clearing_balance_computed_from_the_ledger_and_a_ledger_error_is_502(prefs_api: PrefsApi) -> None:
    """The fake chart reports no balance: Money Out Clearing's comes from the ledger's bill payment
    out of it; a ledger that fails while it is read answers 502, as for the documents."""
    cid = (await prefs_api.new_connection())["id"]
    paid = BillPayment(
        id="301", vendor_id="58", date=dt.date(2026, 12, 1), amount=Decimal("45.00"), bank_account_id="91",
        applied_to=(AppliedTo(document_id="141", amount=Decimal("45.00")),),
    )  # fmt: skip
    prefs_api.ledger.put(paid)
    async with prefs_api.client(prefs_api.admin) as http:
        clearing = {"money_out_clearing_account": "91", "money_in_clearing_account": "92"}
        patched = await http.patch(f"/v1/connections/{cid}/preferences", json=clearing, headers={"If-Match": "*"})
        assert patched.status_code == 200, patched.text
        short = await http.get(f"/v1/connections/{cid}/reconciliation")
        prefs_api.ledger.inject("read", InfrastructureError("ledger down", vendor="qbo", code="503"))
        failed = await http.get(f"/v1/connections/{cid}/reconciliation")
    assert short.status_code == 200, short.text
    (line,) = short.json()["lines"]
    assert (line["kind"], line["key"]) == ("clearing_balance", "BILL Money Out Clearing")
    assert line["ledger_amount"] == "-45.00"
    assert "computed from QuickBooks Online's bill payments" in line["note"]
    assert [(c["account_id"], c["balance"]) for c in short.json()["clearing"]] == [("91", "-45.00"), ("92", "0.00")]
    assert failed.status_code == 502, failed.text
