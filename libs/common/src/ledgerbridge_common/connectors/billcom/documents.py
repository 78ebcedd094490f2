"""A bill's documents in BILL (the invoice image or PDF a bill was entered from): listed with
``GET /v3/documents/bills/{billId}`` (``{nextPage, prevPage, results: [{id, name, createdTime,
downloadLink}]}``, ``max``/``page``) and each fetched from its ``downloadLink`` with the session
header (BILL's Postman collection, folder "documents"; billcom.md §1.5 lists the path). A download
stops reading past the caller's limit, so a file too large for the ledger is never held whole."""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from typing import Any

import httpx

from ledgerbridge_common.connectors.billcom.client import BillcomClient
from ledgerbridge_common.connectors.billcom.errors import VENDOR, error_for
from ledgerbridge_common.errors import RetryableError

PAGE_MAX = 100
OCTET_STREAM = "application/octet-stream"


@dataclass(frozen=True)
class BillDocument:
    id: str
    name: str
    download_link: str


@dataclass(frozen=True)
class DocumentFile:
    content: bytes | None
    """``None`` when the file is larger than the limit asked for."""
    size: int
    """The bytes read (for a file over the limit: at least the limit plus one)."""
    content_type: str


class BillDocuments:
    """The bill-documents part of ``BillcomHttpConnector``."""

    client: BillcomClient

    async def list_bill_documents(self, bill_id: str) -> list[BillDocument]:
        documents: list[BillDocument] = []
        page: str | None = None
        while True:
            params: dict[str, Any] = {"max": PAGE_MAX, **({"page": page} if page else {})}
            body = await self.client.request("GET", f"/v3/documents/bills/{bill_id}", params=params)
            for raw in body.get("results") or []:
                if raw.get("id") and raw.get("downloadLink"):
                    documents.append(
                        BillDocument(str(raw["id"]), str(raw.get("name") or raw["id"]), raw["downloadLink"])
                    )
            page = body.get("nextPage") or None
            if not page or not body.get("results"):
                return documents

    async def download_document(self, document: BillDocument, max_bytes: int) -> DocumentFile:
        session_id = await self.client.session()
        headers = {"devKey": self.client.credentials.dev_key, "sessionId": session_id}
        async with self.client.budget.slot():
            try:
                async with self.client.http.stream("GET", document.download_link, headers=headers) as response:
                    if response.status_code >= 400:
                        await response.aread()
                        raise error_for(response)
                    chunks: list[bytes] = []
                    size = 0
                    async for chunk in response.aiter_bytes():
                        chunks.append(chunk)
                        size += len(chunk)
                        if size > max_bytes:
                            return DocumentFile(None, size, _content_type(response))
                    return DocumentFile(b"".join(chunks), size, _content_type(response))
            except httpx.TransportError as exc:
                raise RetryableError(f"downloading BILL document {document.id}: {exc!r}", vendor=VENDOR) from exc


def content_type_of(name: str, file: DocumentFile) -> str:
    """The type BILL served, or else the one the file name says."""
    if file.content_type and file.content_type != OCTET_STREAM:
        return file.content_type
    return mimetypes.guess_type(name)[0] or OCTET_STREAM


def _content_type(response: httpx.Response) -> str:
    return str(response.headers.get("content-type", OCTET_STREAM)).split(";")[0].strip()
