"""Intacct ``<errormessage>`` errors, by the error numbers the reference documents.

Every constructor names its source in ``README.md``'s fidelity table. Where Intacct's own number for a
rule is not published, the rule answers with the documented generic business-rule number
``BL01001973`` (the number the documented "Duplicate account number" and "Invalid journal ...
selected" errors carry) and a plain description; the table marks those numbers "unknown".
"""

from __future__ import annotations

from dataclasses import dataclass

PARSE_ERROR = "XL03000003"
AUTH_ERROR = "XL03000006"
ROLLED_BACK = "XL03000009"
BUSINESS_RULE = "BL01001973"
ILLEGAL_FORMAT = "BL03000018"
ALREADY_EXISTS = "BL34000061"
PROCESSING_ERROR = "DL02000001"
QUERY_FAILED = "Query Failed"
NO_OBJECT = "WS"
RATE_LIMIT = "GW-0010"

ROLLED_BACK_TEXT = "The entire transaction in this operation has been rolled back due to an error."


@dataclass(frozen=True)
class ErrorDetail:
    errorno: str
    description: str = ""
    description2: str = ""
    correction: str = ""


class IntacctError(Exception):
    """One or more ``<error>`` entries; raised by a function, the control or the authentication block."""

    def __init__(self, *details: ErrorDetail) -> None:
        super().__init__("; ".join(f"{d.errorno} {d.description2 or d.description}" for d in details))
        self.details = list(details)


def business(description2: str, correction: str = "", *, follow_up: str = "") -> IntacctError:
    """A business-rule refusal; ``follow_up`` adds the second "Could not create ... record." entry."""
    details = [ErrorDetail(BUSINESS_RULE, "", description2, correction)]
    if follow_up:
        details.append(ErrorDetail(BUSINESS_RULE, "", follow_up, ""))
    return IntacctError(*details)


def already_exists(label: str, value: str) -> IntacctError:
    return IntacctError(
        ErrorDetail(
            ALREADY_EXISTS,
            "",
            f"Another {label} with the given value(s) {value}  already exists",
            "Use a unique value instead.",
        ),
        ErrorDetail(BUSINESS_RULE, "", f"Could not create {label} record!", ""),
    )


def duplicate_account(accountno: str) -> IntacctError:
    return business(
        f"The account number '{accountno}' already exists",
        "Enter unique account number",
        follow_up="Could not create GL Account record.",
    )


def invalid_journal(symbol: str) -> IntacctError:
    return business(f"Invalid journal {symbol} selected", "Select a valid journal.")


def missing(field: str, label: str) -> IntacctError:
    return business(f"Required field {field} is missing", f"Provide {field}.", follow_up=f"Could not create {label}.")


def bad_value(field: str, value: str) -> IntacctError:
    return IntacctError(ErrorDetail(ILLEGAL_FORMAT, "", f"Illegal format for {field} : {value}.", ""))


def no_reference(label: str, value: str) -> IntacctError:
    return business(f"Invalid {label} '{value}' specified.", f"Provide a valid {label}.")


def object_not_found(name: str, *, query: bool) -> IntacctError:
    errorno = QUERY_FAILED if query else NO_OBJECT
    return IntacctError(ErrorDetail(errorno, "", f"Object definition {name} not found", ""))


def cannot_delete(label: str, key: str) -> IntacctError:
    return business(f"Cannot find {label.lower()} with key '{key}' to delete.")


def rolled_back() -> ErrorDetail:
    return ErrorDetail(ROLLED_BACK, "", ROLLED_BACK_TEXT, "")


def replayed(controlid: str) -> IntacctError:
    return business(f"A successful transaction has already been recorded with the control id {controlid}")


def sign_in() -> IntacctError:
    return IntacctError(ErrorDetail(AUTH_ERROR, "", "Sign-in information is incorrect", ""))


def bad_sender() -> IntacctError:
    return IntacctError(ErrorDetail(AUTH_ERROR, "", "Incorrect Intacct XML Partner ID or password.", ""))


def sender_not_authorized(senderid: str, companyid: str) -> IntacctError:
    return IntacctError(
        ErrorDetail(
            AUTH_ERROR,
            "",
            f"Invalid Web Services Authorization: sender {senderid} is not authorized for company {companyid}",
            "",
        )
    )


def parse_error(detail: str) -> IntacctError:
    return IntacctError(ErrorDetail(PARSE_ERROR, "XML Parse error", detail, ""))
