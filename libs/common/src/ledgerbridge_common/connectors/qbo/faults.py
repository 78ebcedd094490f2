"""QBO error bodies → the typed errors of :mod:`ledgerbridge_common.errors`.

QBO may put a ``Fault`` in a 200 answer, answers 401 in a lowercase "gateway" shape, and has sent
429 bodies as XML, so the body is checked for a fault whatever the HTTP status.
"""

from __future__ import annotations

from typing import Any
from xml.etree.ElementTree import ParseError

import httpx
from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

from ledgerbridge_common.errors import (
    AuthExpiredError,
    AuthRevokedError,
    ClosedPeriodError,
    ConnectorError,
    DuplicateError,
    NotFoundError,
    PermanentError,
    RateLimitedError,
    RetryableError,
    StaleObjectError,
    ValidationError,
)

VENDOR = "qbo"
RETRY_AFTER_429 = 60.0  # Intuit: wait 60 s after a 429


def _ci(obj: dict[str, Any], key: str) -> Any:
    wanted = key.lower()
    return next((v for k, v in obj.items() if k.lower() == wanted), None)


def find_fault(body: Any) -> dict[str, Any] | None:
    if isinstance(body, dict):
        fault = _ci(body, "Fault")
        if isinstance(fault, dict):
            return fault
    return None


def xml_fault(text: str) -> dict[str, Any] | None:
    """The ``Fault`` of an XML ``IntuitResponse`` in the JSON shape (``{type, Error: [{code,
    Message, Detail}]}``): QBO answers some throttles and authentication faults in XML whatever the
    ``Accept`` header. Parsed with defusedxml (no entities, no DTDs)."""
    if not text.lstrip().startswith("<"):
        return None
    try:
        root = ElementTree.fromstring(text)
    except (ParseError, DefusedXmlException):
        return None
    fault = next((el for el in root.iter() if el.tag.rsplit("}", 1)[-1] == "Fault"), None)
    if fault is None:
        return None
    errors = []
    for error in (el for el in fault.iter() if el.tag.rsplit("}", 1)[-1] == "Error"):
        fields = {child.tag.rsplit("}", 1)[-1]: (child.text or "") for child in error}
        errors.append({"code": error.get("code"), "Message": fields.get("Message"), "Detail": fields.get("Detail")})
    return {"type": fault.get("type"), "Error": errors or [{}]}


def error_for(code: str | None, status: int, message: str, detail: str | None = None) -> ConnectorError:
    """The typed error for a QBO error ``code`` (string) and HTTP status."""
    kw: dict[str, str | None] = {"code": code or str(status), "vendor": VENDOR, "detail": detail}
    num = int(code) if code and code.isdigit() else None
    if num == 3001 or status == 429:
        return RateLimitedError(message, retry_after=RETRY_AFTER_429, **kw)
    if num == 3200 or status == 401:
        return AuthExpiredError(message, **kw)
    if num == 5010:
        return StaleObjectError(message, **kw)
    if num in (610, 2500):  # 610: inactive/deleted or missing Id; 2500: a reference to no such Id
        return NotFoundError(message, **kw)
    if num in (6140, 6240):
        return DuplicateError(message, **kw)
    if num == 6210:
        return ClosedPeriodError(message, **kw)
    if num is not None and (num == 6000 or 2000 <= num <= 4999 or 6000 <= num < 10000):
        return ValidationError(message, **kw)
    if num is not None and 100 <= num <= 499:
        return AuthRevokedError(message, **kw)
    if status >= 500 or (num is not None and num >= 10000):
        return RetryableError(message, **kw)
    if num is not None and 500 <= num < 2000:
        return PermanentError(message, **kw)
    if status == 404:
        return NotFoundError(message, **kw)
    return PermanentError(message, **kw)


def error_from_fault(fault: dict[str, Any], status: int) -> ConnectorError:
    errors = _ci(fault, "Error") or [{}]
    first = errors[0] if isinstance(errors, list) and errors else {}
    code = _ci(first, "code")
    message = str(_ci(first, "Message") or _ci(fault, "type") or "QBO fault")
    detail = _ci(first, "Detail")
    return error_for(
        str(code) if code is not None else None, status, message, str(detail) if detail is not None else None
    )


def check(response: httpx.Response) -> dict[str, Any]:
    """The JSON body of a successful answer, else raise the typed error."""
    try:
        body = response.json()
    except ValueError:
        body = None
    fault = find_fault(body) if body is not None else xml_fault(response.text)
    if fault is not None:
        raise error_from_fault(fault, response.status_code)
    if response.status_code == 200 and isinstance(body, dict):
        return body
    text = response.text[:300]
    raise error_for(None, response.status_code, f"HTTP {response.status_code} from QBO", text)
