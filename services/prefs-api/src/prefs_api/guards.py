"""Input PostgreSQL cannot store: NUL characters (in the path, the query or a JSON body) are
refused with 422 before any handler runs."""

from __future__ import annotations

from fastapi import Request

from prefs_api.problems import FieldError, ProblemError

_NUL_MARKERS = (b"\x00", b"\\u0000")


async def reject_nul(request: Request) -> None:
    where = None
    if "\x00" in request.url.path or "%00" in request.url.path:
        where = "path"
    elif "\x00" in request.url.query or "%00" in request.url.query:
        where = "query"
    elif request.method in ("POST", "PUT", "PATCH"):
        body = await request.body()
        if any(marker in body for marker in _NUL_MARKERS):
            where = "body"
    if where is not None:
        raise ProblemError(
            422,
            "The request is not valid",
            "NUL characters are not accepted",
            kind="validation",
            errors=[FieldError(preference=where, code="nul_character", detail="NUL characters are not accepted")],
        )
