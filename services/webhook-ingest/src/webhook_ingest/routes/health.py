"""Liveness, readiness (Kafka + PostgreSQL) and Prometheus metrics."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from sqlalchemy import text

from ledgerbridge_common.metrics import render_latest
from webhook_ingest.routes.deps import ContainerDep

router = APIRouter()


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is alive."""
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(container: ContainerDep) -> JSONResponse:
    """Ready when Kafka accepts a producer and PostgreSQL answers."""
    kafka = await container.publisher.ready()
    try:
        async with asyncio.timeout(2), container.engine.connect() as conn:
            await conn.execute(text("select 1"))
        database = True
    except Exception:  # noqa: BLE001 - any failure means not ready
        database = False
    ok = kafka and database
    return JSONResponse({"kafka": kafka, "database": database}, status_code=200 if ok else 503)


@router.get("/metrics")
async def metrics() -> Response:
    """Prometheus exposition."""
    body, content_type = render_latest()
    return Response(body, media_type=content_type)
