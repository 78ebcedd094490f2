"""One direction table per ledger: the connector's declared flows. What Syncs' cells are derived
from it, so the default a bookkeeper sees (and the first-sync preview applies) is what the engine
does when no choice is made."""

from __future__ import annotations

import pytest

from ledgerbridge_common.canonical.models import ObjectType
from ledgerbridge_common.connectors.capabilities import Flow
from ledgerbridge_common.connectors.declared import DECLARED, declared_flows
from ledgerbridge_common.events import LedgerKind, Side
from ledgerbridge_common.what_syncs import CELLS, SyncDirection, chosen, matrix
from sync_engine.domain.directions import blocked_direction

KINDS = sorted(DECLARED)


def test_every_flow_has_a_cell() -> None:
    assert set(CELLS) == set(Flow)


@pytest.mark.parametrize("kind", KINDS)
def test_what_syncs_offers_exactly_the_types_the_connector_syncs(kind: LedgerKind) -> None:
    flows = DECLARED[kind].flows
    assert flows, f"{kind} declares no flows"
    assert set(matrix(kind)) == set(flows)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("object_type", list(ObjectType))
@pytest.mark.parametrize("side", [Side.BILLCOM, Side.LEDGER])
def test_the_default_direction_is_what_the_engine_does_without_a_choice(
    kind: LedgerKind, object_type: ObjectType, side: Side
) -> None:
    """A new, unpaid object from either side: the engine lets it through exactly when What Syncs'
    default (no choice made) takes the type from that side."""
    engine_takes = blocked_direction(kind, object_type, side, None, linked=False) is None
    assert chosen(kind, object_type, {}).takes_from(side) is engine_takes


def test_optional_two_way_is_offered_only_where_the_connector_declares_it() -> None:
    qbo, netsuite = matrix(LedgerKind.QUICKBOOKS_ONLINE), matrix(LedgerKind.ORACLE_NETSUITE)
    assert SyncDirection.BOTH in qbo[ObjectType.BILL_PAYMENT].allowed
    assert qbo[ObjectType.BILL_PAYMENT].default is SyncDirection.FROM_BILLCOM
    assert SyncDirection.BOTH not in netsuite[ObjectType.BILL_PAYMENT].allowed


def test_a_kind_without_a_connector_offers_nothing_and_syncs_nothing() -> None:
    assert matrix(LedgerKind.XERO) == {} and declared_flows(LedgerKind.XERO) == {}
    assert chosen(LedgerKind.XERO, ObjectType.BILL, {}) is SyncDirection.OFF
    assert blocked_direction(LedgerKind.XERO, ObjectType.BILL, Side.BILLCOM, None, linked=False) is not None
