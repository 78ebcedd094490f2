"""The BILL sandbox as one FastAPI app: ``uvicorn --factory billcom_sandbox.app:create_app``."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.exceptions import HTTPException
from starlette.exceptions import HTTPException as StarletteHTTPException

from billcom_sandbox import auth, bill_documents, control, events_api, payables, receivables, v2
from billcom_sandbox.core import API_NOT_SUPPORTED, SYSTEM_ERROR, BillError
from billcom_sandbox.documents import DOCUMENT_RESOURCES
from billcom_sandbox.gate import Next, gate
from billcom_sandbox.resources import LIST_RESOURCES, register
from billcom_sandbox.settings import SandboxSettings
from billcom_sandbox.store import Store
from billcom_sandbox.webhooks import Deliverer


def create_app(settings: SandboxSettings | None = None) -> FastAPI:
    store = Store(settings or SandboxSettings())
    deliverer = Deliverer(store)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        tick = store.settings.webhook_tick_seconds
        task = asyncio.create_task(deliverer.loop(tick)) if tick else None
        try:
            yield
        finally:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await deliverer.aclose()

    app = FastAPI(title="BILL sandbox (v3 + v2 money movement)", lifespan=lifespan)
    app.state.store = store
    app.state.deliverer = deliverer

    @app.middleware("http")
    async def bill_gate(request: Request, call_next: Next) -> Response:
        return await gate(store, request, call_next)

    @app.exception_handler(BillError)
    async def bill_error(request: Request, exc: BillError) -> Response:
        store.counters.by_code[exc.code] += 1
        return exc.response(store.clock.now())

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        if request.url.path.startswith(("/connect/", "/connect-events/")) and exc.status_code in (404, 405):
            return BillError(404, *API_NOT_SUPPORTED).response(store.clock.now())
        if exc.status_code >= 500:
            return BillError(exc.status_code, *SYSTEM_ERROR).response(store.clock.now())
        return BillError(exc.status_code, "BDC_1002", str(exc.detail)).response(store.clock.now())

    app.include_router(_connect_router(store), prefix="/connect")
    app.include_router(events_api.router(store, deliverer), prefix="/connect-events")
    app.include_router(v2.router(store), prefix="/api/v2")
    app.include_router(control.router(store, deliverer), prefix="/_sandbox")
    return app


def _connect_router(store: Store) -> APIRouter:
    api = auth.router(store)
    api.include_router(payables.router(store))
    api.include_router(receivables.router(store))
    api.include_router(bill_documents.router(store))
    for resource in (*LIST_RESOURCES, *DOCUMENT_RESOURCES):
        register(api, store, resource)
    return api
