"""Intacct errors to the typed errors of :mod:`ledgerbridge_common.errors`, by error number.

The numbers and texts are those of ``shared/reference/intacct-api.md`` §1.5, §1.6 and §4. Two
refusals have no published number and are told apart by their documented text: a replayed function
control id ("A successful transaction has already been recorded with the control id ...") and a
missing key on delete ("Cannot find ... to delete").
"""

from __future__ import annotations

from dataclasses import dataclass

from ledgerbridge_common.errors import (
    AuthRevokedError,
    ConnectorError,
    DuplicateError,
    NotFoundError,
    RateLimitedError,
    RetryableError,
    ValidationError,
)

VENDOR = "intacct"
SIGN_IN = "XL03000006"
PARSE = "XL03000003"
ROLLED_BACK = "XL03000009"
RATE_LIMIT = "GW-0010"
DUPLICATES = frozenset({"BL34000061", "PL05000104"})
TRANSIENT = frozenset({"DL02000001"})
REPLAY_TEXT = "already been recorded with the control id"
MISSING_TEXT = "Cannot find"


@dataclass(frozen=True)
class Detail:
    errorno: str
    description: str
    description2: str
    correction: str

    def text(self) -> str:
        return " ".join(p for p in (self.description, self.description2, self.correction) if p)


class ReplayRefusedError(DuplicateError):
    """The function control id already succeeded (``uniqueid=true``): the write was applied earlier."""


def error_for(details: list[Detail], *, level: str) -> ConnectorError:
    """The typed error for an ``errormessage`` at ``level`` (control, authentication, result)."""
    if not details:
        return RetryableError(f"Intacct {level} failure without an error", vendor=VENDOR)
    meaningful = [d for d in details if d.errorno != ROLLED_BACK] or details
    first = meaningful[0]
    message = "; ".join(d.text() for d in meaningful if d.text()) or first.errorno
    kw = {"code": first.errorno, "vendor": VENDOR, "detail": message}
    if first.errorno == RATE_LIMIT:
        return RateLimitedError(message, code=first.errorno, vendor=VENDOR, detail=message)
    if first.errorno == SIGN_IN:
        return AuthRevokedError(message, **kw)
    if level != "result" and first.errorno == PARSE:
        return ValidationError(message, **kw)
    if any(REPLAY_TEXT in d.description2 for d in meaningful):
        return ReplayRefusedError(message, **kw)
    if first.errorno in DUPLICATES or "already exists" in first.description2:
        return DuplicateError(message, **kw)
    if first.description2.startswith(MISSING_TEXT):
        return NotFoundError(message, **kw)
    if first.errorno in TRANSIENT or first.errorno == ROLLED_BACK:
        return RetryableError(message, **kw)
    return ValidationError(message, **kw)
