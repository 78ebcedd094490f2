"""How BILL syncs with NetSuite (reference ``shared/reference/netsuite-api.md`` §8), as data the
engine consults and as the reasons a bookkeeper reads.

- ``NETSUITE_FLOWS``: the direction matrix (HB:360021049331). Lists and unpaid documents go both
  ways (a bill or credit from NetSuite only while nothing is paid or applied, and NetSuite's edits
  of a bill never come back); paid bills, payments, applied credits, funds transfers and voids go
  from BILL only; a bill deleted in NetSuite while unpaid is removed from BILL too
  (``unpaid_deletes_from_ledger``; NetSuite refuses deletes in closed periods itself). The
  books-closed date comes from NetSuite only and is read, not synced (``periods.py``); projects
  come from NetSuite only (BILL's jobs, read-only there).
- ``paid_first_reason``: a payment already recorded in NetSuite makes BILL's payment of the same
  bill fail; BILL's advice is to mark the bill paid in BILL instead (SB:205021059).
- ``subsidiary_reason``: each BILL organization is linked to one subsidiary (SB:214464623), and
  NetSuite refuses a department, location, class, account, currency or vendor of another one
  (reference §6); the refusal is said in those terms, and ``usable_in`` keeps the chart of
  accounts offered to the organization to its subsidiary.
"""

from __future__ import annotations

import re
from decimal import Decimal

from ledgerbridge_common.canonical.models import Bill, BillPayment, ObjectType
from ledgerbridge_common.connectors.capabilities import Flow

T = ObjectType
WRONG_SUBSIDIARY = re.compile(r"Invalid (?P<kind>[a-z ]+?) reference key (?P<key>\S+) for subsidiary (?P<sub>[^\s.]+)")
"""NetSuite's text for a reference outside the transaction's subsidiary (fylein ``errors.py``, reference §3)."""
NETSUITE_FLOWS: dict[ObjectType, Flow] = {
    T.VENDOR: Flow.TWO_WAY,
    T.CUSTOMER: Flow.TWO_WAY,
    T.ACCOUNT: Flow.TWO_WAY,
    T.CLASS: Flow.TWO_WAY,
    T.DEPARTMENT: Flow.TWO_WAY,
    T.LOCATION: Flow.TWO_WAY,
    T.PROJECT: Flow.FROM_LEDGER,
    T.ITEM: Flow.TWO_WAY,
    T.BILL: Flow.FROM_BILLCOM_UNPAID_FROM_LEDGER,
    T.VENDOR_CREDIT: Flow.FROM_BILLCOM_UNPAID_FROM_LEDGER,
    T.INVOICE: Flow.FROM_BILLCOM_UNPAID_FROM_LEDGER,
    T.BILL_PAYMENT: Flow.FROM_BILLCOM,
    T.RECEIVED_PAYMENT: Flow.FROM_BILLCOM,
    T.FUNDS_TRANSFER: Flow.FROM_BILLCOM,
    T.JOURNAL_ENTRY: Flow.FROM_BILLCOM,
}


def paid_first_reason(payment: BillPayment, bills: dict[str, Bill | None]) -> str | None:
    """The plain reason when a bill this payment applies to was already paid in NetSuite (its
    balance there is below what BILL pays), else ``None``. ``bills``: NetSuite's bills by id."""
    for applied in payment.applied_to:
        bill = bills.get(applied.document_id)
        if bill is None:
            continue
        balance = bill.side_status.get("balance")
        if balance is None or Decimal(str(balance)) >= applied.amount:
            continue
        number = f" {bill.number}" if bill.number else ""
        return (
            f"The bill{number} was already paid in NetSuite (a payment was recorded in NetSuite first, "
            f"leaving {Decimal(str(balance)):.2f} of it open), so BILL's payment of {applied.amount:.2f} "
            "cannot be applied to it. Pay bills in BILL, or, when a bill was paid outside BILL, mark it "
            "paid in BILL and let that payment sync to NetSuite; delete the payment entered in NetSuite, "
            "then replay."
        )
    return None


def subsidiary_reason(message: str, subsidiary_name: str) -> str | None:
    """The plain reason for NetSuite's "Invalid <kind> reference key N for subsidiary M", else ``None``."""
    found = WRONG_SUBSIDIARY.search(message)
    if found is None:
        return None
    kind, key = found["kind"], found["key"]
    kind = "vendor or customer" if kind == "entity" else kind
    return (
        f"The {kind} with NetSuite id {key} does not belong to the subsidiary '{subsidiary_name}' this BILL "
        f"organization is linked to, and NetSuite accepts only records of that subsidiary: choose a {kind} of "
        f"'{subsidiary_name}' (or share this one with it in NetSuite), then replay."
    )


def usable_in(listed: str | None, include_children: bool, chain: list[str]) -> bool:
    """Whether a record of several subsidiaries (SuiteQL's comma-separated ``subsidiary``, as in
    timdietrich.me "accounts by subsidiary") is usable in ``chain[0]``: listed there, or listed at
    an ancestor (``chain[1:]``) with Include Children (reference §6)."""
    ids = {part.strip() for part in (listed or "").split(",") if part.strip()}
    if chain[0] in ids:
        return True
    return include_children and any(ancestor in ids for ancestor in chain[1:])
