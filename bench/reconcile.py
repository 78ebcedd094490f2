"""After a fault run: check the architecture's guarantees from the outside — BILL's objects (the
sandbox's control API), the ledger's objects and books (``bench.fault_ledgers``: QuickBooks
Online, Sage Intacct or NetSuite), prefs-api's sync log and posting's
``/connections/{id}/balances``."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx

from bench.fault_ledgers import Books, duplicates
from ledgerbridge_ops.bill_clerk import BillClerk
from ledgerbridge_ops.scenario import Company, Scenario

BILL_KINDS = {
    "vendor": "vendor", "bill": "bill", "payment": "bill_payment", "customer": "customer",
    "invoice": "invoice", "receivable_payment": "received_payment", "money_movement": "funds_transfer",
}  # fmt: skip


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


async def posting_balances(http: httpx.AsyncClient, posting_url: str, company: Company) -> dict[str, Any]:
    """posting's double-entry record of the connection ({} when it does not answer)."""
    try:
        resp = await http.get(f"{posting_url}/connections/{company.connection_id}/balances")
    except httpx.HTTPError:
        return {}
    return dict(resp.json()) if resp.status_code == 200 else {}


def books_problems(books: Books, posting_view: dict[str, Any], clearing_ids: list[str]) -> tuple[int, list[str]]:
    """(unbalanced, clearing accounts not at zero) from the ledger's books and posting's record:
    the ledger's postings do not balance; posting's accounts do not sum to zero; a clearing
    account is not zero in the ledger or in posting's record, or the two disagree on it."""
    unbalanced = 0 if books.balanced is not False else 1
    by_id = books.balances or {}
    clearing = [acc for acc in clearing_ids if by_id.get(acc, Decimal(0)) != 0]
    if posting_view:
        total = sum((Decimal(str(v)) for v in posting_view.get("accounts", {}).values()), Decimal(0))
        unbalanced += 0 if total == 0 else 1
        for side in (posting_view.get("clearing") or {}).values():
            if Decimal(str(side.get("balance") or 0)) != 0 and side.get("account_id") not in clearing:
                clearing.append(f"posting:{side.get('account_id')}")
        for acc, bal in posting_view.get("accounts", {}).items():  # posting's record must match the ledger
            if acc in clearing_ids and acc in by_id and Decimal(str(bal)) != by_id[acc] and acc not in clearing:
                clearing.append(f"mismatch:{acc}")
    return unbalanced, clearing


async def reconcile(
    scenario: Scenario, company: Company, clerk: BillClerk, books: Books, posting_url: str, tag_key: Any
) -> dict[str, Any]:
    """One company: ``books`` read from its ledger (``bench.fault_ledgers.read_books``),
    ``tag_key`` turns a source ref into the key ``books.tags`` counts."""
    expected = await expected_refs(clerk)
    missing = sorted(r for r in expected if books.tags[tag_key(r)] == 0)
    roles = company.roles
    clearing_ids = [roles["money_out_clearing"], roles["money_in_clearing"]]
    posting_view = await posting_balances(scenario.http, posting_url, company)
    unbalanced, clearing = books_problems(books, posting_view, clearing_ids)
    failed = [e for status in ("failed", "parked") for e in await _log(scenario, company, status)]
    no_reason = [e for e in failed if not str(e.get("reason") or "").strip()]
    explained = {e.get("source_ref") for e in failed if str(e.get("reason") or "").strip()}
    unexplained_missing = [r for r in missing if r not in explained]
    return {
        "changes": len(expected),
        "in_ledger": len(expected) - len(missing),
        "duplicates": duplicates(books.tags, books.documents),
        "unbalanced": unbalanced,
        "clearing_nonzero": len(clearing),
        "unexplained_failures": len(no_reason) + len(unexplained_missing),
        "failed_in_log": len(failed),
        "missing": missing[:20],
        "clearing_detail": clearing,
        "posting_balances_read": bool(posting_view),
    }
