"""A ledger delete that BILL copies although the type otherwise flows from the ledger only while new:
an unpaid document deleted in the ledger (NetSuite: "deletes of unpaid bills in open periods"
sync both ways, HB:360021049331). The connector declares the types
(``capabilities.unpaid_deletes_from_ledger``); BILL's copy must still be unpaid."""

from __future__ import annotations

from ledgerbridge_common.events import Side
from sync_engine.domain.directions import is_paid
from sync_engine.domain.model import Inputs


def copies_unpaid_delete(inp: Inputs) -> bool:
    change, declared = inp.change, inp.capabilities
    if declared is None or change.side is not Side.LEDGER or change.operation != "deleted":
        return False
    if change.object_type not in declared.unpaid_deletes_from_ledger:
        return False
    return inp.counterpart is not None and not is_paid(inp.counterpart)
