"""A NetSuite sandbox account with a connector for its US subsidiary, the engine's inputs for a
NetSuite connection, and posting's ledger writer, for the rule tests of this folder."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from decimal import Decimal
from typing import Any

import httpx
import pytest

from ledgerbridge_common.canonical import parse_canonical
from ledgerbridge_common.canonical.models import CanonicalObject, Classifications, ObjectType, TransactionLine
from ledgerbridge_common.connectors.budget import MemoryLedgerBudgets
from ledgerbridge_common.connectors.netsuite import NetSuiteConnector, TbaCredentials
from ledgerbridge_common.events import LedgerKind, PostingRequested
from ledgerbridge_common.events.models import ChangeDetected
from posting_service.execute import request_id_for, tag_for
from posting_service.writers import LedgerWriter, WriteResult
from sync_engine.domain.model import Inputs, RefKey, Resolution
from tests.unit.sync_engine.builders import inputs

NETSUITE = LedgerKind.ORACLE_NETSUITE


class NetSuiteBooks:
    """One sandbox account; ``books`` writes in its US Subsidiary (the BILL organization's)."""

    def __init__(self, url: str, control: httpx.AsyncClient, http: httpx.AsyncClient, account: dict[str, Any]):
        self.url, self.control, self.http, self.account = url, control, http, account
        self.account_id: str = account["account_id"]
        self.seeded: dict[str, dict[str, str]] = account["seeded"]
        tba = account["tba"]
        self.tba = TbaCredentials(
            self.account_id, tba["consumer_key"], tba["consumer_secret"], tba["token_id"], tba["token_secret"]
        )
        self.us = self.seeded["subsidiary"]["US Subsidiary"]
        self.books = self.connector()

    def connector(self, **kw: Any) -> NetSuiteConnector:
        kw.setdefault("budgets", MemoryLedgerBudgets())
        return NetSuiteConnector(self.http, kw.pop("creds", self.tba), subsidiary_id=self.us, base_url=self.url, **kw)

    def id(self, kind: str, name: str) -> str:
        return self.seeded[kind][name]

    def line(self, amount: str, account: str = "Office Supplies", **dims: str) -> TransactionLine:
        return TransactionLine(
            amount=Decimal(amount), classifications=Classifications(account_id=self.id("account", account), **dims)
        )

    async def make(self, obj: CanonicalObject) -> str:
        made = await self.books.create(obj, request_id=uuid.uuid4().hex, tag=f"LB:test:{uuid.uuid4().hex}")
        assert made.id
        return made.id

    async def records(self, record_type: str) -> list[dict[str, Any]]:
        response = await self.control.get(f"/_sandbox/accounts/{self.account_id}/records/{record_type}")
        response.raise_for_status()
        return list(response.json()["records"])

    async def record(self, record_type: str, record_id: str) -> dict[str, Any]:
        return next(r for r in await self.records(record_type) if r["id"] == record_id)

    async def control_post(self, path: str, body: dict[str, Any]) -> None:
        (await self.control.post(f"/_sandbox/accounts/{self.account_id}{path}", json=body)).raise_for_status()

    def inputs(self, ch: ChangeDetected, source: CanonicalObject | None, **kw: Any) -> Inputs:
        """The engine's inputs for a NetSuite connection whose preferences name this account's ids."""
        acc = self.seeded["account"]
        prefs: dict[str, Any] = {
            "ledger_kind": NETSUITE,
            "ap_account": acc["Accounts Payable"],
            "ar_account": acc["Accounts Receivable"],
            "unallocated_expenses_account": acc["Office Supplies"],
            "unallocated_income_account": acc["Sales"],
            "money_out_clearing_account": acc["US Checking"],
            "default_bank_account": acc["US Checking"],
            "deposit_to_account": acc["US Checking"],
            "bank_gl_accounts": {},
        }
        return replace(inputs(ch, source, **{**prefs, **kw}), capabilities=self.books.capabilities)

    async def post(self, cmd: PostingRequested, writer: LedgerWriter | None = None) -> WriteResult:
        """What posting does with a ledger upsert command whose references are all resolved."""
        assert cmd.desired is not None
        desired = parse_canonical(cmd.object_type, cmd.desired)
        writer = writer or LedgerWriter(self.books)
        return await writer.upsert(
            desired, known=None, request_id=request_id_for(cmd.command_id), tag=tag_for(cmd.source_ref)
        )


def known(refs: dict[tuple[Any, ObjectType, str], str]) -> dict[RefKey, Resolution]:
    return {key: Resolution(target_id=value) for key, value in refs.items()}


@pytest.fixture
async def ns(sandbox_url: str) -> AsyncIterator[NetSuiteBooks]:
    async with httpx.AsyncClient(base_url=sandbox_url, timeout=10) as control, httpx.AsyncClient() as http:
        account = (await control.post("/_sandbox/accounts", json={})).raise_for_status().json()
        yield NetSuiteBooks(sandbox_url, control, http, account)
