"""The QBO sandbox is as strict as Intuit documents: per-second and batch limits, batch items that
do not see each other, 2500 vs 610, duplicate numbers per transaction type, the other-realm 401
and XML throttle bodies -- and the connector copes with each (raw HTTP first, then the connector)."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

import httpx
import pytest
from defusedxml import ElementTree

from ledgerbridge_common.canonical.models import JournalEntry, JournalLine
from ledgerbridge_common.connectors.qbo import InMemoryTokenStore, QboConnector
from ledgerbridge_common.errors import AuthRevokedError, DuplicateError, RateLimitedError
from tests.integration.qbo.conftest import Harness, tokens_from

pytestmark = [pytest.mark.integration, pytest.mark.timeout(30)]
NS = "{http://schema.intuit.com/finance/v3}"


async def _token(harness: Harness, realm_id: str | None = None) -> str:
    minted = await harness.control.post(f"/_sandbox/realms/{realm_id or harness.realm_id}/tokens", json={})
    return str(minted.json()["access_token"])


def _api(harness: Harness, token: str, realm_id: str | None = None) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=f"{harness.url}/v3/company/{realm_id or harness.realm_id}",
        headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
        params={"minorversion": "75"},
        timeout=5,
    )


def _vendor(name: str) -> dict[str, Any]:
    return {"DisplayName": name}


def _bill(vendor_id: str, account_id: str, number: str | None = None) -> dict[str, Any]:
    line = {
        "Amount": 10,
        "DetailType": "AccountBasedExpenseLineDetail",
        "AccountBasedExpenseLineDetail": {"AccountRef": {"value": account_id}},
    }
    return {"VendorRef": {"value": vendor_id}, "Line": [line]} | ({"DocNumber": number} if number else {})


def _journal(debit: str, credit: str, number: str | None) -> dict[str, Any]:
    lines = [
        {
            "Amount": 5,
            "DetailType": "JournalEntryLineDetail",
            "JournalEntryLineDetail": {"PostingType": side, "AccountRef": {"value": account}},
        }
        for side, account in (("Debit", debit), ("Credit", credit))
    ]
    return {"Line": lines} | ({"DocNumber": number} if number else {})


async def test_ten_requests_a_second_per_realm_and_app(harness: Harness) -> None:
    """Intuit: 10 requests per second per realm and app (qbo-api.md 5.5). A stretched minute
    (120 s) stretches the second to 2 s, so 11 back-to-back requests surely fall in one: the 11th
    is throttled; once that second has passed, requests go again."""
    await harness.limits(window_seconds=120.0, per_minute=500)
    async with _api(harness, await _token(harness)) as api:
        answers = [(await api.get("/companyinfo/" + harness.realm_id)).status_code for _ in range(11)]
        assert answers.count(429) >= 1 and answers[:10] == [200] * 10
        await asyncio.sleep(2.1)
        assert (await api.get("/companyinfo/" + harness.realm_id)).status_code == 200


async def test_batch_limits_per_app_and_per_realm(harness: Harness, control: httpx.AsyncClient) -> None:
    """40 batch calls a minute per realm and app, 120 per realm across apps."""
    await harness.limits(batch_per_minute=2, realm_batch_per_minute=3, per_second=100)
    await control.post("/_sandbox/apps", json={"client_id": "other-app", "client_secret": "s"})
    minted = await control.post(f"/_sandbox/realms/{harness.realm_id}/tokens", json={"client_id": "other-app"})
    query = {"BatchItemRequest": [{"bId": "q", "Query": "select * from Vendor"}]}
    async with _api(harness, await _token(harness)) as ours, _api(harness, minted.json()["access_token"]) as theirs:
        assert [(await ours.post("/batch", json=query)).status_code for _ in range(3)] == [200, 200, 429]
        assert (await theirs.post("/batch", json=query)).status_code == 200  # the app's own 2
        assert (await theirs.post("/batch", json=query)).status_code == 429  # the realm's 3


async def test_throttle_body_is_xml_and_the_connector_reads_it(harness: Harness, qbo: QboConnector) -> None:
    await harness.faults(throttle_next=1)
    async with _api(harness, await _token(harness)) as api:
        throttled = await api.get("/companyinfo/" + harness.realm_id)
    assert throttled.status_code == 429 and throttled.headers["content-type"].startswith("application/xml")
    error = ElementTree.fromstring(throttled.text).find(f"{NS}Fault/{NS}Error")
    assert error is not None and error.get("code") == "3001"
    await harness.faults(throttle_next=1)
    with pytest.raises(RateLimitedError) as caught:
        await harness.connector(max_retries=0).client.query("select * from Vendor")
    assert caught.value.code == "3001"


async def test_token_of_another_realm_is_401_authentication_fault_100(
    harness: Harness, control: httpx.AsyncClient
) -> None:
    other = (await control.post("/_sandbox/realms", json={})).json()
    async with _api(harness, await _token(harness, other["realm_id"])) as api:
        refused = await api.get("/companyinfo/" + harness.realm_id)
    assert refused.status_code == 401
    fault = ElementTree.fromstring(refused.text).find(f"{NS}Fault")
    assert fault is not None and fault.get("type") == "AuthenticationFault"
    assert fault.find(f"{NS}Error").get("code") == "100"

    # the connector refreshes once (still the other realm's grant), then gives a permanent reason
    minted = (await control.post(f"/_sandbox/realms/{other['realm_id']}/tokens", json={})).json()
    wrong = Harness(
        harness.url, control, harness.realm, harness.http, InMemoryTokenStore(tokens_from(minted, harness.realm_id))
    )
    with pytest.raises(AuthRevokedError) as caught:
        await wrong.connector().client.query("select * from Vendor")
    assert caught.value.code == "100" and "another company" in str(caught.value)


async def test_batch_items_do_not_see_each_other(harness: Harness) -> None:
    """An item that refers to an object an earlier item of the same batch created fails with the
    reference error (2500); the same reference in the next batch works."""
    async with _api(harness, await _token(harness)) as api:
        await api.post("/vendor", json=_vendor("Batch Seen Co"))
        vendors = (await api.get("/query", params={"query": "select * from Vendor"})).json()["QueryResponse"]["Vendor"]
        next_id = str(max(int(v["Id"]) for v in vendors) + 1)
        items = [
            {"bId": "v", "operation": "create", "Vendor": _vendor("Batch New Co")},
            {"bId": "b", "operation": "create", "Bill": _bill(next_id, harness.accounts["Utilities"])},
        ]
        answer = (await api.post("/batch", json={"BatchItemRequest": items})).json()["BatchItemResponse"]
        by_bid = {item["bId"]: item for item in answer}
        assert by_bid["v"]["Vendor"]["Id"] == next_id
        assert by_bid["b"]["Fault"]["Error"][0]["code"] == "2500"
        again = [{"bId": "b", "operation": "create", "Bill": _bill(next_id, harness.accounts["Utilities"])}]
        later = (await api.post("/batch", json={"BatchItemRequest": again})).json()["BatchItemResponse"]
        assert "Bill" in later[0]


async def test_2500_for_a_missing_id_610_for_inactive_deleted_or_missing_reads(harness: Harness) -> None:
    async with _api(harness, await _token(harness)) as api:
        missing = (await api.post("/bill", json=_bill("987654", harness.accounts["Utilities"]))).json()
        assert missing["Fault"]["Error"][0]["code"] == "2500"
        vendor = (await api.post("/vendor", json=_vendor("Soon Inactive"))).json()["Vendor"]
        await api.post(
            "/vendor", json={"Id": vendor["Id"], "SyncToken": vendor["SyncToken"], "sparse": True, "Active": False}
        )
        inactive = (await api.post("/bill", json=_bill(vendor["Id"], harness.accounts["Utilities"]))).json()
        assert inactive["Fault"]["Error"][0]["code"] == "610"
        live = (await api.post("/vendor", json=_vendor("Stays"))).json()["Vendor"]
        bill = (await api.post("/bill", json=_bill(live["Id"], harness.accounts["Utilities"]))).json()["Bill"]
        await api.post("/bill", params={"operation": "delete"}, json={"Id": bill["Id"], "SyncToken": bill["SyncToken"]})
        pay = {
            "VendorRef": {"value": live["Id"]},
            "PayType": "Check",
            "TotalAmt": 10,
            "CheckPayment": {"BankAccountRef": {"value": harness.accounts["Checking"]}},
            "Line": [{"Amount": 10, "LinkedTxn": [{"TxnId": bill["Id"], "TxnType": "Bill"}]}],
        }
        deleted = (await api.post("/billpayment", json=pay)).json()
        assert deleted["Fault"]["Error"][0]["code"] == "610"
        read = await api.get("/bill/987654")
        assert read.status_code == 400 and read.json()["Fault"]["Error"][0]["code"] == "610"


async def test_duplicate_numbers_per_type_and_preference(harness: Harness, control: httpx.AsyncClient) -> None:
    acc = harness.accounts
    async with _api(harness, await _token(harness)) as api:
        assert (
            "JournalEntry"
            in (await api.post("/journalentry", json=_journal(acc["Checking"], acc["Utilities"], "7"))).json()
        )
        dup = (await api.post("/journalentry", json=_journal(acc["Checking"], acc["Utilities"], "7"))).json()
        assert (
            dup["Fault"]["Error"][0]["code"] == "6140" and "TxnType=Journal Entry" in dup["Fault"]["Error"][0]["Detail"]
        )
        allowed = await api.post(
            "/journalentry",
            params={"include": "allowduplicatedocnum"},
            json=_journal(acc["Checking"], acc["Utilities"], "7"),
        )
        assert "JournalEntry" in allowed.json()
        customer = (await api.post("/customer", json={"DisplayName": "Dup Inv Co"})).json()["Customer"]
        line = {
            "Amount": 5,
            "DetailType": "SalesItemLineDetail",
            "SalesItemLineDetail": {"ItemRef": {"value": harness.items["Services"]}},
        }
        invoice = {"CustomerRef": {"value": customer["Id"]}, "DocNumber": "INV-9", "Line": [line]}
        assert "Invoice" in (await api.post("/invoice", json=invoice)).json()
        assert (await api.post("/invoice", json=invoice)).json()["Fault"]["Error"][0]["code"] == "6140"

        # the company turns "warn if duplicate journal number" off
        prefs = {"duplicate_doc_checks": {"JournalEntry": False}}
        (await control.post(f"/_sandbox/realms/{harness.realm_id}/preferences", json=prefs)).raise_for_status()
        assert (
            "JournalEntry"
            in (await api.post("/journalentry", json=_journal(acc["Checking"], acc["Utilities"], "7"))).json()
        )


async def test_funds_transfer_journal_number_collides_with_a_seeded_000(
    control: httpx.AsyncClient, sandbox_url: str
) -> None:
    """Journal numbering collides in real companies (BILL help vendorpayhelp 360023812392): a
    company that already has journal "000" refuses another "000" with 6140, which the connector
    reports as a duplicate (posting turns it into a reason naming the number)."""
    realm = (await control.post("/_sandbox/realms", json={"journal_numbers": ["000"]})).json()
    minted = (await control.post(f"/_sandbox/realms/{realm['realm_id']}/tokens", json={})).json()
    async with httpx.AsyncClient() as http:
        harness = Harness(sandbox_url, control, realm, http, InMemoryTokenStore(tokens_from(minted, realm["realm_id"])))
        entry = JournalEntry(
            date=dt.date.today(),
            number="000",
            lines=(
                JournalLine(
                    posting_type="Debit", amount=Decimal(5), account_id=realm["accounts"]["BILL Money Out Clearing"]
                ),
                JournalLine(posting_type="Credit", amount=Decimal(5), account_id=realm["accounts"]["Checking"]),
            ),
        )
        with pytest.raises(DuplicateError) as caught:
            await harness.connector().create(entry, request_id=uuid.uuid4().hex)
        assert caught.value.code == "6140" and "DocNumber=000" in (caught.value.detail or "")
