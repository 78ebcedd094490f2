from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from ledgerbridge_common.canonical import fingerprint, parse_canonical
from ledgerbridge_common.canonical.models import Bill, Classifications, ObjectType, TransactionLine, Vendor
from ledgerbridge_common.events import ChangeDetected, Envelope, Side, UnknownEventError


def bill(**kw) -> Bill:
    base = dict(
        vendor_id="v1",
        date=dt.date(2026, 11, 1),
        lines=(TransactionLine(amount=Decimal("10.00"), classifications=Classifications(account_id="7")),),
    )
    base.update(kw)
    return Bill(**base)


def test_fingerprint_ignores_ids_tokens_and_timestamps():
    a = bill(id="1", concurrency_token="0")
    b = bill(id="99", concurrency_token="7", updated_at=dt.datetime.now(dt.UTC))
    assert fingerprint(a) == fingerprint(b)


def test_fingerprint_changes_with_synced_fields():
    assert fingerprint(bill()) != fingerprint(bill(memo="new memo"))
    assert fingerprint(Vendor(name="Acme")) == fingerprint(Vendor(name="Acme ", email=""))


def test_canonical_round_trip_through_json():
    original = bill(number="INV-1")
    again = parse_canonical(ObjectType.BILL, original.model_dump(mode="json"))
    assert again == original and again.total == Decimal("10.00")


def test_envelope_round_trip_and_follow():
    event = ChangeDetected(
        side=Side.BILLCOM,
        object_type=ObjectType.BILL,
        object_id="00n1",
        operation="created",
        source_time=dt.datetime.now(dt.UTC),
        trigger="webhook",
    )
    env = Envelope.wrap(event, connection_id="c1")
    again = Envelope.from_bytes(env.to_bytes())
    assert again.event() == event
    child = again.follow(event)
    assert child.correlation_id == env.correlation_id and child.causation_id == env.event_id


def test_unknown_event_type_is_refused():
    env = Envelope(type="Nope", connection_id="c", payload={})
    with pytest.raises(UnknownEventError):
        env.event()


def test_fingerprint_treats_equal_amounts_alike():
    a = bill(lines=(TransactionLine(amount=Decimal("25")),))
    b = bill(lines=(TransactionLine(amount=Decimal("25.00")),))
    assert fingerprint(a) == fingerprint(b)
    assert fingerprint(a) != fingerprint(bill(lines=(TransactionLine(amount=Decimal("25.01")),)))
