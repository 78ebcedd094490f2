"""BILL error bodies to typed errors, by code first.

v3 answers ``[{timestamp, code, severity, category, message}]``; v2 answers ``{response_status: 1,
response_data: {error_code, error_message}}`` (developer.bill.com/docs/common-api-error-codes).
BILL tags session, limit and several validation-looking codes ``DOWNSTREAM``, so the category alone
says nothing about whether a retry can succeed: the code decides, then the HTTP status; the
category only marks ``SERVER`` errors retryable."""

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
"""Hourly limit (also the 200/h login limit) and the 3-concurrent limit (docs/api-rate-limits)."""
SESSION_CODES = {"BDC_1109"}
CREDENTIAL_CODES = {"BDC_1101", "BDC_1102"}
UNSUPPORTED_CODES = {"BDC_1121"}
SYSTEM_CODES = {"BDC_1001"}
"""``System error occurred.``: BILL's side, worth a retry."""
REQUEST_CODES = {"BDC_1002"}
"""``Unknown error occurred.``: an unknown/misspelt parameter or a malformed request -- permanent."""


def first_error(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    if isinstance(body, list) and body and isinstance(body[0], dict):
        return body[0]
    if isinstance(body, dict):
        return v2_error(body) or {}
    return {}


def v2_error(body: dict[str, Any]) -> dict[str, Any] | None:
    """The ``{code, message}`` of a v2 error envelope, or None when it reports success."""
    if body.get("response_status") in (0, "0"):
        return None
    data = body.get("response_data")
    if isinstance(data, dict) and "error_code" in data:
        return {"code": data["error_code"], "message": data.get("error_message")}
    return {"code": None, "message": body.get("response_message")}


def classify(bdc: str | None, status: int, category: str, message: str, **kw: Any) -> ConnectorError:
    """The typed error for one BILL error: code first, then HTTP status, then category."""
    code = bdc
    if code in THROTTLE_CODES or status == 429:
        return RateLimitedError(message, **kw)
    if code in SESSION_CODES:
        return AuthExpiredError(message, **kw)
    if code in CREDENTIAL_CODES:
        return AuthRevokedError(message, **kw)
    if code in UNSUPPORTED_CODES:
        return NotFoundError(message, **kw)
    if code in SYSTEM_CODES:
        return RetryableError(message, **kw)
    if code in REQUEST_CODES:
        return ValidationError(message, **kw)
    if status >= 500 or category == "SERVER":
        return RetryableError(message, **kw)
    if status == 404:
        return NotFoundError(message, **kw)
    if status == 401:
        return AuthRevokedError(message, **kw)
    return ValidationError(message, **kw)


def error_for(response: httpx.Response) -> ConnectorError:
    """The typed error for a failed v3 (or v2) response. Throttling is recognised from the BDC
    code whatever the HTTP status: BILL documents neither a 429 nor a ``Retry-After``."""
    error = first_error(response)
    code = error.get("code")
    message = str(error.get("message") or response.reason_phrase or "BILL error")
    kw: dict[str, Any] = {"code": code or str(response.status_code), "vendor": VENDOR, "detail": response.text[:500]}
    retry_after = response.headers.get("Retry-After")
    if code in THROTTLE_CODES or response.status_code == 429:
        kw["retry_after"] = float(retry_after) if retry_after else None
    return classify(code, response.status_code, str(error.get("category") or ""), message, **kw)


def error_for_v2(body: dict[str, Any], detail: str) -> ConnectorError:
    error = v2_error(body) or {}
    code = error.get("code")
    message = str(error.get("message") or "BILL v2 error")
    kw: dict[str, Any] = {"code": code or "v2_error", "vendor": VENDOR, "detail": detail[:500]}
    if code in THROTTLE_CODES:
        kw["retry_after"] = None
    return classify(code, 200, "", message, **kw)
