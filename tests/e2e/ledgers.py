"""What the e2e cycles expect of each ledger, in one table, so that every test body serves all three
ledgers without branching on the ledger: the sandbox that plays it, where it keeps funds transfers,
the checks only one ledger has (Intacct posts a run in the Funds Transfer Journal Symbol journal),
how a ledger-side edit is kept from the engine for a while, and the cases that do not work yet
(``missing``: a strict xfail naming what is missing; ``"*"`` covers every test)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from ledgerbridge_common.canonical.models import ObjectType
from ledgerbridge_common.events.models import LedgerKind
from ledgerbridge_ops.ledger_reader import Movement
from ledgerbridge_ops.ledgers import QBO_CLIENT_ID, IntacctSandbox, LedgerSandbox, NetSuiteSandbox, QboSandbox
from ledgerbridge_ops.scenario import Company, Urls

T = ObjectType
TransferCheck = Callable[[httpx.AsyncClient, Urls, Company, Movement], Awaitable[None]]
Hold = Callable[[httpx.AsyncClient, Urls, bool], Awaitable[None]]


async def _no_extra_check(http: httpx.AsyncClient, urls: Urls, company: Company, moved: Movement) -> None:
    """QBO keeps a run as a ``Transfer``: the movement itself is the whole check."""
    assert moved.source is T.FUNDS_TRANSFER


async def _intacct_journal(http: httpx.AsyncClient, urls: Urls, company: Company, moved: Movement) -> None:
    """The run is a GLBATCH in the Funds Transfer Journal Symbol's journal, with the Funds Transfer
    Location and Department on its lines (reference intacct-api.md §7)."""
    assert moved.source is T.JOURNAL_ENTRY
    rows = (await http.get(f"{urls.intacct}/_sandbox/companies/{company.realm_id}/objects/GLBATCH")).json()["GLBATCH"]
    batch = next(r for r in rows if str(r["RECORDNO"]) == moved.source_id)
    prefs = company.ledger_preferences
    assert batch["JOURNAL"] == prefs["funds_transfer_journal_symbol"]
    entries = batch["ENTRIES"]["GLENTRY"]
    entries = entries if isinstance(entries, list) else [entries]
    assert {(e.get("LOCATION"), e.get("DEPARTMENT")) for e in entries} == {
        (prefs["funds_transfer_location"], prefs["funds_transfer_department"])
    }


def _ref_id(value: Any) -> str | None:
    return str(value.get("id")) if isinstance(value, dict) else (None if value is None else str(value))


async def _netsuite_journal(http: httpx.AsyncClient, urls: Urls, company: Company, moved: Movement) -> None:
    """The run is a journal entry with the Funds Transfer Location and Department on its lines
    (reference netsuite-api.md §8; whether BILL posts a ``transfer`` or a journal is unconfirmed,
    the journal is the documented-safe choice)."""
    assert moved.source is T.JOURNAL_ENTRY
    url = f"{urls.netsuite}/_sandbox/accounts/{company.realm_id}/records/journalEntry"
    record = next(r for r in (await http.get(url)).json()["records"] if str(r["id"]) == moved.source_id)
    lines = record["line"]["items"] if isinstance(record["line"], dict) else record["line"]
    prefs = company.ledger_preferences
    assert {(_ref_id(ln.get("location")), _ref_id(ln.get("department"))) for ln in lines} == {
        (prefs["funds_transfer_location"], prefs["funds_transfer_department"])
    }


async def _hold_qbo_webhooks(http: httpx.AsyncClient, urls: Urls, hold: bool) -> None:
    """QBO tells the engine of an edit by webhook within a second: hold its deliveries."""
    url = f"{urls.qbo}/_sandbox/apps/{QBO_CLIENT_ID}/webhooks"
    (await http.put(url, json={"auto_deliver": not hold})).raise_for_status()


async def _sweeps_only(http: httpx.AsyncClient, urls: Urls, hold: bool) -> None:
    """No webhooks: the engine sees a ledger edit at the next sweep (every 5 minutes by default),
    so nothing needs holding for the length of a test."""


@dataclass(frozen=True)
class LedgerCase:
    name: str
    kind: LedgerKind
    sandbox: Callable[[Urls], LedgerSandbox]
    check_transfer: TransferCheck
    hold_ledger_changes: Hold
    missing: Mapping[str, str] = field(default_factory=dict)

    def missing_for(self, test_name: str) -> str | None:
        return self.missing.get(test_name) or self.missing.get("*")


LEDGERS: dict[str, LedgerCase] = {
    case.name: case
    for case in (
        LedgerCase(
            "qbo",
            LedgerKind.QUICKBOOKS_ONLINE,
            lambda urls: QboSandbox(urls.qbo),
            _no_extra_check,
            _hold_qbo_webhooks,
        ),
        LedgerCase(
            "intacct",
            LedgerKind.SAGE_INTACCT,
            lambda urls: IntacctSandbox(urls.intacct),
            _intacct_journal,
            _sweeps_only,
        ),
        LedgerCase(
            "netsuite",
            LedgerKind.ORACLE_NETSUITE,
            lambda urls: NetSuiteSandbox(urls.netsuite),
            _netsuite_journal,
            _sweeps_only,
        ),
    )
}
