"""One QBO company (realm) held in memory.

Every mutation runs as a synchronous critical section on the event loop (no ``await`` between a
read and the write that depends on it), so the store is consistent under concurrent requests
without locks, and each operation is a few dict look-ups.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from qbo_sandbox.entities import ACCOUNT_CLASSIFICATION, SEED_ACCOUNTS, SEED_ITEMS

Obj = dict[str, Any]
Key = tuple[str, str]  # (entity name, Id)
EmitFn = Callable[[str, str, str, str, str], None]  # realm, entity, id, operation, last_updated


DUPLICATE_DOC_CHECKS = {"Bill": True, "VendorCredit": True, "Invoice": True, "JournalEntry": True, "BillPayment": True}
"""Transaction types whose DocNumber QBO checks for duplicates (6140), each switchable like the
company preference. Bills and vendor credits are checked per vendor, the others company-wide."""
PER_VENDOR_DOCS = ("Bill", "VendorCredit")


@dataclass
class LimitConfig:
    """Intuit's limits (qbo-api.md 5.5): per realm 500 requests and 120 batch calls a minute; per
    realm and app 10 requests a second, 10 at once and 40 batch calls a minute. ``window_seconds``
    is the minute (tests shrink it; the per-second allowance scales with it, see ``api._second``)."""

    enabled: bool = True
    per_minute: int = 500
    window_seconds: float = 60.0
    concurrent: int = 10
    batch_per_minute: int = 40
    per_second: int = 10
    realm_batch_per_minute: int = 120
    latency_ms: float = 0.0
    throttle_format: str = "xml"
    """Body of a 429: "xml" (what Intuit has sent even to JSON clients) or "json"."""


@dataclass
class FaultConfig:
    throttle_next: int = 0
    error_5xx_next: int = 0
    error_5xx_status: int = 503
    timeout_after_commit_next: int = 0
    timeout_mode: str = "sleep"  # sleep | drop
    timeout_seconds: float = 5.0
    stale_next_updates: int = 0


@dataclass
class AppLimitState:
    """One app's use of one realm."""

    second: deque[float] = field(default_factory=deque)
    batch_window: deque[float] = field(default_factory=deque)
    in_flight: int = 0


@dataclass
class LimitState:
    window: deque[float] = field(default_factory=deque)
    batch_window: deque[float] = field(default_factory=deque)
    in_flight: int = 0
    apps: dict[str, AppLimitState] = field(default_factory=dict)

    def app(self, client_id: str) -> AppLimitState:
        return self.apps.setdefault(client_id, AppLimitState())


@dataclass
class Realm:
    realm_id: str
    company_name: str
    home_currency: str = "USD"
    multi_currency: bool = False
    created: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    book_close_date: str | None = None
    track_departments: bool = True
    class_tracking_per_line: bool = True
    objects: dict[str, dict[str, Obj]] = field(default_factory=dict)
    deleted: dict[str, dict[str, Obj]] = field(default_factory=dict)
    next_id: int = 1
    next_invoice_number: int = 1001
    # target (Bill/VendorCredit/Invoice/Payment) -> {source (BillPayment/Payment/Deposit): amount}
    links_in: dict[Key, dict[Key, Decimal]] = field(default_factory=dict)
    links_out: dict[Key, list[tuple[Key, Decimal]]] = field(default_factory=dict)
    request_ids: dict[str, tuple[int, bytes]] = field(default_factory=dict)
    attachment_files: dict[str, bytes] = field(default_factory=dict)
    """Attachable Id -> the uploaded file (``attachments.py``)."""
    # lower(DisplayName) -> (entity, Id) over Vendor, Customer and Employee (6240)
    party_names: dict[str, Key] = field(default_factory=dict)
    # (entity, VendorRef or "", lower(DocNumber)) -> Ids (6140)
    doc_numbers: dict[tuple[str, str, str], set[str]] = field(default_factory=dict)
    duplicate_doc_checks: dict[str, bool] = field(default_factory=lambda: dict(DUPLICATE_DOC_CHECKS))
    """The company's "warn if duplicate ... number" preferences, per transaction type."""
    counters: Counter[str] = field(default_factory=Counter)
    limits: LimitConfig = field(default_factory=LimitConfig)
    limit_state: LimitState = field(default_factory=LimitState)
    faults: FaultConfig = field(default_factory=FaultConfig)
    emit: EmitFn | None = None
    batch_horizon: int | None = None
    """While a batch runs: the last Id that existed before it. Items do not see objects that
    earlier items of the same batch created (qbo-api.md 4.3)."""

    # --- objects -----------------------------------------------------------------------------

    def table(self, entity: str) -> dict[str, Obj]:
        return self.objects.setdefault(entity, {})

    def get(self, entity: str, obj_id: str | None) -> Obj | None:
        if obj_id is None:
            return None
        return self.objects.get(entity, {}).get(str(obj_id))

    def visible(self, entity: str, obj_id: str | None) -> Obj | None:
        """``get``, minus objects created by earlier items of the running batch."""
        obj = self.get(entity, obj_id)
        if obj is not None and self.batch_horizon is not None and int(obj["Id"]) > self.batch_horizon:
            return None
        return obj

    def doc_key(self, entity: str, obj: Obj) -> tuple[str, str, str] | None:
        """The duplicate-number key of a transaction, or None when it is not checked."""
        if entity not in DUPLICATE_DOC_CHECKS or not obj.get("DocNumber"):
            return None
        vendor = str((obj.get("VendorRef") or {}).get("value", "")) if entity in PER_VENDOR_DOCS else ""
        return entity, vendor, str(obj["DocNumber"]).lower()

    def was_deleted(self, entity: str, obj_id: str) -> bool:
        return str(obj_id) in self.deleted.get(entity, {})

    def all(self, entity: str) -> Iterator[Obj]:
        return iter(self.objects.get(entity, {}).values())

    def new_id(self) -> str:
        value = self.next_id
        self.next_id += 1
        return str(value)

    def find_account(
        self, *, name: str | None = None, account_type: str | None = None, subtype: str | None = None
    ) -> Obj | None:
        for acct in self.all("Account"):
            if name is not None and acct.get("Name") != name:
                continue
            if account_type is not None and acct.get("AccountType") != account_type:
                continue
            if subtype is not None and acct.get("AccountSubType") != subtype:
                continue
            if acct.get("Active", True):
                return acct
        return None

    def notify(self, entity: str, obj_id: str, operation: str, last_updated: str) -> None:
        if self.emit is not None:
            self.emit(self.realm_id, entity, obj_id, operation, last_updated)

    # --- links (payments -> documents) --------------------------------------------------------

    def set_links(self, source: Key, targets: list[tuple[Key, Decimal]]) -> set[Key]:
        """Replace the links of ``source``; returns every target whose balance may have changed."""
        touched: set[Key] = set()
        for target, _ in self.links_out.pop(source, []):
            self.links_in.get(target, {}).pop(source, None)
            touched.add(target)
        if targets:
            self.links_out[source] = targets
            for target, amount in targets:
                bucket = self.links_in.setdefault(target, {})
                bucket[source] = bucket.get(source, Decimal(0)) + amount
                touched.add(target)
        return touched

    def linked_amount(self, target: Key, *, excluding: Key | None = None) -> Decimal:
        return sum((amt for src, amt in self.links_in.get(target, {}).items() if src != excluding), Decimal(0))

    def sources_of(self, target: Key) -> list[Key]:
        return list(self.links_in.get(target, {}))


def seed_realm(realm: Realm, stamp: str) -> dict[str, str]:
    """Give a new realm its chart of accounts and a couple of service items; returns name -> Id."""
    ids: dict[str, str] = {}
    meta = {"CreateTime": stamp, "LastUpdatedTime": stamp}
    for name, account_type, subtype in SEED_ACCOUNTS:
        acct_id = realm.new_id()
        classification = ACCOUNT_CLASSIFICATION[account_type]
        realm.table("Account")[acct_id] = {
            "Id": acct_id,
            "SyncToken": "0",
            "domain": "QBO",
            "sparse": False,
            "Name": name,
            "FullyQualifiedName": name,
            "SubAccount": False,
            "Active": True,
            "AccountType": account_type,
            "AccountSubType": subtype,
            "Classification": classification,
            "CurrencyRef": {"value": realm.home_currency},
            "CurrentBalance": 0,
            "CurrentBalanceWithSubAccounts": 0,
            "MetaData": dict(meta),
        }
        ids[name] = acct_id
    for name, income in SEED_ITEMS:
        item_id = realm.new_id()
        realm.table("Item")[item_id] = {
            "Id": item_id,
            "SyncToken": "0",
            "domain": "QBO",
            "sparse": False,
            "Name": name,
            "FullyQualifiedName": name,
            "Type": "Service",
            "Active": True,
            "IncomeAccountRef": {"value": ids[income], "name": income},
            "MetaData": dict(meta),
        }
        ids[f"item:{name}"] = item_id
    return ids
