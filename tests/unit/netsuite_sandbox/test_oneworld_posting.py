"""OneWorld (subsidiary required; account, department, location, class, currency and vendor must belong
to it) and posting rules (balanced journals, apply <= amount due, closed periods, approval)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.unit.netsuite_sandbox.conftest import Sandbox, bill_body, error_code, ids, new_id, vendor


def assert_user_error(response: httpx.Response, text: str) -> None:
    assert response.status_code == 400, response.text
    assert error_code(response) == "USER_ERROR"
    assert text in response.json()["o:errorDetails"][0]["detail"]


async def test_subsidiary_is_required(ns: httpx.AsyncClient) -> None:
    assert_user_error(await ns.post("/record/v1/vendor", json={"companyName": "No Sub"}), "Subsidiary")


async def test_company_and_individual_vendor_names(ns: httpx.AsyncClient) -> None:
    assert_user_error(await ns.post("/record/v1/vendor", json={"subsidiary": {"id": "2"}}), "companyName")
    person = {"isPerson": True, "firstName": "Ada", "subsidiary": {"id": "2"}}
    assert_user_error(await ns.post("/record/v1/vendor", json=person), "lastName")
    new_id(await ns.post("/record/v1/vendor", json={**person, "lastName": "Lovelace"}))


@pytest.mark.parametrize(
    ("where", "value"),
    [
        ("account", ("account", "Professional Fees")),
        ("department", ("department", "US Sales")),
        ("location", ("location", "New York")),
    ],
)
async def test_line_segments_must_belong_to_the_subsidiary(
    ns: httpx.AsyncClient, account: dict[str, Any], where: str, value: tuple[str, str]
) -> None:
    uk_vendor = await vendor(ns, account, "UK Subsidiary")
    body = bill_body(account, uk_vendor, subsidiary={"id": ids(account, "subsidiary")["UK Subsidiary"]})
    body["expense"]["items"][0][where] = {"id": ids(account, value[0])[value[1]]}
    if where != "account":
        body["expense"]["items"][0]["account"] = {"id": ids(account, "account")["Office Supplies"]}
    response = await ns.post("/record/v1/vendorBill", json=body)
    assert_user_error(response, "for subsidiary")
    assert response.json()["o:errorDetails"][0]["o:errorPath"] == f"expense.items[0].{where}"


async def test_include_children_lets_a_parent_segment_serve_a_child(
    ns: httpx.AsyncClient, account: dict[str, Any]
) -> None:
    body = bill_body(account, await vendor(ns, account))
    body["expense"]["items"][0]["department"] = {"id": ids(account, "department")["Operations"]}
    body["class"] = {"id": ids(account, "classification")["Payables"]}
    new_id(await ns.post("/record/v1/vendorBill", json=body))


async def test_vendor_of_another_subsidiary_is_refused(ns: httpx.AsyncClient, account: dict[str, Any]) -> None:
    uk_vendor = await vendor(ns, account, "UK Subsidiary")
    assert_user_error(await ns.post("/record/v1/vendorBill", json=bill_body(account, uk_vendor)), "entity reference")


async def test_currency_must_belong_to_the_subsidiary(ns: httpx.AsyncClient, account: dict[str, Any]) -> None:
    body = bill_body(account, await vendor(ns, account), currency={"id": ids(account, "currency")["EUR"]})
    assert_user_error(await ns.post("/record/v1/vendorBill", json=body), "currency reference")


async def test_foreign_vendor_currency_takes_the_rate(ns: httpx.AsyncClient, account: dict[str, Any]) -> None:
    gbp = ids(account, "currency")["GBP"]
    vendor_id = await vendor(ns, account, currency={"id": gbp})
    bill_id = new_id(await ns.post("/record/v1/vendorBill", json=bill_body(account, vendor_id)))
    got = (await ns.get(f"/record/v1/vendorBill/{bill_id}")).json()
    assert got["currency"]["id"] == gbp and got["exchangeRate"] == 1.25


def journal(account: dict[str, Any], debit: float, credit: float) -> dict[str, Any]:
    acct = ids(account, "account")
    return {
        "subsidiary": {"id": ids(account, "subsidiary")["US Subsidiary"]},
        "tranDate": "2026-02-01",
        "line": {
            "items": [
                {"account": {"id": acct["Office Supplies"]}, "debit": debit},
                {"account": {"id": acct["US Checking"]}, "credit": credit},
            ]
        },
    }


async def test_journal_entries_must_balance(ns: httpx.AsyncClient, account: dict[str, Any]) -> None:
    assert_user_error(await ns.post("/record/v1/journalEntry", json=journal(account, 300, 299.99)), "balance")
    new_id(await ns.post("/record/v1/journalentry", json=journal(account, 300, 300)))


async def pay(
    ns: httpx.AsyncClient, account: dict[str, Any], vendor_id: str, bill_id: str, value: float
) -> httpx.Response:
    return await ns.post(
        "/record/v1/vendorPayment",
        json={
            "entity": {"id": vendor_id},
            "subsidiary": {"id": ids(account, "subsidiary")["US Subsidiary"]},
            "account": {"id": ids(account, "account")["US Checking"]},
            "tranDate": "2026-02-02",
            "apply": {"items": [{"doc": {"id": bill_id}, "apply": True, "amount": value}]},
        },
    )


async def test_payments_apply_up_to_the_amount_due(ns: httpx.AsyncClient, account: dict[str, Any]) -> None:
    vendor_id = await vendor(ns, account)
    bill_id = new_id(await ns.post("/record/v1/vendorBill", json=bill_body(account, vendor_id)))
    new_id(await pay(ns, account, vendor_id, bill_id, 100))
    bill = (await ns.get(f"/record/v1/vendorBill/{bill_id}")).json()
    assert bill["balance"] == 20.0 and bill["status"]["id"] == "A"
    assert_user_error(await pay(ns, account, vendor_id, bill_id, 20.01), "exceeds the amount due")
    new_id(await pay(ns, account, vendor_id, bill_id, 20))
    bill = (await ns.get(f"/record/v1/vendorBill/{bill_id}")).json()
    assert bill["balance"] == 0.0 and bill["status"]["id"] == "B"
    assert_user_error(await ns.delete(f"/record/v1/vendorBill/{bill_id}"), "dependent records")
    lower = {"expense": {"items": [{"account": {"id": ids(account, "account")["Office Supplies"]}, "amount": 50}]}}
    assert_user_error(await ns.patch(f"/record/v1/vendorBill/{bill_id}?replace=expense", json=lower), "already paid")


async def test_payment_needs_a_bank_account(ns: httpx.AsyncClient, account: dict[str, Any]) -> None:
    vendor_id = await vendor(ns, account)
    bill_id = new_id(await ns.post("/record/v1/vendorBill", json=bill_body(account, vendor_id)))
    response = await ns.post(
        "/record/v1/vendorPayment",
        json={
            "entity": {"id": vendor_id},
            "subsidiary": {"id": ids(account, "subsidiary")["US Subsidiary"]},
            "account": {"id": ids(account, "account")["Office Supplies"]},
            "apply": {"items": [{"doc": {"id": bill_id}, "amount": 1}]},
        },
    )
    assert_user_error(response, "account type must be Bank")


async def test_unapproved_bills_cannot_be_paid(ns: httpx.AsyncClient, account: dict[str, Any]) -> None:
    vendor_id = await vendor(ns, account)
    body = bill_body(account, vendor_id, approvalStatus={"id": "1"})
    bill_id = new_id(await ns.post("/record/v1/vendorBill", json=body))
    assert (await ns.get(f"/record/v1/vendorBill/{bill_id}")).json()["status"]["id"] == "D"
    assert_user_error(await pay(ns, account, vendor_id, bill_id, 10), "not approved")


async def test_credits_apply_within_their_total(ns: httpx.AsyncClient, account: dict[str, Any]) -> None:
    vendor_id = await vendor(ns, account)
    bill_id = new_id(await ns.post("/record/v1/vendorBill", json=bill_body(account, vendor_id)))
    credit = bill_body(account, vendor_id, amount=30)
    credit["apply"] = {"items": [{"doc": {"id": bill_id}, "apply": True, "amount": 40}]}
    assert_user_error(await ns.post("/record/v1/vendorCredit", json=credit), "total applied exceeds")
    credit["apply"]["items"][0]["amount"] = 30
    credit_id = new_id(await ns.post("/record/v1/vendorCredit", json=credit))
    got = (await ns.get(f"/record/v1/vendorCredit/{credit_id}")).json()
    assert got["applied"] == 30.0 and got["unapplied"] == 0.0
    assert (await ns.get(f"/record/v1/vendorBill/{bill_id}")).json()["balance"] == 90.0


async def test_invoice_and_customer_payment(ns: httpx.AsyncClient, account: dict[str, Any]) -> None:
    sub = {"id": ids(account, "subsidiary")["US Subsidiary"]}
    customer_id = new_id(await ns.post("/record/v1/customer", json={"companyName": "Buyer", "subsidiary": sub}))
    item = ids(account, "item")["Consulting"]
    invoice = {
        "entity": {"id": customer_id},
        "subsidiary": sub,
        "item": {"items": [{"item": {"id": item}, "quantity": 2, "rate": 100}]},
    }
    invoice_id = new_id(await ns.post("/record/v1/invoice", json=invoice))
    payment = {
        "customer": {"id": customer_id},
        "subsidiary": sub,
        "payment": 250,
        "account": {"id": ids(account, "account")["US Checking"]},
        "apply": {"items": [{"doc": {"id": invoice_id}, "apply": True, "amount": 200}]},
    }
    payment_id = new_id(await ns.post("/record/v1/customerPayment", json=payment))
    assert (await ns.get(f"/record/v1/invoice/{invoice_id}")).json()["amountRemaining"] == 0.0
    assert (await ns.get(f"/record/v1/customerPayment/{payment_id}")).json()["unapplied"] == 50.0


async def test_closed_periods_refuse_writes(sandbox: Sandbox, ns: httpx.AsyncClient, account: dict[str, Any]) -> None:
    vendor_id = await vendor(ns, account)
    open_bill = new_id(await ns.post("/record/v1/vendorBill", json=bill_body(account, vendor_id)))
    closed = await sandbox.http.put(f"/_sandbox/accounts/{account['account_id']}/periods", json={"closed": ["2026-01"]})
    closed.raise_for_status()
    assert_user_error(await ns.post("/record/v1/vendorBill", json=bill_body(account, vendor_id)), "closed")
    assert_user_error(await ns.patch(f"/record/v1/vendorBill/{open_bill}", json={"memo": "late"}), "closed")
    new_id(await ns.post("/record/v1/vendorBill", json=bill_body(account, vendor_id, tranDate="2026-02-01")))


async def test_accounts_need_a_known_type_and_summary_accounts_take_no_lines(
    ns: httpx.AsyncClient, account: dict[str, Any]
) -> None:
    parent = {"id": ids(account, "subsidiary")["Parent Company"]}
    bad = await ns.post("/record/v1/account", json={"acctName": "X", "acctType": "Cash", "subsidiary": [parent]})
    assert bad.status_code == 400 and error_code(bad) == "INVALID_CONTENT"
    summary = {
        "acctName": "Travel",
        "acctType": {"id": "Expense"},
        "isSummary": True,
        "includeChildren": True,
        "subsidiary": {"items": [parent]},
    }
    summary_id = new_id(await ns.post("/record/v1/account", json=summary))
    got = (await ns.get(f"/record/v1/account/{summary_id}")).json()
    assert got["acctType"]["id"] == "Expense" and got["subsidiary"]["items"][0]["id"] == parent["id"]
    body = bill_body(account, await vendor(ns, account))
    body["expense"]["items"][0]["account"] = {"id": summary_id}
    assert_user_error(await ns.post("/record/v1/vendorBill", json=body), "summary account")


async def test_accounts_can_have_more_subsidiaries(sandbox: Sandbox) -> None:
    subsidiaries = [{"name": "Canada", "currency": "USD"}, {"name": "Toronto", "currency": "USD", "parent": "Canada"}]
    made = await sandbox.account(subsidiaries=subsidiaries)
    toronto = made["seeded"]["subsidiary"]["Toronto"]
    async with sandbox.client(made) as ns:
        got = (await ns.get(f"/record/v1/subsidiary/{toronto}")).json()
        assert got["parent"]["refName"] == "Canada"
        # Office Supplies belongs to Parent Company with includeChildren: usable two levels down
        vendor_id = await vendor(ns, made, "Toronto")
        body = bill_body(made, vendor_id, subsidiary={"id": toronto})
        new_id(await ns.post("/record/v1/vendorBill", json=body))
    bad = await sandbox.http.post("/_sandbox/accounts", json={"subsidiaries": [{"name": "X", "parent": "Nowhere"}]})
    assert bad.status_code == 422
