"""QBO error bodies: the application ``Fault`` shape, the gateway 401 shape and the 429 throttle."""

from __future__ import annotations

from typing import Any

STALE_DETAIL = (
    "Stale Object Error : You and API API were working on this at the same time. "
    "API API finished before you did, so your work was not saved."
)


class QboFault(Exception):
    """A QBO ``Fault``: rendered as ``{"Fault":{"Error":[...],"type":..},"time":..}``."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        detail: str = "",
        element: str = "",
        fault_type: str = "ValidationFault",
    ) -> None:
        super().__init__(f"{code} {message}")
        self.status = status
        self.code = code
        self.message = message
        self.detail = detail or message
        self.element = element
        self.fault_type = fault_type

    def fault(self) -> dict[str, Any]:
        return {
            "Error": [{"Message": self.message, "Detail": self.detail, "code": self.code, "element": self.element}],
            "type": self.fault_type,
        }


def required(element: str) -> QboFault:
    return QboFault(
        400,
        "2020",
        "Required param missing, need to supply the required value for the API",
        f"Required parameter {element} is missing in the request",
        element,
    )


def not_found(element: str, value: str | None = None) -> QboFault:
    detail = (
        "Object Not Found : Something you're trying to use has been made inactive. Check the "
        "fields with accounts, customers, items, vendors or employees."
    )
    if value is not None:
        detail += f" ({element}={value})"
    return QboFault(400, "610", "Object Not Found", detail, element)


def invalid_reference(element: str, value: str) -> QboFault:
    """2500: a reference to an Id that does not exist (610 is for inactive or deleted objects)."""
    return QboFault(
        400, "2500", "Invalid Reference Id", f"Invalid Reference Id : {element} assigned is {value}", element
    )


def invalid(message: str, element: str = "", code: str = "6000") -> QboFault:
    return QboFault(
        400,
        code,
        "A business validation error has occurred while processing your request",
        f"Business Validation Error: {message}",
        element,
    )


def bad_enum(element: str, value: object) -> QboFault:
    return QboFault(400, "2170", "Invalid Enumeration", f"Invalid Enumeration : {value}", element)


def bad_number(element: str, value: object) -> QboFault:
    return QboFault(400, "2040", "Invalid Number", f"Invalid Number : {value}", element)


def too_long(element: str, limit: int) -> QboFault:
    return QboFault(
        400,
        "2050",
        "String length is either shorter or longer than supported by specification",
        f"String length specified does not match the supported length. Max={limit}",
        element,
    )


def stale() -> QboFault:
    return QboFault(400, "5010", "Stale Object Error", STALE_DETAIL, "")


def duplicate_name(name: str) -> QboFault:
    return QboFault(
        400,
        "6240",
        "Duplicate Name Exists Error",
        f"The name supplied already exists. : Another customer, vendor or employee is already "
        f"using this name. Please use a different name. Name={name}",
        "",
    )


def duplicate_doc(doc: str, txn_type: str, txn_id: str) -> QboFault:
    return QboFault(
        400,
        "6140",
        "Duplicate Document Number Error",
        "Duplicate Document Number Error : You must specify a different number. This number has "
        f"already been used. DocNumber={doc} is assigned to TxnType={txn_type} with TxnId={txn_id}",
        "",
    )


def closed_period(book_close: str) -> QboFault:
    return QboFault(
        400,
        "6210",
        "Account Period Closed",
        f"The account period has closed and the books are locked (BookCloseDate={book_close}).",
        "",
    )


def unsupported(what: str) -> QboFault:
    return QboFault(400, "500", "Unsupported Operation", f"Operation {what} is not supported.", "")


def query_error(detail: str, code: str = "4000") -> QboFault:
    return QboFault(400, code, "Error parsing query", f"QueryParserError: {detail}", "")


def system_fault(detail: str) -> QboFault:
    return QboFault(
        200,
        "10000",
        "An application error has occurred while processing your request",
        f"System Failure Error: {detail}",
        "",
        "SystemFault",
    )


def fault_body(fault: QboFault, time: str) -> dict[str, Any]:
    return {"Fault": fault.fault(), "time": time}


def gateway_401(time: str, detail: str) -> dict[str, Any]:
    """The gateway's 401 shape: lowercase keys next to many nulls (reference 5.2)."""
    return {
        "warnings": None,
        "intuitObject": None,
        "fault": {
            "error": [
                {
                    "message": "message=AuthenticationFailed; errorCode=003200; statusCode=401",
                    "detail": detail,
                    "code": "3200",
                    "element": None,
                }
            ],
            "type": "AUTHENTICATION",
        },
        "report": None,
        "queryResponse": [],
        "batchItemResponse": [],
        "attachableResponse": [],
        "syncErrorResponse": None,
        "requestId": None,
        "time": time,
        "status": None,
        "cdcresponse": [],
    }


def throttle_body(time: str) -> dict[str, Any]:
    return {
        "Fault": {
            "Error": [
                {
                    "Message": "message=ThrottleExceeded; errorCode=003001; statusCode=429",
                    "Detail": "The request limit was reached.  Try again later",
                    "code": "3001",
                    "element": "",
                }
            ],
            "type": "SERVICE",
        },
        "time": time,
    }


XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'


def _xml_fault(time: str, fault_type: str, code: str, message: str, detail: str) -> str:
    return (
        f'{XML_HEAD}<IntuitResponse xmlns="http://schema.intuit.com/finance/v3" time="{time}">'
        f'<Fault type="{fault_type}"><Error code="{code}"><Message>{message}</Message>'
        f"<Detail>{detail}</Detail></Error></Fault></IntuitResponse>"
    )


def throttle_xml(time: str) -> str:
    """The 429 body as Intuit has sent it, XML even to a client asking for JSON
    (intuit/QuickBooks-V3-PHP-SDK issue #54; routablehq/python-quickbooks issue #43)."""
    return _xml_fault(
        time,
        "SERVICE",
        "3001",
        "message=ThrottleExceeded; errorCode=003001; statusCode=429",
        "The request limit was reached.  Try again later",
    )


def other_realm_xml(time: str) -> str:
    """A valid token used for another company: 401, AuthenticationFault code 100, in XML
    (Intuit's answer in intuit/oauth-jsclient issue #91)."""
    return _xml_fault(
        time,
        "AuthenticationFault",
        "100",
        "General Authentication Error",
        "AuthenticationErrorGeneral: SRV-110-Authentication Failure , statusCode: 401",
    )
