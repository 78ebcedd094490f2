"""``DocumentAttachments`` against the QBO sandbox: a file goes to a bill through the multipart
``upload`` endpoint, is found again by its tag, and a timeout after QuickBooks committed the upload
leaves the file findable so that it is not attached twice; an unknown bill and a file over the
sandbox's size limit are refused."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest

from ledgerbridge_common.canonical.models import Bill, Classifications, ObjectType, TransactionLine, Vendor
from ledgerbridge_common.connectors.ports import DocumentAttachments
from ledgerbridge_common.connectors.qbo import QboConnector
from ledgerbridge_common.errors import OutcomeUnknownError, PermanentError
from tests.integration.qbo.conftest import Harness

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]
PDF = b"%PDF-1.4 invoice 77\n" * 20


async def new_bill(qbo: QboConnector, harness: Harness) -> str:
    vendor = await qbo.create(Vendor(name=f"Attach {uuid.uuid4().hex[:6]}"), request_id=uuid.uuid4().hex)
    line = TransactionLine(
        amount=Decimal("40.00"), classifications=Classifications(account_id=harness.accounts["Utilities"])
    )
    bill = await qbo.create(
        Bill(vendor_id=str(vendor.id), number="INV-77", date=dt.date.today(), lines=(line,)),
        request_id=uuid.uuid4().hex,
    )
    assert bill.id
    return bill.id


async def test_a_file_is_attached_once_and_found_by_its_tag(qbo: QboConnector, harness: Harness) -> None:
    assert isinstance(qbo, DocumentAttachments)
    bill_id = await new_bill(qbo, harness)
    tag = "LB:billcom:document:00h01abc"
    assert await qbo.find_attachment(ObjectType.BILL, bill_id, tag) is None
    attached = await qbo.attach_file(
        ObjectType.BILL,
        bill_id,
        file_name="inv-77.pdf",
        content_type="application/pdf",
        content=PDF,
        tag=tag,
        request_id=uuid.uuid4().hex,
    )
    assert await qbo.find_attachment(ObjectType.BILL, bill_id, tag) == attached
    assert await qbo.find_attachment(ObjectType.BILL, bill_id, "LB:billcom:document:other") is None
    page = await qbo.query(f"SELECT * FROM Attachable WHERE AttachableRef.EntityRef.value = '{bill_id}'")
    [row] = page["Attachable"]
    assert (row["FileName"], row["ContentType"], row["Size"]) == ("inv-77.pdf", "application/pdf", len(PDF))
    assert row["AttachableRef"][0]["EntityRef"] == {"type": "Bill", "value": bill_id}


async def test_a_timeout_after_commit_leaves_the_file_findable(qbo: QboConnector, harness: Harness) -> None:
    bill_id = await new_bill(qbo, harness)
    tag = "LB:billcom:document:00h01late"
    await harness.faults(timeout_after_commit_next=1, timeout_mode="drop")
    with pytest.raises(OutcomeUnknownError):
        await qbo.attach_file(
            ObjectType.BILL,
            bill_id,
            file_name="late.pdf",
            content_type="application/pdf",
            content=PDF,
            tag=tag,
            request_id=uuid.uuid4().hex,
        )
    found = await qbo.find_attachment(ObjectType.BILL, bill_id, tag)
    assert found is not None
    page = await qbo.query(f"SELECT * FROM Attachable WHERE AttachableRef.EntityRef.value = '{bill_id}'")
    assert [r["Id"] for r in page["Attachable"]] == [found]


async def test_an_unknown_bill_is_refused(qbo: QboConnector) -> None:
    with pytest.raises(PermanentError):
        await qbo.attach_file(
            ObjectType.BILL,
            "999999",
            file_name="x.pdf",
            content_type="application/pdf",
            content=PDF,
            tag="LB:x",
            request_id=uuid.uuid4().hex,
        )
