"""What syncs, and which way: BILL's sync matrix per ledger kind (the cells a bookkeeper may choose,
../shared/reference/billcom.md §3.1 "Direction matrices") and the bookkeeper's choice per object
type (the ``what_syncs`` preference). prefs-api validates a choice against the cell, the engine
skips what the choice refuses, and the sweeps do not read a side nothing is taken from."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from ledgerbridge_common.canonical.models import ObjectType
from ledgerbridge_common.events.models import LedgerKind, Side


class SyncDirection(StrEnum):
    OFF = "off"
    FROM_BILLCOM = "billcom_to_ledger"
    FROM_LEDGER = "ledger_to_billcom"
    BOTH = "both"

    def takes_from(self, side: Side) -> bool:
        if self is SyncDirection.BOTH:
            return True
        return self is (SyncDirection.FROM_BILLCOM if side is Side.BILLCOM else SyncDirection.FROM_LEDGER)


DIRECTION_LABELS = {
    SyncDirection.OFF: "off",
    SyncDirection.FROM_BILLCOM: "BILL → ledger",
    SyncDirection.FROM_LEDGER: "ledger → BILL",
    SyncDirection.BOTH: "both ways",
}


@dataclass(frozen=True)
class Cell:
    """One object type in one ledger's matrix: the directions BILL offers, the default, and
    whether objects from the ledger are taken only while new and unpaid (bills, invoices)."""

    allowed: frozenset[SyncDirection]
    default: SyncDirection
    unpaid_only_from_ledger: bool = False


D = SyncDirection
T = ObjectType
ANY = frozenset(D)
_LIST = Cell(ANY, D.BOTH)
_ONE_WAY = Cell(frozenset({D.OFF, D.FROM_BILLCOM}), D.FROM_BILLCOM)
_UNPAID_DOC = Cell(frozenset({D.OFF, D.FROM_BILLCOM, D.BOTH}), D.BOTH, unpaid_only_from_ledger=True)
_LISTS = (T.VENDOR, T.CUSTOMER, T.ACCOUNT, T.CLASS, T.DEPARTMENT, T.LOCATION, T.ITEM)
_MONEY = (T.BILL_PAYMENT, T.RECEIVED_PAYMENT, T.FUNDS_TRANSFER, T.JOURNAL_ENTRY)

MATRICES: dict[LedgerKind, dict[ObjectType, Cell]] = {
    # help.bill.com 115005969246: lists and unpaid bills/invoices 2-way (bills with a 1-way
    # option); vendor credits, AR payments, funds transfers 1-way from BILL; AP payments 1-way
    # with the optional "2-Way AP Payment Sync" (QBO only).
    LedgerKind.QUICKBOOKS_ONLINE: {
        **dict.fromkeys(_LISTS, _LIST),
        T.BILL: _UNPAID_DOC,
        T.INVOICE: _UNPAID_DOC,
        T.VENDOR_CREDIT: _ONE_WAY,
        **dict.fromkeys(_MONEY, _ONE_WAY),
        T.BILL_PAYMENT: Cell(frozenset({D.OFF, D.FROM_BILLCOM, D.BOTH}), D.FROM_BILLCOM),
    },
    # support.bill.com 360020764232: lists 2-way; unpaid bills, unapplied vendor credits (1-way
    # option) and unpaid invoices 2-way; payments, funds transfers, voids 1-way from BILL.
    LedgerKind.SAGE_INTACCT: {
        **dict.fromkeys(_LISTS, _LIST),
        T.BILL: _UNPAID_DOC,
        T.VENDOR_CREDIT: _UNPAID_DOC,
        T.INVOICE: _UNPAID_DOC,
        **dict.fromkeys(_MONEY, _ONE_WAY),
    },
    # vendorpayhelp 360020797152: lists 2-way; bills and unapplied credits 2-way (1-way toggle);
    # payments, funds transfers, voids 1-way from BILL; AR off by default.
    LedgerKind.ORACLE_NETSUITE: {
        **dict.fromkeys(_LISTS, _LIST),
        T.BILL: _UNPAID_DOC,
        T.VENDOR_CREDIT: _UNPAID_DOC,
        T.INVOICE: Cell(_UNPAID_DOC.allowed, D.OFF, unpaid_only_from_ledger=True),
        **dict.fromkeys(_MONEY, _ONE_WAY),
        T.RECEIVED_PAYMENT: Cell(_ONE_WAY.allowed, D.OFF),
    },
}

WhatSyncs = Mapping[ObjectType, SyncDirection]


def matrix(kind: LedgerKind) -> dict[ObjectType, Cell]:
    """The cells of ``kind`` (empty for a ledger kind LedgerBridge does not connect)."""
    return MATRICES.get(kind, {})


def cell(kind: LedgerKind, object_type: ObjectType) -> Cell | None:
    return matrix(kind).get(object_type)


def chosen(kind: LedgerKind, object_type: ObjectType, what_syncs: WhatSyncs) -> SyncDirection:
    """The direction in force: the bookkeeper's choice, else the cell's default (off when the
    ledger has no cell for the type)."""
    found = cell(kind, object_type)
    if found is None:
        return D.OFF
    return what_syncs.get(object_type, found.default)


def types_read_from(
    kind: LedgerKind, side: Side, what_syncs: WhatSyncs, among: tuple[ObjectType, ...]
) -> tuple[ObjectType, ...]:
    """Of ``among``, the types anything is taken from on ``side`` (the sweeps read only these)."""
    return tuple(t for t in among if chosen(kind, t, what_syncs).takes_from(side))


def preference_name(object_type: ObjectType) -> str:
    return f"what_syncs.{object_type.value}"
