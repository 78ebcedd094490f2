from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json

import pytest

from ledgerbridge_common.canonical.models import ObjectType
from ledgerbridge_common.connectors.billcom import (
    parse_billcom_webhook,
    sign_billcom_payload,
    verify_billcom_signature,
)
from ledgerbridge_common.errors import ValidationError

KEY = "s3cr3t-key"


def _delivery(event_type: str, obj: dict[str, object], key: str | None = None) -> bytes:
    entity = event_type.rpartition(".")[0]
    payload = {
        "metadata": {
            "eventId": "e-1",
            "subscriptionId": "sub-1",
            "organizationId": "00801AAAAAAAAAAAAAAA",
            "eventType": event_type,
            "version": "1",
        },
        key or entity: obj,
    }
    return json.dumps(payload, separators=(",", ":")).encode()


def test_signature_is_base64_hmac_sha256_of_raw_body() -> None:
    body = _delivery("bill.created", {"id": "00n01AAAAAAAAAAAAAAA"})
    expected = base64.b64encode(hmac.new(KEY.encode(), body, hashlib.sha256).digest()).decode()
    assert sign_billcom_payload(body, KEY) == expected
    assert verify_billcom_signature(body, expected, KEY)


@pytest.mark.parametrize(
    "header",
    [None, "", "not base64!!", base64.b64encode(b"x" * 32).decode()],
    ids=["missing", "empty", "garbage", "wrong-digest"],
)
def test_bad_signatures_are_rejected(header: str | None) -> None:
    assert not verify_billcom_signature(b"{}", header, KEY)


def test_reformatted_body_fails_verification() -> None:
    body = _delivery("vendor.created", {"id": "009"})
    pretty = json.dumps(json.loads(body), indent=2).encode()
    assert not verify_billcom_signature(pretty, sign_billcom_payload(body, KEY), KEY)


def test_parse_bill_event() -> None:
    body = _delivery("bill.updated", {"id": "00n01AAAAAAAAAAAAAAA", "updatedTime": "2030-01-02T03:04:05.000+00:00"})
    [event] = parse_billcom_webhook(body)
    assert (event.event_id, event.object_type, event.object_id, event.operation) == (
        "e-1",
        ObjectType.BILL,
        "00n01AAAAAAAAAAAAAAA",
        "updated",
    )
    assert event.occurred_at == dt.datetime(2030, 1, 2, 3, 4, 5, tzinfo=dt.UTC)


def test_parse_voided_payment_and_bank_account() -> None:
    [payment] = parse_billcom_webhook(_delivery("payment.updated", {"id": "stp1", "status": "VOID"}))
    assert (payment.object_type, payment.operation) == (ObjectType.BILL_PAYMENT, "voided")
    [bank] = parse_billcom_webhook(_delivery("bank-account.updated", {"id": "bac1"}, key="bankAccount"))
    assert (bank.object_type, bank.object_id) == (None, "bac1")


def test_parse_list_and_errors() -> None:
    one = json.loads(_delivery("vendor.archived", {"id": "009x"}))
    events = parse_billcom_webhook(json.dumps([one, one]).encode())
    assert [e.operation for e in events] == ["archived", "archived"]
    with pytest.raises(ValidationError):
        parse_billcom_webhook(b"not json")
    with pytest.raises(ValidationError):
        parse_billcom_webhook(b'{"bill": {}}')
