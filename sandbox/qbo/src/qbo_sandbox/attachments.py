"""File attachments: ``POST /v3/company/{realmId}/upload``, a ``multipart/form-data`` request whose
``file_metadata_01`` part is the Attachable (JSON: ``FileName``, ``ContentType``, ``Note``,
``AttachableRef: [{"EntityRef": {"type": "Bill", "value": "95"}}]``) and whose ``file_content_01``
part is the file (Intuit "Attach images and notes"; ej2/python-quickbooks ``client.py``
``make_request`` with ``_FilePath``/``_FileBytes``). The answer is ``{"AttachableResponse":
[{"Attachable": {...}}], "time": ...}``. ``Attachable`` is queryable on
``AttachableRef.EntityRef.value`` (third-party clients do; one reports QBO refusing it: unknown).

A file over ``attachment_max_bytes`` is refused with the generic 6000 business validation fault:
Intuit's limit and its error code are unknown (Codat's QBO table says 100 MB)."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request
from starlette.datastructures import UploadFile

from qbo_sandbox import faults
from qbo_sandbox.entities import BY_NAME
from qbo_sandbox.realm import Obj, Realm

ATTACHABLE = "Attachable"
METADATA_PART = "file_metadata_01"
CONTENT_PART = "file_content_01"
NOTE_MAX = 2000


async def _part(value: UploadFile | str | None) -> bytes | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value.encode()
    return await value.read()


def _metadata(raw: bytes | None) -> Obj:
    try:
        meta = json.loads(raw or b"{}")
    except ValueError:
        raise faults.QboFault(400, "2500", "Invalid Request", f"{METADATA_PART} is not valid JSON") from None
    if not isinstance(meta, dict):
        raise faults.QboFault(400, "2500", "Invalid Request", f"{METADATA_PART} must be a JSON object")
    return meta


def _refs(realm: Realm, meta: Obj) -> list[Obj]:
    refs: Any = meta.get("AttachableRef") or []
    if not isinstance(refs, list):
        raise faults.QboFault(400, "2500", "Invalid Request", "AttachableRef must be a list")
    out = []
    for ref in refs:
        entity = (ref or {}).get("EntityRef") or {}
        name = next((n for n in BY_NAME if n.lower() == str(entity.get("type", "")).lower()), None)
        if name is None or realm.get(name, str(entity.get("value"))) is None:
            raise faults.invalid_reference("AttachableRef.EntityRef", str(entity.get("value")))
        out.append({"EntityRef": {"type": name, "value": str(entity["value"])}, "IncludeOnSend": False})
    return out


async def upload(realm: Realm, request: Request, max_bytes: int, stamp: str) -> Obj:
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise faults.QboFault(400, "2500", "Invalid Request", "The upload must be multipart/form-data")
    async with request.form(max_part_size=max_bytes + 1) as form:  # closes the spooled files
        meta = _metadata(await _part(form.get(METADATA_PART)))
        content = await _part(form.get(CONTENT_PART))
    if content is None:
        raise faults.required(CONTENT_PART)
    if not meta.get("FileName"):
        raise faults.required("FileName")
    if len(content) > max_bytes:
        raise faults.invalid(f"The file is {len(content)} bytes; at most {max_bytes} are accepted", "Size")
    note = str(meta.get("Note") or "")
    if len(note) > NOTE_MAX:
        raise faults.invalid(f"Note is longer than {NOTE_MAX} characters", "Note")
    refs = _refs(realm, meta)
    attachable_id = realm.new_id()
    attachable = {
        "Id": attachable_id,
        "SyncToken": "0",
        "domain": "QBO",
        "sparse": False,
        "FileName": str(meta["FileName"]),
        "ContentType": str(meta.get("ContentType") or "application/octet-stream"),
        "Size": len(content),
        "Note": note,
        "AttachableRef": refs,
        "MetaData": {"CreateTime": stamp, "LastUpdatedTime": stamp},
    }
    realm.table(ATTACHABLE)[attachable_id] = attachable
    realm.attachment_files[attachable_id] = content
    return {"AttachableResponse": [{"Attachable": attachable}], "time": stamp}
