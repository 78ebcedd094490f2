"""A bill's documents against the BILL sandbox: uploaded with ``POST /v3/documents/bills/{billId}``
(6 MB at most), listed with ``GET /v3/documents/bills/{billId}`` and fetched from their
``downloadLink`` with the session; a download stops once past the caller's limit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import httpx
import pytest

from ledgerbridge_common.canonical.models import Bill, TransactionLine, Vendor
from ledgerbridge_common.connectors.billcom import BillcomHttpConnector
from ledgerbridge_common.connectors.billcom.documents import content_type_of
from ledgerbridge_common.errors import NotFoundError

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]
PDF = b"%PDF-1.4 " + b"x" * 2000


async def upload(connector: BillcomHttpConnector, bill_id: str, name: str, content: bytes) -> httpx.Response:
    client = connector.client
    headers = {"devKey": client.credentials.dev_key, "sessionId": await client.session()}
    return await client.http.post(
        f"/v3/documents/bills/{bill_id}", params={"name": name}, content=content, headers=headers
    )


async def test_documents_are_listed_and_downloaded_within_a_limit(connector: BillcomHttpConnector) -> None:
    vendor = await connector.create(Vendor(name="Documents Vendor"))
    assert vendor.id
    line = (TransactionLine(amount=Decimal("10.00"), description="x"),)
    bill = await connector.create(Bill(vendor_id=vendor.id, number="D-1", date=dt.date.today(), lines=line))
    assert bill.id and await connector.list_bill_documents(bill.id) == []
    first = await upload(connector, bill.id, "invoice.pdf", PDF)
    second = await upload(connector, bill.id, "photo.png", b"\x89PNG" + b"y" * 10)
    assert first.status_code == second.status_code == 200, first.text
    assert first.json()["id"].startswith("00h")
    docs = await connector.list_bill_documents(bill.id)
    assert [(d.id, d.name) for d in docs] == [(first.json()["id"], "invoice.pdf"), (second.json()["id"], "photo.png")]
    whole = await connector.download_document(docs[0], max_bytes=len(PDF))
    assert whole.content == PDF and whole.size == len(PDF)
    assert content_type_of("invoice.pdf", whole) == "application/pdf"
    cut = await connector.download_document(docs[0], max_bytes=100)
    assert cut.content is None and cut.size > 100


async def test_an_upload_over_six_megabytes_is_refused(connector: BillcomHttpConnector) -> None:
    vendor = await connector.create(Vendor(name="Big Documents Vendor"))
    assert vendor.id
    line = (TransactionLine(amount=Decimal("10.00"), description="x"),)
    bill = await connector.create(Bill(vendor_id=vendor.id, number="D-2", date=dt.date.today(), lines=line))
    assert bill.id
    refused = await upload(connector, bill.id, "huge.pdf", b"z" * (6 * 1024 * 1024 + 1))
    assert refused.status_code == 400
    assert await connector.list_bill_documents(bill.id) == []
    with pytest.raises(NotFoundError):
        await connector.client.request("GET", "/v3/documents/bills/00n01nosuchbill0000")
