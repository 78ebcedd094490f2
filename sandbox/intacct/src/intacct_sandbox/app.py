"""``create_app``: the Intacct sandbox as one FastAPI app (``uvicorn --factory intacct_sandbox.app:create_app``)."""

from __future__ import annotations

from fastapi import FastAPI

from intacct_sandbox.control import control_router
from intacct_sandbox.gateway import gateway_router
from intacct_sandbox.settings import SandboxSettings
from intacct_sandbox.state import SandboxState


def create_app(settings: SandboxSettings | None = None) -> FastAPI:
    settings = settings or SandboxSettings()
    state = SandboxState(settings)
    app = FastAPI(title="Sage Intacct sandbox")
    app.state.sandbox = state
    app.include_router(control_router(state))
    app.include_router(gateway_router(state))
    return app


def main() -> None:  # pragma: no cover - manual entry point
    import uvicorn

    settings = SandboxSettings()
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port)
