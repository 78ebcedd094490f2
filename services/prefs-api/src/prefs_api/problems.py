"""Errors as ``application/problem+json`` (RFC 9457)."""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from prefs_api.adapters.crypto import CredentialsError

log = logging.getLogger(__name__)
PROBLEM_TYPE = "https://ledgerbridge.dev/problems/"
MEDIA_TYPE = "application/problem+json"


class FieldError(BaseModel):
    preference: str | None = Field(default=None, description="The preference or field concerned.")
    code: str
    detail: str


class Problem(BaseModel):
    type: str = Field(examples=[f"{PROBLEM_TYPE}validation"])
    title: str = Field(examples=["The request is not valid"])
    status: int = Field(examples=[422])
    detail: str | None = Field(default=None, examples=["Money Out Clearing accepts only Bank accounts"])
    instance: str | None = None
    errors: list[FieldError] = Field(default_factory=list)


class ProblemError(Exception):
    def __init__(
        self,
        status: int,
        title: str,
        detail: str | None = None,
        *,
        kind: str = "error",
        errors: list[FieldError] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail or title)
        self.status = status
        self.title = title
        self.detail = detail
        self.kind = kind
        self.errors = errors or []
        self.headers = headers


def not_found(what: str = "connection") -> ProblemError:
    return ProblemError(404, "Not found", f"No such {what}", kind="not-found")


def problem_response(request: Request, exc: ProblemError) -> JSONResponse:
    body = Problem(
        type=PROBLEM_TYPE + exc.kind,
        title=exc.title,
        status=exc.status,
        detail=exc.detail,
        instance=request.url.path,
        errors=exc.errors,
    )
    return JSONResponse(
        body.model_dump(mode="json", exclude_none=True),
        exc.status,
        headers=exc.headers,
        media_type=MEDIA_TYPE,
    )


def _problem_schema() -> dict[str, Any]:
    return {"schema": {"$ref": "#/components/schemas/Problem"}}


TITLES = {
    400: "The body is not readable JSON",
    401: "Missing or invalid credentials",
    403: "The API key lacks the scope",
    404: "Not found (also: not visible to this key)",
    409: "Conflicts with the current state (e.g. a preference rule against the ledger's chart of accounts)",
    412: "If-Match does not match the current version",
    413: "The body is over the size limit",
    422: "Validation failed",
    428: "If-Match required",
    429: "Too many failed attempts from this client: wait Retry-After seconds",
    502: "A vendor could not be reached or refused the request",
    503: "A dependency is unavailable (or the ledger kind is not supported yet)",
}


def problem_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {
        code: {"model": Problem, "description": TITLES[code], "content": {MEDIA_TYPE: _problem_schema()}}
        for code in codes
    }


def allowed_methods(request: Request) -> str:
    """Every method the app's OpenAPI document lists for this path (Starlette names only the
    methods of the first route it matched)."""
    methods: set[str] = set()
    for template, item in request.app.openapi().get("paths", {}).items():
        if re.fullmatch(re.sub(r"\\{[^/]+?\\}", "[^/]+", re.escape(template)), request.url.path):
            methods |= {m.upper() for m in item if m in ("get", "put", "post", "delete", "patch")}
    if "GET" in methods:
        methods.add("HEAD")
    return ", ".join(sorted(methods))


def install(app: FastAPI) -> None:
    @app.exception_handler(ProblemError)
    async def _problem(request: Request, exc: ProblemError) -> JSONResponse:
        return problem_response(request, exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            FieldError(
                preference=".".join(str(p) for p in e.get("loc", ())[1:]) or None,
                code=str(e.get("type", "invalid")),
                detail=str(e.get("msg", "invalid")),
            )
            for e in exc.errors()
        ]
        err = ProblemError(422, "The request is not valid", "See errors", kind="validation", errors=errors)
        return problem_response(request, err)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = allowed_methods(request)
        err = ProblemError(exc.status_code, str(exc.detail), kind="http", headers=headers)
        return problem_response(request, err)

    @app.exception_handler(CredentialsError)
    async def _credentials(request: Request, exc: CredentialsError) -> JSONResponse:
        err = ProblemError(500, "Stored credentials unreadable", str(exc), kind="credentials-unreadable")
        return problem_response(request, err)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error("unhandled error on %s: %s", request.url.path, type(exc).__name__)
        return problem_response(request, ProblemError(500, "Internal error", kind="internal"))
