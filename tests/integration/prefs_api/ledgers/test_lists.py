"""The ledger's lists through prefs-api, read by the real Intacct and NetSuite connectors from their
sandboxes: what each ledger offers, the entries, the preference rules that use them (a location,
department or class must be an active entry; Intacct accounts by family where its chart cannot tell
the type, Bank only behind a checking account) and readiness (the linked subsidiary must exist)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.integration.prefs_api.ledgers.conftest import (
    Served,
    body,
    intacct_company,
    intacct_login,
    netsuite_account,
    netsuite_login,
)

pytestmark = [pytest.mark.integration, pytest.mark.timeout(90)]


async def connect(api: httpx.AsyncClient, kind: str, **blocks: Any) -> str:
    created = await api.post("/v1/connections", json=body(kind, **blocks))
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


async def patch(api: httpx.AsyncClient, cid: str, changes: dict[str, Any]) -> httpx.Response:
    return await api.patch(f"/v1/connections/{cid}/preferences", json=changes, headers={"If-Match": "*"})


async def test_intacct_offers_its_lists_and_they_hold_the_company_entries(
    served: Served, api: httpx.AsyncClient
) -> None:
    company = intacct_company(served, entities=["E1"])
    cid = await connect(api, "sage_intacct", intacct=intacct_login(company, entity_id="E1"))
    offered = (await api.get(f"/v1/connections/{cid}/lists")).json()
    assert offered == {
        "ledger_kind": "sage_intacct",
        "lists": ["bank_accounts", "classes", "departments", "entities", "locations"],
        "linked_entity": "E1",
    }
    departments = (await api.get(f"/v1/connections/{cid}/lists/departments")).json()
    assert {(d["id"], d["name"], d["active"]) for d in departments} == {
        ("ADMIN", "Administration", True),
        ("SALES", "Sales", True),
    }
    entities = (await api.get(f"/v1/connections/{cid}/lists/entities")).json()
    assert [e["id"] for e in entities] == ["E1"]
    banks = (await api.get(f"/v1/connections/{cid}/lists/bank_accounts")).json()
    assert [(b["id"], b["account_id"]) for b in banks] == [("BOA-CHK", "1000")]
    journals = await api.get(f"/v1/connections/{cid}/lists/journals")
    assert journals.status_code == 409 and "no journals list" in journals.json()["detail"]


async def test_intacct_list_preferences_must_name_active_entries(served: Served, api: httpx.AsyncClient) -> None:
    company = intacct_company(served)
    cid = await connect(api, "sage_intacct", intacct=intacct_login(company))
    refused = await patch(api, cid, {"funds_transfer_department": "NOPE", "funds_transfer_location": "100"})
    assert refused.status_code == 409, refused.text
    errors = refused.json()["errors"]
    assert [(e["preference"], e["code"]) for e in errors] == [("funds_transfer_department", "unknown_list_value")]
    assert "ADMIN (Administration)" in errors[0]["detail"]

    inactive = {"DEPARTMENTID": "OLD", "TITLE": "Closed office", "STATUS": "inactive"}
    url = f"{served.intacct}/_sandbox/companies/{company}/records/DEPARTMENT"
    httpx.post(url, json=inactive, timeout=10).raise_for_status()
    stale = await patch(api, cid, {"funds_transfer_department": "OLD"})
    assert stale.status_code == 409 and stale.json()["errors"][0]["code"] == "inactive_list_value"

    saved = await patch(api, cid, {"funds_transfer_department": "ADMIN", "funds_transfer_location": "100"})
    assert saved.status_code == 200, saved.text
    assert saved.json()["values"]["funds_transfer_department"] == "ADMIN"


async def test_intacct_accounts_are_checked_by_family_and_clearing_needs_a_checking_account(
    served: Served, api: httpx.AsyncClient
) -> None:
    company = intacct_company(served)
    cid = await connect(api, "sage_intacct", intacct=intacct_login(company))
    # Intacct's chart says only "balance sheet, credit": a liability is accepted as Accounts Payable
    assert (await patch(api, cid, {"ap_account": "2000", "ar_account": "1200"})).status_code == 200
    wrong_family = await patch(api, cid, {"ap_account": "1200"})
    assert wrong_family.status_code == 409 and wrong_family.json()["errors"][0]["code"] == "wrong_account_type"
    # a clearing account is a checking account: its GL account alone is not a Bank account
    before = await patch(api, cid, {"money_out_clearing_account": "1010"})
    assert before.status_code == 409, before.text
    assert "accepts only Bank accounts" in before.json()["errors"][0]["detail"]

    checking = {"BANKACCOUNTID": "BILL-OUT", "BANKNAME": "Bill.com Money Out Clearing", "GLACCOUNTNO": "1010"}
    url = f"{served.intacct}/_sandbox/companies/{company}/records/CHECKINGACCOUNT"
    httpx.post(url, json={**checking, "CURRENCY": "USD", "STATUS": "active"}, timeout=10).raise_for_status()
    by_gl = await patch(api, cid, {"money_out_clearing_account": "1010"})
    assert by_gl.status_code == 200, by_gl.text
    by_checking_account = await patch(api, cid, {"money_out_clearing_account": "BILL-OUT"})
    assert by_checking_account.status_code == 200, by_checking_account.text


async def test_netsuite_segments_are_those_of_the_linked_subsidiary(served: Served, api: httpx.AsyncClient) -> None:
    account = netsuite_account(served)
    seeded = account["seeded"]
    cid = await connect(api, "oracle_netsuite", netsuite=netsuite_login(account))  # the UK subsidiary
    offered = (await api.get(f"/v1/connections/{cid}/lists")).json()
    assert offered["lists"] == ["classes", "departments", "entities", "locations"]
    assert offered["linked_entity"] == seeded["subsidiary"]["UK Subsidiary"]
    subsidiaries = (await api.get(f"/v1/connections/{cid}/lists/entities")).json()
    assert {s["name"] for s in subsidiaries} == set(seeded["subsidiary"])
    locations = (await api.get(f"/v1/connections/{cid}/lists/locations")).json()
    assert [loc["name"] for loc in locations] == ["London"]

    new_york = seeded["location"]["New York"]
    refused = await patch(api, cid, {"funds_transfer_location": new_york})
    assert refused.status_code == 409 and refused.json()["errors"][0]["code"] == "unknown_list_value"
    london = seeded["location"]["London"]
    assert (await patch(api, cid, {"funds_transfer_location": london})).status_code == 200


async def test_a_netsuite_subsidiary_the_account_does_not_have_is_refused_on_connect(
    served: Served, api: httpx.AsyncClient
) -> None:
    account = netsuite_account(served)
    refused = await api.post(
        "/v1/connections", json=body("oracle_netsuite", netsuite=netsuite_login(account, subsidiary_id="999"))
    )
    assert refused.status_code == 422, refused.text
    error = refused.json()["errors"][0]
    assert (error["preference"], error["code"]) == ("netsuite.subsidiary_id", "unknown_entity")
    assert "no entity or subsidiary '999'" in error["detail"] and "UK Subsidiary" in error["detail"]


async def test_a_currency_other_than_usd_warns_and_stops_payments_only(served: Served, api: httpx.AsyncClient) -> None:
    """Intacct syncs payments only in USD (reference intacct-api.md §7): a Transaction Currency of
    EUR is a warning naming the rule, not a reason the connection is not ready."""
    company = intacct_company(served)
    cid = await connect(api, "sage_intacct", intacct=intacct_login(company))
    usd = await patch(api, cid, {"transaction_currency": "USD", "base_currency": "USD"})
    assert usd.status_code == 200, usd.text
    before = (await api.get(f"/v1/connections/{cid}/readiness")).json()
    assert not any("Currency" in w for w in before["warnings"])

    eur = await patch(api, cid, {"transaction_currency": "EUR"})
    assert eur.status_code == 200, eur.text
    after = (await api.get(f"/v1/connections/{cid}/readiness")).json()
    assert after["missing"] == before["missing"] and after["ready"] == before["ready"]
    assert not any("Currency" in m for m in after["missing"])
    (warning,) = [w for w in after["warnings"] if "Currency" in w]
    assert warning.startswith("Set Transaction Currency to USD: payments sync only in USD (now EUR)")
    view = (await api.get(f"/v1/connections/{cid}/preferences")).json()
    assert warning in view["warnings"]
