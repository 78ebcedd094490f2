"""BILL v3 error bodies (``[{timestamp, code, severity, category, message}]``) to typed errors."""

from __future__ import annotations

from typing import Any

import httpx

from ledgerbridge_common.errors import (
    AuthExpiredError,
    AuthRevokedError,
    ConnectorError,
    NotFoundError,
    RateLimitedError,
    RetryableError,
    ValidationError,
)

VENDOR = "billcom"
THROTTLE_CODES = {"BDC_1144", "BDC_1322"}
SESSION_CODES = {"BDC_1109"}
CREDENTIAL_CODES = {"BDC_1101", "BDC_1102"}
UNSUPPORTED_CODES = {"BDC_1121"}


def first_error(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    if isinstance(body, list) and body and isinstance(body[0], dict):
        return body[0]
    if isinstance(body, dict):  # v2 envelope or an unexpected object
        data = body.get("response_data")
        if isinstance(data, dict) and "error_code" in data:
            return {"code": data["error_code"], "message": data.get("error_message")}
    return {}


def error_for(response: httpx.Response) -> ConnectorError:
    """The typed error for a failed BILL response.

    Throttling is recognised from the BDC code whatever the HTTP status (BILL does not document
    a 429 or a ``Retry-After``); sessions from BDC_1109; everything SERVER/DOWNSTREAM or 5xx is
    retryable; other REQUEST/APPLICATION errors are permanent.
    """
    error = first_error(response)
    code = error.get("code")
    message = str(error.get("message") or response.reason_phrase or "BILL error")
    category = str(error.get("category") or "")
    kw: dict[str, Any] = {
        "code": code or str(response.status_code),
        "vendor": VENDOR,
        "detail": response.text[:500],
    }
    status = response.status_code
    if code in THROTTLE_CODES or status == 429:
        retry_after = response.headers.get("Retry-After")
        return RateLimitedError(message, retry_after=float(retry_after) if retry_after else None, **kw)
    if code in SESSION_CODES:
        return AuthExpiredError(message, **kw)
    if code in CREDENTIAL_CODES:
        return AuthRevokedError(message, **kw)
    if status >= 500 or category in ("SERVER", "DOWNSTREAM"):
        return RetryableError(message, **kw)
    if status == 404 or code in UNSUPPORTED_CODES:
        return NotFoundError(message, **kw)
    if status in (401, 403):
        return AuthRevokedError(message, **kw)
    return ValidationError(message, **kw)
