"""``create_app``: the QBO sandbox as one FastAPI app (``uvicorn --factory qbo_sandbox.app:create_app``)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from fastapi import FastAPI

from qbo_sandbox.api import api_router
from qbo_sandbox.control import control_router
from qbo_sandbox.oauth import oauth_router
from qbo_sandbox.settings import SandboxSettings
from qbo_sandbox.state import SandboxState


def create_app(settings: SandboxSettings | None = None) -> FastAPI:
    settings = settings or SandboxSettings()
    state = SandboxState(settings)

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await state.hub.start()
        ticker = None
        if settings.webhook_tick_seconds > 0:
            ticker = asyncio.create_task(state.hub.run(settings.webhook_tick_seconds))
        try:
            yield
        finally:
            if ticker is not None:
                ticker.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await ticker
            await state.hub.stop()

    app = FastAPI(title="QBO sandbox", lifespan=lifespan)
    app.state.sandbox = state
    app.include_router(control_router(state))
    app.include_router(oauth_router(state))
    app.include_router(api_router(state))
    return app


def main() -> None:  # pragma: no cover - manual entry point
    import uvicorn

    settings = SandboxSettings()
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port)
