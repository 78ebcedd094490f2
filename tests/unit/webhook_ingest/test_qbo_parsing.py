import datetime as dt
import json

import pytest

from ledgerbridge_common.canonical.models import ObjectType
from webhook_ingest.parsing.common import UnparseableDeliveryError
from webhook_ingest.parsing.qbo import parse_qbo_delivery

NOW = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)


def legacy(*notifications: tuple[str, list[dict]]) -> bytes:
    return json.dumps(
        {"eventNotifications": [{"realmId": r, "dataChangeEvent": {"entities": e}} for r, e in notifications]}
    ).encode()


def cloudevent(event_id: str, type_: str, entity_id: str, realm: str = "310687", **extra) -> dict:
    return {
        "specversion": "1.0",
        "id": event_id,
        "source": "intuit.abc=",
        "type": type_,
        "time": "2025-09-10T21:31:25.179851517Z",
        "intuitentityid": entity_id,
        "intuitaccountid": realm,
        **extra,
    }


def test_legacy_delivery_with_two_realms_yields_every_entity_change():
    body = legacy(
        (
            "111",
            [{"name": "Bill", "id": "5", "operation": "Create", "lastUpdated": "2015-10-05T14:42:19-0700"}],
        ),
        (
            "222",
            [
                {
                    "name": "Vendor",
                    "id": "3",
                    "operation": "Update",
                    "lastUpdated": "2025-09-08T20:52:31.657Z",
                },
                {"name": "Payment", "id": "9", "operation": "Void", "lastUpdated": "1757364751657"},
            ],
        ),
    )
    parsed = parse_qbo_delivery(body, received_at=NOW)
    got = [(c.company_id, c.object_type, c.object_id, c.operation) for c in parsed.changes]
    assert got == [
        ("111", ObjectType.BILL, "5", "created"),
        ("222", ObjectType.VENDOR, "3", "updated"),
        ("222", ObjectType.RECEIVED_PAYMENT, "9", "voided"),
    ]
    assert parsed.changes[0].source_time == dt.datetime(2015, 10, 5, 21, 42, 19, tzinfo=dt.UTC)
    assert parsed.changes[1].source_time == dt.datetime(2025, 9, 8, 20, 52, 31, 657000, tzinfo=dt.UTC)
    assert parsed.changes[2].source_time == dt.datetime(2025, 9, 8, 20, 52, 31, 657000, tzinfo=dt.UTC)


def test_legacy_dedupe_key_is_the_realm_name_id_operation_time_tuple():
    entity = {"name": "Bill", "id": "5", "operation": "Update", "lastUpdated": "2025-09-08T20:52:31.657Z"}
    first = parse_qbo_delivery(legacy(("111", [entity])), received_at=NOW).changes[0]
    again = parse_qbo_delivery(legacy(("111", [entity])), received_at=NOW + dt.timedelta(hours=1)).changes[0]
    later = parse_qbo_delivery(
        legacy(("111", [{**entity, "lastUpdated": "2025-09-08T20:59:00.000Z"}])), received_at=NOW
    ).changes[0]
    assert first.dedupe_key == again.dedupe_key
    assert first.dedupe_key != later.dedupe_key


@pytest.mark.parametrize("key", ["deletedId", "deletedID", "deletedid"])
def test_legacy_merge_names_the_merged_away_record_and_its_survivor(key):
    body = legacy(("111", [{"name": "Vendor", "id": "3", "operation": "Merge", key: "7"}]))
    (change,) = parse_qbo_delivery(body, received_at=NOW).changes
    assert (change.object_id, change.operation, change.merged_into) == ("7", "merged", "3")
    assert change.source_time == NOW


def test_emailed_and_unsynced_entities_are_ignored_not_rejected():
    body = legacy(
        (
            "111",
            [
                {"name": "Invoice", "id": "1", "operation": "Emailed"},
                {"name": "Employee", "id": "2", "operation": "Create"},
                {"name": "Estimate", "id": "3", "operation": "Update"},
                {"name": "Item", "id": "4", "operation": "Delete"},
            ],
        )
    )
    parsed = parse_qbo_delivery(body, received_at=NOW)
    assert [(c.object_type, c.operation) for c in parsed.changes] == [(ObjectType.ITEM, "deleted")]
    assert (parsed.ignored, parsed.rejects) == (3, [])


def test_cloudevents_array_routes_each_event_by_its_own_realm():
    body = json.dumps(
        [
            cloudevent("e1", "qbo.bill.created.v1", "10", realm="111"),
            cloudevent("e2", "qbo.billpayment.void.v1", "11", realm="222"),
            cloudevent("e3", "qbo.invoice.voided.v1", "12", realm="222"),
            cloudevent("e4", "qbo.customer.merged.v1", "13", data={"deletedid": "27"}),
            cloudevent("e5", "qbo.department.updated.v1", "14"),
            cloudevent("e6", "qbo.employee.created.v1", "15"),
            cloudevent("e7", "qbo.invoice.emailed.v1", "16"),
        ]
    ).encode()
    parsed = parse_qbo_delivery(body, received_at=NOW)
    got = [(c.dedupe_key, c.company_id, c.object_type, c.object_id, c.operation, c.merged_into) for c in parsed.changes]
    assert got == [
        ("qbo:ce:e1", "111", ObjectType.BILL, "10", "created", None),
        ("qbo:ce:e2", "222", ObjectType.BILL_PAYMENT, "11", "voided", None),
        ("qbo:ce:e3", "222", ObjectType.INVOICE, "12", "voided", None),
        ("qbo:ce:e4", "310687", ObjectType.CUSTOMER, "27", "merged", "13"),
        ("qbo:ce:e5", "310687", ObjectType.LOCATION, "14", "updated", None),
    ]
    assert parsed.ignored == 2
    assert parsed.changes[0].source_time == dt.datetime(2025, 9, 10, 21, 31, 25, 179851, tzinfo=dt.UTC)


def test_cloudevent_without_data_or_time_still_parses():
    event = cloudevent("e1", "qbo.vendorcredit.updated.v1", "10")
    del event["time"]
    (change,) = parse_qbo_delivery(json.dumps([event]).encode(), received_at=NOW).changes
    assert (change.object_type, change.source_time) == (ObjectType.VENDOR_CREDIT, NOW)


def test_broken_parts_are_rejected_while_the_rest_is_kept():
    body = json.dumps(
        [cloudevent("e1", "qbo.bill.created.v1", "10"), {"specversion": "1.0", "type": "qbo.bill.created.v1"}]
    ).encode()
    parsed = parse_qbo_delivery(body, received_at=NOW)
    assert [c.dedupe_key for c in parsed.changes] == ["qbo:ce:e1"]
    assert len(parsed.rejects) == 1


@pytest.mark.parametrize("raw", [b"not json", b'{"something": "else"}', b"42", b"\xff\xfe"])
def test_unreadable_bodies_raise(raw):
    with pytest.raises(UnparseableDeliveryError):
        parse_qbo_delivery(raw, received_at=NOW)


def test_legacy_entity_without_last_updated_never_shares_a_dedupe_key_with_a_later_change():
    body = legacy(("111", [{"name": "Vendor", "id": "3", "operation": "Update"}]))
    first = parse_qbo_delivery(body, received_at=NOW).changes[0]
    later = parse_qbo_delivery(body, received_at=NOW + dt.timedelta(minutes=5)).changes[0]
    assert first.dedupe_key != later.dedupe_key
    assert "None" not in first.dedupe_key
    assert first.source_time == NOW
