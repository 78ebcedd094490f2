"""The ops commands' own BILL calls (``ledgerbridge check``'s sign-in, ``billcom-subscribe``) are
charged to the same hour of the devKey as the services' calls: BILL counts every call of a devKey
together (``../shared/reference/billcom.md`` §1.3), so they go through ``PostgresBillBudgets`` in
the deployment's database (``LB_DATABASE__URL``), not a budget of this process.
``ledgerbridge status`` makes no BILL call of its own (prefs-api's readiness and budget answers
are charged there)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from ledgerbridge_common.connectors.billcom.budget_postgres import PostgresBillBudgets
from ledgerbridge_common.connectors.budget_postgres import PostgresLedgerBudgets
from ledgerbridge_ops.settings import CheckSettings


@asynccontextmanager
async def shared_bill_budgets(settings: CheckSettings) -> AsyncIterator[PostgresBillBudgets]:
    """The deployment's shared BILL budget, over a small pool of its own closed on exit."""
    ledger = PostgresLedgerBudgets.for_url(settings.database.url, pool_size=1)
    try:
        yield PostgresBillBudgets(ledger)
    finally:
        await ledger.close()
