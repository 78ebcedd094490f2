"""A vendor payment's ``credit`` sublist: the vendor's credits taken in the payment, each up to what
it has left unapplied; the payment's total is the bills paid less the credits taken."""

from __future__ import annotations

from typing import Any

import httpx

from tests.unit.netsuite_sandbox.conftest import bill_body, ids, new_id, vendor
from tests.unit.netsuite_sandbox.test_oneworld_posting import assert_user_error


def payment(account: dict[str, Any], vendor_id: str, bill_id: str, paid: float, credits: dict[str, float]) -> Any:
    return {
        "entity": {"id": vendor_id},
        "subsidiary": {"id": ids(account, "subsidiary")["US Subsidiary"]},
        "account": {"id": ids(account, "account")["US Checking"]},
        "tranDate": "2026-02-02",
        "apply": {"items": [{"doc": {"id": bill_id}, "apply": True, "amount": paid}]},
        "credit": {"items": [{"doc": {"id": c}, "apply": True, "amount": v} for c, v in credits.items()]},
    }


async def test_a_payment_takes_credits_up_to_what_they_have_left(
    ns: httpx.AsyncClient, account: dict[str, Any]
) -> None:
    vendor_id = await vendor(ns, account)
    bill_id = new_id(await ns.post("/record/v1/vendorBill", json=bill_body(account, vendor_id)))  # 120.00
    credit_id = new_id(await ns.post("/record/v1/vendorCredit", json=bill_body(account, vendor_id, amount=30)))

    too_much = payment(account, vendor_id, bill_id, 120, {credit_id: 30.01})
    assert_user_error(await ns.post("/record/v1/vendorPayment", json=too_much), "exceeds what is unapplied")
    pay_id = new_id(
        await ns.post("/record/v1/vendorPayment", json=payment(account, vendor_id, bill_id, 120, {credit_id: 30}))
    )

    got = (await ns.get(f"/record/v1/vendorPayment/{pay_id}?expandSubResources=true")).json()
    assert got["total"] == 90.0
    assert [(c["doc"]["id"], c["amount"]) for c in got["credit"]["items"]] == [(credit_id, 30)]
    credit = (await ns.get(f"/record/v1/vendorCredit/{credit_id}")).json()
    assert credit["applied"] == 30.0 and credit["unapplied"] == 0.0
    assert (await ns.get(f"/record/v1/vendorBill/{bill_id}")).json()["balance"] == 0.0
    assert_user_error(await ns.delete(f"/record/v1/vendorCredit/{credit_id}"), "dependent records")

    assert (await ns.delete(f"/record/v1/vendorPayment/{pay_id}")).status_code == 204
    assert (await ns.get(f"/record/v1/vendorCredit/{credit_id}")).json()["unapplied"] == 30.0


async def test_credits_cannot_exceed_the_bills_paid(ns: httpx.AsyncClient, account: dict[str, Any]) -> None:
    vendor_id = await vendor(ns, account)
    bill_id = new_id(await ns.post("/record/v1/vendorBill", json=bill_body(account, vendor_id)))
    credit_id = new_id(await ns.post("/record/v1/vendorCredit", json=bill_body(account, vendor_id, amount=30)))
    body = payment(account, vendor_id, bill_id, 20, {credit_id: 30})
    assert_user_error(await ns.post("/record/v1/vendorPayment", json=body), "exceed the bills paid")
