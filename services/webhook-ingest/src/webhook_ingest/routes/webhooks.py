"""Webhook endpoints: they read the raw body (bounded), then hand it to a handler."""

from __future__ import annotations

import datetime as dt
import logging

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from ledgerbridge_common.events.models import new_id
from ledgerbridge_common.logging import correlation_scope
from webhook_ingest.handlers.webhooks import (
    Delivery,
    WebhookResult,
    handle_billcom_delivery,
    handle_qbo_delivery,
)
from webhook_ingest.metrics import DELIVERIES
from webhook_ingest.routes.deps import get_container

log = logging.getLogger(__name__)
router = APIRouter()
KEPT_HEADERS = ("content-type", "intuit-t-id", "intuit-created-time", "user-agent")


class BodyTooLargeError(Exception):
    pass


async def read_body(request: Request, limit: int) -> bytes:
    """The raw body, refused (413) past ``limit`` without reading it all."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise BodyTooLargeError
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLargeError
        chunks.append(chunk)
    return b"".join(chunks)


async def _delivery(request: Request, header: str, limit: int) -> Delivery | JSONResponse:
    try:
        raw = await read_body(request, limit)
    except BodyTooLargeError:
        return JSONResponse({"error": f"body larger than {limit} bytes"}, status_code=413)
    return Delivery(
        raw=raw,
        signature=request.headers.get(header),
        received_at=dt.datetime.now(dt.UTC),
        headers={k: v for k, v in request.headers.items() if k.lower() in KEPT_HEADERS},
    )


def _answer(vendor: str, result: WebhookResult | JSONResponse) -> JSONResponse:
    response = result if isinstance(result, JSONResponse) else JSONResponse(result.body, result.status)
    DELIVERIES.labels(vendor, str(response.status_code)).inc()
    log.info("webhook answered", extra={"vendor": vendor, "status": response.status_code})
    return response


async def qbo_webhook(request: Request) -> JSONResponse:
    """QBO deliveries for every realm of the app (legacy or CloudEvents, any content type)."""
    container = get_container(request)
    with correlation_scope(new_id()):
        delivery = await _delivery(request, "intuit-signature", container.settings.max_body_bytes)
        if isinstance(delivery, JSONResponse):
            return _answer("qbo", delivery)
        result = await handle_qbo_delivery(
            delivery,
            secrets=container.secrets,
            store=container.deliveries,
            publisher=container.publisher,
            topics=container.settings.kafka.topics,
        )
        return _answer("qbo", result)


async def billcom_webhook(request: Request) -> JSONResponse:
    """BILL deliveries of one connection's subscription (signed with its security key)."""
    connection_id: str = request.path_params["connection_id"]
    container = get_container(request)
    with correlation_scope(new_id(), connection_id):
        delivery = await _delivery(request, "x-bill-sha-signature", container.settings.max_body_bytes)
        if isinstance(delivery, JSONResponse):
            return _answer("billcom", delivery)
        result = await handle_billcom_delivery(
            connection_id,
            delivery,
            secrets=container.secrets,
            store=container.deliveries,
            publisher=container.publisher,
            topics=container.settings.kafka.topics,
        )
        return _answer("billcom", result)


# Plain Starlette routes (no FastAPI dependencies or models: the body is read raw anyway): FastAPI's
# request machinery was a third of the in-process CPU of a delivery.
router.add_route("/webhooks/qbo", qbo_webhook, methods=["POST"])
router.add_route("/webhooks/billcom/{connection_id}", billcom_webhook, methods=["POST"])
