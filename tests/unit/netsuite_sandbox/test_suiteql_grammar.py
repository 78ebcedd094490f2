"""The SuiteQL subset's grammar and evaluation, as pure functions: precedence, NULL handling, IN,
LIKE, date functions and the refusals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from netsuite_sandbox.errors import NsError
from netsuite_sandbox.suiteql import Evaluator, parse

COLUMNS = {"id", "name", "memo", "lastmodifieddate"}
ROWS: list[dict[str, Any]] = [
    {"id": Decimal(1), "name": "Acme", "memo": None, "lastmodifieddate": dt.datetime(2026, 1, 30, 10, tzinfo=dt.UTC)},
    {"id": Decimal(2), "name": "Beta", "memo": "x", "lastmodifieddate": dt.datetime(2026, 2, 1, 9, tzinfo=dt.UTC)},
    {"id": Decimal(10), "name": "acme co", "memo": "y", "lastmodifieddate": dt.datetime(2026, 2, 3, tzinfo=dt.UTC)},
]


def matching(where: str) -> list[int]:
    query = parse(f"SELECT id FROM vendor WHERE {where}")
    evaluator = Evaluator("MM/DD/YYYY")
    rows = [{**row, "__columns__": COLUMNS, "__table__": "vendor"} for row in ROWS]
    assert query.where is not None
    return [int(row["id"]) for row in rows if evaluator.test(query.where, row)]


@pytest.mark.parametrize(
    ("where", "ids"),
    [
        ("id = 1 OR id = 2 AND name = 'Acme'", [1]),  # AND binds tighter than OR
        ("(id = 1 OR id = 2) AND name = 'Beta'", [2]),
        ("NOT id = 1", [2, 10]),
        ("memo IS NULL", [1]),
        ("memo IS NOT NULL", [2, 10]),
        ("memo <> 'x'", [10]),  # NULL compares to nothing
        ("id IN (1, '10')", [1, 10]),
        ("id NOT IN (1)", [2, 10]),
        ("id > 2", [10]),  # numbers, not strings
        ("name LIKE 'A%'", [1]),
        ("UPPER(name) LIKE 'ACME%'", [1, 10]),
        ("lastmodifieddate >= TO_DATE('2026-02-01', 'YYYY-MM-DD')", [2, 10]),
        ("lastmodifieddate > '02/01/2026'", [2, 10]),
        ("TO_CHAR(lastmodifieddate, 'YYYY-MM-DD\"T\"HH24') = '2026-02-01T09'", [2]),
    ],
)
def test_where(where: str, ids: list[int]) -> None:
    assert matching(where) == ids


@pytest.mark.parametrize(
    "text",
    [
        "UPDATE vendor SET name = 'x'",
        "SELECT id FROM vendor, customer",
        "SELECT id FROM vendor WHERE id IN (SELECT id FROM customer)",
        "SELECT COUNT(*) FROM vendor",
        "SELECT id FROM vendor WHERE name = 'unterminated",
        "SELECT id FROM vendor GROUP BY id",
    ],
)
def test_refused(text: str) -> None:
    with pytest.raises(NsError) as caught:
        parse(text)
    assert caught.value.status == 400 and caught.value.code == "INVALID_PARAMETER"


def test_aliases_and_order() -> None:
    query = parse("SELECT v.id AS vid, name n FROM vendor v ORDER BY name DESC, id")
    assert query.columns is not None and [alias for alias, _ in query.columns] == ["vid", "n"]
    assert [desc for _, desc in query.order] == [True, False]
