"""Record service semantics: 204 + Location with no body, ids-only lists, expandSubResources, PATCH
and sublists (append unless ?replace=), eid: addressing and PUT upsert, deletes, field-name validation."""

from __future__ import annotations

from typing import Any

import httpx

from tests.unit.netsuite_sandbox.conftest import Sandbox, bill_body, error_code, ids, new_id, vendor


async def test_create_answers_204_with_location_and_no_body(ns: httpx.AsyncClient, account: dict[str, Any]) -> None:
    response = await ns.post("/record/v1/vendor", json={"companyName": "Acme", "subsidiary": {"id": "2"}})
    vendor_id = new_id(response)
    assert response.headers["location"].endswith(f"{account['path_prefix']}/record/v1/vendor/{vendor_id}")
    got = (await ns.get(f"/record/v1/vendor/{vendor_id}")).json()
    assert got["companyName"] == "Acme" and got["id"] == vendor_id
    assert got["subsidiary"]["id"] == "2" and got["subsidiary"]["refName"] == "US Subsidiary"
    assert got["currency"]["id"] == ids(account, "currency")["USD"]
    assert got["lastModifiedDate"].endswith("Z")


async def test_field_names_match_case_insensitively(ns: httpx.AsyncClient) -> None:
    vendor_id = new_id(await ns.post("/record/v1/vendor", json={"companyname": "Lower", "subsidiary": {"id": 2}}))
    assert (await ns.get(f"/record/v1/vendor/{vendor_id}")).json()["companyName"] == "Lower"


async def test_types_match_case_insensitively(ns: httpx.AsyncClient, account: dict[str, Any]) -> None:
    vendor_id = await vendor(ns, account)
    bill_id = new_id(await ns.post("/record/v1/vendorbill", json=bill_body(account, vendor_id)))
    assert (await ns.get(f"/record/v1/vendorBill/{bill_id}")).status_code == 200


async def test_lists_carry_ids_only(ns: httpx.AsyncClient, account: dict[str, Any]) -> None:
    made = {await vendor(ns, account, companyName=f"V{i}") for i in range(3)}
    page = (await ns.get("/record/v1/vendor", params={"limit": 2})).json()
    assert page["count"] == 2 and page["hasMore"] is True and page["totalResults"] == 3
    assert all(set(item) == {"links", "id"} for item in page["items"])
    rest = (await ns.get("/record/v1/vendor", params={"limit": 2, "offset": 2})).json()
    assert {i["id"] for i in page["items"] + rest["items"]} == made and rest["hasMore"] is False
    bad = await ns.get("/record/v1/vendor", params={"limit": 2, "offset": 1})
    assert bad.status_code == 400 and error_code(bad) == "INVALID_PARAMETER"


async def test_sublists_are_links_unless_expanded(ns: httpx.AsyncClient, account: dict[str, Any]) -> None:
    bill_id = new_id(await ns.post("/record/v1/vendorBill", json=bill_body(account, await vendor(ns, account))))
    plain = (await ns.get(f"/record/v1/vendorBill/{bill_id}")).json()
    assert "items" not in plain["expense"] and plain["expense"]["links"][0]["href"].endswith("/expense")
    assert plain["total"] == 120.0 and plain["balance"] == 120.0 and plain["status"]["id"] == "A"
    full = (await ns.get(f"/record/v1/vendorBill/{bill_id}", params={"expandSubResources": "true"})).json()
    assert [line["amount"] for line in full["expense"]["items"]] == [120.0]


async def test_patch_keeps_omitted_fields_and_null_deletes(ns: httpx.AsyncClient, account: dict[str, Any]) -> None:
    bill_id = new_id(
        await ns.post("/record/v1/vendorBill", json=bill_body(account, await vendor(ns, account), memo="m"))
    )
    before = (await ns.get(f"/record/v1/vendorBill/{bill_id}")).json()
    new_id(await ns.patch(f"/record/v1/vendorBill/{bill_id}", json={"tranId": "INV-10", "memo": None}))
    after = (await ns.get(f"/record/v1/vendorBill/{bill_id}")).json()
    assert after["tranId"] == "INV-10" and "memo" not in after and after["entity"] == before["entity"]
    assert after["lastModifiedDate"] >= before["lastModifiedDate"]


async def test_non_keyed_lines_append_unless_replace(ns: httpx.AsyncClient, account: dict[str, Any]) -> None:
    body = bill_body(account, await vendor(ns, account))
    bill_id = new_id(await ns.post("/record/v1/vendorBill", json=body))
    new_id(await ns.patch(f"/record/v1/vendorBill/{bill_id}", json={"expense": body["expense"]}))
    assert (await ns.get(f"/record/v1/vendorBill/{bill_id}")).json()["total"] == 240.0  # duplicated lines
    new_id(await ns.patch(f"/record/v1/vendorBill/{bill_id}?replace=expense", json={"expense": body["expense"]}))
    assert (await ns.get(f"/record/v1/vendorBill/{bill_id}")).json()["total"] == 120.0


async def test_eid_addressing_and_put_upsert(ns: httpx.AsyncClient, account: dict[str, Any]) -> None:
    body = bill_body(account, await vendor(ns, account))
    first = new_id(await ns.put("/record/v1/vendorBill/eid:bill_123?replace=expense", json=body))
    again = new_id(await ns.put("/record/v1/vendorBill/eid:bill_123?replace=expense", json={**body, "memo": "x"}))
    assert first == again
    got = (await ns.get("/record/v1/vendorBill/eid:bill_123")).json()
    assert got["id"] == first and got["externalId"] == "bill_123" and got["memo"] == "x" and got["total"] == 120.0
    listing = (await ns.get("/record/v1/vendorBill")).json()
    assert listing["totalResults"] == 1


async def test_put_without_replace_appends_lines_again(ns: httpx.AsyncClient, account: dict[str, Any]) -> None:
    body = bill_body(account, await vendor(ns, account))
    new_id(await ns.put("/record/v1/vendorBill/eid:bill_dup", json=body))
    new_id(await ns.put("/record/v1/vendorBill/eid:bill_dup", json=body))
    assert (await ns.get("/record/v1/vendorBill/eid:bill_dup")).json()["total"] == 240.0


async def test_put_needs_an_external_id(ns: httpx.AsyncClient, account: dict[str, Any]) -> None:
    vendor_id = await vendor(ns, account)
    response = await ns.put(f"/record/v1/vendor/{vendor_id}", json={"companyName": "X"})
    assert response.status_code == 405


async def test_duplicate_external_id_on_post_is_user_error(ns: httpx.AsyncClient, account: dict[str, Any]) -> None:
    body = {**bill_body(account, await vendor(ns, account)), "externalId": "bill_9"}
    new_id(await ns.post("/record/v1/vendorBill", json=body))
    response = await ns.post("/record/v1/vendorBill", json=body)
    assert response.status_code == 400 and error_code(response) == "USER_ERROR"


async def test_delete_then_get_is_404(ns: httpx.AsyncClient, account: dict[str, Any]) -> None:
    bill_id = new_id(await ns.post("/record/v1/vendorBill", json=bill_body(account, await vendor(ns, account))))
    assert (await ns.delete(f"/record/v1/vendorBill/{bill_id}")).status_code == 204
    response = await ns.get(f"/record/v1/vendorBill/{bill_id}")
    assert response.status_code == 404 and error_code(response) == "NONEXISTENT_ID"
    assert (await ns.get("/record/v1/vendorBill")).json()["totalResults"] == 0


async def test_unknown_field_is_an_error_when_asked_and_a_warning_by_default(
    ns: httpx.AsyncClient, account: dict[str, Any]
) -> None:
    body = {"companyName": "Typo", "subsidiary": {"id": "2"}, "compnyName": "x"}
    strict = await ns.post("/record/v1/vendor", json=body, headers={"X-NetSuite-PropertyNameValidation": "Error"})
    assert strict.status_code == 400 and error_code(strict) == "NONEXISTENT_FIELD"
    lenient = await ns.post("/record/v1/vendor", json=body)
    new_id(lenient)
    assert "compnyName" in lenient.headers["x-netsuite-warning"]


async def test_missing_reference_is_invalid_content_with_a_path(ns: httpx.AsyncClient, account: dict[str, Any]) -> None:
    body = bill_body(account, await vendor(ns, account))
    body["expense"]["items"][0]["account"] = {"id": "9999"}
    response = await ns.post("/record/v1/vendorBill", json=body)
    assert response.status_code == 400 and error_code(response) == "INVALID_CONTENT"
    assert response.json()["o:errorDetails"][0]["o:errorPath"] == "expense.items[0].account"


async def test_subsidiary_is_read_only(ns: httpx.AsyncClient) -> None:
    assert (await ns.post("/record/v1/subsidiary", json={"name": "New"})).status_code == 405
    assert (await ns.get("/record/v1/subsidiary/1")).json()["name"] == "Parent Company"


async def test_malformed_id_is_invalid_id(ns: httpx.AsyncClient) -> None:
    response = await ns.get("/record/v1/vendor/abc")
    assert response.status_code == 400 and error_code(response) == "INVALID_ID"


async def test_a_user_edit_bumps_last_modified(
    sandbox: Sandbox, ns: httpx.AsyncClient, account: dict[str, Any]
) -> None:
    vendor_id = await vendor(ns, account)
    before = (await ns.get(f"/record/v1/vendor/{vendor_id}")).json()["lastModifiedDate"]
    (await sandbox.http.post("/_sandbox/clock", json={"advance_seconds": 5})).raise_for_status()
    url = f"/_sandbox/accounts/{account['account_id']}/records/vendor/{vendor_id}"
    (await sandbox.http.patch(url, json={"companyName": "Renamed in the UI"})).raise_for_status()
    after = (await ns.get(f"/record/v1/vendor/{vendor_id}")).json()
    assert after["companyName"] == "Renamed in the UI" and after["lastModifiedDate"] > before


async def test_dates_must_be_iso(ns: httpx.AsyncClient, account: dict[str, Any]) -> None:
    body = bill_body(account, await vendor(ns, account), tranDate="01/31/2026")
    response = await ns.post("/record/v1/vendorBill", json=body)
    assert response.status_code == 400 and error_code(response) == "INVALID_CONTENT"
