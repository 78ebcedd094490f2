"""The ledger's lists a bookkeeper picks preference values from."""

from __future__ import annotations

from fastapi import APIRouter

from ledgerbridge_common.connectors.lists import ListKind, ListValue
from prefs_api.deps import Reader, ServicesDep
from prefs_api.handlers import lists as handlers
from prefs_api.problems import problem_responses
from prefs_api.schemas import LedgerListsOut

router = APIRouter(
    prefix="/v1/connections/{connection_id}",
    tags=["preferences"],
    responses=problem_responses(401, 403, 404, 422),
)


@router.get("/lists", response_model=LedgerListsOut, responses=problem_responses(409, 503))
async def read_ledger_lists(services: ServicesDep, principal: Reader, connection_id: str) -> LedgerListsOut:
    """Which lists the connection's ledger offers for the preferences, and the entity or subsidiary
    the connection is linked to."""
    return await handlers.offered(services, principal, connection_id)


@router.get("/lists/{kind}", response_model=list[ListValue], responses=problem_responses(409, 502, 503))
async def read_ledger_list(
    services: ServicesDep, principal: Reader, connection_id: str, kind: ListKind
) -> list[ListValue]:
    """One of the ledger's lists (inactive entries included): the ``id`` is what a preference
    stores (Funds Transfer Location takes a location id...). 409 when the ledger has no such list."""
    return await handlers.entries(services, principal, connection_id, kind)
