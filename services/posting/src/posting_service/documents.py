"""A bill from BILL takes its documents (the invoice image or PDF it was entered from) to the
ledger bill, when the ledger takes files (``DocumentAttachments``; a ledger without it is skipped).

Each time the bill is written, its documents are listed in BILL and each one not yet on the ledger
bill is attached, under the tag ``LB:billcom:document:<id>``. Exactly once: before attaching, the
ledger bill is searched for the tag, so a retry after a timeout (the ledger may have committed the
file) finds it instead of attaching it twice. A file larger than the ledger takes is not read
whole and not attached; the bill's outcome says so. A document BILL refuses or the ledger refuses
(permanently) is reported the same way; the bill itself stays posted."""

from __future__ import annotations

import hashlib

from ledgerbridge_common.canonical.models import CanonicalObject, ObjectType
from ledgerbridge_common.connectors.billcom.documents import BillDocument, BillDocuments, content_type_of
from ledgerbridge_common.connectors.ports import DocumentAttachments
from ledgerbridge_common.errors import PermanentError
from ledgerbridge_common.events.models import PostingRequested, Side
from ledgerbridge_common.events.refs import try_parse_ref

MEGABYTE = 1024 * 1024


def document_tag(document_id: str) -> str:
    return f"LB:billcom:document:{document_id}"


def upload_request_id(command_id: str, document_id: str) -> str:
    return hashlib.sha256(f"{command_id}:{document_id}".encode()).hexdigest()[:32]


def takes_documents(cmd: PostingRequested) -> str | None:
    """The BILL bill id whose documents follow this write, if it is one."""
    ref = try_parse_ref(cmd.source_ref)
    if ref is None or cmd.target_side is not Side.LEDGER or cmd.object_type is not ObjectType.BILL:
        return None
    if ref.side is not Side.BILLCOM or cmd.action != "upsert":
        return None
    return ref.object_id


def _megabytes(size: int) -> str:
    return f"{size / MEGABYTE:.1f} MB"


async def attach_documents(
    cmd: PostingRequested, written: CanonicalObject, ledger: object, billcom: object, ledger_name: str
) -> str | None:
    """Attach the bill's documents that are not on ``written`` yet; what could not be attached."""
    bill_id = takes_documents(cmd)
    if bill_id is None or written.id is None:
        return None
    if not isinstance(ledger, DocumentAttachments) or not isinstance(billcom, BillDocuments):
        return None
    notes: list[str] = []
    try:
        documents = await billcom.list_bill_documents(bill_id)
    except PermanentError as exc:
        return f"the bill's documents could not be read in BILL: {exc}"
    for document in documents:
        note = await _attach_one(cmd, document, written.id, ledger, billcom, ledger_name)
        if note:
            notes.append(note)
    return "; ".join(notes) or None


async def _attach_one(
    cmd: PostingRequested,
    document: BillDocument,
    ledger_bill_id: str,
    ledger: DocumentAttachments,
    billcom: BillDocuments,
    ledger_name: str,
) -> str | None:
    tag = document_tag(document.id)
    if await ledger.find_attachment(ObjectType.BILL, ledger_bill_id, tag) is not None:
        return None
    limit = ledger.attachment_max_bytes
    try:
        file = await billcom.download_document(document, limit)
        if file.content is None:
            return (
                f"document '{document.name}' not attached: it is larger than {_megabytes(limit)}, "
                f"the largest file {ledger_name} takes"
            )
        await ledger.attach_file(
            ObjectType.BILL,
            ledger_bill_id,
            file_name=document.name,
            content_type=content_type_of(document.name, file),
            content=file.content,
            tag=tag,
            request_id=upload_request_id(cmd.command_id, document.id),
        )
    except PermanentError as exc:
        return f"document '{document.name}' not attached: {exc}"
    return None
