"""SuiteQL: paging rules (limit <= 1000, offset a multiple of limit, hasMore/totalResults/links),
string values and lower-case columns, date functions, lastmodifieddate windows and DeletedRecord."""

from __future__ import annotations

from typing import Any

import httpx

from tests.unit.netsuite_sandbox.conftest import Sandbox, bill_body, error_code, new_id, vendor


async def suiteql(ns: httpx.AsyncClient, q: str, limit: int = 1000, offset: int = 0) -> httpx.Response:
    return await ns.post(
        "/query/v1/suiteql", params={"limit": limit, "offset": offset}, json={"q": q}, headers={"Prefer": "transient"}
    )


async def test_rows_are_strings_with_lower_case_columns(ns: httpx.AsyncClient, account: dict[str, Any]) -> None:
    vendor_id = await vendor(ns, account, companyName="Quoted 'Co'")
    body = (
        await suiteql(ns, "SELECT id, companyName, isInactive FROM vendor WHERE companyname = 'Quoted ''Co'''")
    ).json()
    assert body["items"] == [{"links": [], "id": vendor_id, "companyname": "Quoted 'Co'", "isinactive": "F"}]
    assert body["count"] == 1 and body["totalResults"] == 1 and body["hasMore"] is False


async def test_paging(ns: httpx.AsyncClient, account: dict[str, Any]) -> None:
    for i in range(5):
        await vendor(ns, account, companyName=f"P{i}")
    q = "SELECT id FROM vendor ORDER BY id"
    first = (await suiteql(ns, q, limit=2)).json()
    assert first["count"] == 2 and first["hasMore"] is True and first["totalResults"] == 5
    assert any(link["rel"] == "next" and "offset=2" in link["href"] for link in first["links"])
    seen = [row["id"] for row in first["items"]]
    offset = 2
    while True:
        page = (await suiteql(ns, q, limit=2, offset=offset)).json()
        seen += [row["id"] for row in page["items"]]
        if not page["hasMore"]:
            break
        offset += page["count"]
    assert seen == sorted(seen, key=int) and len(set(seen)) == 5
    for limit, off in ((1001, 0), (2, 3), (0, 0)):
        bad = await suiteql(ns, q, limit=limit, offset=off)
        assert bad.status_code == 400 and error_code(bad) == "INVALID_PARAMETER"


async def test_transactions_by_type_and_modified_window(ns: httpx.AsyncClient, account: dict[str, Any]) -> None:
    bill_id = new_id(await ns.post("/record/v1/vendorBill", json=bill_body(account, await vendor(ns, account))))
    q = (
        "SELECT id, type, TO_CHAR(lastmodifieddate, 'YYYY-MM-DD\"T\"HH24:MI:SS') AS modified, foreigntotal "
        "FROM transaction WHERE type = 'VendBill' AND lastmodifieddate >= TO_DATE('2000-01-01', 'YYYY-MM-DD')"
    )
    rows = (await suiteql(ns, q)).json()["items"]
    assert [(r["id"], r["type"], r["foreigntotal"]) for r in rows] == [(bill_id, "VendBill", "120")]
    assert len(rows[0]["modified"]) == 19
    future = q.replace("2000-01-01", "2999-01-01")
    assert (await suiteql(ns, future)).json()["items"] == []


async def test_dates_compare_in_the_account_format(ns: httpx.AsyncClient, account: dict[str, Any]) -> None:
    new_id(await ns.post("/record/v1/vendorBill", json=bill_body(account, await vendor(ns, account))))
    ok = await suiteql(ns, "SELECT id, trandate FROM transaction WHERE trandate = '01/31/2026'")
    assert [row["trandate"] for row in ok.json()["items"]] == ["01/31/2026"]
    bad = await suiteql(ns, "SELECT id FROM transaction WHERE trandate = '2026-01-31'")
    assert bad.status_code == 400 and "Unparseable date" in bad.json()["o:errorDetails"][0]["detail"]


async def test_deleted_records_show_only_in_deletedrecord(ns: httpx.AsyncClient, account: dict[str, Any]) -> None:
    body = {**bill_body(account, await vendor(ns, account)), "externalId": "bill_gone"}
    bill_id = new_id(await ns.post("/record/v1/vendorBill", json=body))
    assert (await ns.delete("/record/v1/vendorBill/eid:bill_gone")).status_code == 204
    assert (await suiteql(ns, f"SELECT id FROM transaction WHERE id = {bill_id}")).json()["items"] == []
    rows = (await suiteql(ns, "SELECT recordid, recordtypeid, name FROM deletedrecord")).json()["items"]
    assert rows == [{"links": [], "recordid": bill_id, "recordtypeid": "vendorbill", "name": "INV-9"}]


async def test_mainline_rows_carry_the_subsidiary(ns: httpx.AsyncClient, account: dict[str, Any]) -> None:
    bill_id = new_id(await ns.post("/record/v1/vendorBill", json=bill_body(account, await vendor(ns, account))))
    q = "SELECT transaction, subsidiary FROM transactionline WHERE mainline = 'T' AND subsidiary IN ('2', '3')"
    assert (await suiteql(ns, q)).json()["items"] == [{"links": [], "transaction": bill_id, "subsidiary": "2"}]


async def test_unsupported_sql_is_invalid_parameter(ns: httpx.AsyncClient) -> None:
    for q in (
        "SELECT id FROM vendor v JOIN customer c ON v.id = c.id",
        "DELETE FROM vendor",
        "SELECT nope FROM vendor",
        "SELECT id FROM nosuchtable",
    ):
        response = await suiteql(ns, q)
        assert response.status_code == 400 and error_code(response) == "INVALID_PARAMETER", q


async def test_date_literals_follow_the_account_preference(
    sandbox: Sandbox, ns: httpx.AsyncClient, account: dict[str, Any]
) -> None:
    new_id(await ns.post("/record/v1/vendorBill", json=bill_body(account, await vendor(ns, account))))
    url = f"/_sandbox/accounts/{account['account_id']}/preferences"
    (await sandbox.http.put(url, json={"date_format": "DD/MM/YYYY"})).raise_for_status()
    rows = (await suiteql(ns, "SELECT trandate FROM transaction WHERE trandate = '31/01/2026'")).json()["items"]
    assert rows == [{"links": [], "trandate": "31/01/2026"}]
    bad = await suiteql(ns, "SELECT id FROM transaction WHERE trandate = '01/31/2026'")
    assert bad.status_code == 400
