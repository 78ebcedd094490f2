"""Objects: required fields, references, duplicates, bills, payments, journals, AR, closed period."""

from __future__ import annotations

from typing import Any

import httpx

from tests.unit.intacct_sandbox.conftest import BILL_LINE, bill, make_company, vendor
from tests.unit.intacct_sandbox.gw import Client, fn


async def fails(client: Client, function: Any) -> tuple[list[str], str]:
    answer = await client.call(function)
    assert answer.result().findtext("status") == "failure"
    return answer.errornos(0), answer.result().findtext("errormessage/error/description2") or ""


def payment(bill_no: str, amount: str, **extra: Any) -> dict[str, Any]:
    detail = {"RECORDKEY": bill_no, "TRX_PAYMENTAMOUNT": amount, **extra.pop("detail", {})}
    return {
        "FINANCIALENTITY": "BOA-CHK",
        "PAYMENTMETHOD": "EFT",
        "VENDORID": "V1",
        "PAYMENTDATE": "12/10/2026",
        "CURRENCY": "USD",
        **extra,
        "APPYMTDETAILS": {"APPYMTDETAIL": [detail]},
    }


async def bill_totals(client: Client, recordno: str) -> tuple[str, str, str]:
    data = (await client.ok(fn("read", {"object": "APBILL", "keys": recordno}))).find("data/apbill")
    return data.findtext("TOTALPAID"), data.findtext("TOTALDUE"), data.findtext("STATE")


async def test_create_answers_objects_with_record_numbers(client: Client) -> None:
    result = await client.ok(
        fn("create", {"VENDOR": {"VENDORID": "V9", "NAME": "N", "DISPLAYCONTACT": {"PRINTAS": "N"}}})
    )
    data = result.find("data")
    assert data.attrib == {"listtype": "objects", "count": "1"}
    assert data.find("vendor/RECORDNO").text.isdigit()
    assert data.findtext("vendor/VENDORID") == "V9"


async def test_duplicates_use_their_documented_numbers(client: Client) -> None:
    await vendor(client)
    errornos, text = await fails(
        client, fn("create", {"VENDOR": {"VENDORID": "V1", "NAME": "x", "DISPLAYCONTACT": {"PRINTAS": "x"}}})
    )
    assert errornos == ["BL34000061", "BL01001973"]
    assert "Another Vendor with the given value(s) V1" in text
    errornos, text = await fails(client, fn("create", {"GLACCOUNT": {"ACCOUNTNO": "6000", "TITLE": "again"}}))
    assert errornos == ["BL01001973", "BL01001973"]
    assert text == "The account number '6000' already exists"


async def test_required_fields_and_enumerations(client: Client) -> None:
    _, text = await fails(client, fn("create", {"VENDOR": {"VENDORID": "V2", "NAME": "no contact"}}))
    assert "DISPLAYCONTACT" in text
    _, text = await fails(
        client, fn("create", {"VENDOR": {"VENDORID": "V2", "NAME": "n", "DISPLAYCONTACT": {"EMAIL1": "a@b.c"}}})
    )
    assert "DISPLAYCONTACT.PRINTAS" in text
    _, text = await fails(
        client, fn("create", {"GLACCOUNT": {"ACCOUNTNO": "7000", "TITLE": "t", "ACCOUNTTYPE": "asset"}})
    )
    assert "ACCOUNTTYPE" in text


async def test_checking_accounts_have_no_create(client: Client) -> None:
    errornos, _ = await fails(client, fn("create", {"CHECKINGACCOUNT": {"BANKACCOUNTID": "X", "GLACCOUNTNO": "1000"}}))
    assert errornos == ["BL01001973"]


async def test_bill_references_are_checked(client: Client) -> None:
    await vendor(client)
    _, text = await fails(client, fn("create", {"APBILL": bill(vendor_id="NOPE")}))
    assert "vendor" in text
    for key, value in (("ACCOUNTNO", "9999"), ("LOCATIONID", "ZZ"), ("DEPARTMENTID", "NOPE")):
        body = bill()
        body["APBILLITEMS"]["APBILLITEM"][0][key] = value
        _, text = await fails(client, fn("create", {"APBILL": body}))
        assert value in text
    _, text = await fails(client, fn("create", {"APBILL": {**bill(), "WHENDUE": ""}}))
    assert "WHENDUE" in text
    draft = await client.create("APBILL", {"ACTION": "Draft", "APBILLITEMS": {"APBILLITEM": [BILL_LINE]}})
    assert draft


async def test_bill_update_replaces_the_line_set(client: Client) -> None:
    await vendor(client)
    recordno = await client.create("APBILL", {**bill(), "APBILLITEMS": {"APBILLITEM": [BILL_LINE, BILL_LINE]}})
    await client.ok(
        fn(
            "update",
            {"APBILL": {"RECORDNO": recordno, "APBILLITEMS": {"APBILLITEM": [{**BILL_LINE, "TRX_AMOUNT": "7.5"}]}}},
        )
    )
    data = (await client.ok(fn("read", {"object": "APBILL", "keys": recordno}))).find("data/apbill")
    assert data.findtext("TOTALENTERED") == "7.50"
    assert len(data.findall("APBILLITEMS/APBILLITEM")) == 1


async def test_partial_payment_then_overpayment_is_refused(client: Client) -> None:
    await vendor(client)
    recordno = await client.create("APBILL", bill(amount="100.00"))
    await client.create("APPYMT", payment(recordno, "40.00"))
    assert await bill_totals(client, recordno) == ("40.00", "60.00", "Partially Paid")
    _, text = await fails(client, fn("create", {"APPYMT": payment(recordno, "60.01")}))
    assert text == "There is no due on the bill"
    await client.create("APPYMT", payment(recordno, "60.00"))
    assert await bill_totals(client, recordno) == ("100.00", "0.00", "Paid")
    _, text = await fails(client, fn("update", {"APBILL": {"RECORDNO": recordno, "DESCRIPTION": "late edit"}}))
    assert "payments" in text
    _, _ = await fails(client, fn("delete", {"object": "APBILL", "keys": recordno}))


async def test_negative_bill_is_applied_as_an_inline_credit(client: Client) -> None:
    await vendor(client)
    invoice = await client.create("APBILL", bill(amount="100.00"))
    credit = await client.create("APBILL", bill(amount="-30.00"))
    detail = {"INLINEKEY": credit, "TRX_INLINEAMOUNT": "30.00"}
    await client.create("APPYMT", payment(invoice, "70.00", detail=detail))
    assert await bill_totals(client, invoice) == ("100.00", "0.00", "Paid")
    assert (await bill_totals(client, credit))[1] == "0.00"


async def test_deleting_a_payment_reopens_the_bill(client: Client) -> None:
    await vendor(client)
    recordno = await client.create("APBILL", bill(amount="50.00"))
    pay = await client.create("APPYMT", payment(recordno, "50.00"))
    await client.ok(fn("delete", {"object": "APPYMT", "keys": pay}))
    assert await bill_totals(client, recordno) == ("0.00", "50.00", "Posted")


async def test_only_draft_payments_can_be_updated(client: Client) -> None:
    await vendor(client)
    recordno = await client.create("APBILL", bill(amount="50.00"))
    draft = await client.create("APPYMT", payment(recordno, "10.00", ACTION="Draft"))
    assert (await bill_totals(client, recordno))[1] == "50.00"
    await client.ok(fn("update", {"APPYMT": {"RECORDNO": draft, **payment(recordno, "20.00")}}))
    posted = await client.create("APPYMT", payment(recordno, "5.00"))
    _, text = await fails(client, fn("update", {"APPYMT": {"RECORDNO": posted, **payment(recordno, "6.00")}}))
    assert "only a Draft payment" in text


def batch(*entries: tuple[str, str, str], journal: str = "GJ", date: str = "12/15/2026") -> dict[str, Any]:
    lines = [{"ACCOUNTNO": a, "TR_TYPE": t, "AMOUNT": amt, "LOCATION": "100"} for a, t, amt in entries]
    return {"JOURNAL": journal, "BATCH_DATE": date, "BATCH_TITLE": "t", "ENTRIES": {"GLENTRY": lines}}


async def test_journal_entries_balance_and_use_a_valid_journal(client: Client) -> None:
    ok = await client.create("GLBATCH", batch(("1010", "1", "25.00"), ("1000", "-1", "25.00")))
    assert ok
    _, text = await fails(client, fn("create", {"GLBATCH": batch(("1010", "1", "25.00"), ("1000", "-1", "24.00"))}))
    assert "not balanced" in text
    errornos, text = await fails(
        client, fn("create", {"GLBATCH": batch(("1010", "1", "1"), ("1000", "-1", "1"), journal="CDJ")})
    )
    assert (errornos[0], text) == ("BL01001973", "Invalid journal CDJ selected")
    _, text = await fails(client, fn("create", {"GLBATCH": batch(("1010", "1", "1"))}))
    assert "two lines" in text


async def test_closed_period_refuses_postings(http: httpx.AsyncClient) -> None:
    client = Client(http, await make_company(http, closed_through="11/30/2026"))
    await vendor(client)
    _, text = await fails(client, fn("create", {"APBILL": bill(WHENCREATED="11/15/2026")}))
    assert "closed period" in text
    _, text = await fails(
        client, fn("create", {"GLBATCH": batch(("1010", "1", "1"), ("1000", "-1", "1"), date="11/30/2026")})
    )
    assert "closed period" in text
    assert await client.create("GLBATCH", batch(("1010", "1", "1"), ("1000", "-1", "1"), date="12/01/2026"))


async def test_ar_invoice_by_legacy_function_and_payment(client: Client) -> None:
    await client.create("CUSTOMER", {"CUSTOMERID": "C1", "NAME": "Customer"})
    generic = await client.call(fn("create", {"ARINVOICE": {"CUSTOMERID": "C1"}}))
    assert generic.result().findtext("status") == "failure"
    day = {"year": "2026", "month": "12", "day": "01"}
    result = await client.ok(
        fn(
            "create_invoice",
            {
                "customerid": "C1",
                "datecreated": day,
                "datedue": {**day, "day": "31"},
                "invoiceitems": {"lineitem": [{"glaccountno": "4000", "amount": "80.00", "locationid": "100"}]},
            },
        )
    )
    key = result.findtext("key")
    assert key and key.isdigit()
    pay = {
        "PAYMENTMETHOD": "EFT",
        "CUSTOMERID": "C1",
        "RECEIPTDATE": "12/05/2026",
        "CURRENCY": "USD",
        "FINANCIALENTITY": "BOA-CHK",
        "ARPYMTDETAILS": {"ARPYMTDETAIL": {"RECORDKEY": key, "TRX_PAYMENTAMOUNT": "80.00"}},
    }
    await client.create("ARPYMT", pay)
    data = (await client.ok(fn("read", {"object": "ARINVOICE", "keys": key}))).find("data/arinvoice")
    assert (data.findtext("TOTALDUE"), data.findtext("STATE")) == ("0.00", "Paid")


async def test_unknown_objects_and_keys(client: Client) -> None:
    errornos, text = await fails(client, fn("delete", {"object": "APBILL", "keys": "999999"}))
    assert (errornos, text) == (["BL01001973"], "Cannot find bill with key '999999' to delete.")
    errornos, text = await fails(client, fn("delete", {"object": "VENDOR9", "keys": "1"}))
    assert (errornos, text) == (["WS"], "Object definition VENDOR9 not found")
    errornos, text = await fails(client, fn("readByQuery", {"object": "VENDOR9"}))
    assert (errornos, text) == (["Query Failed"], "Object definition VENDOR9 not found")
    errornos, text = await fails(client, fn("create", {"APBILL": {**bill(), "WHENDUE": "2026-12-31"}}))
    assert (errornos, text) == (["BL03000018"], "Illegal format for WHENDUE : 2026-12-31.")


async def test_amounts_round_to_two_decimals(client: Client) -> None:
    await vendor(client)
    recordno = await client.create("APBILL", bill(amount="10.005"))
    data = (await client.ok(fn("read", {"object": "APBILL", "keys": recordno}))).find("data/apbill")
    assert data.findtext("TOTALENTERED") == "10.01"


async def test_vendor_in_use_cannot_be_deleted(client: Client) -> None:
    recordno = await vendor(client)
    await client.create("APBILL", bill())
    _, text = await fails(client, fn("delete", {"object": "VENDOR", "keys": recordno}))
    assert "cannot be deleted" in text


async def test_dimensions_and_their_references(client: Client) -> None:
    await client.create("LOCATION", {"LOCATIONID": "200", "NAME": "Branch", "PARENTID": "100"})
    _, text = await fails(client, fn("create", {"LOCATION": {"LOCATIONID": "300", "NAME": "x", "PARENTID": "NOPE"}}))
    assert "NOPE" in text
    await client.create("DEPARTMENT", {"DEPARTMENTID": "OPS", "TITLE": "Operations"})
    await client.create("CLASS", {"CLASSID": "CL-2", "NAME": "Wholesale"})
    await client.create("CUSTOMER", {"CUSTOMERID": "C9", "NAME": "Big Customer"})
    await client.create("PROJECT", {"PROJECTID": "P1", "NAME": "Launch", "CUSTOMERID": "C9"})
    _, text = await fails(client, fn("create", {"PROJECT": {"PROJECTID": "P2", "NAME": "x", "CUSTOMERID": "C0"}}))
    assert "C0" in text
    await client.ok(fn("update", {"DEPARTMENT": {"DEPARTMENTID": "OPS", "STATUS": "inactive"}}))
    await vendor(client)
    body = bill()
    body["APBILLITEMS"]["APBILLITEM"][0].update({"DEPARTMENTID": "OPS"})
    _, text = await fails(client, fn("create", {"APBILL": body}))
    assert "OPS" in text
    body["APBILLITEMS"]["APBILLITEM"][0].update(
        {"DEPARTMENTID": "ADMIN", "CLASSID": "CL-2", "PROJECTID": "P1", "LOCATIONID": "200"}
    )
    assert await client.create("APBILL", body)


async def test_query_follows_many_to_one_paths(client: Client) -> None:
    await vendor(client)
    await client.create("APBILL", bill())
    body = {
        "object": "APBILL",
        "select": {"field": ["RECORDNO", "VENDOR.NAME"]},
        "filter": {"equalto": {"field": "VENDOR.NAME", "value": "Vendor V1"}},
    }
    data = (await client.ok(fn("query", body))).find("data")
    assert data.attrib["count"] == "1"
    assert data.findtext("APBILL/VENDOR.NAME") == "Vendor V1"
