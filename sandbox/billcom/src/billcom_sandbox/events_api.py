"""The webhooks API (``/connect-events/v3/...``): catalog, subscriptions, event history, resend."""

from __future__ import annotations

import secrets
import uuid
from typing import Any

from fastapi import APIRouter, Request, Response

from billcom_sandbox.core import BillError
from billcom_sandbox.resources import json_body, org_of, required
from billcom_sandbox.store import Org, Store, Subscription
from billcom_sandbox.webhooks import CATALOG, EVENT_TYPES, Deliverer, emit

Doc = dict[str, Any]


def _subscription(org: Org, sub_id: str) -> Subscription:
    sub = org.subscriptions.get(sub_id)
    if sub is None:
        raise BillError.not_found("subscription", sub_id)
    return sub


def _validate(store: Store, body: Doc) -> None:
    required(body, "name", "events", "notificationUrl")
    url = str(body["notificationUrl"])
    if not url.startswith("https://") and (store.settings.require_https_webhooks or not url.startswith("http://")):
        raise BillError.invalid("notificationUrl must be an HTTPS URL")
    for event in body["events"]:
        if event.get("type") not in EVENT_TYPES or str(event.get("version", "1")) != "1":
            raise BillError.invalid(f"unknown event type {event.get('type')}")


def router(store: Store, deliverer: Deliverer) -> APIRouter:
    api = APIRouter()

    @api.get("/v3/events/catalog")
    async def catalog() -> list[Doc]:
        return [{"type": f"{entity}.{op}", "versions": ["1"]} for entity, ops in CATALOG.items() for op in ops]

    @api.post("/v3/subscriptions")
    async def create(request: Request) -> Doc:
        org = org_of(request)
        key = request.headers.get("X-Idempotent-Key", "")
        try:
            if uuid.UUID(key).version != 4:
                raise ValueError(key)
        except ValueError as exc:
            raise BillError.invalid("X-Idempotent-Key header must be a UUID4") from exc
        for sub in org.subscriptions.values():
            if sub.idempotency_key == key:
                return sub.public()  # a replay never shows the securityKey again
        body = await json_body(request) or {}
        _validate(store, body)
        if len(org.subscriptions) >= store.settings.max_subscriptions:
            raise BillError.invalid("maximum number of subscriptions reached")
        now = store.now_text()
        sub = Subscription(
            id=str(uuid.uuid4()),
            org_id=org.id,
            name=body["name"],
            enabled=bool((body.get("status") or {}).get("enabled", True)),
            events=[{"type": e["type"], "version": "1"} for e in body["events"]],
            notification_url=body["notificationUrl"],
            security_key=secrets.token_urlsafe(32),
            created_time=now,
            updated_time=now,
            idempotency_key=key,
        )
        org.subscriptions[sub.id] = sub
        return {**sub.public(), "securityKey": sub.security_key}

    @api.get("/v3/subscriptions")
    async def list_subscriptions(request: Request) -> list[Doc]:
        return [s.public() for s in org_of(request).subscriptions.values()]

    @api.get("/v3/subscriptions/{sub_id}")
    async def read(request: Request, sub_id: str) -> Doc:
        return _subscription(org_of(request), sub_id).public()

    async def update(request: Request, sub_id: str, patch: bool) -> Doc:
        sub = _subscription(org_of(request), sub_id)
        body = await json_body(request) or {}
        merged = (
            {
                "name": sub.name,
                "events": sub.events,
                "notificationUrl": sub.notification_url,
                "status": {"enabled": sub.enabled},
            }
            | body
            if patch
            else body
        )
        _validate(store, merged)
        sub.name, sub.notification_url = merged["name"], merged["notificationUrl"]
        sub.events = [{"type": e["type"], "version": "1"} for e in merged["events"]]
        enabled = bool((merged.get("status") or {}).get("enabled", True))
        if enabled and not sub.enabled:
            sub.consecutive_failures = 0
        sub.enabled = enabled
        sub.updated_time = store.now_text()
        return sub.public()

    @api.put("/v3/subscriptions/{sub_id}")
    async def put(request: Request, sub_id: str) -> Doc:
        return await update(request, sub_id, patch=False)

    @api.patch("/v3/subscriptions/{sub_id}")
    async def patch(request: Request, sub_id: str) -> Doc:
        return await update(request, sub_id, patch=True)

    @api.delete("/v3/subscriptions/{sub_id}")
    async def delete(request: Request, sub_id: str) -> Response:
        org = org_of(request)
        _subscription(org, sub_id)
        del org.subscriptions[sub_id]
        return Response(status_code=204)

    @api.post("/v3/subscriptions/{sub_id}/security_key")
    @api.post("/v3/subscriptions/{sub_id}/security-key")
    async def rotate_key(request: Request, sub_id: str) -> Doc:
        sub = _subscription(org_of(request), sub_id)
        sub.security_key = secrets.token_urlsafe(32)
        return {"securityKey": sub.security_key}

    @api.post("/v3/subscriptions/{sub_id}/test")
    async def test_event(request: Request, sub_id: str) -> Doc:
        org = org_of(request)
        sub = _subscription(org, sub_id)
        body = await json_body(request) or {}
        event_type = str(body.get("eventType", "bill.created"))
        entity, _, operation = event_type.partition(".")
        sample = body.get(entity) or {"id": "00n01TESTTESTTESTTE"}
        others = {s.id: s for s in org.subscriptions.values() if s.id != sub.id}
        org.subscriptions = {sub.id: sub}  # only this subscription gets the test event
        try:
            emit(store, org, entity, operation, sample)
        finally:
            org.subscriptions.update(others)
        await deliverer.run_due(force=True)
        return {"status": "SUCCESS"}

    @api.get("/v3/events/subscription/{sub_id}")
    async def history(request: Request, sub_id: str) -> Doc:
        org = org_of(request)
        _subscription(org, sub_id)
        params = request.query_params
        rows = [e for e in org.events if e.subscription_id == sub_id]
        if params.get("entityId"):
            rows = [e for e in rows if e.entity_id == params["entityId"]]
        size = min(int(params.get("max", "20")), store.settings.max_page_size)
        start = int(params.get("page") or 0)
        chunk = rows[start : start + size]
        next_page = str(start + size) if start + size < len(rows) else None
        return {"nextPage": next_page, "results": [e.public() for e in chunk]}

    @api.post("/v3/events/subscription/{sub_id}/event/{event_id}")
    async def resend(request: Request, sub_id: str, event_id: str) -> Doc:
        org = org_of(request)
        sub = _subscription(org, sub_id)
        record = next((e for e in org.events if e.id == event_id and e.subscription_id == sub_id), None)
        if record is None:
            raise BillError.not_found("event", event_id)
        status = await deliverer.resend(sub, record)
        return {"id": record.id, "statusCode": status}

    return api
