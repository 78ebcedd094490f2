"""The control API routes every sandbox has for its companies (QBO realms, Intacct companies,
NetSuite accounts): change one company's limits, everyone's limits, arm and disarm faults.

The body models are the sandbox's own (each vendor limits and fails differently); this module
only routes them. It does not use postponed annotations: FastAPI reads the body model from the
route function's annotation, which here is the model class passed in.
"""

from collections.abc import Callable, Iterable
from dataclasses import asdict
from typing import Any, Protocol, TypeVar

from fastapi import APIRouter
from pydantic import BaseModel


class Company(Protocol):
    limits: Any
    faults: Any


C = TypeVar("C", bound=Company)


class FaultsIn(BaseModel):
    """The faults every sandbox can arm for its next requests: 429 answers, 5xx answers (of a
    status), and a timeout after the write committed (``timeout_mode`` ``sleep`` holds the answer
    ``timeout_seconds``, ``drop`` closes the connection). A sandbox adds its own."""

    throttle_next: int | None = None
    error_5xx_next: int | None = None
    error_5xx_status: int | None = None
    timeout_after_commit_next: int | None = None
    timeout_mode: str | None = None
    timeout_seconds: float | None = None


def apply_patch(target: Any, patch: BaseModel) -> None:
    """Set every field the patch carries (``None`` means "leave as is")."""
    for key, value in patch.model_dump(exclude_none=True).items():
        setattr(target, key, value)


def limits_and_faults_routes(
    router: APIRouter,
    *,
    collection: str,
    company_of: Callable[[str], C],
    companies: Callable[[], Iterable[C]],
    limit_defaults: Any,
    limits_model: type[BaseModel],
    faults_model: type[BaseModel],
    new_faults: Callable[[], Any],
    apply_limits: Callable[[Any, BaseModel], None] = apply_patch,
    after_limits: Callable[[C], None] | None = None,
    noun: str = "company",
) -> None:
    """``PUT {collection}/{id}/limits``, ``PUT /limits`` (every company and those created later),
    ``POST`` and ``DELETE {collection}/{id}/faults``."""
    one = f"{collection}/{{company_id}}"

    @router.put(f"{one}/limits", summary=f"Change one {noun}'s limits (or turn them off)")
    async def company_limits(company_id: str, body: limits_model) -> dict[str, Any]:  # type: ignore[valid-type]
        company = company_of(company_id)
        apply_limits(company.limits, body)
        if after_limits is not None:
            after_limits(company)
        return asdict(company.limits)

    @router.put("/limits", summary=f"Change the limits of every {noun} and of those created later")
    async def all_limits(body: limits_model) -> dict[str, Any]:  # type: ignore[valid-type]
        apply_limits(limit_defaults, body)
        for company in companies():
            apply_limits(company.limits, body)
        return asdict(limit_defaults)

    @router.post(f"{one}/faults", summary="Arm faults")
    async def set_faults(company_id: str, body: faults_model) -> dict[str, Any]:  # type: ignore[valid-type]
        company = company_of(company_id)
        apply_patch(company.faults, body)
        return asdict(company.faults)

    @router.delete(f"{one}/faults", summary="Disarm every fault")
    async def clear_faults(company_id: str) -> dict[str, Any]:
        company = company_of(company_id)
        company.faults = new_faults()
        return asdict(company.faults)
