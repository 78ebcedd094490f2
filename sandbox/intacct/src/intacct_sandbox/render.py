"""The answer's XML: control, authentication and result blocks, ``errormessage`` and the 429."""

from __future__ import annotations

from typing import Any
from xml.etree.ElementTree import Element

from fastapi.responses import Response

from intacct_sandbox import errors
from intacct_sandbox.reads import Answer
from intacct_sandbox.xmlio import add, child_text, new, serialize

MEDIA_TYPE = "text/xml; charset=UTF-8"


def xml_response(root: Element, status: int = 200) -> Response:
    return Response(serialize(root), status_code=status, media_type=MEDIA_TYPE)


def control_block(root: Element, control: Element | None, status: str) -> None:
    block = add(root, "control")
    add(block, "status", status)
    add(block, "senderid", child_text(control, "senderid"))
    add(block, "controlid", child_text(control, "controlid"))
    add(block, "uniqueid", child_text(control, "uniqueid") or "true")
    add(block, "dtdversion", child_text(control, "dtdversion") or "3.0")


def auth_block(
    op: Element, status: str, user: str, company: str, entity: str, timestamp: str = "", timeout: str = ""
) -> None:
    block = add(op, "authentication")
    add(block, "status", status)
    add(block, "userid", user)
    add(block, "companyid", company)
    add(block, "locationid", entity)
    if timestamp:
        add(block, "sessiontimestamp", timestamp)
        add(block, "sessiontimeout", timeout)


def error_block(parent: Element, error: errors.IntacctError) -> None:
    block = add(parent, "errormessage")
    for detail in error.details:
        entry = add(block, "error")
        add(entry, "errorno", detail.errorno)
        add(entry, "description", detail.description)
        add(entry, "description2", detail.description2)
        add(entry, "correction", detail.correction)


def result_block(op: Element, status: str, function: str, controlid: str, outcome: Any, empty_data: bool) -> None:
    block = add(op, "result")
    add(block, "status", status)
    add(block, "function", function)
    add(block, "controlid", controlid)
    if isinstance(outcome, errors.IntacctError):
        if empty_data:
            add(block, "data", None, {"listtype": "objects", "count": "0"})
        error_block(block, outcome)
        return
    if not isinstance(outcome, Answer):
        return
    if outcome.key is not None:
        add(block, "key", outcome.key)
    elif outcome.attrs is not None:
        data = add(block, "data", None, outcome.attrs)
        for tag, record in outcome.rows:
            add(data, tag, record)
    elif outcome.data is not None:
        add(block, "data", outcome.data)


def throttled(control: Element | None) -> Response:
    """HTTP 429 ``GW-0010`` for a company over its concurrent-request cap (body shape: see README)."""
    root = new("response")
    control_block(root, control, "failure")
    error_block(
        root,
        errors.IntacctError(
            errors.ErrorDetail(
                errors.RATE_LIMIT,
                "Too many concurrent requests",
                "API rate limit exceeded: the company is at its concurrent request limit.",
                "Retry the request later.",
            )
        ),
    )
    return xml_response(root, 429)


class DroppedResponse(Response):
    """Starts a response, then breaks the connection: the client sees the socket drop after the commit."""

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", MEDIA_TYPE.encode()), (b"content-length", b"100000")],
            }
        )
        await send({"type": "http.response.body", "body": b"<?xml", "more_body": True})
        raise ConnectionAbortedError("sandbox fault: connection dropped after commit")
