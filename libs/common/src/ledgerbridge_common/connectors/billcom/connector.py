"""``BillcomHttpConnector``: the ``BillcomConnector`` port over BILL's v3 API, with money-movement
runs read from v2 (``List/MoneyMovement.json``, ``Crud/Read/MoneyMovement.json``): BILL documents
them nowhere in v3."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from ledgerbridge_common.canonical.models import (
    AccountingClass,
    BankAccount,
    CanonicalObject,
    Department,
    FundsTransfer,
    Location,
    ObjectType,
    Project,
)
from ledgerbridge_common.connectors.billcom import mapping as m
from ledgerbridge_common.connectors.billcom import mapping_txn as t
from ledgerbridge_common.connectors.billcom.budget import DEFAULT_BILL_BUDGETS, BillBudgets, BillLimits
from ledgerbridge_common.connectors.billcom.client import PAGE_SIZE, BillcomClient, BillcomCredentials, RetryPolicy
from ledgerbridge_common.connectors.billcom.documents import BillDocuments
from ledgerbridge_common.connectors.ports import ChangePage, ChangeRef, Operation
from ledgerbridge_common.errors import NotFoundError, ValidationError

Json = dict[str, Any]


@dataclass(frozen=True)
class _Kind:
    path: str
    read: Callable[..., CanonicalObject]
    write: Callable[[Any], Json] | None = None
    party: str | None = None  # "vendor"/"customer": whose currency a document is in
    named: bool = False


KINDS: dict[ObjectType, _Kind] = {
    ObjectType.VENDOR: _Kind("/v3/vendors", m.vendor_in, m.vendor_out, named=True),
    ObjectType.CUSTOMER: _Kind("/v3/customers", m.customer_in, m.customer_out, named=True),
    ObjectType.ACCOUNT: _Kind("/v3/classifications/chart-of-accounts", m.account_in, m.account_out, named=True),
    ObjectType.CLASS: _Kind(
        "/v3/classifications/accounting-classes",
        m.classification_in(AccountingClass),
        m.classification_out,
        named=True,
    ),
    ObjectType.DEPARTMENT: _Kind(
        "/v3/classifications/departments", m.classification_in(Department), m.classification_out, named=True
    ),
    ObjectType.LOCATION: _Kind(
        "/v3/classifications/locations", m.classification_in(Location), m.classification_out, named=True
    ),
    ObjectType.PROJECT: _Kind(
        "/v3/classifications/jobs", m.classification_in(Project), m.classification_out, named=True
    ),
    ObjectType.ITEM: _Kind("/v3/classifications/items", m.item_in, m.item_out, named=True),
    ObjectType.BILL: _Kind("/v3/bills", t.bill_in, t.bill_out, party="vendor"),
    ObjectType.VENDOR_CREDIT: _Kind("/v3/vendor-credits", t.vendor_credit_in, t.vendor_credit_out, party="vendor"),
    ObjectType.BILL_PAYMENT: _Kind("/v3/payments", t.bill_payment_in, party="vendor"),
    ObjectType.INVOICE: _Kind("/v3/invoices", t.invoice_in, t.invoice_out, party="customer"),
    ObjectType.RECEIVED_PAYMENT: _Kind("/v3/receivable-payments", t.received_payment_in, party="customer"),
}
WEBHOOK_COMPLETE: dict[ObjectType, tuple[str, ...]] = {
    ObjectType.BILL: ("id", "updatedTime", "vendorId", "billLineItems", "invoice"),
    ObjectType.VENDOR: ("id", "updatedTime", "name"),
    ObjectType.INVOICE: ("id", "updatedTime", "customerId", "invoiceLineItems"),
}
"""Webhook entities whose payload is the whole object (billcom.md §2: bill and vendor payloads
carry every response field since 2025-04-10; the invoice is used only when it has these fields),
by the fields without which it is partial. ``payment.updated`` carries no amount: always read."""
IN_APPROVAL = frozenset({"ASSIGNED", "APPROVING"})
"""A bill whose webhook shows it waiting for approvers is read back: its approval is about to
change it, and the read takes whatever state it has reached by then."""
MONEY_MOVEMENT = "MoneyMovement"
V2_PAGE = 999
MFA_REASON = (
    "creating a payment in BILL needs an MFA-trusted session; this connection has no trusted device "
    "(rememberMeId + device from BILL's MFA challenge with rememberMe), so LedgerBridge does not try"
)


def _kind(object_type: ObjectType) -> _Kind:
    kind = KINDS.get(ObjectType(object_type))
    if kind is None:
        raise ValidationError(f"BILL has no {object_type} objects", vendor="billcom")
    return kind


def _operation(raw: Json) -> Operation:
    if raw.get("archived"):
        return "archived"
    status = str(raw.get("status") or "")
    if status in t.VOID_STATUSES or (raw.get("entity") == MONEY_MOVEMENT and t.MM_STATUSES.get(status) == "VOID"):
        return "voided"
    return "created" if raw.get("createdTime") == raw.get("updatedTime") else "updated"


class BillcomHttpConnector(BillDocuments):
    """A BILL organization over v3, e.g.::

        async with httpx.AsyncClient(base_url="https://gateway.stage.bill.com/connect", timeout=30) as http:
            bill = BillcomHttpConnector(http, BillcomCredentials(username, password, org_id, dev_key))
            vendor = await bill.read(ObjectType.VENDOR, "009...")

    **Parameters:** ``http`` — an ``httpx.AsyncClient`` whose ``base_url`` is the ``/connect`` base
    (its timeout bounds every call); ``credentials``; ``limits`` — the devKey's hourly limits and
    the organization's concurrency (BILL's documented ones by default); ``retry`` — bounded
    in-call retries; ``budgets`` — where the devKey's hour and the (devKey, org) slots are counted
    (the services inject ``PostgresBillBudgets``; default: this process); ``events_base_url`` — the
    webhooks API base (default: ``/connect`` replaced by ``/connect-events``); ``v2_base_url`` --
    the v2 API base for money movements (default: BILL's v2 host for its gateways, else the same
    host with ``/connect`` replaced by ``/api/v2``).
    """

    side = "billcom"

    def __init__(
        self,
        http: httpx.AsyncClient,
        credentials: BillcomCredentials,
        *,
        limits: BillLimits | None = None,
        retry: RetryPolicy | None = None,
        budgets: BillBudgets = DEFAULT_BILL_BUDGETS,
        events_base_url: str | None = None,
        v2_base_url: str | None = None,
    ) -> None:
        self.client = BillcomClient(
            http, credentials, limits=limits, retry=retry, budgets=budgets, v2_base_url=v2_base_url
        )
        base = str(http.base_url).rstrip("/")
        self.events_base_url = events_base_url or (base.removesuffix("/connect") + "/connect-events")
        self._currency: dict[str, str] = {}

    # --- reads --------------------------------------------------------------------------------

    async def _party_currency(self, party: str, party_id: str | None) -> str:
        if not party_id:
            return "USD"
        if party_id not in self._currency:
            path, field = ("/v3/vendors", "billCurrency") if party == "vendor" else ("/v3/customers", "invoiceCurrency")
            try:
                raw = await self.client.get(f"{path}/{party_id}")
            except NotFoundError:
                return "USD"
            self._currency[party_id] = str(raw.get(field) or "USD")
        return self._currency[party_id]

    def _remember_currency(self, object_type: ObjectType, raw: Json) -> None:
        """A vendor or customer read (or carried by a webhook) tells its documents' currency: no
        read of it is needed later to map its bills or invoices."""
        field = {ObjectType.VENDOR: "billCurrency", ObjectType.CUSTOMER: "invoiceCurrency"}.get(object_type)
        if field and raw.get("id") and raw.get(field):
            self._currency[str(raw["id"])] = str(raw[field])

    async def to_canonical(self, object_type: ObjectType, raw: Json) -> CanonicalObject:
        if ObjectType(object_type) is ObjectType.FUNDS_TRANSFER:
            return t.funds_transfer_in(raw)
        self._remember_currency(ObjectType(object_type), raw)
        kind = _kind(object_type)
        if kind.party is None:
            return kind.read(raw)
        currency = await self._party_currency(kind.party, raw.get(f"{kind.party}Id"))
        return kind.read(raw, currency)

    async def read(self, object_type: ObjectType, object_id: str) -> CanonicalObject | None:
        if ObjectType(object_type) is ObjectType.FUNDS_TRANSFER:
            return await self.read_run(object_id)
        try:
            raw = await self.client.get(f"{_kind(object_type).path}/{object_id}")
        except NotFoundError:
            return None
        return await self.to_canonical(object_type, raw)

    async def from_payload(self, object_type: ObjectType, raw: Json, *, listed: bool) -> CanonicalObject | None:
        """A list page's row is the GET object; a webhook's entity only when it is complete."""
        object_type = ObjectType(object_type)
        if object_type is ObjectType.FUNDS_TRANSFER:
            return t.funds_transfer_in(raw) if listed else None
        required = ("id", "updatedTime") if listed else WEBHOOK_COMPLETE.get(object_type)
        if required is None or object_type not in KINDS or any(raw.get(name) is None for name in required):
            return None
        if not listed and str(raw.get("approvalStatus") or "") in IN_APPROVAL:
            return None
        return await self.to_canonical(object_type, raw)

    async def read_many(self, object_type: ObjectType, object_ids: Sequence[str]) -> dict[str, CanonicalObject]:
        """Objects by id, 100 per list request (``filters=id:in:...``) instead of a read each; an
        id missing from the answer is missing from the result."""
        found: dict[str, CanonicalObject] = {}
        ids = list(dict.fromkeys(object_ids))
        for start in range(0, len(ids), PAGE_SIZE):
            chunk = ",".join(ids[start : start + PAGE_SIZE])
            async for raw in self.iterate_raw(object_type, f"id:in:{chunk}"):
                found[raw["id"]] = await self.to_canonical(object_type, raw)
        return found

    async def read_run(self, run_id: str) -> FundsTransfer | None:
        try:
            raw = await self.client.v2(f"Crud/Read/{MONEY_MOVEMENT}.json", {"id": run_id})
        except NotFoundError:
            return None
        return t.funds_transfer_in(raw)

    async def iterate_runs(self, since: dt.datetime) -> AsyncIterator[Json]:
        """Every v2 money movement with ``updatedTime >= since``, oldest first, pages of 999."""
        start = 0
        query: Json = {
            "filters": [{"field": "updatedTime", "op": ">=", "value": m.format_time(since)}],
            "sort": [{"field": "updatedTime", "asc": "true"}],
        }
        while True:
            rows = await self.client.v2(f"List/{MONEY_MOVEMENT}.json", {**query, "start": start, "max": V2_PAGE})
            for row in rows or []:
                yield row
            if len(rows or []) < V2_PAGE:
                return
            start += V2_PAGE

    async def iterate_raw(
        self, object_type: ObjectType, filters: str | None = None, sort: str | None = None
    ) -> AsyncIterator[Json]:
        """Every raw BILL object of a type (all pages of 100)."""
        params = {k: v for k, v in (("filters", filters), ("sort", sort)) if v}
        async for row in self.client.iterate(_kind(object_type).path, params):
            yield row

    async def list_objects(self, object_type: ObjectType, filters: str | None = None) -> list[CanonicalObject]:
        if ObjectType(object_type) is ObjectType.FUNDS_TRANSFER:
            if filters:
                raise ValidationError("money movements are listed by time only", vendor="billcom")
            epoch = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
            return [t.funds_transfer_in(raw) async for raw in self.iterate_runs(epoch)]
        return [await self.to_canonical(object_type, raw) async for raw in self.iterate_raw(object_type, filters)]

    async def find_by_name(self, object_type: ObjectType, name: str) -> CanonicalObject | None:
        if not _kind(object_type).named:
            raise ValidationError(f"{object_type} has no name", vendor="billcom")
        async for raw in self.iterate_raw(object_type, f'name:eq:"{name}"'):
            if raw.get("name") == name:
                return await self.to_canonical(object_type, raw)
        return None

    async def find_documents(self, object_type: ObjectType, party_id: str, number: str) -> list[CanonicalObject]:
        """``DocumentLookup`` for bills: ``vendorId`` is a documented bill filter (billcom.md
        §1.4), the invoice number is compared here. Other types have no documented party filter:
        none is listed (the caller cannot link them and says so)."""
        if ObjectType(object_type) is not ObjectType.BILL:
            return []
        found = []
        async for raw in self.iterate_raw(object_type, f'vendorId:eq:"{party_id}"'):
            doc = await self.to_canonical(object_type, raw)
            if (getattr(doc, "number", None) or "").strip().casefold() == number.strip().casefold():
                found.append(doc)
        return found

    async def list_changed(self, object_type: ObjectType, since: dt.datetime) -> ChangePage:
        """Objects with ``updatedTime >= since`` (polling works for every type, with or without events)."""
        changes: list[ChangeRef] = []
        watermark = since
        rows = (
            self.iterate_runs(since)
            if ObjectType(object_type) is ObjectType.FUNDS_TRANSFER
            else self.iterate_raw(object_type, f"updatedTime:gte:{m.filter_time(since)}", sort="updatedTime:asc")
        )
        async for raw in rows:
            updated = m.parse_time(raw.get("updatedTime")) or since
            changes.append(ChangeRef(ObjectType(object_type), raw["id"], _operation(raw), updated, payload=raw))
            watermark = max(watermark, updated)
        return ChangePage(changes=changes, next_watermark=watermark, complete=True)

    # --- writes -------------------------------------------------------------------------------

    async def create(self, obj: CanonicalObject) -> CanonicalObject:
        object_type = obj.object_type
        if object_type is ObjectType.BILL_PAYMENT:
            path, body = t.bill_payment_out(obj)  # type: ignore[arg-type]
            if path == "/v3/payments":
                await self._require_trusted()
        elif object_type is ObjectType.RECEIVED_PAYMENT:
            path, body = "/v3/invoices/record-payment", t.received_payment_out(obj)  # type: ignore[arg-type]
        else:
            kind = _kind(object_type)
            if kind.write is None:
                raise ValidationError(f"{object_type} cannot be created through the BILL API", vendor="billcom")
            path, body = kind.path, kind.write(obj)
        raw = await self.client.request("POST", path, json=body)
        return await self.to_canonical(object_type, raw)

    async def _require_trusted(self) -> None:
        """Payments need an MFA-trusted session: log in with the remembered device, never try without."""
        creds = self.client.credentials
        if not (creds.remember_me_id and creds.device):
            raise ValidationError(MFA_REASON, code="mfa_not_trusted", vendor="billcom")
        await self.client.session()
        if not self.client.trusted:
            raise ValidationError(
                "BILL did not trust this connection's MFA device (expired after 30 days, or reset): "
                "renew it with an MFA challenge and rememberMe",
                code="mfa_not_trusted",
                vendor="billcom",
            )

    async def update(self, obj: CanonicalObject) -> CanonicalObject:
        """Partial update (PATCH) of the fields the canonical model carries; BILL-only fields stay."""
        if obj.id is None:
            raise ValidationError("update needs obj.id", vendor="billcom")
        kind = _kind(obj.object_type)
        if kind.write is None:
            raise ValidationError(f"{obj.object_type} cannot be updated in BILL", vendor="billcom")
        raw = await self.client.request("PATCH", f"{kind.path}/{obj.id}", json=kind.write(obj))
        return await self.to_canonical(obj.object_type, raw)

    async def archive(self, object_type: ObjectType, object_id: str) -> CanonicalObject:
        raw = await self.client.request("POST", f"{_kind(object_type).path}/{object_id}/archive", json={})
        return await self.to_canonical(object_type, raw)

    async def restore(self, object_type: ObjectType, object_id: str) -> CanonicalObject:
        raw = await self.client.request("POST", f"{_kind(object_type).path}/{object_id}/restore", json={})
        return await self.to_canonical(object_type, raw)

    # --- approvals and payments ---------------------------------------------------------------

    async def approve_bills(self, bill_ids: Sequence[str], *, deny: bool = False, comment: str | None = None) -> None:
        action = "DENY" if deny else "APPROVE"
        body = [{"billId": bill_id, "action": action, "comment": comment} for bill_id in bill_ids]
        await self.client.request("POST", "/v3/bill-approvals/actions", json=body)

    async def pending_approvals(self) -> list[Json]:
        data = await self.client.get("/v3/bill-approvals/pending-user-approvals")
        return list(data.get("bills", []))

    async def cancel_payment(self, payment_id: str) -> CanonicalObject:
        raw = await self.client.request("POST", f"/v3/payments/{payment_id}/cancel", json={})
        return await self.to_canonical(ObjectType.BILL_PAYMENT, raw)

    async def void_payment(self, payment_id: str, *, reason: str = "", void_type: str = "VOID_ONLY") -> CanonicalObject:
        body = {"type": void_type, "reason": reason}
        raw = await self.client.request("POST", f"/v3/payments/{payment_id}/void", json=body)
        return await self.to_canonical(ObjectType.BILL_PAYMENT, raw)

    # --- bank accounts and runs ---------------------------------------------------------------

    async def list_bank_accounts(self) -> list[BankAccount]:
        return [m.bank_account_in(raw) async for raw in self.client.iterate("/v3/funding-accounts/banks")]

    async def update_bank_account_gl(self, bank_account_id: str, chart_of_account_id: str | None) -> BankAccount:
        body = {"chartOfAccountId": chart_of_account_id}
        raw = await self.client.request("PATCH", f"/v3/funding-accounts/banks/{bank_account_id}", json=body)
        return m.bank_account_in(raw)

    # --- webhooks API (connect-events) --------------------------------------------------------

    async def events_call(self, method: str, path: str, *, json: Any = None, idempotency_key: str | None = None) -> Any:
        headers = {"X-Idempotent-Key": idempotency_key} if idempotency_key else None
        return await self.client.request(method, self.events_base_url + path, json=json, headers=headers)

    async def create_subscription(
        self,
        name: str,
        notification_url: str,
        event_types: Sequence[str],
        *,
        idempotency_key: str | None = None,
    ) -> Json:
        """Create a webhook subscription; the answer's ``securityKey`` is shown only this once."""
        body = {
            "name": name,
            "status": {"enabled": True},
            "notificationUrl": notification_url,
            "events": [{"type": e, "version": "1"} for e in event_types],
        }
        key = idempotency_key or str(uuid.uuid4())
        result: Json = await self.events_call("POST", "/v3/subscriptions", json=body, idempotency_key=key)
        return result

    async def list_subscriptions(self) -> list[Json]:
        """``GET /v3/subscriptions`` (billcom.md §1: subscriptions CRUD); never with a securityKey."""
        result = await self.events_call("GET", "/v3/subscriptions")
        return [s for s in result if isinstance(s, dict)] if isinstance(result, list) else []

    async def delete_subscription(self, subscription_id: str) -> None:
        """``DELETE /v3/subscriptions/{id}`` (billcom.md §2: subscriptions CRUD)."""
        await self.events_call("DELETE", f"/v3/subscriptions/{subscription_id}")

    async def rotate_security_key(self, subscription_id: str) -> str:
        """``POST /v3/subscriptions/{id}/security_key``: a new signing key, shown this once."""
        result: Json = await self.events_call("POST", f"/v3/subscriptions/{subscription_id}/security_key")
        return str(result["securityKey"])

    async def aclose(self) -> None:
        await self.client.logout()
