"""Ids, clock, time formats and the v3 error envelope."""

from __future__ import annotations

import datetime as dt
import secrets
import string
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from fastapi.responses import JSONResponse

_ALPHABET = string.ascii_uppercase + string.digits

PREFIX = {
    "user": "006",
    "org": "008",
    "vendor": "009",
    "invoice": "00e",
    "bill": "00n",
    "chart_of_account": "0ca",
    "customer": "0cu",
    "department": "0de",
    "item": "0ii",
    "receivable_payment": "0rp",
    "bank_account": "bac",
    "bill_pay": "blp",
    "accounting_class": "cls",
    "location": "loc",
    "job": "job",
    "money_movement": "mmt",
    "payment": "stp",
    "vendor_credit": "vcr",
    "bill_approver": "0ba",
}


def new_id(kind: str) -> str:
    """A 20-character BILL id: the 3-character type prefix, ``01``, then 15 random characters."""
    return PREFIX[kind] + "01" + "".join(secrets.choice(_ALPHABET) for _ in range(15))


def fmt_time(value: dt.datetime) -> str:
    """BILL v3 timestamp form, e.g. ``2025-03-18T20:12:24.123+00:00``."""
    value = value.astimezone(dt.UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}+00:00"


def parse_time(value: str) -> dt.datetime:
    """Accept the ISO-8601 forms BILL accepts in filters: date only, ``Z``, ``+0000``, ``+00:00``."""
    text = value.strip().strip('"')
    if len(text) == 10:
        return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    if len(text) > 5 and text[-5] in "+-" and text[-4:].isdigit():
        text = text[:-2] + ":" + text[-2:]
    parsed = dt.datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def parse_date(value: Any, field: str) -> dt.date:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise BillError.invalid(f"{field} must be a date yyyy-MM-dd") from exc


def money(value: Any, field: str = "amount") -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise BillError.invalid(f"{field} is not a number") from exc
    return amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def num(value: Decimal) -> float:
    """JSON numbers as BILL sends them."""
    return float(value)


class BillError(Exception):
    """A v3 error: answered as ``[{timestamp, code, severity, category, message}]``."""

    def __init__(self, status: int, code: str, message: str, category: str = "REQUEST") -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.category = category

    @classmethod
    def invalid(cls, message: str) -> BillError:
        # Sandbox-chosen code for business validation failures (the reference lists no code).
        return cls(400, "BDC_1106", message, "REQUEST")

    @classmethod
    def not_found(cls, what: str, object_id: str) -> BillError:
        # Sandbox-chosen code for an unknown object id.
        return cls(404, "BDC_1128", f"{what} {object_id} not found", "APPLICATION")

    def body(self, now: dt.datetime) -> list[dict[str, Any]]:
        return [
            {
                "timestamp": fmt_time(now),
                "code": self.code,
                "severity": "ERROR",
                "category": self.category,
                "message": self.message,
            }
        ]

    def response(self, now: dt.datetime) -> JSONResponse:
        return JSONResponse(self.body(now), status_code=self.status)


# Documented codes with the category BILL documents for them (developer.bill.com/docs/common-api-error-codes,
# /docs/api-rate-limits): the session and limit errors are tagged DOWNSTREAM.
SESSION_INVALID = ("BDC_1109", "Session is invalid.  Please log in.", "DOWNSTREAM")
BAD_CREDENTIALS = ("BDC_1101", "User name and/or password do not match our records.", "REQUEST")
BAD_DEVKEY = ("BDC_1102", "Invalid devKey.", "REQUEST")
API_NOT_SUPPORTED = ("BDC_1121", "API not supported.", "REQUEST")
HOURLY_LIMIT = ("BDC_1144", "Max number of allowed requests per hour reached: {limit}.", "DOWNSTREAM")
CONCURRENCY_LIMIT = ("BDC_1322", "Max number of concurrent requests per organization reached.", "DOWNSTREAM")
SYSTEM_ERROR = ("BDC_1001", "System error occurred.", "SERVER")
# Creating a payment without an MFA-trusted session: BILL documents the gate but no code for it
# (fidelity table: unknown). BDC_1002 "Unknown error occurred." is the documented catch-all.
MFA_REQUIRED = ("BDC_1002", "Unknown error occurred. This operation requires an MFA-trusted API session.", "REQUEST")
