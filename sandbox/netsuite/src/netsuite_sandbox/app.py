"""``create_app``: the NetSuite sandbox as one FastAPI app (``uvicorn --factory netsuite_sandbox.app:create_app``).

An account is addressed either by a path prefix, ``/<account-slug>/services/rest/...`` (``123456_SB1`` ->
``123456-sb1``), or, as on NetSuite, by the host ``<account-slug>.suitetalk.api.netsuite.com`` with
``/services/rest/...``."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import Response

from netsuite_sandbox.api import Gateway, account_from_host
from netsuite_sandbox.control import control_router
from netsuite_sandbox.settings import SandboxSettings
from netsuite_sandbox.state import SandboxState

METHODS = ["GET", "POST", "PATCH", "PUT", "DELETE"]


def create_app(settings: SandboxSettings | None = None) -> FastAPI:
    settings = settings or SandboxSettings()
    state = SandboxState(settings)
    gateway = Gateway(state)
    app = FastAPI(title="NetSuite sandbox")
    app.state.sandbox = state
    app.include_router(control_router(state))

    @app.get("/app/login/oauth2/authorize.nl", include_in_schema=False)
    async def authorize_by_host(request: Request) -> Response:
        account = account_from_host(state, request.headers.get("host", ""))
        if account is None:
            return Response(status_code=404)
        return gateway.oauth2.authorize(account, request)

    @app.get("/{slug}/app/login/oauth2/authorize.nl", include_in_schema=False)
    async def authorize_by_prefix(slug: str, request: Request) -> Response:
        account = state.by_slug(slug)
        if account is None:
            return Response(status_code=404)
        return gateway.oauth2.authorize(account, request)

    @app.api_route("/services/rest/{rest:path}", methods=METHODS, include_in_schema=False)
    async def by_host(rest: str, request: Request) -> Response:
        account = account_from_host(state, request.headers.get("host", ""))
        base = f"{request.url.scheme}://{request.url.netloc}/services/rest"
        return await gateway.dispatch(account, rest, request, base)

    @app.api_route("/{slug}/services/rest/{rest:path}", methods=METHODS, include_in_schema=False)
    async def by_prefix(slug: str, rest: str, request: Request) -> Response:
        base = f"{request.url.scheme}://{request.url.netloc}/{slug}/services/rest"
        return await gateway.dispatch(state.by_slug(slug), rest, request, base)

    return app


def main() -> None:  # pragma: no cover - manual entry point
    import uvicorn

    settings = SandboxSettings()
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port)
