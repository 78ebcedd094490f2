"""Liveness, readiness (PostgreSQL and Kafka) and Prometheus metrics; no API key."""

from __future__ import annotations

from fastapi import APIRouter, Response
from pydantic import BaseModel
from sqlalchemy import text

from ledgerbridge_common.metrics import render_latest
from prefs_api.deps import ServicesDep

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str
    checks: dict[str, bool] = {}


@router.get("/healthz", response_model=Health)
async def healthz() -> Health:
    """The process is alive."""
    return Health(status="ok")


@router.get("/readyz", response_model=Health, responses={503: {"model": Health, "description": "Not ready"}})
async def readyz(services: ServicesDep, response: Response) -> Health:
    """Ready when PostgreSQL and Kafka answer."""
    checks = {"postgres": False, "kafka": await services.kafka_ready()}
    try:
        async with services.sessions() as session:
            await session.execute(text("SELECT 1"))
        checks["postgres"] = True
    except Exception:  # noqa: BLE001 - reported, not raised
        checks["postgres"] = False
    ready = all(checks.values())
    response.status_code = 200 if ready else 503
    return Health(status="ready" if ready else "not ready", checks=checks)


@router.get("/metrics", response_class=Response, responses={200: {"content": {"text/plain": {}}}})
async def metrics() -> Response:
    """Prometheus metrics."""
    body, content_type = render_latest()
    return Response(body, media_type=content_type)
