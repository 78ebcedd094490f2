"""Which writes take a bill's documents along, and what the outcome says when a document is too
large for the ledger or refused; a ledger without ``DocumentAttachments`` is never asked."""

from __future__ import annotations

from decimal import Decimal

from ledgerbridge_common.canonical.models import Bill, ObjectType, TransactionLine
from ledgerbridge_common.connectors.billcom.documents import BillDocument, BillDocuments, DocumentFile
from ledgerbridge_common.errors import ValidationError
from posting_service.documents import attach_documents, document_tag, takes_documents
from tests.unit.posting import builders as b

WRITTEN = Bill(id="77", vendor_id="5", date="2026-11-20", lines=(TransactionLine(amount=Decimal("1.00")),))


class FakeBill(BillDocuments):
    def __init__(self, files: dict[str, bytes]) -> None:
        self.files = files
        self.downloads: list[tuple[str, int]] = []

    async def list_bill_documents(self, bill_id: str) -> list[BillDocument]:
        return [BillDocument(name, name, f"https://bill.example/{name}") for name in self.files]

    async def download_document(self, document: BillDocument, max_bytes: int) -> DocumentFile:
        self.downloads.append((document.id, max_bytes))
        content = self.files[document.id]
        if len(content) > max_bytes:
            return DocumentFile(None, max_bytes + 1, "application/pdf")
        return DocumentFile(content, len(content), "application/octet-stream")


class FakeLedger:
    attachment_max_bytes = 10

    def __init__(self, refuse: str | None = None) -> None:
        self.attached: dict[str, tuple[str, str, bytes]] = {}
        self.refuse = refuse

    async def find_attachment(self, object_type: ObjectType, object_id: str, tag: str) -> str | None:
        return tag if tag in self.attached else None

    async def attach_file(self, object_type, object_id, *, file_name, content_type, content, tag, request_id) -> str:  # type: ignore[no-untyped-def]
        if file_name == self.refuse:
            raise ValidationError("unsupported file type", code="6000")
        self.attached[tag] = (object_id, content_type, content)
        return tag


def bill_command(source_ref: str = "billcom:bill:00n01abc", **kw: object) -> object:
    return b.command("bill", source_ref, {}, **kw)  # type: ignore[arg-type]


def test_only_bills_from_bill_written_to_the_ledger_take_documents() -> None:
    assert takes_documents(bill_command()) == "00n01abc"  # type: ignore[arg-type]
    assert takes_documents(bill_command("quickbooks_online:bill:9")) is None  # type: ignore[arg-type]
    assert takes_documents(bill_command(action="void")) is None  # type: ignore[arg-type]
    assert takes_documents(b.command("invoice", "billcom:invoice:00e1", {})) is None


async def test_documents_are_attached_once_and_a_large_one_is_explained() -> None:
    bill = FakeBill({"invoice.pdf": b"small", "scan.tif": b"x" * 11})
    ledger = FakeLedger()
    note = await attach_documents(bill_command(), WRITTEN, ledger, bill, "QuickBooks Online")  # type: ignore[arg-type]
    assert (
        note == "document 'scan.tif' not attached: it is larger than 0.0 MB, the largest file QuickBooks Online takes"
    )
    assert ledger.attached == {document_tag("invoice.pdf"): ("77", "application/pdf", b"small")}
    again = await attach_documents(bill_command(), WRITTEN, ledger, bill, "QuickBooks Online")  # type: ignore[arg-type]
    assert again == note and len(ledger.attached) == 1
    assert bill.downloads.count(("invoice.pdf", 10)) == 1  # found by its tag the second time: not downloaded


async def test_a_refused_document_is_reported_and_the_others_still_go() -> None:
    bill = FakeBill({"invoice.exe": b"mz", "invoice.pdf": b"pdf"})
    ledger = FakeLedger(refuse="invoice.exe")
    note = await attach_documents(bill_command(), WRITTEN, ledger, bill, "QuickBooks Online")  # type: ignore[arg-type]
    assert note is not None and note.startswith("document 'invoice.exe' not attached:")
    assert list(ledger.attached) == [document_tag("invoice.pdf")]


async def test_a_ledger_without_attachments_is_not_asked() -> None:
    bill = FakeBill({"invoice.pdf": b"small"})
    assert await attach_documents(bill_command(), WRITTEN, object(), bill, "Sage Intacct") is None  # type: ignore[arg-type]
    assert bill.downloads == []
