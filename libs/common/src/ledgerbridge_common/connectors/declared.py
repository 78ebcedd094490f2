"""What each ledger kind's connector declares before any connection is made (its
:class:`~ledgerbridge_common.connectors.capabilities.LedgerCapabilities`), for code that knows a
connection's ledger kind but holds no connector: What Syncs' cells, the engine's direction rule
without a connector's capabilities in hand. A new ledger adds one entry here, next to its builder
in ``factory.LEDGERS``."""

from __future__ import annotations

from collections.abc import Mapping

from ledgerbridge_common.canonical.models import ObjectType
from ledgerbridge_common.connectors.capabilities import Flow, LedgerCapabilities
from ledgerbridge_common.connectors.intacct.connector import INTACCT_CAPABILITIES
from ledgerbridge_common.connectors.netsuite.connector import NETSUITE_CAPABILITIES
from ledgerbridge_common.connectors.qbo.connector import QBO_CAPABILITIES
from ledgerbridge_common.events.models import LedgerKind

DECLARED: dict[LedgerKind, LedgerCapabilities] = {
    LedgerKind.QUICKBOOKS_ONLINE: QBO_CAPABILITIES,
    LedgerKind.SAGE_INTACCT: INTACCT_CAPABILITIES,
    LedgerKind.ORACLE_NETSUITE: NETSUITE_CAPABILITIES,
}


def declared(kind: LedgerKind) -> LedgerCapabilities | None:
    """The capabilities ``kind``'s connector declares (``None`` for a kind without a connector)."""
    return DECLARED.get(kind)


def declared_flows(kind: LedgerKind) -> Mapping[ObjectType, Flow]:
    """``kind``'s direction table (empty for a kind without a connector: nothing syncs)."""
    found = declared(kind)
    return found.flows or {} if found is not None else {}
