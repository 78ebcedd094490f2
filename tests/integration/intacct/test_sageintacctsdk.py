"""A client nobody here wrote, ``sageintacctsdk``, drives the sandbox unchanged except for its endpoint.

The SDK has no base-URL option: its URL is the private ``_ApiBase__api_url`` of every API object, and
only ``get_session_id`` adopts the ``<endpoint>`` that ``getAPISession`` answers. So the test opens
the session with one API object pointed at the sandbox, then hands the SDK that session id and the
returned endpoint (shared/reference/intacct-api.md §6).
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sageintacctsdk import SageIntacctSDK
from sageintacctsdk.apis import ApiBase
from sageintacctsdk.exceptions import WrongParamsError

from intacct_sandbox.state import DEMO_SENDER, DEMO_USER

pytestmark = pytest.mark.integration


def connect(sandbox_url: str, company_id: str, entity: str | None = None) -> tuple[SageIntacctSDK, str]:
    opener = ApiBase()
    opener._ApiBase__api_url = f"{sandbox_url}/ia/xml/xmlgw.phtml"  # type: ignore[attr-defined]
    opener.set_sender_id(DEMO_SENDER[0])
    opener.set_sender_password(DEMO_SENDER[1])
    session_id = opener.get_session_id(DEMO_USER[0], company_id, DEMO_USER[1], entity)
    endpoint = opener._ApiBase__api_url  # type: ignore[attr-defined]
    sdk = SageIntacctSDK(
        sender_id=DEMO_SENDER[0],
        sender_password=DEMO_SENDER[1],
        user_id=DEMO_USER[0],
        company_id=company_id,
        user_password=DEMO_USER[1],
        entity_id=entity,
        session_id=session_id,
    )
    for api in vars(sdk).values():
        if isinstance(api, ApiBase):
            api._ApiBase__api_url = endpoint  # type: ignore[attr-defined]
    return sdk, endpoint


def test_session_endpoint_is_the_sandbox(sandbox_url: str, company: dict[str, Any]) -> None:
    _, endpoint = connect(sandbox_url, company["company_id"])
    assert endpoint == f"{sandbox_url}/ia/xml/xmlgw.phtml"


def test_vendors_and_accounts(sandbox_url: str, company: dict[str, Any]) -> None:
    sdk, _ = connect(sandbox_url, company["company_id"])
    created = sdk.vendors.post({"VENDORID": "V-100", "NAME": "Paper Co", "DISPLAYCONTACT": {"PRINTAS": "Paper Co"}})
    assert created["status"] == "success"
    assert created["data"]["vendor"]["VENDORID"] == "V-100"
    sdk.vendors.update({"VENDORID": "V-100", "NAME": "Paper Company"})
    found = sdk.vendors.get(field="VENDORID", value="V-100")
    assert found["VENDOR"][0]["NAME"] == "Paper Company"
    everyone = sdk.vendors.get_all()
    assert [v["VENDORID"] for v in everyone] == ["V-100"]
    with pytest.raises(WrongParamsError) as duplicate:
        sdk.vendors.post({"VENDORID": "V-100", "NAME": "Again", "DISPLAYCONTACT": {"PRINTAS": "Again"}})
    assert duplicate.value.response["error"][0]["errorno"] == "BL34000061"

    sdk.accounts.post(
        {"ACCOUNTNO": "2100", "TITLE": "Money Out Clearing 2", "ACCOUNTTYPE": "balancesheet", "NORMALBALANCE": "debit"}
    )
    accounts = {a["ACCOUNTNO"]: a["TITLE"] for a in sdk.accounts.get_all()}
    assert accounts["2100"] == "Money Out Clearing 2"
    assert sdk.accounts.count(None) == len(accounts)
    banks = sdk.checking_accounts.get_all()
    assert [b["BANKACCOUNTID"] for b in banks] == ["BOA-CHK"]


def test_bills_payments_and_journal_entries(sandbox_url: str, company: dict[str, Any]) -> None:
    sdk, _ = connect(sandbox_url, company["company_id"], entity="E1")
    sdk.vendors.post({"VENDORID": "V-7", "NAME": "Supplies", "DISPLAYCONTACT": {"PRINTAS": "Supplies"}})
    line = {"ACCOUNTNO": "6000", "TRX_AMOUNT": "120.00", "LOCATIONID": "110", "DEPARTMENTID": "ADMIN"}
    created = sdk.bills.post(
        {
            "WHENCREATED": "12/01/2026",
            "WHENDUE": "12/31/2026",
            "VENDORID": "V-7",
            "RECORDID": "INV-1",
            "CURRENCY": "USD",
            "BASECURR": "USD",
            "APBILLITEMS": {"APBILLITEM": [line]},
        }
    )
    bill_no = created["data"]["apbill"]["RECORDNO"]
    sdk.bills.update({"RECORDNO": bill_no, "APBILLITEMS": {"APBILLITEM": [{**line, "TRX_AMOUNT": "150.00"}]}})
    bill = sdk.bills.get(field="RECORDNO", value=bill_no)["apbill"]
    assert (bill["TOTALENTERED"], bill["STATE"]) == ("150.00", "Posted")

    paid = sdk.ap_payments.post(
        {
            "FINANCIALENTITY": "BOA-CHK",
            "PAYMENTMETHOD": "EFT",
            "VENDORID": "V-7",
            "PAYMENTDATE": "12/10/2026",
            "CURRENCY": "USD",
            "APPYMTDETAILS": {"APPYMTDETAIL": [{"RECORDKEY": bill_no, "TRX_PAYMENTAMOUNT": "150.00"}]},
        }
    )
    assert paid["status"] == "success"
    payments = sdk.ap_payments.get_all()
    payments = payments if isinstance(payments, list) else [payments]
    assert [p["TOTALENTERED"] for p in payments] == ["150.00"]
    assert sdk.bills.get(field="RECORDNO", value=bill_no)["apbill"]["STATE"] == "Paid"

    journal = sdk.journal_entries.post(
        {
            "JOURNAL": "GJ",
            "BATCH_DATE": "12/10/2026",
            "BATCH_TITLE": "BILL disbursement run",
            "ENTRIES": {
                "GLENTRY": [
                    {
                        "ACCOUNTNO": "1010",
                        "TR_TYPE": "1",
                        "TRX_AMOUNT": "150.00",
                        "LOCATION": "110",
                        "DEPARTMENT": "ADMIN",
                    },
                    {
                        "ACCOUNTNO": "1000",
                        "TR_TYPE": "-1",
                        "TRX_AMOUNT": "150.00",
                        "LOCATION": "110",
                        "DEPARTMENT": "ADMIN",
                    },
                ]
            },
        }
    )
    assert journal["data"]["glbatch"]["RECORDNO"].isdigit()
    with pytest.raises(WrongParamsError) as unbalanced:
        sdk.journal_entries.post(
            {
                "JOURNAL": "GJ",
                "BATCH_DATE": "12/10/2026",
                "BATCH_TITLE": "off by one",
                "ENTRIES": {
                    "GLENTRY": [
                        {"ACCOUNTNO": "1010", "TR_TYPE": "1", "TRX_AMOUNT": "1.00", "LOCATION": "110"},
                        {"ACCOUNTNO": "1000", "TR_TYPE": "-1", "TRX_AMOUNT": "2.00", "LOCATION": "110"},
                    ]
                },
            }
        )
    assert "not balanced" in unbalanced.value.response["error"][0]["description2"]

    ledger = httpx.get(f"{sandbox_url}/_sandbox/companies/{company['company_id']}/objects/GLBATCH", timeout=10)
    assert ledger.json()["GLBATCH"][0]["MEGAENTITYID"] == "E1"
