"""Generic v3 resource routes (list, create, read, PUT replace, PATCH, archive, restore) and the
builders of the name-list objects: vendors, customers, classifications and org bank accounts."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request

from billcom_sandbox.core import BillError, money, new_id, num
from billcom_sandbox.listing import list_page
from billcom_sandbox.store import Org, Store
from billcom_sandbox.webhooks import emit

Doc = dict[str, Any]
Builder = Callable[[Store, Org, Doc, Doc | None], Doc]

ACCOUNT_TYPES = {
    "UNSPECIFIED",
    "ACCOUNTS_PAYABLE",
    "ACCOUNTS_RECEIVABLE",
    "BANK",
    "COST_OF_GOODS_SOLD",
    "CREDIT_CARD",
    "EQUITY",
    "EXPENSE",
    "FIXED_ASSET",
    "INCOME",
    "LONG_TERM_LIABILITY",
    "OTHER_ASSET",
    "OTHER_CURRENT_ASSET",
    "OTHER_CURRENT_LIABILITY",
    "OTHER_EXPENSE",
    "OTHER_INCOME",
    "NON_POSTING",
}
ITEM_TYPES = {
    "SERVICE",
    "INVENTORY",
    "NON_INVENTORY",
    "PAYMENT",
    "SALES_TAX",
    "OTHER_CHARGE",
    "SALES_TAX_GROUP",
    "FIXED_ASSET",
    "DISCOUNT",
}
PARTY_TYPES = {"BUSINESS", "PERSON", "NONE", "UNDEFINED"}


async def json_body(request: Request) -> Any:
    try:
        return json.loads(await request.body() or b"null")
    except ValueError as exc:
        raise BillError.invalid("request body is not valid JSON") from exc


def org_of(request: Request) -> Org:
    org: Org = request.state.org
    return org


def required(body: Doc, *names: str) -> None:
    missing = [n for n in names if body.get(n) in (None, "")]
    if missing:
        raise BillError.invalid(f"missing required field(s): {', '.join(missing)}")


def pick(body: Doc, names: tuple[str, ...]) -> Doc:
    return {n: copy.deepcopy(body.get(n)) for n in names}


def merge(base: Doc, patch: Doc) -> Doc:
    out = copy.deepcopy(base)
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


@dataclass(frozen=True)
class Resource:
    kind: str
    path: str
    label: str
    build: Builder
    event: str | None = None
    writable: bool = True
    updatable: Callable[[Doc], None] | None = None
    present: Callable[[Doc, Doc | None], Doc] | None = None
    """Shapes an answer from the stored object and the request body (None for reads)."""


def register(router: APIRouter, store: Store, res: Resource) -> None:
    """Add the standard v3 routes for ``res`` to ``router``."""

    def show(doc: Doc, body: Doc | None = None) -> Doc:
        return res.present(doc, body) if res.present else doc

    async def list_objects(request: Request) -> Doc:
        docs = org_of(request).objects[res.kind].values()
        page = list_page(docs, dict(request.query_params), store.settings.max_page_size)
        return {**page, "results": [show(d) for d in page["results"]]}

    async def get_object(request: Request, object_id: str) -> Doc:
        return show(org_of(request).get(res.kind, object_id, res.label))

    router.add_api_route(res.path, list_objects, methods=["GET"])
    router.add_api_route(res.path + "/{object_id}", get_object, methods=["GET"])
    if not res.writable:
        return

    def save(org: Org, doc: Doc, operation: str, body: Doc | None = None) -> Doc:
        store.put(org, res.kind, doc)
        if res.event:
            emit(store, org, res.event, operation, show(doc))
        return show(doc, body)

    async def create(request: Request) -> Doc:
        org = org_of(request)
        body = await json_body(request)
        if not isinstance(body, dict):
            raise BillError.invalid("request body must be a JSON object")
        doc = {"id": new_id(res.kind), "archived": False, **res.build(store, org, body, None)}
        return save(org, doc, "created", body)

    async def replace(request: Request, object_id: str, patch: bool) -> Doc:
        org = org_of(request)
        existing = org.get(res.kind, object_id, res.label)
        body = await json_body(request)
        if not isinstance(body, dict):
            raise BillError.invalid("request body must be a JSON object")
        if res.updatable:
            res.updatable(existing)
        source = merge(existing, body) if patch else body
        doc = {**existing, **res.build(store, org, source, existing)}
        doc["id"], doc["archived"] = existing["id"], existing["archived"]
        return save(org, doc, "updated", body)

    async def put(request: Request, object_id: str) -> Doc:
        return await replace(request, object_id, patch=False)

    async def patch(request: Request, object_id: str) -> Doc:
        return await replace(request, object_id, patch=True)

    async def set_archived(request: Request, object_id: str, archived: bool) -> Doc:
        org = org_of(request)
        doc = org.get(res.kind, object_id, res.label)
        if doc["archived"] != archived:
            doc["archived"] = archived
            save(org, doc, "archived" if archived else "restored")
        return show(doc)

    async def archive(request: Request, object_id: str) -> Doc:
        return await set_archived(request, object_id, True)

    async def restore(request: Request, object_id: str) -> Doc:
        return await set_archived(request, object_id, False)

    router.add_api_route(res.path, create, methods=["POST"])
    router.add_api_route(res.path + "/{object_id}", put, methods=["PUT"])
    router.add_api_route(res.path + "/{object_id}", patch, methods=["PATCH"])
    router.add_api_route(res.path + "/{object_id}/archive", archive, methods=["POST"])
    router.add_api_route(res.path + "/{object_id}/restore", restore, methods=["POST"])


# --- name-list builders -----------------------------------------------------------------------


def _enum(body: Doc, name: str, allowed: set[str], default: str | None = None) -> str | None:
    value = body.get(name) or default
    if value is not None and value not in allowed:
        raise BillError.invalid(f"{name} must be one of {sorted(allowed)}")
    return value


def build_vendor(store: Store, org: Org, body: Doc, existing: Doc | None) -> Doc:
    required(body, "name", "accountType")
    fields = (
        "name",
        "shortName",
        "accountNumber",
        "email",
        "phone",
        "address",
        "paymentInformation",
        "additionalInfo",
        "billCurrency",
        "description",
        "autoPay",
    )
    doc = pick(body, fields)
    doc["accountType"] = _enum(body, "accountType", PARTY_TYPES)
    doc["billCurrency"] = (body.get("billCurrency") or "USD").upper()
    doc["networkStatus"] = (existing or {}).get("networkStatus", "NOT_CONNECTED")
    doc["balance"] = (existing or {}).get("balance", {"amount": 0.0})
    return doc


def build_customer(store: Store, org: Org, body: Doc, existing: Doc | None) -> Doc:
    required(body, "name")
    fields = (
        "name",
        "email",
        "companyName",
        "contact",
        "phone",
        "fax",
        "description",
        "paymentTermId",
        "accountNumber",
        "billingAddress",
        "shippingAddress",
    )
    doc = pick(body, fields)
    doc["accountType"] = _enum(body, "accountType", PARTY_TYPES, "BUSINESS")
    doc["invoiceCurrency"] = (body.get("invoiceCurrency") or "USD").upper()
    doc["balance"] = (existing or {}).get("balance", {"amount": 0.0})
    return doc


def build_chart_of_account(store: Store, org: Org, body: Doc, existing: Doc | None) -> Doc:
    required(body, "name")
    account = dict(body.get("account") or {})
    account["type"] = _enum(account, "type", ACCOUNT_TYPES, "UNSPECIFIED")
    org.ref("chart_of_account", body.get("parentId"), "parent account")
    return {**pick(body, ("name", "description", "parentId")), "account": account}


def _build_classification(kind: str) -> Builder:
    def build(store: Store, org: Org, body: Doc, existing: Doc | None) -> Doc:
        required(body, "name")
        org.ref(kind, body.get("parentId"), f"parent {kind}")
        return pick(body, ("name", "shortName", "description", "parentId"))

    return build


def build_item(store: Store, org: Org, body: Doc, existing: Doc | None) -> Doc:
    required(body, "name")
    doc = pick(body, ("name", "shortName", "description", "parentId", "chartOfAccountId", "expenseChartOfAccountId"))
    doc["type"] = _enum(body, "type", ITEM_TYPES, "SERVICE")
    doc["price"] = num(money(body["price"], "price")) if body.get("price") is not None else None
    org.ref("chart_of_account", body.get("chartOfAccountId"), "chart of account")
    org.ref("chart_of_account", body.get("expenseChartOfAccountId"), "chart of account")
    return doc


def build_bank_account(store: Store, org: Org, body: Doc, existing: Doc | None) -> Doc:
    required(body, "nameOnAccount", "accountNumber", "routingNumber")
    doc = pick(body, ("nameOnAccount", "bankName", "routingNumber", "chartOfAccountId", "default"))
    number = str(body["accountNumber"])
    doc["accountNumber"] = number if number.startswith("x") else "x" * max(len(number) - 4, 0) + number[-4:]
    doc["type"] = _enum(body, "type", {"CHECKING", "SAVINGS"}, "CHECKING")
    doc["ownerType"] = _enum(body, "ownerType", {"BUSINESS", "PERSONAL"}, "BUSINESS")
    doc["status"] = (existing or {}).get("status", "SUCCESS")
    doc["verificationStatus"] = (existing or {}).get("verificationStatus", "VERIFIED")
    doc["accessToAdmins"] = bool(body.get("accessToAdmins", True))
    doc["createdBy"] = (existing or {}).get("createdBy", org.user_id)
    org.ref("chart_of_account", body.get("chartOfAccountId"), "chart of account")
    return doc


LIST_RESOURCES = (
    Resource("vendor", "/v3/vendors", "vendor", build_vendor, event="vendor"),
    Resource("customer", "/v3/customers", "customer", build_customer),
    Resource(
        "chart_of_account",
        "/v3/classifications/chart-of-accounts",
        "chart of account",
        build_chart_of_account,
    ),
    Resource(
        "accounting_class",
        "/v3/classifications/accounting-classes",
        "accounting class",
        _build_classification("accounting_class"),
    ),
    Resource("department", "/v3/classifications/departments", "department", _build_classification("department")),
    Resource("location", "/v3/classifications/locations", "location", _build_classification("location")),
    Resource("job", "/v3/classifications/jobs", "job", _build_classification("job")),
    Resource("item", "/v3/classifications/items", "item", build_item),
    Resource("bank_account", "/v3/funding-accounts/banks", "bank account", build_bank_account, event="bank-account"),
)
