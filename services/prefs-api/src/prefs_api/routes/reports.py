"""Exports for the bookkeeper: the sync log and the sync report for a date range, as CSV or
JSON, streamed (``adapters/exports.py``)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from prefs_api.adapters import exports
from prefs_api.deps import Reader, ServicesDep
from prefs_api.handlers import reconcile, sync
from prefs_api.log_schemas import Status
from prefs_api.problems import problem_responses
from prefs_api.schemas import Reconciliation

router = APIRouter(prefix="/v1", tags=["sync log"], responses=problem_responses(401, 403, 404, 422, 409, 502, 503))
FormatQuery = Annotated[exports.Format, Query(alias="format", description="csv (with a header line) or json")]
ConnectionFilter = Annotated[str | None, Query(max_length=64)]


def _content(items: dict[str, Any]) -> dict[int | str, dict[str, Any]]:
    return {
        200: {
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                "application/json": {"schema": {"type": "array", "items": items}},
            },
            "description": "The rows, streamed.",
        }
    }


LOG_ITEM = {"type": "object", "additionalProperties": True, "required": ["id", "status", "source_ref"]}
REPORT_ITEM = {
    "type": "object",
    "required": list(exports.REPORT_COLUMNS),
    "properties": {
        "connection_id": {"type": "string"},
        "status": {"type": "string"},
        "object_type": {"type": "string"},
        "count": {"type": "integer"},
        "first_at": {"type": "string", "format": "date-time"},
        "last_at": {"type": "string", "format": "date-time"},
    },
}


def _response(body: Any, fmt: exports.Format, name: str) -> StreamingResponse:
    headers = {"Content-Disposition": f'attachment; filename="{name}.{fmt}"', "Cache-Control": "no-store"}
    return StreamingResponse(body, media_type=exports.MEDIA_TYPES[fmt], headers=headers)


@router.get("/sync-log/export", response_class=StreamingResponse, responses=_content(LOG_ITEM))
async def export_sync_log(
    services: ServicesDep,
    principal: Reader,
    format: FormatQuery = "csv",
    connection_id: ConnectionFilter = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    status: Status | None = None,
) -> StreamingResponse:
    """Every sync-log row in ``[since, until)``, oldest first: outcomes with their rule, reason
    and vendor error, and the bookkeeper's actions with who did them."""
    async with services.sessions() as session:
        ids = await sync.visible_ids(session, principal, connection_id)
    stmt = exports.log_query(ids, since, until, status)
    body = exports.stream(services.sessions, stmt, exports.LOG_COLUMNS, format, exports.log_row)
    return _response(body, format, "sync-log")


@router.get("/sync-report/export", response_class=StreamingResponse, responses=_content(REPORT_ITEM))
async def export_sync_report(
    services: ServicesDep,
    principal: Reader,
    format: FormatQuery = "csv",
    connection_id: ConnectionFilter = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> StreamingResponse:
    """The sync report for ``[since, until)``: per connection, status and object type, how many
    outcomes and when the first and last were."""
    async with services.sessions() as session:
        ids = await sync.visible_ids(session, principal, connection_id)
    stmt = exports.report_query(ids, since, until)
    body = exports.stream(services.sessions, stmt, exports.REPORT_COLUMNS, format, dict)
    return _response(body, format, "sync-report")


@router.get("/connections/{connection_id}/reconciliation", response_model=Reconciliation)
async def read_reconciliation(
    services: ServicesDep,
    principal: Reader,
    connection_id: str,
    max_documents: Annotated[int, Query(ge=1, le=5000)] = 500,
) -> Reconciliation:
    """BILL against the ledger, read now through both connectors: open payables per vendor, open
    receivables per customer, each clearing account's balance (0 once runs settle) and documents
    present on one side only. Only differing lines are listed; ``clearing`` gives every clearing
    account's balance and where it comes from (the balance the ledger reports, or, where the ledger
    reports none, computed from its payments and journal entries, at most ``max_documents`` of each
    type)."""
    return await reconcile.reconcile(services, principal, connection_id, max_documents)
