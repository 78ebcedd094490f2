"""The NetSuite connector's pure parts: URLs, external ids, TBA signing as the sandbox verifies it,
error mapping by code, and the canonical ↔ record mapping."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import httpx
import pytest

from ledgerbridge_common.canonical.models import (
    AppliedTo,
    Bill,
    BillPayment,
    Classifications,
    JournalEntry,
    JournalLine,
    ReceivedPayment,
    TransactionLine,
)
from ledgerbridge_common.connectors.netsuite.changes import since_clause
from ledgerbridge_common.connectors.netsuite.client import TbaAuth, TbaCredentials, error_from, rest_base
from ledgerbridge_common.connectors.netsuite.connector import external_id
from ledgerbridge_common.connectors.netsuite.mapping_common import Setup
from ledgerbridge_common.connectors.netsuite.mapping_payments import (
    payment_from,
    payment_to,
    received_from,
    received_to,
)
from ledgerbridge_common.connectors.netsuite.mapping_txns import bill_from, journal_from, journal_to, payables_to
from ledgerbridge_common.errors import (
    AuthRevokedError,
    NotFoundError,
    RateLimitedError,
    RetryableError,
    ValidationError,
)
from netsuite_sandbox.account import Account, TbaToken
from netsuite_sandbox.auth import verify_tba

SETUP = Setup(subsidiary_id="2", home_currency="USD", currency_ids={"USD": "1", "GBP": "2"})


def test_rest_base_by_host_or_path_prefix() -> None:
    assert rest_base("https://{account}.suitetalk.api.netsuite.com", "123456_SB1") == (
        "https://123456-sb1.suitetalk.api.netsuite.com/services/rest"
    )
    assert rest_base("http://127.0.0.1:18084/", "123456_SB1") == "http://127.0.0.1:18084/123456-sb1/services/rest"


def test_external_ids_keep_to_the_eid_alphabet() -> None:
    assert external_id("LB:billcom:bill:00n01ABC", "r") == "LB_billcom_bill_00n01ABC"
    assert external_id(None, "abc123") == "LB_abc123"


def test_since_clause_is_utc_with_the_format_spelled_out() -> None:
    at = dt.datetime(2026, 3, 1, 12, 30, 5, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert since_clause("lastmodifieddate", at) == (
        "lastmodifieddate >= TO_DATE('2026-03-01 10:30:05', 'YYYY-MM-DD HH24:MI:SS')"
    )


def test_tba_signature_passes_the_sandbox_verifier() -> None:
    creds = TbaCredentials("123456_SB1", "ck", "cs", "tk", "ts")
    account = Account(account_id="123456_SB1")
    account.consumers["ck"] = "cs"
    account.tokens["tk"] = TbaToken("tk", "ts", "ck")
    request = httpx.Request("POST", "https://h.example/services/rest/query/v1/suiteql?limit=5&offset=0", json={"q": 1})
    signed = next(TbaAuth(creds).auth_flow(request))
    header = signed.headers["authorization"]
    assert 'realm="123456_SB1"' in header and 'oauth_signature_method="HMAC-SHA256"' in header
    verify_tba(
        account,
        method="POST",
        url="https://h.example/services/rest/query/v1/suiteql",
        query="limit=5&offset=0",
        header=header,
        content_type="application/json",
        body=signed.content,
        tolerance_seconds=300,
    )


def response(status: int, code: str | None, path: str | None = None) -> httpx.Response:
    detail: dict[str, str] = {"detail": "boom"}
    if code:
        detail["o:errorCode"] = code
    if path:
        detail["o:errorPath"] = path
    return httpx.Response(status, content=json.dumps({"status": status, "o:errorDetails": [detail]}))


@pytest.mark.parametrize(
    ("status", "code", "error"),
    [
        (429, None, RateLimitedError),
        (401, "INVALID_LOGIN", AuthRevokedError),
        (404, "NONEXISTENT_ID", NotFoundError),
        (400, "USER_ERROR", ValidationError),
        (400, "INVALID_CONTENT", ValidationError),
        (503, None, RetryableError),
    ],
)
def test_errors_by_code_and_status(status: int, code: str | None, error: type[Exception]) -> None:
    mapped = error_from(response(status, code, "expense.items[0].account"))
    assert type(mapped) is error
    assert mapped.detail == "boom (at expense.items[0].account)"


def test_bill_lines_and_dimensions_round_trip() -> None:
    line = TransactionLine(
        amount=Decimal("12.50"),
        description="paper",
        classifications=Classifications(account_id="6", department_id="1", class_id="5"),
    )
    bill = Bill(
        vendor_id="7",
        date=dt.date(2026, 3, 1),
        number="INV-1",
        currency="GBP",
        exchange_rate=Decimal("1.25"),
        lines=(line,),
        due_date=dt.date(2026, 3, 31),
    )
    body = payables_to(bill, SETUP)
    assert body["subsidiary"] == {"id": "2"} and body["currency"] == {"id": "2"} and body["dueDate"] == "2026-03-31"
    assert body["expense"]["items"] == [
        {"account": {"id": "6"}, "amount": 12.5, "memo": "paper", "department": {"id": "1"}, "class": {"id": "5"}}
    ]
    back = bill_from(
        {
            **body,
            "id": "11",
            "entity": {"id": "7", "refName": "V"},
            "lastModifiedDate": "2026-03-01T10:00:00Z",
            "total": 12.5,
            "balance": 12.5,
            "status": {"id": "A"},
        },
        SETUP,
    )
    assert back.lines == (line,) and back.currency == "GBP" and back.id == "11" and back.vendor_id == "7"


def test_payments_apply_to_documents() -> None:
    payment = BillPayment(
        vendor_id="7",
        date=dt.date(2026, 3, 2),
        amount=Decimal("10"),
        bank_account_id="1",
        applied_to=(AppliedTo(document_id="11", amount=Decimal("10")),),
    )
    body = payment_to(payment, SETUP)
    assert body["apply"] == {"items": [{"doc": {"id": "11"}, "apply": True, "amount": 10.0}]}
    assert body["account"] == {"id": "1"} and body["entity"] == {"id": "7"}


def test_both_payments_read_back_what_was_written() -> None:
    """NetSuite answers a payment with its own fields and the total; a received payment without a
    deposit account goes to Undeposited Funds."""
    common = {
        "date": dt.date(2026, 3, 2),
        "amount": Decimal("10.00"),
        "currency": "GBP",
        "exchange_rate": Decimal("1.25"),
        "reference": "CHK-1",
        "memo": "March",
        "applied_to": (AppliedTo(document_id="11", amount=Decimal("10.00")),),
        "header_classifications": Classifications(department_id="4"),
    }
    paid = BillPayment(vendor_id="7", bank_account_id="1", **common)  # type: ignore[arg-type]
    body = payment_to(paid, SETUP)
    assert payment_from({**body, "id": "21", "total": 10.0}, SETUP) == paid.model_copy(update={"id": "21"})
    received = ReceivedPayment(customer_id="8", **common)  # type: ignore[arg-type]
    body = received_to(received, SETUP)
    assert body["undepFunds"] is True and body["payment"] == 10.0 and body["customer"] == {"id": "8"}
    assert received_from({**body, "id": "22"}, SETUP) == received.model_copy(update={"id": "22"})


def test_journal_lines_debit_or_credit() -> None:
    entry = JournalEntry(
        date=dt.date(2026, 3, 3),
        lines=(
            JournalLine(posting_type="Debit", amount=Decimal("5"), account_id="6"),
            JournalLine(posting_type="Credit", amount=Decimal("5"), account_id="1"),
        ),
    )
    body = journal_to(entry, SETUP)
    assert body["line"]["items"] == [{"account": {"id": "6"}, "debit": 5.0}, {"account": {"id": "1"}, "credit": 5.0}]
    back = journal_from({**body, "id": "3", "line": {"items": body["line"]["items"]}}, SETUP)
    assert back.lines == entry.lines and back.balanced


def test_unknown_currency_is_a_validation_error() -> None:
    bill = Bill(vendor_id="7", date=dt.date(2026, 3, 1), currency="JPY", lines=())
    with pytest.raises(ValidationError):
        payables_to(bill, SETUP)
