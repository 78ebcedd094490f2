"""A bill's documents (``/v3/documents/...``, BILL's Postman collection, folder "documents", as
shipped in akleinvm/billdotcom-sdk-v3 ``reference/billdotcom_v3.json``):

- ``POST /v3/documents/bills/{billId}?name=...`` with the file as the raw body: at most
  ``max_document_bytes`` (6 MB, "The file size limit is 6 MB"); answers ``{id, name, createdTime,
  downloadLink}``. BILL finishes an upload "in a few minutes" (``0du`` upload ids, then ``00h``
  document ids); the sandbox finishes it at once and answers the ``00h`` id.
- ``GET /v3/documents/bills/{billId}`` -> ``{nextPage, prevPage, results: [{id, name, createdTime,
  downloadLink}]}`` (``max``, ``page``); ``GET /v3/documents/{documentId}`` -> one of them.
- ``downloadLink`` is an opaque URL fetched with the session header ("curl '{downloadLink}' --header
  'sessionId: ...'"); the sandbox serves it at ``/connect/sandbox-files/{documentId}`` behind the
  same session check as the API."""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import APIRouter, Request, Response

from billcom_sandbox.core import BillError, fmt_time
from billcom_sandbox.resources import org_of
from billcom_sandbox.store import Org, Store

Doc = dict[str, Any]
DOCUMENT_PREFIX = "00h"
FILES_PATH = "/connect/sandbox-files"


def add_document(store: Store, org: Org, bill_id: str, name: str, content: bytes, base_url: str) -> Doc:
    org.get("bill", bill_id)
    if not name:
        raise BillError.invalid("name is required")
    if len(content) > store.settings.max_document_bytes:
        raise BillError.invalid(f"The file is {len(content)} bytes; the limit is {store.settings.max_document_bytes}")
    doc_id = DOCUMENT_PREFIX + "01" + secrets.token_hex(8)[:15]
    doc = {
        "id": doc_id,
        "name": name,
        "createdTime": fmt_time(store.clock.now()),
        "downloadLink": f"{base_url.rstrip('/')}{FILES_PATH}/{doc_id}",
    }
    org.bill_documents.setdefault(bill_id, []).append(doc)
    org.files[doc_id] = content
    return doc


def _find(org: Org, doc_id: str) -> Doc:
    for docs in org.bill_documents.values():
        for doc in docs:
            if doc["id"] == doc_id:
                return doc
    raise BillError.not_found("document", doc_id)


def router(store: Store) -> APIRouter:
    api = APIRouter()

    @api.post("/v3/documents/bills/{bill_id}")
    async def upload(request: Request, bill_id: str) -> Doc:
        name = request.query_params.get("name", "")
        return add_document(store, org_of(request), bill_id, name, await request.body(), str(request.base_url))

    @api.get("/v3/documents/bills/{bill_id}")
    async def list_documents(request: Request, bill_id: str) -> Doc:
        org = org_of(request)
        org.get("bill", bill_id)
        size = int(request.query_params.get("max", "20"))
        if not 1 <= size <= store.settings.max_page_size:
            raise BillError.invalid(f"max must be between 1 and {store.settings.max_page_size}")
        docs = org.bill_documents.get(bill_id, [])
        token = request.query_params.get("page", "")
        start = int(token) if token.isdigit() else 0
        page = docs[start : start + size]
        more = start + size < len(docs)
        return {"nextPage": str(start + size) if more else None, "prevPage": None, "results": page}

    @api.get("/v3/documents/{doc_id}")
    async def read(request: Request, doc_id: str) -> Doc:
        return _find(org_of(request), doc_id)

    @api.get("/sandbox-files/{doc_id}")
    async def download(request: Request, doc_id: str) -> Response:
        org = org_of(request)
        _find(org, doc_id)
        return Response(org.files[doc_id], media_type="application/octet-stream")

    return api
