"""``DocumentAttachments`` for QuickBooks Online: a file goes to the transaction as an
``Attachable`` through the multipart ``upload`` endpoint (parts ``file_metadata_01``, the Attachable
JSON with its ``AttachableRef``, and ``file_content_01``, the file: Intuit "Attach images and notes";
ej2/python-quickbooks ``client.py``), with the command's ``requestid``. The Attachable's ``Note``
carries our tag marker, and before attaching again the connector lists the transaction's Attachables
(``AttachableRef.EntityRef.value``) for it: ``requestid`` alone is not trusted to dedupe
(qbo-api.md §3.4).

Size: Intuit's limit is not in the reference; Codat's QuickBooks Online table gives 100 MB."""

from __future__ import annotations

import json

from ledgerbridge_common.canonical.models import ObjectType
from ledgerbridge_common.connectors.qbo.client import QboClient
from ledgerbridge_common.connectors.qbo.faults import error_from_fault
from ledgerbridge_common.connectors.qbo.mapping import MAPS
from ledgerbridge_common.connectors.qbo.mapping_common import tag_marker

ATTACHMENT_MAX_BYTES = 100 * 1024 * 1024
ATTACHABLE = "Attachable"


def _quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


class QboAttachments:
    """The ``DocumentAttachments`` part of ``QboConnector``."""

    client: QboClient
    attachment_max_bytes = ATTACHMENT_MAX_BYTES

    async def find_attachment(self, object_type: ObjectType, object_id: str, tag: str) -> str | None:
        entity = MAPS[object_type].entity
        marker = tag_marker(tag)
        sql = f"SELECT * FROM {ATTACHABLE} WHERE AttachableRef.EntityRef.value = {_quote(object_id)}"  # noqa: S608
        async for row in self.client.query_all(sql, ATTACHABLE):
            refs = [r.get("EntityRef") or {} for r in row.get("AttachableRef") or []]
            on_object = any(r.get("type") == entity and str(r.get("value")) == object_id for r in refs)
            if on_object and marker in str(row.get("Note") or ""):
                return str(row["Id"])
        return None

    async def attach_file(
        self,
        object_type: ObjectType,
        object_id: str,
        *,
        file_name: str,
        content_type: str,
        content: bytes,
        tag: str,
        request_id: str,
    ) -> str:
        metadata = {
            "FileName": file_name,
            "ContentType": content_type,
            "Note": tag_marker(tag),
            "AttachableRef": [{"EntityRef": {"type": MAPS[object_type].entity, "value": object_id}}],
        }
        files = {
            "file_metadata_01": (None, json.dumps(metadata).encode(), "application/json"),
            "file_content_01": (file_name, content, content_type),
        }
        body = await self.client.request("POST", "upload", files=files, request_id=request_id, write=True)
        [answer] = body.get("AttachableResponse") or [{}]
        if "Fault" in answer:  # a per-file fault inside a 200 answer
            raise error_from_fault(answer["Fault"], 400)
        return str(answer["Attachable"]["Id"])
