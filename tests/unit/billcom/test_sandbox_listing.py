from __future__ import annotations

import pytest

from billcom_sandbox.core import BillError, new_id, parse_time
from billcom_sandbox.listing import list_page, parse_filters

DOCS = [
    {
        "id": f"00n01{i:015d}",
        "amount": float(i),
        "name": f"n{i}",
        "createdTime": f"2030-01-{i + 1:02d}T00:00:00.000+00:00",
    }
    for i in range(25)
]


def test_filters_parse_iso_times_and_in_lists() -> None:
    assert parse_filters("updatedTime:gte:2030-01-01T00:00:00.000+0000,id:in:a,b") == [
        ("updatedTime", "gte", "2030-01-01T00:00:00.000+0000"),
        ("id", "in", "a,b"),
    ]
    with pytest.raises(BillError):
        parse_filters("amount:between:1")


def test_paging_sort_and_filters() -> None:
    page = list_page(DOCS, {"max": "10", "sort": "amount:desc", "filters": "amount:gte:5"})
    assert [d["amount"] for d in page["results"]][:2] == [24.0, 23.0] and page["prevPage"] is None
    second = list_page(DOCS, {"max": "10", "sort": "amount:desc", "filters": "amount:gte:5", "page": page["nextPage"]})
    assert second["nextPage"] is None and len(second["results"]) == 10
    dated = list_page(DOCS, {"filters": 'createdTime:lt:"2030-01-03"'})
    assert len(dated["results"]) == 2
    with pytest.raises(BillError):
        list_page(DOCS, {"max": "101"})
    with pytest.raises(BillError):
        list_page(DOCS, {"max": "5", "page": page["nextPage"]})  # token of another query


def test_ids_and_times() -> None:
    assert all(len(new_id(kind)) == 20 for kind in ("vendor", "bill", "money_movement"))
    assert new_id("money_movement").startswith("mmt")
    assert parse_time("2030-01-01") == parse_time("2030-01-01T00:00:00Z") == parse_time("2030-01-01T00:00:00.000+0000")


@pytest.mark.parametrize(
    "value",
    [
        '"2030-01-03T00:00:00.000Z"',
        '"2030-01-03T00:00:00.000+00"',
        '"2030-01-03T00:00:00.000+0000"',
        '"2030-01-03T00:00:00.000"',
        '"2030-01-03T00:00:00"',
        '"2030-01-03T00:00"',
        '"2030-01-03"',
    ],
)
def test_documented_time_filter_forms(value: str) -> None:
    assert len(list_page(DOCS, {"filters": f"createdTime:lt:{value}"})["results"]) == 2


@pytest.mark.parametrize(
    "value",
    [
        "2030-01-03T00:00:00.000Z",  # not quoted
        "2030-01-03",
        '"2030-01-03T00:00:00.000+00:00"',  # X is Z, +HH or +HHmm
        '"2030-01-03T00:00:00.123456Z"',
        '"03/01/2030"',
    ],
)
def test_undocumented_time_filter_forms_are_refused(value: str) -> None:
    with pytest.raises(BillError):
        list_page(DOCS, {"filters": f"createdTime:lt:{value}"})
