"""The ledger as the e2e tests and the demo check it: read through the ledger port (the same
connector the services use, built by the shared factory from the connection's credentials in
prefs-api), so one check serves every ledger.

Money is compared as *movements* and balances are derived from the canonical transactions, both by
:mod:`ledgerbridge_common.books` (re-exported here), which prefs-api's reconciliation report uses
too."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import replace
from decimal import Decimal
from typing import Any

import httpx

from ledgerbridge_common.books import Movement, balances, movements_of
from ledgerbridge_common.canonical.models import CanonicalObject, ObjectType
from ledgerbridge_common.connectors.budget_postgres import PostgresLedgerBudgets
from ledgerbridge_common.connectors.factory import LedgerContext, build_ledger, ledger_endpoints
from ledgerbridge_common.connectors.ports import LedgerConnector
from ledgerbridge_common.events.models import LedgerKind
from ledgerbridge_common.prefs_client import PrefsClient
from ledgerbridge_common.settings import ConnectedServiceSettings
from ledgerbridge_ops.scenario import wait_for

T = ObjectType
__all__ = ["LedgerReader", "Movement", "balances", "connected_reader", "movements_of"]


class LedgerReader:
    """One connection's ledger, read through its connector. ``transfer_types``: the object types
    the ledger keeps funds transfers and journals in (QBO: both; Intacct, NetSuite: journals)."""

    def __init__(
        self,
        connector: LedgerConnector,
        transfer_types: tuple[ObjectType, ...],
        *,
        aliases: Mapping[str, str] | None = None,
        interval: float = 1.0,
    ) -> None:
        self.connector = connector
        self.transfer_types = transfer_types
        self.aliases = dict(aliases or {})
        self.interval = interval

    def gl(self, account_id: str | None) -> str | None:
        """The GL account an id stands for (itself unless it is an alias, e.g. a checking account)."""
        return None if account_id is None else self.aliases.get(account_id, account_id)

    async def objects(self, object_type: ObjectType) -> list[CanonicalObject]:
        """Every object of a type the ledger still has (deleted transactions are gone)."""
        page = await self.connector.query_changed(object_type, None)
        found = []
        for change in page.changes:
            if change.operation == "deleted":
                continue
            obj = await self.connector.read(object_type, change.object_id)
            if obj is not None:
                found.append(obj)
        return found

    async def find(self, object_type: ObjectType, check: Callable[[Any], bool]) -> list[Any]:
        return [o for o in await self.objects(object_type) if check(o)]

    async def wait(self, object_type: ObjectType, what: str, check: Callable[[Any], bool], timeout: float = 30) -> Any:
        async def found() -> Any:
            return next(iter(await self.find(object_type, check)), None)

        return await wait_for(found, timeout=timeout, what=what, interval=self.interval)

    async def movements(self) -> list[Movement]:
        moved: list[Movement] = []
        for object_type in self.transfer_types:
            for obj in await self.objects(object_type):
                for m in movements_of(obj):
                    moved.append(replace(m, debit=str(self.gl(m.debit)), credit=str(self.gl(m.credit))))
        return moved

    async def wait_movement(self, debit: str, credit: str, amount: Decimal | str, what: str,
                            timeout: float = 45) -> Movement:  # fmt: skip
        wanted = Decimal(amount)

        async def found() -> Movement | None:
            return next(
                (m for m in await self.movements() if (m.debit, m.credit, m.amount) == (debit, credit, wanted)),
                None,
            )

        return await wait_for(found, timeout=timeout, what=what, interval=self.interval)

    async def balances(self, *, ap: str, ar: str) -> dict[str, Decimal]:
        types = (T.BILL, T.VENDOR_CREDIT, T.BILL_PAYMENT, T.INVOICE, T.RECEIVED_PAYMENT, *self.transfer_types)
        objects = [obj for t in dict.fromkeys(types) for obj in await self.objects(t)]
        return balances(objects, ap=ap, ar=ar, aliases=self.aliases)


@asynccontextmanager
async def connected_reader(
    connection_id: str,
    settings: ConnectedServiceSettings,
    transfer_types: tuple[ObjectType, ...],
    aliases: Mapping[str, str] | None = None,
) -> AsyncIterator[LedgerReader]:
    """A reader on the connection's ledger, built as the services build their connectors: the
    credentials from prefs-api's internal API, the vendor endpoints and QBO lane of ``settings``,
    and the ledger's request budget shared with the services through PostgreSQL."""
    timeout = httpx.Timeout(settings.vendor_timeout_seconds)
    async with (
        httpx.AsyncClient(base_url=settings.prefs_url, timeout=timeout) as prefs_http,
        httpx.AsyncClient(timeout=timeout) as vendor_http,
    ):
        prefs = PrefsClient(prefs_http, internal_token=settings.internal_token)
        budgets = PostgresLedgerBudgets.for_url(settings.database.url, lease_seconds=settings.qbo_lease_seconds())
        try:
            context = LedgerContext(
                http=vendor_http,
                credentials=prefs,
                endpoints=ledger_endpoints(settings, limits={LedgerKind.QUICKBOOKS_ONLINE: settings.qbo_limits()}),
                budgets=budgets,
                timeout=settings.vendor_timeout_seconds,
            )
            connector = build_ledger(await prefs.connection(connection_id), context)
            yield LedgerReader(connector, transfer_types, aliases=aliases)
        finally:
            await budgets.close()
