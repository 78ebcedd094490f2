"""``/_sandbox/...``: the control API for tests and the demo (no auth; never part of BILL)."""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request

from billcom_sandbox.core import BillError, new_id
from billcom_sandbox.money import deposit_run, disbursement_run
from billcom_sandbox.receivables import receive_payment
from billcom_sandbox.resources import build_bank_account, build_chart_of_account, json_body
from billcom_sandbox.store import KINDS, ApprovalPolicy, Fault, Org, RememberedDevice, Store
from billcom_sandbox.webhooks import Deliverer, emit

Doc = dict[str, Any]

DEFAULT_CHART = (
    ("Checking", "BANK", "1000"),
    ("Accounts Receivable", "ACCOUNTS_RECEIVABLE", "1200"),
    ("Accounts Payable", "ACCOUNTS_PAYABLE", "2000"),
    ("Sales", "INCOME", "4000"),
    ("Office Supplies", "EXPENSE", "6000"),
    ("Professional Fees", "EXPENSE", "6100"),
    ("Exchange Rate Gain/Loss", "OTHER_EXPENSE", "7000"),
)
FAULT_KINDS = {"rate_limit", "concurrency", "server_error", "timeout_after_commit"}
WEBHOOK_FAULT_KINDS = {"drop", "duplicate", "reorder"}


def _org(store: Store, org_id: str) -> Org:
    org = store.orgs.get(org_id)
    if org is None:
        raise BillError.not_found("organization", org_id)
    return org


def _bank_public(doc: Doc) -> Doc:
    return {
        "id": doc["id"],
        "last4": doc["accountNumber"][-4:],
        "chartOfAccountId": doc.get("chartOfAccountId"),
        "nameOnAccount": doc["nameOnAccount"],
    }


def seed_org(store: Store, body: Doc) -> Doc:
    dev_key = body.get("devKey")
    org = store.new_org(str(body.get("name") or "Sandbox Org"), str(dev_key) if dev_key else None)
    chart: dict[str, str] = {}
    for name, account_type, number in DEFAULT_CHART:
        doc = {
            "id": new_id("chart_of_account"),
            "archived": False,
            **build_chart_of_account(
                store, org, {"name": name, "account": {"type": account_type, "number": number}}, None
            ),
        }
        store.put(org, "chart_of_account", doc)
        chart[name] = doc["id"]
    banks = body.get("bankAccounts") or [{"nameOnAccount": "Operating Account", "accountNumber": "111222333"}]
    created = []
    for i, raw in enumerate(banks):
        spec = {
            "routingNumber": "074000010",
            "bankName": "Sandbox Bank",
            "chartOfAccountId": chart["Checking"],
            "default": {"payables": i == 0, "receivables": i == 0},
        } | raw
        doc = {"id": new_id("bank_account"), "archived": False, **build_bank_account(store, org, spec, None)}
        created.append(_bank_public(store.put(org, "bank_account", doc)))
    if body.get("approvalPolicy"):
        _set_policy(org, body["approvalPolicy"])
    return {
        "organizationId": org.id,
        "devKey": org.dev_key,
        "username": org.username,
        "password": org.password,
        "userId": org.user_id,
        "bankAccount": created[0],
        "bankAccounts": created,
        "chartOfAccounts": chart,
    }


def _set_policy(org: Org, body: Doc | None) -> None:
    if not body or body.get("minAmount") is None:
        org.approval_policy = None
        return
    approvers = body.get("approverUserIds") or [org.user_id]
    org.approval_policy = ApprovalPolicy(Decimal(str(body["minAmount"])), list(approvers))


def router(store: Store, deliverer: Deliverer) -> APIRouter:
    api = APIRouter()

    @api.get("/health")
    async def health() -> Doc:
        return {"status": "ok", "organizations": len(store.orgs)}

    @api.post("/orgs")
    async def create_org(request: Request) -> Doc:
        return seed_org(store, await json_body(request) or {})

    @api.post("/orgs/{org_id}/dev-keys")
    async def add_dev_key(org_id: str) -> Doc:
        """Another developer key of the organization's account (a second app, or the company's own
        integration): its own hourly count."""
        org = _org(store, org_id)
        key = store.new_dev_key()
        org.dev_keys.add(key)
        return {"devKey": key}

    @api.get("/orgs/{org_id}/objects/{kind}")
    async def objects(org_id: str, kind: str) -> list[Doc]:
        if kind not in KINDS:
            raise BillError.invalid(f"kind must be one of {KINDS}")
        return list(_org(store, org_id).objects[kind].values())

    @api.put("/orgs/{org_id}/approval-policy")
    async def approval_policy(request: Request, org_id: str) -> Doc:
        org = _org(store, org_id)
        _set_policy(org, await json_body(request))
        policy = org.approval_policy
        return {"minAmount": str(policy.min_amount), "approverUserIds": policy.approver_user_ids} if policy else {}

    @api.put("/orgs/{org_id}/exchange-rates")
    async def exchange_rates(request: Request, org_id: str) -> Doc:
        org = _org(store, org_id)
        org.exchange_rates.update({k.upper(): Decimal(str(v)) for k, v in (await json_body(request)).items()})
        return {k: str(v) for k, v in org.exchange_rates.items()}

    @api.post("/orgs/{org_id}/runs/disbursement")
    async def run_disbursement(request: Request, org_id: str) -> Doc:
        body = await json_body(request) or {}
        return {"runs": disbursement_run(store, _org(store, org_id), body.get("actualRates"))}

    @api.post("/orgs/{org_id}/runs/deposit")
    async def run_deposit(org_id: str) -> Doc:
        return {"runs": deposit_run(store, _org(store, org_id))}

    @api.post("/orgs/{org_id}/receivable-payments")
    async def customer_pays(request: Request, org_id: str) -> Doc:
        body = await json_body(request) or {}
        return receive_payment(store, _org(store, org_id), {"receivablesType": "ACH", **body}, online=True)

    @api.post("/orgs/{org_id}/subscriptions/{sub_id}/disable")
    async def disable(org_id: str, sub_id: str) -> Doc:
        sub = _org(store, org_id).subscriptions.get(sub_id)
        if sub is None:
            raise BillError.not_found("subscription", sub_id)
        sub.enabled = False
        return sub.public()

    @api.get("/orgs/{org_id}/mfa/challenges/{challenge_id}")
    async def mfa_token(org_id: str, challenge_id: str) -> Doc:
        """The token BILL would text to the user's phone for this challenge."""
        _org(store, org_id)
        found = store.mfa_challenges.get(challenge_id)
        if found is None:
            raise BillError.not_found("MFA challenge", challenge_id)
        return {"token": found.token}

    @api.post("/orgs/{org_id}/mfa/remembered-devices")
    async def remember_device(request: Request, org_id: str) -> Doc:
        """A device the org's user trusted earlier (challenge + validate with rememberMe)."""
        org = _org(store, org_id)
        body = await json_body(request) or {}
        device = RememberedDevice(
            id=secrets.token_hex(16),
            org_id=org.id,
            user_id=org.user_id,
            device=str(body.get("device") or "ledgerbridge"),
            expires=store.clock.now() + dt.timedelta(days=store.settings.mfa_remember_days),
        )
        store.remembered[device.id] = device
        return {"rememberMeId": device.id, "device": device.device}

    @api.get("/orgs/{org_id}/events")
    async def events(org_id: str) -> list[Doc]:
        return [e.public() for e in _org(store, org_id).events]

    @api.post("/orgs/{org_id}/emit")
    async def emit_raw(request: Request, org_id: str) -> Doc:
        """Emit an event for an existing object: ``{entity, operation, kind, id}``."""
        body = await json_body(request)
        org = _org(store, org_id)
        emit(store, org, body["entity"], body["operation"], org.get(body["kind"], body["id"]))
        return {"status": "SUCCESS"}

    @api.get("/clock")
    async def clock() -> Doc:
        return {"now": store.now_text(), "offsetSeconds": store.clock.offset.total_seconds()}

    @api.post("/clock/advance")
    async def advance(request: Request) -> Doc:
        body = await json_body(request) or {}
        delta = dt.timedelta(**{k: float(v) for k, v in body.items() if k in ("seconds", "minutes", "hours", "days")})
        if delta < dt.timedelta():
            raise BillError.invalid("the sandbox clock only moves forward")
        store.clock.advance(delta.total_seconds())
        return {"now": store.now_text(), "offsetSeconds": store.clock.offset.total_seconds()}

    @api.patch("/settings")
    async def settings(request: Request) -> Doc:
        body = await json_body(request) or {}
        store.settings = store.settings.model_copy(
            update=type(store.settings).model_validate(store.settings.model_dump() | body).model_dump(include=set(body))
        )
        return store.settings.model_dump()

    @api.post("/faults")
    async def add_fault(request: Request) -> Doc:
        body = await json_body(request) or {}
        if body.get("kind") not in FAULT_KINDS:
            raise BillError.invalid(f"kind must be one of {sorted(FAULT_KINDS)}")
        store.faults.append(Fault(body["kind"], int(body.get("count", 1)), body.get("pathPrefix"), body.get("method")))
        return {"pending": len(store.faults)}

    @api.post("/webhook-faults")
    async def add_webhook_fault(request: Request) -> Doc:
        body = await json_body(request) or {}
        if body.get("kind") not in WEBHOOK_FAULT_KINDS:
            raise BillError.invalid(f"kind must be one of {sorted(WEBHOOK_FAULT_KINDS)}")
        store.webhook_faults.append(Fault(body["kind"], int(body.get("count", 1)), body.get("eventTypePrefix")))
        return {"pending": len(store.webhook_faults)}

    @api.delete("/faults")
    async def clear_faults() -> Doc:
        store.faults.clear()
        store.webhook_faults.clear()
        return {"pending": 0}

    @api.post("/webhooks/deliver-now")
    async def deliver_now() -> Doc:
        return {"attempted": await deliverer.run_due(force=True)}

    @api.get("/webhooks/log")
    async def delivery_log() -> list[Doc]:
        return store.delivery_log

    @api.get("/counters")
    async def counters() -> Doc:
        return store.counters.public()

    @api.post("/counters/reset")
    async def reset_counters() -> Doc:
        store.counters = type(store.counters)()
        return store.counters.public()

    return api
