"""What syncs, and which way: the cells a bookkeeper may choose per ledger kind, derived from the
ledger connector's direction table (``capabilities.flows``, BILL's sync matrix of
../shared/reference/billcom.md §3.1 "Direction matrices"), and the bookkeeper's choice per object
type (the ``what_syncs`` preference). A cell's default is what the engine does without a choice.
prefs-api validates a choice against the cell, the engine skips what the choice refuses, and the
sweeps do not read a side nothing is taken from."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from ledgerbridge_common.canonical.models import ObjectType
from ledgerbridge_common.connectors.capabilities import Flow, LedgerCapabilities
from ledgerbridge_common.connectors.declared import declared
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
_LIST = Cell(frozenset(D), D.BOTH)
_ONE_WAY = Cell(frozenset({D.OFF, D.FROM_BILLCOM}), D.FROM_BILLCOM)
_FROM_LEDGER = Cell(frozenset({D.OFF, D.FROM_LEDGER}), D.FROM_LEDGER)
_OPTIONAL_TWO_WAY = Cell(frozenset({D.OFF, D.FROM_BILLCOM, D.BOTH}), D.FROM_BILLCOM)
_UNPAID_DOC = Cell(frozenset({D.OFF, D.FROM_BILLCOM, D.BOTH}), D.BOTH, unpaid_only_from_ledger=True)
CELLS: dict[Flow, Cell] = {
    Flow.TWO_WAY: _LIST,
    Flow.FROM_BILLCOM: _ONE_WAY,
    Flow.FROM_LEDGER: _FROM_LEDGER,
    Flow.FROM_BILLCOM_UNPAID_FROM_LEDGER: _UNPAID_DOC,
    Flow.TWO_WAY_WHILE_UNPAID: _UNPAID_DOC,
}
"""The cell BILL offers for each flow: lists any direction; one-way types off or from BILL;
types read-only in BILL off or from the ledger; documents that come from the ledger only while
unpaid off, from BILL or both ways."""


def cells(capabilities: LedgerCapabilities) -> dict[ObjectType, Cell]:
    """The cells of a connector's declared flows (``optional_two_way`` types may also go both ways)."""
    flows = capabilities.flows or {}
    return {
        t: _OPTIONAL_TWO_WAY if flow is Flow.FROM_BILLCOM and t in capabilities.optional_two_way else CELLS[flow]
        for t, flow in flows.items()
    }


WhatSyncs = Mapping[ObjectType, SyncDirection]


@functools.cache
def matrix(kind: LedgerKind) -> dict[ObjectType, Cell]:
    """The cells of ``kind``'s connector (empty for a ledger kind LedgerBridge does not connect)."""
    found = declared(kind)
    return {} if found is None else cells(found)


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
