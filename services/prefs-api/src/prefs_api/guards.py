"""Input PostgreSQL cannot store: NUL characters (in the path, the query, or any key or string of
a JSON body) are refused with 422 before any handler runs. The OpenAPI documents state it as the
pattern ``^[^\\x00]*$`` on every free-text string. Bodies reach this guard only within the app's
``max_body_size`` (413 beyond it, before authentication)."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request

from prefs_api.problems import FieldError, ProblemError


def _has_nul(value: Any) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


async def _body_has_nul(request: Request) -> bool:
    if request.method not in ("POST", "PUT", "PATCH"):
        return False
    body = await request.body()
    if b"\\u0000" not in body and b"\x00" not in body:
        return False
    try:
        return _has_nul(json.loads(body))
    except (ValueError, RecursionError):
        return b"\x00" in body


async def reject_nul(request: Request) -> None:
    where = None
    if "\x00" in request.url.path:
        where = "path"
    elif "\x00" in request.url.query or "%00" in request.url.query:
        where = "query"
    elif await _body_has_nul(request):
        where = "body"
    if where is not None:
        raise ProblemError(
            422,
            "The request is not valid",
            "NUL characters are not accepted",
            kind="validation",
            errors=[FieldError(preference=where, code="nul_character", detail="NUL characters are not accepted")],
        )
