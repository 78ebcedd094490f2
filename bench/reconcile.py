"""After a fault run: check the architecture's guarantees from the outside — BILL's objects (the
sandbox's control API), QBO's objects and ledger (control API), prefs-api's sync log and posting's
``/connections/{id}/balances``."""

from __future__ import annotations

import re
from collections import Counter
from decimal import Decimal
from typing import Any

import httpx

from ledgerbridge_ops.bill_clerk import BillClerk
from ledgerbridge_ops.scenario import Company, Scenario

TAG_RE = re.compile(r"\[lb-tag:LB:([^\]]+)\]")
BILL_KINDS = {
    "vendor": "vendor", "bill": "bill", "payment": "bill_payment", "customer": "customer",
    "invoice": "invoice", "receivable_payment": "received_payment", "money_movement": "funds_transfer",
}  # fmt: skip
QBO_ENTITIES = ("Vendor", "Customer", "Bill", "BillPayment", "Invoice", "Payment", "Transfer", "JournalEntry")


def _tag(obj: dict[str, Any]) -> str | None:
    for key in ("PrivateNote", "Notes"):
        match = TAG_RE.search(str(obj.get(key) or ""))
        if match:
            return match.group(1)
    return None


async def expected_refs(clerk: BillClerk) -> set[str]:
    refs = set()
    for kind, object_type in BILL_KINDS.items():
        for obj in await clerk.objects(kind):
            if kind == "payment" and str(obj.get("status")) in ("CANCELLED", "CANCELED"):
                continue
            refs.add(f"billcom:{object_type}:{obj['id']}")
    return refs


async def _log(scenario: Scenario, company: Company, status: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    params = {"connection_id": company.connection_id, "limit": "200", "status": status}
    for _ in range(50):
        resp = await scenario.http.get(f"{scenario.urls.prefs}/v1/sync-log", headers=scenario.keyed, params=params)
        resp.raise_for_status()
        page = resp.json()
        out += page["items"]
        if not page.get("next_before_id"):
            break
        params["before_id"] = str(page["next_before_id"])
    return out


async def reconcile(
    http: httpx.AsyncClient, scenario: Scenario, company: Company, clerk: BillClerk, posting_url: str
) -> dict[str, Any]:
    expected = await expected_refs(clerk)
    tags: Counter[str] = Counter()
    docs: Counter[tuple[str, str, str]] = Counter()
    for entity in QBO_ENTITIES:
        for obj in await scenario.qbo_objects(company, entity):
            if obj.get("status") == "Deleted" or "MetaData" not in obj:
                continue
            tag = _tag(obj)
            if tag:
                tags[tag] += 1
            if entity in ("Bill", "Invoice") and obj.get("DocNumber"):
                party = (obj.get("VendorRef") or obj.get("CustomerRef") or {}).get("value", "")
                docs[(entity, party, obj["DocNumber"])] += 1
    missing = sorted(r for r in expected if tags[r] == 0)
    duplicates = sum(n - 1 for n in tags.values() if n > 1) + sum(n - 1 for n in docs.values() if n > 1)
    ledger = await scenario.qbo_ledger(company)
    unbalanced = 0 if ledger.get("balanced") else 1
    by_id = {a["Id"]: Decimal(a["balance"]) for a in ledger["accounts"]}
    clearing_ids = [company.accounts["BILL Money Out Clearing"], company.accounts["BILL Money In Clearing"]]
    clearing = [acc for acc in clearing_ids if by_id.get(acc, Decimal(0)) != 0]
    posting_view: dict[str, Any] = {}
    try:
        resp = await http.get(f"{posting_url}/connections/{company.connection_id}/balances")
        posting_view = resp.json() if resp.status_code == 200 else {}
    except httpx.HTTPError:
        posting_view = {}
    if posting_view:
        total = sum((Decimal(str(v)) for v in posting_view.get("accounts", {}).values()), Decimal(0))
        unbalanced += 0 if total == 0 else 1
        for side in (posting_view.get("clearing") or {}).values():
            if Decimal(str(side.get("balance") or 0)) != 0 and side.get("account_id") not in clearing:
                clearing.append(f"posting:{side.get('account_id')}")
        # posting's record must match the ledger, account by account
        for acc, bal in posting_view.get("accounts", {}).items():
            if acc in by_id and Decimal(str(bal)) != by_id[acc]:
                clearing.append(f"mismatch:{acc}") if acc in clearing_ids else None
    failed = [e for status in ("failed", "parked") for e in await _log(scenario, company, status)]
    no_reason = [e for e in failed if not str(e.get("reason") or "").strip()]
    explained = {e.get("source_ref") for e in failed if str(e.get("reason") or "").strip()}
    unexplained_missing = [r for r in missing if r not in explained]
    return {
        "changes": len(expected),
        "in_ledger": len(expected) - len(missing),
        "duplicates": duplicates,
        "unbalanced": unbalanced,
        "clearing_nonzero": len(clearing),
        "unexplained_failures": len(no_reason) + len(unexplained_missing),
        "failed_in_log": len(failed),
        "missing": missing[:20],
        "clearing_detail": clearing,
        "posting_balances_read": bool(posting_view),
    }
