"""A client nobody here wrote (python-quickbooks + intuit-oauth) works against the sandbox with only
its URLs changed: the OAuth dance, a vendor, a bill and a query."""

from __future__ import annotations

import uuid
import warnings
from decimal import Decimal

import pytest
import requests
from intuitlib.client import AuthClient
from intuitlib.enums import Scopes
from quickbooks import QuickBooks
from quickbooks.objects.bill import Bill
from quickbooks.objects.detailline import AccountBasedExpenseLine, AccountBasedExpenseLineDetail
from quickbooks.objects.vendor import Vendor

from tests.integration.qbo.conftest import CLIENT_ID, CLIENT_SECRET, REDIRECT_URI

pytestmark = pytest.mark.integration


def test_python_quickbooks_creates_vendor_and_bill(sandbox_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")  # oauthlib's switch for plain-http test servers
    # intuit-oauth reads its endpoints from a discovery document; point it at the sandbox's copy.
    auth = AuthClient(
        CLIENT_ID,
        CLIENT_SECRET,
        REDIRECT_URI,
        environment=f"{sandbox_url}/.well-known/openid_sandbox_configuration/",
    )
    consent = requests.get(auth.get_authorization_url([Scopes.ACCOUNTING]), allow_redirects=False, timeout=5)
    assert consent.status_code == 302
    callback = requests.utils.urlparse(consent.headers["location"])
    params = dict(p.split("=", 1) for p in callback.query.split("&"))
    auth.get_bearer_token(params["code"], realm_id=params["realmId"])
    assert auth.access_token and auth.refresh_token

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        qb = QuickBooks(
            auth_client=auth, refresh_token=auth.refresh_token, company_id=params["realmId"], minorversion=75
        )
    qb.api_url_v3 = f"{sandbox_url}/v3"  # the only change: the base URL

    vendor = Vendor()
    vendor.DisplayName = f"PQ Vendor {uuid.uuid4().hex[:6]}"
    vendor.save(qb=qb)
    assert int(vendor.Id) > 0

    expense = Vendor.query("SELECT * FROM Vendor WHERE DisplayName = 'no such vendor'", qb=qb)
    assert expense == []
    accounts = qb.query("SELECT * FROM Account WHERE Name = 'Office Supplies'")["QueryResponse"]["Account"]

    line = AccountBasedExpenseLine()
    line.Amount = Decimal("42.50")
    line.DetailType = "AccountBasedExpenseLineDetail"
    line.AccountBasedExpenseLineDetail = AccountBasedExpenseLineDetail()
    line.AccountBasedExpenseLineDetail.AccountRef = {"value": accounts[0]["Id"]}
    bill = Bill()
    bill.VendorRef = vendor.to_ref()
    bill.DocNumber = "PQ-1"
    bill.Line.append(line)
    saved = bill.save(qb=qb, request_id=uuid.uuid4().hex)
    assert saved.TotalAmt == 42.5 and saved.Balance == 42.5 and saved.SyncToken == "0"

    found = Bill.filter(DocNumber="PQ-1", qb=qb)
    assert [b.Id for b in found] == [bill.Id]
    assert Bill.count("", qb=qb) >= 1
    fetched = Bill.get(bill.Id, qb=qb)
    assert fetched.VendorRef.value == vendor.Id
