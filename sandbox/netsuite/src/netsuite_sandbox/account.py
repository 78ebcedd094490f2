"""One NetSuite account held in memory: records, external ids, deletions, credentials, limits, faults.

Every mutation runs as a synchronous critical section on the event loop (no ``await`` between a
read and the write that depends on it), so the store stays consistent under concurrent requests.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from netsuite_sandbox.records import (
    ITEM_RECORD,
    SEED_ACCOUNTS,
    SEED_CURRENCIES,
    SEED_ITEMS,
    SEED_SEGMENTS,
    SEED_SUBSIDIARIES,
    TYPES,
)

Rec = dict[str, Any]
# Transactions share one internal id space, and so do vendors, customers and projects (jobs).
ID_SPACE = {name: ("transaction" if spec.kind == "transaction" else spec.name) for name, spec in TYPES.items()}
ID_SPACE.update(vendor="entity", customer="entity", job="entity", item="item", **{ITEM_RECORD: "item"})


@dataclass
class Limits:
    enabled: bool = True
    concurrency: int = 5
    latency_ms: float = 0.0


@dataclass
class Faults:
    throttle_next: int = 0
    error_5xx_next: int = 0
    error_5xx_status: int = 503
    timeout_after_commit_next: int = 0
    timeout_mode: str = "sleep"  # sleep | drop
    timeout_seconds: float = 5.0


@dataclass
class TbaToken:
    token_id: str
    token_secret: str
    consumer_key: str
    revoked: bool = False


@dataclass
class OAuthClient:
    client_id: str
    client_secret: str
    redirect_uris: list[str] = field(default_factory=list)
    certificates: dict[str, str] = field(default_factory=dict)  # certificate id (kid) -> public key PEM


@dataclass
class Job:
    job_id: str
    status: int
    headers: dict[str, str]
    body: bytes
    started: str
    ended: str


@dataclass
class Account:
    account_id: str
    limits: Limits = field(default_factory=Limits)
    faults: Faults = field(default_factory=Faults)
    records: dict[str, dict[str, Rec]] = field(default_factory=dict)
    external_ids: dict[tuple[str, str], str] = field(default_factory=dict)
    next_ids: Counter[str] = field(default_factory=Counter)
    deleted: list[Rec] = field(default_factory=list)
    # doc id -> {applying transaction id: amount}
    applied: dict[str, dict[str, Decimal]] = field(default_factory=dict)
    # applying transaction id -> {doc id: amount} (the same pairs, indexed the other way)
    applies: dict[str, dict[str, Decimal]] = field(default_factory=dict)
    closed_periods: set[str] = field(default_factory=set)
    date_format: str = "MM/DD/YYYY"
    """The account's date preference: SuiteQL shows dates in it and reads date literals with it."""
    exchange_rates: dict[tuple[str, str], Decimal] = field(default_factory=dict)
    consumers: dict[str, str] = field(default_factory=dict)
    tokens: dict[str, TbaToken] = field(default_factory=dict)
    oauth2_clients: dict[str, OAuthClient] = field(default_factory=dict)
    nonces: dict[tuple[str, str], float] = field(default_factory=dict)
    idempotency: dict[str, str] = field(default_factory=dict)
    jobs: dict[str, Job] = field(default_factory=dict)
    in_flight: int = 0
    peak_in_flight: int = 0
    counters: Counter[str] = field(default_factory=Counter)
    seeded: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def slug(self) -> str:
        """Host form of the id: ``123456_SB1`` -> ``123456-sb1`` (reference §1.1)."""
        return slug_of(self.account_id)

    def table(self, record_type: str) -> dict[str, Rec]:
        return self.records.setdefault(record_type, {})

    def get(self, record_type: str, record_id: str) -> Rec | None:
        return self.records.get(record_type, {}).get(record_id)

    def find_transaction(self, record_id: str) -> tuple[str, Rec] | None:
        for name, spec in TYPES.items():
            if spec.kind == "transaction" and record_id in self.records.get(name, {}):
                return name, self.records[name][record_id]
        return None

    def find_entity(self, record_id: str) -> tuple[str, Rec] | None:
        for name in ("vendor", "customer"):
            if record_id in self.records.get(name, {}):
                return name, self.records[name][record_id]
        return None

    def new_id(self, record_type: str) -> str:
        space = ID_SPACE[record_type]
        self.next_ids[space] += 1
        return str(self.next_ids[space])

    def by_external_id(self, record_type: str, external_id: str) -> str | None:
        return self.external_ids.get((record_type, external_id))

    def base_currency(self, subsidiary_id: str) -> str:
        sub = self.get("subsidiary", subsidiary_id) or {}
        return str((sub.get("currency") or {}).get("id", ""))

    def subsidiary_chain(self, subsidiary_id: str) -> list[str]:
        """The subsidiary and its ancestors, nearest first."""
        chain: list[str] = []
        current: str | None = subsidiary_id
        while current and current not in chain:
            chain.append(current)
            parent = (self.get("subsidiary", current) or {}).get("parent")
            current = parent.get("id") if isinstance(parent, dict) else None
        return chain


def slug_of(account_id: str) -> str:
    return account_id.lower().replace("_", "-")


def stamp(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def seed_account(account: Account, now: dt.datetime, extra_subsidiaries: tuple[tuple[str, str, str], ...] = ()) -> None:
    """Currencies, a parent with two subsidiaries (and ``extra_subsidiaries``: name, currency ISO code,
    parent name), a chart of accounts, segments and an item."""
    ts = stamp(now)
    ids: dict[str, dict[str, str]] = {}

    def put(record_type: str, body: Rec) -> str:
        rec_id = account.new_id(record_type)
        account.table(record_type)[rec_id] = {**body, "id": rec_id, "lastModifiedDate": ts}
        ids.setdefault(record_type, {})[str(body.get("name") or body.get("acctName") or body.get("itemId"))] = rec_id
        return rec_id

    for currency_name, symbol in SEED_CURRENCIES:
        put("currency", {"name": currency_name, "symbol": symbol})
    ids["currency"] = {symbol: ids["currency"][name] for name, symbol in SEED_CURRENCIES}  # by ISO code
    for name, currency, parent in (*SEED_SUBSIDIARIES, *extra_subsidiaries):
        body: Rec = {"name": name, "currency": {"id": ids["currency"][currency]}, "country": None}
        if parent:
            body["parent"] = {"id": ids["subsidiary"][parent]}
        put("subsidiary", body)

    def subs(names: tuple[str, ...]) -> list[Rec]:
        return [{"id": ids["subsidiary"][n]} for n in names]

    for acct_name, acct_type, sub_names, children in SEED_ACCOUNTS:
        put(
            "account",
            {
                "acctName": acct_name,
                "acctType": acct_type,
                "subsidiary": subs(sub_names),
                "includeChildren": children,
                "isInactive": False,
                "isSummary": False,
            },
        )
    for record_type, seg_name, sub_names, children in SEED_SEGMENTS:
        put(
            record_type,
            {"name": seg_name, "subsidiary": subs(sub_names), "includeChildren": children, "isInactive": False},
        )
    for item_name in SEED_ITEMS:
        put(
            ITEM_RECORD,
            {
                "itemId": item_name,
                "subsidiary": subs(("Parent Company",)),
                "includeChildren": True,
                "isInactive": False,
            },
        )
    ids["item"] = ids[ITEM_RECORD]
    account.exchange_rates = {("GBP", "USD"): Decimal("1.25"), ("EUR", "USD"): Decimal("1.1")}
    account.seeded = ids
