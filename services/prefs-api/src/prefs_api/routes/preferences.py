"""Preferences: read with ETag, change with If-Match, history, readiness, preview, chart of
accounts and the BILL bank accounts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Response

from prefs_api.deps import Reader, ServicesDep, Writer
from prefs_api.handlers import connections as conns
from prefs_api.handlers import preferences as handlers
from prefs_api.handlers.ledger_view import books_closed
from prefs_api.prefs_schemas import (
    AccountOut,
    PreferencesPatch,
    PreferencesView,
    PreviewOut,
    Readiness,
    VersionOut,
    VersionPage,
)
from prefs_api.problems import problem_responses

router = APIRouter(
    prefix="/v1/connections/{connection_id}",
    tags=["preferences"],
    responses=problem_responses(401, 403, 404, 422),
)
TAG = r'(W/)?"[0-9]{1,10}"'
ETAG = rf"^(\*|{TAG}( *, *{TAG})*)$"
ETAG_HEADER = {"ETag": {"description": "The version, to send back in If-Match", "schema": {"type": "string"}}}


@router.get("/preferences", response_model=PreferencesView, responses={200: {"headers": ETAG_HEADER}})
async def read_preferences(
    services: ServicesDep, principal: Reader, connection_id: str, response: Response
) -> PreferencesView:
    """The current version, what is missing before the connection can sync, and the bank
    accounts' GL preferences. The ETag is the version."""
    view = await handlers.get_view(services, principal, connection_id)
    response.headers["ETag"] = handlers.etag(view.version)
    return view


@router.patch(
    "/preferences",
    response_model=PreferencesView,
    responses={200: {"headers": ETAG_HEADER}, **problem_responses(409, 412, 502, 503)},
)
async def change_preferences(
    services: ServicesDep,
    principal: Writer,
    connection_id: str,
    body: PreferencesPatch,
    response: Response,
    if_match: Annotated[
        str, Header(description='The ETag you read, e.g. "3" (or * for any version)', max_length=64, pattern=ETAG)
    ],
) -> PreferencesView:
    """Change preferences. Each change is a new version and publishes PreferencesChanged. Rules:
    availability per ledger kind, account type/existence/active flag against the ledger's chart
    of accounts, Sync Only Approved cannot be turned off (except NetSuite), clearing accounts
    differ from every bank GL account. Bank GL edits are written to BILL's bank account."""
    view = await handlers.patch_preferences(services, principal, connection_id, body, if_match)
    response.headers["ETag"] = handlers.etag(view.version)
    return view


@router.post("/preferences/preview", response_model=PreviewOut, responses=problem_responses(502, 503))
async def preview_preferences(
    services: ServicesDep, principal: Reader, connection_id: str, body: PreferencesPatch
) -> PreviewOut:
    """What saving this change would do, without saving it."""
    return await handlers.preview(services, principal, connection_id, body)


@router.get("/preferences/versions", response_model=VersionPage)
async def preference_history(
    services: ServicesDep,
    principal: Reader,
    connection_id: str,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> VersionPage:
    """Every version, newest first, with what changed and who changed it."""
    return await handlers.history(services, principal, connection_id, limit, offset)


@router.get("/preferences/versions/{version}", response_model=VersionOut)
async def preference_version(
    services: ServicesDep,
    principal: Reader,
    connection_id: str,
    version: Annotated[int, Path(ge=1, le=2**31 - 1)],
) -> VersionOut:
    """One past version."""
    return await handlers.version(services, principal, connection_id, version)


@router.get("/readiness", response_model=Readiness)
async def readiness(services: ServicesDep, principal: Reader, connection_id: str) -> Readiness:
    """Whether the connection can sync, and what is missing in a bookkeeper's words; the ledger's
    books-closed date (nothing dated on or before it syncs)."""
    view = await handlers.get_view(services, principal, connection_id)
    closed = await books_closed(services, principal, connection_id)
    return Readiness(
        connection_id=connection_id,
        version=view.version,
        ready=view.ready,
        missing=view.missing,
        warnings=view.warnings,
        books_closed_through=closed.through,
        books_closed=closed.said,
    )


@router.get("/chart-of-accounts", response_model=list[AccountOut], responses=problem_responses(409, 502, 503))
async def chart_of_accounts(services: ServicesDep, principal: Reader, connection_id: str) -> list[AccountOut]:
    """The ledger's accounts (cached briefly), to choose account preferences from."""
    async with services.sessions() as session:
        info = conns.to_info(await conns.visible_connection(session, principal, connection_id), services.cipher)
    chart = await services.chart.get(info)
    return [
        AccountOut(
            id=a.id or "",
            name=a.name,
            account_type=a.account_type,
            account_subtype=a.account_subtype,
            active=a.active,
        )
        for a in sorted(chart.values(), key=lambda a: (a.account_type, a.name))
    ]
