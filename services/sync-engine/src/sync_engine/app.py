"""HTTP surface of the engine: liveness, readiness (Kafka, PostgreSQL, vendors) and metrics."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from ledgerbridge_common.metrics import render_latest

Probe = Callable[[], Awaitable[None]]
router = APIRouter()


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """Liveness: the process answers."""
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    """Readiness: every dependency answers (Kafka, PostgreSQL, prefs-api and the vendors)."""
    probes: dict[str, Probe] = request.app.state.probes
    checks: dict[str, str] = {}
    for name, probe in probes.items():
        try:
            await probe()
            checks[name] = "ok"
        except Exception as exc:  # noqa: BLE001 - any failure means "not ready", reported by name
            checks[name] = f"failed: {type(exc).__name__}: {exc}"[:300]
    ready = all(v == "ok" for v in checks.values())
    return JSONResponse({"status": "ready" if ready else "not ready", "checks": checks}, 200 if ready else 503)


@router.get("/metrics")
async def metrics() -> Response:
    """Prometheus metrics."""
    body, content_type = render_latest()
    return Response(body, media_type=content_type)
