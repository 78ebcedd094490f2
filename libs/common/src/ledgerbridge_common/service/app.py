"""The FastAPI app of a service: the runtime's lifespan, liveness, readiness and metrics."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Iterable
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import JSONResponse

from ledgerbridge_common.http_metrics import instrument
from ledgerbridge_common.metrics import render_latest
from ledgerbridge_common.service.readiness import Health
from ledgerbridge_common.service.runtime import Runtime
from ledgerbridge_common.tracing import configure_tracing

health_router = APIRouter(tags=["health"])


@health_router.get("/healthz", response_model=Health, responses={503: {"model": Health}})
async def healthz(request: Request) -> JSONResponse:
    """Liveness: the process answers and its consumers are supervised."""
    runtime: Runtime = request.app.state.runtime
    alive = runtime.alive
    body = Health(status="ok" if alive else "consumer supervision ended")
    return JSONResponse(body.model_dump(exclude_defaults=True), status_code=200 if alive else 503)


@health_router.get("/readyz", response_model=Health, responses={503: {"model": Health, "description": "Not ready"}})
async def readyz(request: Request) -> JSONResponse:
    """Readiness: the checks of what this service needs to do its job (others are reported)."""
    runtime: Runtime = request.app.state.runtime
    ready, health = await runtime.readiness.report()
    return JSONResponse(health.model_dump(), status_code=200 if ready else 503)


@health_router.get("/metrics", response_class=Response, responses={200: {"content": {"text/plain": {}}}})
async def metrics() -> Response:
    """Prometheus metrics."""
    body, content_type = render_latest()
    return Response(body, media_type=content_type)


def service_app(
    runtime: Runtime,
    *,
    name: str,
    routers: Iterable[APIRouter] = (),
    configure: Iterable[Callable[[FastAPI], None]] = (),
    **options: Any,
) -> FastAPI:
    """The app whose lifespan starts and closes ``runtime``; ``configure`` steps (error handlers,
    middleware) run before the metrics middleware is added, which stays outermost; ``options`` go
    to ``FastAPI``. With ``settings.tracing.enabled`` the process's tracing is configured here,
    the one place every service passes through (``ledgerbridge_common.tracing``)."""

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            await runtime.start()
            for key, value in runtime.state.items():
                setattr(app.state, key, value)
            yield
        finally:
            await runtime.close()

    app = FastAPI(lifespan=lifespan, **options)
    app.state.runtime = runtime
    for key, value in runtime.state.items():
        setattr(app.state, key, value)
    app.include_router(health_router)
    for router in routers:
        app.include_router(router)
    for step in configure:
        step(app)
    instrument(app, name)
    configure_tracing(runtime.settings.service_name, runtime.settings.tracing, app)
    return app
