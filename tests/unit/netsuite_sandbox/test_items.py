"""Items in the sandbox: BILL's items are non-inventory items for resale (HB:360015019172), one
record type sharing the item id space with the seeded item, listed by SuiteQL's ``item`` table."""

from __future__ import annotations

from typing import Any

import httpx

from tests.unit.netsuite_sandbox.conftest import error_code, ids, new_id


async def test_a_resale_item_is_created_read_and_listed_by_suiteql(
    ns: httpx.AsyncClient, account: dict[str, Any]
) -> None:
    sub = {"id": ids(account, "subsidiary")["US Subsidiary"]}
    expense = {"id": ids(account, "account")["Office Supplies"]}
    body = {"itemId": "Paper ream", "purchaseDescription": "A4", "expenseAccount": expense, "subsidiary": [sub]}
    item_id = new_id(await ns.post("/record/v1/nonInventoryResaleItem", json=body))
    assert item_id != ids(account, "item")["Consulting"]
    got = (await ns.get(f"/record/v1/noninventoryresaleitem/{item_id}")).json()
    assert got["itemId"] == "Paper ream" and got["expenseAccount"]["id"] == expense["id"]
    rows = (
        await ns.post(
            "/query/v1/suiteql",
            json={"q": "SELECT id, itemid, itemtype, subtype FROM item ORDER BY id"},
            headers={"Prefer": "transient"},
        )
    ).json()["items"]
    assert [(r["itemid"], r["itemtype"], r["subtype"]) for r in rows] == [
        ("Consulting", "NonInvtPart", "Resale"),
        ("Paper ream", "NonInvtPart", "Resale"),
    ]


async def test_an_item_needs_its_name_and_a_subsidiary(ns: httpx.AsyncClient, account: dict[str, Any]) -> None:
    response = await ns.post("/record/v1/nonInventoryResaleItem", json={"itemId": "No subsidiary"})
    assert response.status_code == 400 and error_code(response) == "USER_ERROR"


async def test_checkbox_columns_compare_with_t_and_f(ns: httpx.AsyncClient, account: dict[str, Any]) -> None:
    sub = {"id": ids(account, "subsidiary")["US Subsidiary"]}
    person = {"isPerson": True, "firstName": "Jane", "lastName": "Doe", "subsidiary": sub}
    vendor_id = new_id(await ns.post("/record/v1/vendor", json=person))
    new_id(await ns.post("/record/v1/vendor", json={"companyName": "Acme", "subsidiary": sub}))
    q = "SELECT id, entityid FROM vendor WHERE isperson = 'T' ORDER BY id"
    rows = (await ns.post("/query/v1/suiteql", json={"q": q}, headers={"Prefer": "transient"})).json()["items"]
    assert [(r["id"], r["entityid"]) for r in rows] == [(vendor_id, "Jane Doe")]
