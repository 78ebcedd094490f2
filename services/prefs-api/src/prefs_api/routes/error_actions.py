"""Errors the bookkeeper can clear: ignore / un-ignore an object, link it to an existing object
on the other side (replays live in ``routes/synclog.py``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from prefs_api.deps import Reader, ServicesDep, Writer
from prefs_api.handlers import error_actions
from prefs_api.log_schemas import ActionDone, IgnoredObject, IgnoreRequest, LinkRequest
from prefs_api.problems import problem_responses

router = APIRouter(prefix="/v1", tags=["sync log"], responses=problem_responses(401, 403, 404, 422))
RowId = Annotated[int, Path(ge=1, le=2**62)]
SourceRef = Annotated[
    str,
    Path(
        min_length=1,
        max_length=300,
        pattern=r"^(billcom|ledger):[a-z_]+:[^\x00/]+$",
        description="The object's ref, as in the sync log: <side>:<object_type>:<id>.",
        examples=["billcom:bill:00n01ABCDEFGHIJKLMNO"],
    ),
]


@router.post("/sync-log/{entry_id}/ignore", response_model=IgnoredObject, responses=problem_responses(409, 503))
async def ignore_object(
    services: ServicesDep, principal: Writer, entry_id: RowId, body: IgnoreRequest | None = None
) -> IgnoredObject:
    """Do not sync this entry's object until it is un-ignored; its open errors close. Logged
    with the API key's name."""
    return await error_actions.ignore_entry(services, principal, entry_id, body or IgnoreRequest())


@router.post("/sync-log/{entry_id}/link", response_model=ActionDone, responses=problem_responses(409, 502, 503))
async def link_object(services: ServicesDep, principal: Writer, entry_id: RowId, body: LinkRequest) -> ActionDone:
    """Link this entry's object to an existing object on the other side (it must exist there):
    the next change updates that object instead of creating a new one. With ``replay`` (default)
    the object is decided again right away; its success closes the entry's error."""
    return await error_actions.link_entry(services, principal, entry_id, body)


@router.get("/connections/{connection_id}/ignored", response_model=list[IgnoredObject])
async def list_ignored(services: ServicesDep, principal: Reader, connection_id: str) -> list[IgnoredObject]:
    """The objects of a connection the bookkeeper chose not to sync."""
    return await error_actions.list_ignored(services, principal, connection_id)


@router.delete(
    "/connections/{connection_id}/ignored/{source_ref}",
    response_model=ActionDone,
    responses=problem_responses(409, 503),
)
async def unignore_object(
    services: ServicesDep,
    principal: Writer,
    connection_id: str,
    source_ref: SourceRef,
    replay: Annotated[bool, Query(description="Decide the object again right away.")] = True,
) -> ActionDone:
    """Sync the object again (logged with the API key's name)."""
    return await error_actions.unignore(services, principal, connection_id, source_ref, replay=replay)
