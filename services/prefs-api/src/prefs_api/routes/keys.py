"""API keys (admin scope; own tenant only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response

from prefs_api.deps import Admin, ServicesDep
from prefs_api.handlers import keys as handlers
from prefs_api.problems import problem_responses
from prefs_api.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyOut

router = APIRouter(prefix="/v1/api-keys", tags=["api keys"], responses=problem_responses(401, 403, 422))


@router.post("", status_code=201, response_model=ApiKeyCreated)
async def create_api_key(services: ServicesDep, principal: Admin, body: ApiKeyCreate) -> ApiKeyCreated:
    """Create a key in the caller's tenant. The key is in the answer once; only its hash is kept."""
    return await handlers.create_key_for(services.sessions, principal, body)


@router.get("", response_model=list[ApiKeyOut])
async def list_api_keys(services: ServicesDep, principal: Admin) -> list[ApiKeyOut]:
    """The tenant's keys (without secrets). A key bound to connections sees only the keys bound
    within those connections."""
    return await handlers.list_keys(services.sessions, principal)


@router.delete("/{key_id}", status_code=204, response_class=Response, responses=problem_responses(404))
async def revoke_api_key(
    services: ServicesDep, principal: Admin, key_id: Annotated[str, Path(max_length=32)]
) -> Response:
    """Revoke a key; it stops working at once. Keys out of the caller's reach (see the list)
    answer 404."""
    await handlers.revoke_key(services.sessions, principal, key_id)
    return Response(status_code=204)
