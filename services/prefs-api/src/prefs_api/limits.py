"""Request bodies over ``max_body_bytes`` are refused with a 413 problem before anything reads
them (authentication, the NUL guard, validation): a declared ``Content-Length`` over the limit is
answered at once; a body streamed without one is cut off as soon as it passes the limit.

(FastAPI's own ``max_body_size`` answers 413 as ``text/plain`` from inside the route, which the
OpenAPI document could not describe as a problem.)"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from prefs_api.problems import ProblemError, problem_response


class BodyTooLarge(HTTPException):
    """Raised from ``receive``: an HTTPException, so FastAPI passes it on to the problem handler."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"Bodies are limited to {limit} bytes")


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"0")
        if not declared.isdigit() or int(declared) > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        seen = 0
        started = False

        async def bounded_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, bounded_receive, tracking_send)
        except BodyTooLarge:
            if started:
                raise
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        detail = f"Bodies are limited to {self.max_bytes} bytes"
        problem = ProblemError(413, "Request body too large", detail, kind="too-large")
        await problem_response(Request(scope, receive), problem)(scope, receive, send)


def limit_body(app: FastAPI, max_bytes: int) -> None:
    """Add before any ``BaseHTTPMiddleware`` (which would hand the route a receive of its own,
    turning the limit's exception into a 400)."""
    app.add_middleware(BodyLimit, max_bytes=max_bytes)
