"""Mappings that override automatic name matching: accounts, vendors, customers (BILL id →
ledger id) and fields (per object type, BILL field → ledger field)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Response

from ledgerbridge_common.canonical.models import ObjectType
from ledgerbridge_common.prefs_client import Mappings
from prefs_api.adapters import repository as repo
from prefs_api.deps import Reader, ServicesDep, Writer
from prefs_api.handlers.connections import to_info, visible_connection
from prefs_api.problems import ProblemError, not_found, problem_responses
from prefs_api.schemas import AccountMappingIn, FieldMappingIn

router = APIRouter(
    prefix="/v1/connections/{connection_id}/mappings",
    tags=["mappings"],
    responses=problem_responses(401, 403, 404, 422),
)
Kind = Literal["accounts", "vendors", "customers"]
Key = Annotated[str, Path(min_length=1, max_length=200)]


@router.get("", response_model=Mappings)
async def read_mappings(services: ServicesDep, principal: Reader, connection_id: str) -> Mappings:
    """Every explicit mapping of the connection."""
    async with services.sessions() as session:
        await visible_connection(session, principal, connection_id)
        return await repo.load_mappings(session, connection_id)


@router.put("/{kind}/{billcom_id}", response_model=Mappings, responses=problem_responses(409, 502, 503))
async def put_mapping(
    services: ServicesDep,
    principal: Writer,
    connection_id: str,
    kind: Kind,
    billcom_id: Key,
    body: AccountMappingIn,
) -> Mappings:
    """Map a BILL account/vendor/customer to a ledger id. Account mappings are checked against
    the ledger's chart of accounts."""
    async with services.sessions.begin() as session:
        row = await visible_connection(session, principal, connection_id)
        if kind == "accounts":
            chart = await services.chart.get(to_info(row, services.cipher))
            if body.ledger_id not in chart:
                raise ProblemError(
                    409,
                    "Unknown account",
                    f"Account '{body.ledger_id}' is not in the ledger's chart of accounts",
                    kind="preference-rule",
                )
        await repo.put_mapping(session, connection_id, kind, "", billcom_id, body.ledger_id)
        return await repo.load_mappings(session, connection_id)


@router.delete("/{kind}/{billcom_id}", status_code=204, response_class=Response)
async def delete_mapping(
    services: ServicesDep, principal: Writer, connection_id: str, kind: Kind, billcom_id: Key
) -> Response:
    """Remove a mapping (automatic matching applies again)."""
    async with services.sessions.begin() as session:
        await visible_connection(session, principal, connection_id)
        if not await repo.delete_mapping(session, connection_id, kind, "", billcom_id):
            raise not_found("mapping")
    return Response(status_code=204)


@router.put("/fields/{object_type}/{billcom_field}", response_model=Mappings)
async def put_field_mapping(
    services: ServicesDep,
    principal: Writer,
    connection_id: str,
    object_type: ObjectType,
    billcom_field: Key,
    body: FieldMappingIn,
) -> Mappings:
    """Map a BILL field of an object type to a ledger field."""
    async with services.sessions.begin() as session:
        await visible_connection(session, principal, connection_id)
        await repo.put_mapping(session, connection_id, "fields", object_type.value, billcom_field, body.ledger_field)
        return await repo.load_mappings(session, connection_id)


@router.delete("/fields/{object_type}/{billcom_field}", status_code=204, response_class=Response)
async def delete_field_mapping(
    services: ServicesDep, principal: Writer, connection_id: str, object_type: ObjectType, billcom_field: Key
) -> Response:
    """Remove a field mapping."""
    async with services.sessions.begin() as session:
        await visible_connection(session, principal, connection_id)
        if not await repo.delete_mapping(session, connection_id, "fields", object_type.value, billcom_field):
            raise not_found("mapping")
    return Response(status_code=204)
