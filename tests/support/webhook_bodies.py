"""Hypothesis strategies for webhook bodies: arbitrary bytes, arbitrary JSON, and bodies shaped like
QBO (legacy and CloudEvents) and BILL deliveries whose every field may hold any JSON value."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(10**400), max_value=10**400)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
TIMES = (
    st.sampled_from(
        [
            "2026-02-28T10:00:00.000Z",
            "2015-10-05T14:42:19-0700",
            "1757364751657",
            "99999999999999999999",
            "9999-12-31T23:59:59+14:00",
            "0001-01-01T00:00:00-12:00",
            "not a time",
            "",
        ]
    )
    | st.integers()
    | st.floats()
)


def _deep(depth: int) -> bytes:
    return ("[" * depth + "]" * depth).encode()


DEEP = st.sampled_from([_deep(50), _deep(5_000), _deep(200_000), b'{"a":' * 3_000 + b"1" + b"}" * 3_000])


def _shaped(fields: dict[str, st.SearchStrategy[Any]]) -> st.SearchStrategy[dict[str, Any]]:
    """An object whose keys are each present or not, holding a plausible value or any JSON value."""
    return st.fixed_dictionaries({}, optional={k: v | JSON_VALUES for k, v in fields.items()})


def qbo_cloudevents(realms: list[str]) -> st.SearchStrategy[list[Any]]:
    event = _shaped(
        {
            "specversion": st.just("1.0"),
            "id": st.uuids().map(str) | st.integers(),
            "type": st.sampled_from(["qbo.bill.updated.v1", "qbo.vendor.merged.v1", "qbo.employee.created.v1", "x"]),
            "time": TIMES,
            "intuitaccountid": st.sampled_from(realms),
            "intuitentityid": st.integers(1, 10**6).map(str),
            "data": _shaped({"deletedId": st.just("77")}),
        }
    )
    return st.lists(event | JSON_VALUES, max_size=5)


def qbo_legacy(realms: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    entity = _shaped(
        {
            "name": st.sampled_from(["Bill", "Vendor", "Employee", "Payment"]),
            "id": st.integers(1, 10**6).map(str),
            "operation": st.sampled_from(["Create", "Update", "Merge", "Emailed", "Void"]),
            "lastUpdated": TIMES,
            "deletedId": st.just("78"),
        }
    )
    notification = _shaped(
        {
            "realmId": st.sampled_from(realms),
            "dataChangeEvent": _shaped({"entities": st.lists(entity | JSON_VALUES, max_size=4)}),
        }
    )
    return st.fixed_dictionaries({"eventNotifications": st.lists(notification | JSON_VALUES, max_size=4)})


def billcom_events(orgs: list[str]) -> st.SearchStrategy[Any]:
    metadata = _shaped(
        {
            "eventId": st.uuids().map(str),
            "organizationId": st.sampled_from(orgs),
            "eventType": st.sampled_from(["bill.updated", "payment.updated", "vendor.created", "bank-account.updated"]),
            "version": st.just("1"),
        }
    )
    entity = _shaped(
        {
            "id": st.text(alphabet="0123456789abcdef", min_size=1, max_size=8),
            "updatedTime": TIMES,
            "status": st.sampled_from(["PAID", "VOID", "CANCELLED"]),
        }
    )
    event = _shaped({"metadata": metadata, "bill": entity, "payment": entity, "vendor": entity})
    return event | st.lists(event | JSON_VALUES, max_size=3) | JSON_VALUES


def encoded(values: st.SearchStrategy[Any]) -> st.SearchStrategy[bytes]:
    return values.map(lambda v: json.dumps(v).encode())


def qbo_bodies(realms: list[str]) -> st.SearchStrategy[bytes]:
    return (
        encoded(qbo_cloudevents(realms))
        | encoded(qbo_legacy(realms))
        | encoded(JSON_VALUES)
        | st.binary(max_size=200)
        | DEEP
    )


def billcom_bodies(orgs: list[str]) -> st.SearchStrategy[bytes]:
    return encoded(billcom_events(orgs)) | encoded(JSON_VALUES) | st.binary(max_size=200) | DEEP
