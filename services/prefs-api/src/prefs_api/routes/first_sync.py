"""A safe first sync: its preview and its start; the What Syncs matrix of a connection."""

from __future__ import annotations

from fastapi import APIRouter

from prefs_api.deps import Reader, ServicesDep, Writer
from prefs_api.first_sync_schemas import FirstSyncPreview, FirstSyncStart, FirstSyncStarted, WhatSyncsView
from prefs_api.handlers import first_sync as handlers
from prefs_api.problems import problem_responses

router = APIRouter(
    prefix="/v1/connections/{connection_id}",
    tags=["first sync"],
    responses=problem_responses(401, 403, 404, 422),
)


@router.get("/first-sync/preview", response_model=FirstSyncPreview, responses=problem_responses(409, 502, 503))
async def preview_first_sync(services: ServicesDep, principal: Reader, connection_id: str) -> FirstSyncPreview:
    """Per BILL object type, what the first sync will do: create, link to an existing ledger
    object (same name; for documents the same vendor or customer, number and amount, the date
    breaking a tie), skip (before the start date, not approved, excluded by What Syncs), or
    leave to you (several ledger documents match: the conflicts inbox), with examples. Reads both
    sides; writes nothing."""
    return await handlers.preview(services, principal, connection_id)


@router.post(
    "/first-sync",
    status_code=202,
    response_model=FirstSyncStarted,
    responses=problem_responses(409, 503),
)
async def start_first_sync(
    services: ServicesDep, principal: Writer, connection_id: str, body: FirstSyncStart
) -> FirstSyncStarted:
    """Start the first sync (until then nothing is written on either side), optionally with a
    new start date. 409 when it has started already."""
    return await handlers.start(services, principal, connection_id, body.start_date)


@router.get("/what-syncs", response_model=WhatSyncsView)
async def read_what_syncs(services: ServicesDep, principal: Reader, connection_id: str) -> WhatSyncsView:
    """Per object type: the directions BILL offers for this ledger, the default and the current
    choice. Change it with `PATCH .../preferences` `{"what_syncs": {"invoice": "off"}}`."""
    return await handlers.what_syncs(services, principal, connection_id)
