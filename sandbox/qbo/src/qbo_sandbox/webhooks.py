"""Webhook delivery per sandbox app: legacy ``eventNotifications`` or CloudEvents, signed with
``intuit-signature``, batched per tick, retried on Intuit's schedule (against the sandbox clock)
with head-of-line blocking, plus drop / duplicate / reorder / fail fault switches."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import datetime as dt
import hashlib
import hmac
import json
import logging
import uuid
from collections import deque
from dataclasses import asdict, dataclass, field
from typing import Any

import httpx

from qbo_sandbox.clock import SandboxClock, fmt_ts, parse_ts

log = logging.getLogger(__name__)

RETRY_SCHEDULE = (10, 20, 30, 300, 1200, 7200, 14400, 21600)
VERBS = {
    "Create": "created",
    "Update": "updated",
    "Delete": "deleted",
    "Merge": "merged",
    "Emailed": "emailed",
}


def sign(raw_body: bytes, verifier_token: str) -> str:
    """The reference function (qbo-api.md §1.4), signing side."""
    mac = hmac.new(verifier_token.encode("utf-8"), raw_body, hashlib.sha256).digest()
    return base64.b64encode(mac).decode("ascii")


@dataclass
class WebhookConfig:
    url: str | None = None
    verifier_token: str = "sandbox-verifier-token"
    format: str = "legacy"  # legacy | cloudevents
    enabled: bool = True
    auto_deliver: bool = True
    max_events: int = 100
    deactivate_operation: str = "Update"  # what deactivating a name list sends: Update | Delete
    void_verb: str = "void"  # CloudEvents verb for voids: void | voided
    legacy_time_format: str = "iso_z"  # iso_z | offset | epoch_ms


@dataclass
class WebhookFaults:
    drop_next: int = 0
    duplicate_next: int = 0
    reorder_next: int = 0
    fail_next: int = 0


@dataclass
class Event:
    event_id: str
    realm_id: str
    entity: str
    entity_id: str
    operation: str
    last_updated: str
    occurred: dt.datetime


def _changed_at(ev: Event) -> dt.datetime:
    """The entity's ``MetaData.LastUpdatedTime``, as QBO reports it in the notification."""
    return parse_ts(ev.last_updated) or ev.occurred


@dataclass
class Batch:
    events: list[Event]
    attempt: int = 0
    next_at: dt.datetime | None = None


@dataclass
class App:
    client_id: str
    client_secret: str
    webhook: WebhookConfig = field(default_factory=WebhookConfig)
    faults: WebhookFaults = field(default_factory=WebhookFaults)
    queue: deque[Event] = field(default_factory=deque)
    inflight: Batch | None = None
    deliveries: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=1000))
    dropped: int = 0
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def status(self) -> dict[str, Any]:
        inflight: dict[str, Any] | None = None
        if self.inflight is not None:
            inflight = {
                "events": len(self.inflight.events),
                "attempt": self.inflight.attempt,
                "next_at": fmt_ts(self.inflight.next_at) if self.inflight.next_at else None,
                "event_ids": [e.event_id for e in self.inflight.events],
            }
        return {
            "client_id": self.client_id,
            "config": asdict(self.webhook),
            "faults": asdict(self.faults),
            "pending": len(self.queue),
            "blocked": inflight is not None and inflight["attempt"] > 0,
            "inflight": inflight,
            "delivered": sum(1 for d in self.deliveries if d["ok"]),
            "attempts": len(self.deliveries),
            "dropped": self.dropped,
        }


class WebhookHub:
    def __init__(self, clock: SandboxClock) -> None:
        self.clock = clock
        self.apps: dict[str, App] = {}
        self.connected: dict[str, set[str]] = {}
        self._client: httpx.AsyncClient | None = None

    def connect(self, realm_id: str, client_id: str) -> None:
        self.connected.setdefault(realm_id, set()).add(client_id)

    def emit(self, realm_id: str, entity: str, entity_id: str, operation: str, last_updated: str) -> None:
        for client_id in self.connected.get(realm_id, ()):
            app = self.apps.get(client_id)
            if app is None or not app.webhook.enabled or not app.webhook.url:
                continue
            op = app.webhook.deactivate_operation if operation == "Deactivate" else operation
            app.queue.append(Event(str(uuid.uuid4()), realm_id, entity, entity_id, op, last_updated, self.clock.now()))

    # --- rendering -----------------------------------------------------------------------------

    def render(self, app: App, events: list[Event]) -> tuple[bytes, str]:
        if app.webhook.format == "cloudevents":
            source = "intuit." + base64.b64encode(hashlib.sha256(app.client_id.encode()).digest()).decode()
            items = []
            for ev in events:
                verb = app.webhook.void_verb if ev.operation == "Void" else VERBS.get(ev.operation, "updated")
                items.append(
                    {
                        "specversion": "1.0",
                        "id": ev.event_id,
                        "source": source,
                        "type": f"qbo.{ev.entity.lower()}.{verb}.v1",
                        "datacontenttype": "application/json",
                        "time": _changed_at(ev).astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f000Z"),
                        "intuitentityid": ev.entity_id,
                        "intuitaccountid": ev.realm_id,
                        "data": {},
                    }
                )
            return json.dumps(items, separators=(",", ":")).encode(), "application/cloudevents+json"
        by_realm: dict[str, list[dict[str, str]]] = {}
        for ev in events:
            by_realm.setdefault(ev.realm_id, []).append(
                {
                    "name": ev.entity,
                    "id": ev.entity_id,
                    "operation": ev.operation,
                    "lastUpdated": self._legacy_time(app, ev),
                }
            )
        body = {
            "eventNotifications": [
                {"realmId": realm, "dataChangeEvent": {"entities": ents}} for realm, ents in by_realm.items()
            ]
        }
        return json.dumps(body, separators=(",", ":")).encode(), "application/json; charset=utf-8"

    @staticmethod
    def _legacy_time(app: App, ev: Event) -> str:
        fmt = app.webhook.legacy_time_format
        when = _changed_at(ev)
        if fmt == "offset":
            return when.astimezone(dt.timezone(dt.timedelta(hours=-7))).strftime("%Y-%m-%dT%H:%M:%S%z")
        if fmt == "epoch_ms":
            return str(int(when.timestamp() * 1000))
        return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"

    # --- delivery ------------------------------------------------------------------------------

    async def start(self) -> None:
        self._client = httpx.AsyncClient(timeout=3.0)

    async def stop(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def _take(self, app: App) -> list[Event]:
        events: list[Event] = []
        while app.queue and len(events) < app.webhook.max_events:
            event = app.queue.popleft()
            if app.faults.drop_next > 0:
                app.faults.drop_next -= 1
                app.dropped += 1
                continue
            events.append(event)
        if events and app.faults.reorder_next > 0:
            app.faults.reorder_next -= 1
            events.reverse()
        return events

    async def step(self, app: App, *, force: bool = False) -> dict[str, Any] | None:
        """One delivery attempt of the head batch (None: nothing due). Later events wait while the
        head batch keeps failing (head-of-line blocking)."""
        async with app.lock:
            if app.inflight is None:
                events = self._take(app)
                if not events:
                    return None
                app.inflight = Batch(events)
            batch = app.inflight
            now = self.clock.now()
            if not force and batch.next_at is not None and now < batch.next_at:
                return None
            return await self._attempt(app, batch, now)

    async def _attempt(self, app: App, batch: Batch, now: dt.datetime) -> dict[str, Any]:
        raw, content_type = self.render(app, batch.events)
        headers = {
            "content-type": content_type,
            "intuit-signature": sign(raw, app.webhook.verifier_token),
            "intuit-created-time": fmt_ts(now),
            "intuit-t-id": str(uuid.uuid4()),
            "user-agent": "intuit_notification_server/0.1",
            "accept": "application/json",
        }
        if app.webhook.format != "cloudevents":
            headers["intuit-notification-schema-version"] = "0.1"
        status: int | None = None
        error = None
        if self._client is None:
            await self.start()
        assert self._client is not None
        try:
            response = await self._client.post(str(app.webhook.url), content=raw, headers=headers)
            status = response.status_code
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"
        ok = status == 200
        if ok and app.faults.fail_next > 0:
            app.faults.fail_next -= 1
            ok, error = False, "injected failure (acknowledgement lost)"
        batch.attempt += 1
        record = {
            "delivery_id": str(uuid.uuid4()),
            "attempt": batch.attempt,
            "status_code": status,
            "error": error,
            "ok": ok,
            "events": len(batch.events),
            "event_ids": [e.event_id for e in batch.events],
            "at": fmt_ts(now),
            "body": raw.decode(),
            "headers": headers,
        }
        app.deliveries.append(record)
        if ok:
            app.inflight = None
            if app.faults.duplicate_next > 0:
                again = batch.events[: app.faults.duplicate_next]
                app.faults.duplicate_next -= len(again)
                app.queue.extendleft(reversed(again))
        else:
            delay = RETRY_SCHEDULE[min(batch.attempt - 1, len(RETRY_SCHEDULE) - 1)]
            batch.next_at = now + dt.timedelta(seconds=delay)
        return record

    async def drain(self, app: App, *, force: bool = False, max_attempts: int = 50) -> list[dict[str, Any]]:
        results: list[dict[str, Any]] = []
        for _ in range(max_attempts):
            result = await self.step(app, force=force)
            if result is None:
                break
            results.append(result)
            if not result["ok"]:
                break
        return results

    async def run(self, tick: float) -> None:
        while True:
            await asyncio.sleep(tick)
            for app in list(self.apps.values()):
                if app.webhook.auto_deliver and app.webhook.url:
                    with contextlib.suppress(Exception):
                        await self.drain(app)
