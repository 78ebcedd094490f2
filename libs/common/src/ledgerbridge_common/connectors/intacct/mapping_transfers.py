"""Funds transfers: a BILL disbursement or deposit run is booked as a ``GLBATCH`` journal entry
(Dr the account the money went to, Cr the account it left), in the transfer's journal (the Funds
Transfer Journal Symbol preference, else the company's journal for LedgerBridge entries), with the
Funds Transfer Location and Department on both lines (reference §7: BILL help HB115005443106;
booking it as ``GLBATCH`` is the reference's inference, no XML funds-transfer create is public)."""

from __future__ import annotations

from ledgerbridge_common.canonical.models import FundsTransfer, ObjectType
from ledgerbridge_common.connectors.intacct.mapping_common import (
    NO_DATE,
    CompanySetup,
    ObjectMap,
    amount,
    common,
    fmt_date,
    parse_date,
    with_marker,
    without_marker,
)
from ledgerbridge_common.connectors.intacct.xmlcodec import Record, items, text

TRANSFER_TITLE = "LedgerBridge funds transfer"
DEBIT, CREDIT = "1", "-1"


def transfer_to(t: FundsTransfer, setup: CompanySetup, tag: str | None) -> Record:
    location = t.location_id or setup.journal_location or setup.entity_id or None

    def line(account_id: str, tr_type: str) -> Record:
        return {
            "ACCOUNTNO": account_id,
            "TR_TYPE": tr_type,
            "TRX_AMOUNT": str(t.amount),
            "DESCRIPTION": t.memo,
            "LOCATION": location,
            "DEPARTMENT": t.department_id,
        }

    return {
        "RECORDNO": t.id,
        "JOURNAL": t.journal or setup.journal_symbol,
        "BATCH_DATE": fmt_date(t.date),
        "BATCH_TITLE": with_marker(t.memo or TRANSFER_TITLE, tag),
        "ENTRIES": {"GLENTRY": [line(t.to_account_id, DEBIT), line(t.from_account_id, CREDIT)]},
    }


def transfer_from(r: Record, setup: CompanySetup) -> FundsTransfer:
    entries = items(r, "ENTRIES", "GLENTRY")
    debit = next((e for e in entries if text(e, "TR_TYPE") == DEBIT), {})
    credit = next((e for e in entries if text(e, "TR_TYPE") == CREDIT), {})
    memo = without_marker(text(r, "BATCH_TITLE"))
    return FundsTransfer(
        **common(r, setup, "RECORDNO"),
        date=parse_date(text(r, "BATCH_DATE")) or NO_DATE,
        amount=amount(text(debit, "TRX_AMOUNT") or text(debit, "AMOUNT")),
        from_account_id=text(credit, "ACCOUNTNO"),
        to_account_id=text(debit, "ACCOUNTNO"),
        memo=None if memo == TRANSFER_TITLE else memo,
        journal=text(r, "JOURNAL") or None,
        location_id=text(debit, "LOCATION") or None,
        department_id=text(debit, "DEPARTMENT") or None,
    )


TRANSFER_MAP = ObjectMap(
    ObjectType.FUNDS_TRANSFER, "GLBATCH", "RECORDNO", None, "BATCH_TITLE", transfer_to, transfer_from
)
