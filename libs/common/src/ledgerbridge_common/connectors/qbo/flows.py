"""BILL's QuickBooks Online sync matrix (``shared/reference/billcom.md`` §3.1; help.bill.com
115005969246, vendorpayhelp 360022590891): lists two-way; bills and invoices from BILL, and from
QBO only new unpaid ones; vendor credits, bill payments, received payments, funds transfers and
journals from BILL only. Bill payments may be switched to both ways ("2-Way AP Payment Sync", an
option BILL offers for QBO only)."""

from __future__ import annotations

from ledgerbridge_common.canonical.models import ObjectType
from ledgerbridge_common.connectors.capabilities import Flow

T = ObjectType
QBO_FLOWS: dict[ObjectType, Flow] = {
    **dict.fromkeys((T.VENDOR, T.CUSTOMER, T.ACCOUNT, T.CLASS, T.DEPARTMENT, T.LOCATION, T.ITEM), Flow.TWO_WAY),
    T.BILL: Flow.FROM_BILLCOM_UNPAID_FROM_LEDGER,
    T.INVOICE: Flow.FROM_BILLCOM_UNPAID_FROM_LEDGER,
    **dict.fromkeys(
        (T.VENDOR_CREDIT, T.BILL_PAYMENT, T.RECEIVED_PAYMENT, T.FUNDS_TRANSFER, T.JOURNAL_ENTRY), Flow.FROM_BILLCOM
    ),
}
QBO_OPTIONAL_TWO_WAY = frozenset({T.BILL_PAYMENT})
