"""``/_sandbox/...``: the control API tests, benchmarks and the demo drive the sandbox with."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any, Literal

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel

import sandbox_kit
from qbo_sandbox.clock import fmt_ts, parse_ts
from qbo_sandbox.entities import BY_NAME, SEED_ACCOUNTS, SEED_ITEMS
from qbo_sandbox.faults import QboFault
from qbo_sandbox.ledger import balances
from qbo_sandbox.realm import FaultConfig, Realm
from qbo_sandbox.state import SandboxState
from qbo_sandbox.webhooks import App, WebhookFaults
from sandbox_kit import apply_patch, limits_and_faults_routes


class RealmIn(BaseModel):
    realm_id: str | None = None
    company_name: str | None = None
    multi_currency: bool = False
    home_currency: str = "USD"
    seed: bool = True
    journal_numbers: list[str] = []
    """Journal entries the company already has, by number (e.g. ``["000"]``): numbers a journal
    written later collides with (6140), as BILL's help lists among the top sync errors."""


class LimitsIn(BaseModel):
    enabled: bool | None = None
    per_minute: int | None = None
    window_seconds: float | None = None
    concurrent: int | None = None
    batch_per_minute: int | None = None
    per_second: int | None = None
    realm_batch_per_minute: int | None = None
    latency_ms: float | None = None
    throttle_format: Literal["xml", "json"] | None = None


class FaultsIn(sandbox_kit.FaultsIn):
    stale_next_updates: int | None = None


class ClockIn(BaseModel):
    advance_seconds: float | None = None
    now: str | None = None
    reset: bool = False


class AppIn(BaseModel):
    client_id: str
    client_secret: str


class WebhookIn(BaseModel):
    url: str | None = None
    verifier_token: str | None = None
    format: str | None = None
    enabled: bool | None = None
    auto_deliver: bool | None = None
    max_events: int | None = None
    deactivate_operation: str | None = None
    void_verb: str | None = None
    legacy_time_format: str | None = None


class WebhookFaultsIn(BaseModel):
    drop_next: int | None = None
    duplicate_next: int | None = None
    reorder_next: int | None = None
    fail_next: int | None = None


class DeliverIn(BaseModel):
    force: bool = False
    max_attempts: int = 50


class TokenIn(BaseModel):
    client_id: str | None = None
    access_expires_in: int = 3600


class PrefsIn(BaseModel):
    book_close_date: str | None = None
    duplicate_doc_checks: dict[str, bool] | None = None
    """e.g. ``{"JournalEntry": false}``: the company no longer warns about duplicate journal numbers."""


def _seed_journal(realm: Realm, number: str) -> dict[str, Any]:
    """A journal entry that moves nothing (Dr and Cr 0.01 on Opening Balance Equity)."""
    equity = realm.find_account(name="Opening Balance Equity")
    if equity is None:
        raise HTTPException(400, "journal_numbers needs a seeded realm")
    lines = [
        {
            "Amount": 0.01,
            "DetailType": "JournalEntryLineDetail",
            "JournalEntryLineDetail": {"PostingType": side, "AccountRef": {"value": equity["Id"]}},
        }
        for side in ("Debit", "Credit")
    ]
    return {"DocNumber": number, "PrivateNote": "Opening entry", "Line": lines}


def _realm_view(realm: Realm) -> dict[str, Any]:
    names = {n for n, _, _ in SEED_ACCOUNTS}
    accounts = {a["Name"]: a["Id"] for a in realm.all("Account") if a["Name"] in names}
    items = {i["Name"]: i["Id"] for i in realm.all("Item") if i["Name"] in {n for n, _ in SEED_ITEMS}}
    return {
        "realm_id": realm.realm_id,
        "company_name": realm.company_name,
        "home_currency": realm.home_currency,
        "multi_currency": realm.multi_currency,
        "book_close_date": realm.book_close_date,
        "duplicate_doc_checks": dict(realm.duplicate_doc_checks),
        "accounts": accounts,
        "items": items,
        "limits": asdict(realm.limits),
        "faults": asdict(realm.faults),
    }


def control_router(state: SandboxState) -> APIRouter:
    router = APIRouter(prefix="/_sandbox", tags=["sandbox control"])

    def realm_of(realm_id: str) -> Realm:
        realm = state.realms.get(realm_id)
        if realm is None:
            raise HTTPException(404, f"unknown realm {realm_id}")
        return realm

    def app_of(client_id: str) -> App:
        app = state.apps.get(client_id)
        if app is None:
            raise HTTPException(404, f"unknown app {client_id}")
        return app

    @router.get("/health")
    async def health() -> dict[str, Any]:
        """Liveness."""
        return {"ok": True, "realms": len(state.realms), "now": fmt_ts(state.clock.now())}

    @router.post("/reset")
    async def reset() -> dict[str, Any]:
        """Drop every realm, grant and queued event; reset the clock."""
        state.realms.clear()
        state.tokens.access.clear()
        state.tokens.refresh.clear()
        state.tokens.codes.clear()
        state.clock.reset()
        for app in state.apps.values():
            app.queue.clear()
            app.inflight = None
            app.deliveries.clear()
        return {"ok": True}

    @router.post("/realms")
    async def create_realm(body: RealmIn) -> dict[str, Any]:
        """Create (and seed) a company."""
        if body.realm_id and body.realm_id in state.realms:
            raise HTTPException(409, f"realm {body.realm_id} exists")
        realm = state.create_realm(
            realm_id=body.realm_id,
            company_name=body.company_name,
            multi_currency=body.multi_currency,
            home_currency=body.home_currency,
            seed=body.seed,
        )
        for number in body.journal_numbers:
            state.writer.create(realm, BY_NAME["JournalEntry"], _seed_journal(realm, number), set())
        return _realm_view(realm)

    @router.get("/realms/{realm_id}")
    async def get_realm(realm_id: str) -> dict[str, Any]:
        """A realm's settings, seeded account ids, limits and faults."""
        return _realm_view(realm_of(realm_id))

    @router.delete("/realms/{realm_id}")
    async def delete_realm(realm_id: str) -> dict[str, Any]:
        """Forget a realm."""
        state.realms.pop(realm_id, None)
        return {"ok": True}

    @router.post("/realms/{realm_id}/preferences")
    async def set_prefs(realm_id: str, body: PrefsIn) -> dict[str, Any]:
        """Set the BookCloseDate (closed period, 6210) and the duplicate-number checks (6140)."""
        realm = realm_of(realm_id)
        if "book_close_date" in body.model_fields_set or not body.model_fields_set:
            realm.book_close_date = body.book_close_date
        for entity, on in (body.duplicate_doc_checks or {}).items():
            if entity not in realm.duplicate_doc_checks:
                raise HTTPException(400, f"no duplicate-number check for {entity}")
            realm.duplicate_doc_checks[entity] = on
        return _realm_view(realm)

    @router.get("/realms/{realm_id}/objects/{entity}")
    async def objects(realm_id: str, entity: str) -> dict[str, Any]:
        """Every object of a type (inactive ones included) and its deletion tombstones."""
        realm = realm_of(realm_id)
        name = next((n for n in BY_NAME if n.lower() == entity.lower()), None)
        if name is None:
            raise HTTPException(404, f"unknown entity {entity}")
        rows = sorted(realm.all(name), key=lambda o: int(o["Id"]))
        return {name: rows, "deleted": list(realm.deleted.get(name, {}).values()), "count": len(rows)}

    @router.delete("/realms/{realm_id}/objects/{entity}/{obj_id}")
    async def delete_by_hand(realm_id: str, entity: str, obj_id: str) -> dict[str, Any]:
        """A user deletes a transaction in QuickBooks: the API's delete rules, and its webhook."""
        realm = realm_of(realm_id)
        spec = BY_NAME.get(next((n for n in BY_NAME if n.lower() == entity.lower()), ""))
        found = realm.get(spec.name, obj_id) if spec else None
        if spec is None or found is None:
            raise HTTPException(404, f"no {entity} {obj_id}")
        try:
            return state.writer.delete(realm, spec, {"Id": obj_id, "SyncToken": found["SyncToken"]})
        except QboFault as fault:
            raise HTTPException(fault.status, str(fault)) from None

    @router.get("/realms/{realm_id}/ledger")
    async def ledger(realm_id: str) -> dict[str, Any]:
        """Home-currency balance (debit positive) of every account, from the transactions."""
        return balances(realm_of(realm_id))

    @router.get("/realms/{realm_id}/counters")
    async def counters(realm_id: str) -> dict[str, Any]:
        """Request counters: requests, throttled_429, injected_429, injected_5xx, writes, replayed..."""
        realm = realm_of(realm_id)
        return {
            "throttled_429": 0,
            "requests": 0,
            **dict(realm.counters),
            "in_flight": realm.limit_state.in_flight,
        }

    @router.post("/realms/{realm_id}/counters/reset")
    async def reset_counters(realm_id: str) -> dict[str, Any]:
        """Zero the counters."""
        realm_of(realm_id).counters.clear()
        return {"ok": True}

    limits_and_faults_routes(
        router,
        collection="/realms",
        company_of=realm_of,
        companies=lambda: state.realms.values(),
        limit_defaults=state.limit_defaults,
        limits_model=LimitsIn,
        faults_model=FaultsIn,
        new_faults=FaultConfig,
        noun="realm",
    )

    @router.post("/realms/{realm_id}/tokens")
    async def mint(realm_id: str, body: TokenIn) -> dict[str, Any]:
        """Mint a token pair for a realm without the OAuth dance."""
        realm_of(realm_id)
        client_id = body.client_id or state.settings.client_id
        app_of(client_id)
        state.hub.connect(realm_id, client_id)
        return state.tokens.issue(realm_id, client_id, state.clock.now(), body.access_expires_in)

    @router.get("/clock")
    async def get_clock() -> dict[str, Any]:
        """The sandbox's now."""
        return {"now": fmt_ts(state.clock.now())}

    @router.post("/clock")
    async def move_clock(body: ClockIn) -> dict[str, Any]:
        """Move the clock: ``advance_seconds``, or set ``now``, or ``reset``."""
        if body.reset:
            state.clock.reset()
        if body.now:
            when = parse_ts(body.now)
            if when is None:
                raise HTTPException(422, "bad timestamp")
            state.clock.set(when)
        if body.advance_seconds:
            state.clock.advance(body.advance_seconds)
        return {"now": fmt_ts(state.clock.now())}

    @router.post("/apps")
    async def add_app(body: AppIn) -> dict[str, Any]:
        """Register another OAuth client (its own webhook configuration)."""
        return state.add_app(body.client_id, body.client_secret).status()

    @router.get("/apps/{client_id}/webhooks")
    async def webhook_status(client_id: str) -> dict[str, Any]:
        """Configuration, pending events, head-of-line state."""
        return app_of(client_id).status()

    @router.put("/apps/{client_id}/webhooks")
    async def configure(client_id: str, body: WebhookIn) -> dict[str, Any]:
        """Endpoint URL, verifier token, format (legacy|cloudevents), auto delivery..."""
        app = app_of(client_id)
        apply_patch(app.webhook, body)
        return app.status()

    @router.post("/apps/{client_id}/webhooks/faults")
    async def webhook_faults(client_id: str, body: WebhookFaultsIn) -> dict[str, Any]:
        """Drop, duplicate or reorder the next events; fail the next deliveries."""
        app = app_of(client_id)
        apply_patch(app.faults, body)
        return app.status()

    @router.delete("/apps/{client_id}/webhooks/faults")
    async def clear_webhook_faults(client_id: str) -> dict[str, Any]:
        """Disarm webhook faults."""
        app = app_of(client_id)
        app.faults = WebhookFaults()
        return app.status()

    @router.post("/apps/{client_id}/webhooks/deliver")
    async def deliver(client_id: str, body: DeliverIn) -> dict[str, Any]:
        """Deliver pending events now; ``force`` also retries a failed head batch before its time."""
        app = app_of(client_id)
        results = await state.hub.drain(app, force=body.force, max_attempts=body.max_attempts)
        return {"deliveries": results, **app.status()}

    @router.get("/apps/{client_id}/webhooks/deliveries")
    async def deliveries(client_id: str, limit: int = 100) -> dict[str, Any]:
        """The latest delivery attempts (body, headers, status)."""
        app = app_of(client_id)
        return {"deliveries": list(app.deliveries)[-limit:]}

    @router.delete("/apps/{client_id}/webhooks/queue")
    async def clear_queue(client_id: str) -> dict[str, Any]:
        """Forget pending and in-flight events."""
        app = app_of(client_id)
        app.queue.clear()
        app.inflight = None
        return app.status()

    return router
