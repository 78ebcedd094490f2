"""Control, authentication and result levels; sessions; transactions; uniqueid replay."""

from __future__ import annotations

import httpx

from tests.unit.intacct_sandbox.conftest import bill, make_company, vendor
from tests.unit.intacct_sandbox.gw import Client, fn, request_xml


async def test_bad_sender_is_a_control_failure(client: Client) -> None:
    answer = await client.post(request_xml([fn("getAPISession")], login=client.login(), sender=("nobody", "x")))
    assert answer.control == "failure"
    assert answer.root.findtext("errormessage/error/errorno") == "XL03000006"
    assert answer.root.find("operation") is None


async def test_malformed_xml_is_a_parse_error(client: Client) -> None:
    answer = await client.post(b"<request><control>")
    assert answer.control == "failure"
    assert answer.errornos() == ["XL03000003"]


async def test_entity_expansion_is_refused(client: Client) -> None:
    bomb = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa">]><request>&a;</request>'
    answer = await client.post(bomb)
    assert answer.errornos() == ["XL03000003"]


async def test_wrong_password_is_an_authentication_failure(client: Client) -> None:
    login = {**client.login(), "password": "wrong"}
    answer = await client.post(request_xml([fn("getAPISession")], login=login))
    assert (answer.control, answer.auth) == ("success", "failure")
    assert answer.root.findtext("operation/errormessage/error/errorno") == "XL03000006"
    assert answer.results == []


async def test_unknown_entity_in_login_is_refused(http: httpx.AsyncClient) -> None:
    company = Client(http, await make_company(http, entities=["E1"]), entity="E9")
    answer = await company.post(request_xml([fn("getAPISession")], login=company.login()))
    assert answer.auth == "failure"


async def test_sender_must_be_authorized_for_the_company(http: httpx.AsyncClient) -> None:
    await make_company(http, sender_id="other-sender", sender_password="pw")
    company = Client(http, await make_company(http))
    answer = await company.post(
        request_xml([fn("getAPISession")], login=company.login(), sender=("other-sender", "pw"))
    )
    assert answer.auth == "failure"
    assert "Invalid Web Services Authorization" in (answer.root.findtext(".//description2") or "")


async def test_get_api_session_returns_its_own_endpoint_and_slides(client: Client) -> None:
    answer = await client.post(request_xml([fn("getAPISession")], login=client.login()))
    assert answer.result().findtext("data/api/endpoint") == "http://intacct.test/ia/xml/xmlgw.phtml"
    client.session = answer.result().findtext("data/api/sessionid")
    first = (await client.call(fn("readByQuery", {"object": "VENDOR"}))).root
    await client.http.post("/_sandbox/clock", json={"advance_seconds": 3600})
    second = (await client.call(fn("readByQuery", {"object": "VENDOR"}))).root
    assert second.findtext(".//sessiontimeout") > first.findtext(".//sessiontimeout")
    await client.http.post("/_sandbox/clock", json={"advance_seconds": 7201})
    expired = await client.call(fn("readByQuery", {"object": "VENDOR"}))
    assert expired.auth == "failure"
    assert expired.root.findtext("operation/errormessage/error/errorno") == "XL03000006"


async def test_functions_fail_independently_without_a_transaction(client: Client) -> None:
    await vendor(client)
    answer = await client.call(fn("create", {"APBILL": bill()}), fn("create", {"APBILL": bill(vendor_id="NOPE")}))
    assert [r.findtext("status") for r in answer.results] == ["success", "failure"]
    failed = answer.result(1)
    assert failed.find("data").attrib == {"listtype": "objects", "count": "0"}
    assert failed.findtext("errormessage/error/errorno") == "BL01001973"


async def test_transaction_rolls_back_every_function(client: Client) -> None:
    await vendor(client)
    answer = await client.call(
        fn("create", {"APBILL": bill()}),
        fn("create", {"APBILL": bill(vendor_id="NOPE")}),
        fn("readByQuery", {"object": "VENDOR"}),
        transaction=True,
    )
    assert [r.findtext("status") for r in answer.results] == ["aborted", "failure", "aborted"]
    assert answer.errornos(0) == ["XL03000009"]
    assert answer.errornos(1) == ["BL01001973", "XL03000009"]
    bills = (await client.http.get(f"/_sandbox/companies/{client.company_id}/objects/APBILL")).json()
    assert bills["count"] == 0


async def test_uniqueid_refuses_a_replayed_function_controlid(client: Client) -> None:
    await vendor(client)
    first = await client.call(fn("create", {"APBILL": bill()}, controlid="bill-42"), uniqueid="true")
    again = await client.call(fn("create", {"APBILL": bill()}, controlid="bill-42"), uniqueid="true")
    assert first.result().findtext("status") == "success"
    assert again.result().findtext("status") == "failure"
    assert "already been recorded with the control id bill-42" in (again.root.findtext(".//description2") or "")
    bills = (await client.http.get(f"/_sandbox/companies/{client.company_id}/objects/APBILL")).json()
    assert bills["count"] == 1


async def test_uniqueid_defaults_to_true_and_false_turns_it_off(client: Client) -> None:
    await vendor(client, "V2")
    await client.call(fn("readByQuery", {"object": "VENDOR"}, controlid="same"), uniqueid=None)
    default = await client.call(fn("readByQuery", {"object": "VENDOR"}, controlid="same"), uniqueid=None)
    off = await client.call(fn("readByQuery", {"object": "VENDOR"}, controlid="same"), uniqueid="false")
    assert default.result().findtext("status") == "failure"
    assert off.result().findtext("status") == "success"


async def test_rolled_back_controlids_are_not_recorded(client: Client) -> None:
    await vendor(client)
    body = [fn("create", {"APBILL": bill()}, controlid="c-1"), fn("create", {"APBILL": bill(vendor_id="NOPE")})]
    await client.call(*body, transaction=True, uniqueid="true")
    retry = await client.call(fn("create", {"APBILL": bill()}, controlid="c-1"), uniqueid="true")
    assert retry.result().findtext("status") == "success"


async def test_rollback_restores_bills_a_payment_had_paid(client: Client) -> None:
    await vendor(client)
    recordno = await client.create("APBILL", bill(amount="80.00"))
    pay = {
        "FINANCIALENTITY": "BOA-CHK",
        "PAYMENTMETHOD": "EFT",
        "VENDORID": "V1",
        "PAYMENTDATE": "12/10/2026",
        "CURRENCY": "USD",
        "APPYMTDETAILS": {"APPYMTDETAIL": {"RECORDKEY": recordno, "TRX_PAYMENTAMOUNT": "80.00"}},
    }
    answer = await client.call(
        fn("create", {"APPYMT": pay}), fn("create", {"APBILL": bill(vendor_id="NOPE")}), transaction=True
    )
    assert [r.findtext("status") for r in answer.results] == ["aborted", "failure"]
    data = (await client.ok(fn("read", {"object": "APBILL", "keys": recordno}))).find("data/apbill")
    assert (data.findtext("TOTALDUE"), data.findtext("STATE")) == ("80.00", "Posted")
    payments = (await client.http.get(f"/_sandbox/companies/{client.company_id}/objects/APPYMT")).json()
    assert payments["count"] == 0


async def test_an_expired_session_counts_as_an_authentication_failure_of_its_company(client: Client) -> None:
    await client.open_session()
    await client.http.post("/_sandbox/clock", json={"advance_seconds": 7201})
    expired = await client.call(fn("readByQuery", {"object": "VENDOR"}))
    assert expired.auth == "failure"
    counters = (await client.http.get(f"/_sandbox/companies/{client.company_id}/counters")).json()
    assert counters["auth_failures"] == 1
