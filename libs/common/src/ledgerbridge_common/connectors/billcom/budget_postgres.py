"""``BillBudgets`` in PostgreSQL, shared by every process and replica that calls BILL.

It reuses the ledger budget's machinery (``connectors/budget_postgres.py``, schema
``ledger_budget``): the (devKey, organization)'s 3 concurrency slots are lease rows of
``ledger_budget.leases`` under the kind ``billcom``, and a ``BDC_1322`` pause is its cool-down.
The devKey's clock hour is one row per lane (``requests``, ``logins``) of
``ledger_budget.bill_hours``: a request charges it with one conditional upsert, which the database
clock orders across processes; the row starts again at 1 when the hour it holds is over
(``date_bin`` of the window, so the reset falls at the top of the hour as BILL's does).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from ledgerbridge_common.connectors.billcom.budget import BillLimits, BillUsage, dev_key_id, spent_error
from ledgerbridge_common.connectors.budget import LedgerLimits
from ledgerbridge_common.connectors.budget_postgres import PostgresLedgerBudget, PostgresLedgerBudgets
from ledgerbridge_common.errors import InfrastructureError
from ledgerbridge_common.metrics import (
    BILL_BUDGET_FORECAST_RATIO,
    BILL_BUDGET_USED_RATIO,
    BILL_BUDGET_WINDOW_END,
)

BILL_KIND = "billcom"
_BIN = "date_bin(make_interval(secs => :window), clock_timestamp(), TIMESTAMPTZ '2000-01-01 00:00:00+00')"
_CHARGE = text(f"""
    INSERT INTO ledger_budget.bill_hours AS h (
        dev_key_id, lane, window_start, window_seconds, used, hourly_limit, allowed)
    VALUES (:key, :lane, {_BIN}, :window, 1, :limit, :allowed)
    ON CONFLICT (dev_key_id, lane) DO UPDATE
    SET used = CASE WHEN h.window_start = excluded.window_start THEN h.used + 1 ELSE 1 END,
        window_start = excluded.window_start, window_seconds = excluded.window_seconds,
        hourly_limit = excluded.hourly_limit, allowed = excluded.allowed
    WHERE h.window_start <> excluded.window_start OR h.used < :allowed
    RETURNING used, extract(epoch FROM window_start)::float8 AS start
""")  # noqa: S608 - constant fragments only
_SPENT = text(f"""
    INSERT INTO ledger_budget.bill_hours AS h (
        dev_key_id, lane, window_start, window_seconds, used, hourly_limit, allowed)
    VALUES (:key, :lane, {_BIN}, :window, :allowed, :limit, :allowed)
    ON CONFLICT (dev_key_id, lane) DO UPDATE
    SET used = greatest(CASE WHEN h.window_start = excluded.window_start THEN h.used ELSE 0 END, :allowed),
        window_start = excluded.window_start
""")  # noqa: S608 - constant fragments only
_RESUMES_AT = text(f"SELECT extract(epoch FROM {_BIN})::float8 + :window")  # noqa: S608 - constant
_USAGE = text("""
    SELECT dev_key_id, lane, extract(epoch FROM window_start)::float8 AS start, window_seconds, used,
           hourly_limit, allowed
    FROM ledger_budget.bill_hours
    WHERE window_start + make_interval(secs => window_seconds) > clock_timestamp()
    ORDER BY dev_key_id, lane
""")


class PostgresBillBudget:
    def __init__(self, owner: PostgresBillBudgets, dev_key: str, organization_id: str, limits: BillLimits) -> None:
        self.owner = owner
        self.dev_key_id = dev_key_id(dev_key)
        self.limits = limits
        self.slots: PostgresLedgerBudget = owner.ledger.get(
            BILL_KIND, f"{self.dev_key_id}:{organization_id}", LedgerLimits(concurrent=limits.concurrent)
        )

    def _lane(self, lane: str) -> dict[str, Any]:
        limits = self.limits
        login = lane == "logins"
        return {
            "key": self.dev_key_id,
            "lane": lane,
            "window": limits.window_seconds,
            "limit": limits.login_hourly if login else limits.hourly,
            "allowed": limits.logins_allowed if login else limits.requests_allowed,
        }

    async def _charge(self, conn: AsyncConnection, lane: str) -> tuple[int, float] | None:
        row = (await conn.execute(_CHARGE, self._lane(lane))).one_or_none()
        return None if row is None else (int(row[0]), float(row[1]))

    async def charge(self, *, login: bool) -> None:
        """One request (and one login) of this hour, or :class:`BudgetSpentError`."""
        try:
            async with self.owner.ledger.engine.begin() as conn:  # a spent lane rolls both back
                used = await self._charge(conn, "requests")
                login_used = await self._charge(conn, "logins") if login and used is not None else 0
                if used is None or login_used is None:
                    resumes_at = (await conn.execute(_RESUMES_AT, self._lane("requests"))).scalar_one()
                    raise spent_error(float(resumes_at), login=used is not None)
        except (DBAPIError, OSError) as exc:
            raise InfrastructureError(f"BILL budget unavailable (PostgreSQL): {exc}", code="database") from exc
        count, start = used
        limits = self.limits
        usage = BillUsage(
            self.dev_key_id,
            start,
            limits.window_seconds,
            count,
            0,
            limits.hourly,
            limits.login_hourly,
            limits.requests_allowed,
        )
        BILL_BUDGET_USED_RATIO.labels(self.dev_key_id).set(count / self.limits.hourly)
        BILL_BUDGET_FORECAST_RATIO.labels(self.dev_key_id).set(usage.forecast() / self.limits.hourly)
        BILL_BUDGET_WINDOW_END.labels(self.dev_key_id).set(start + limits.window_seconds)

    @asynccontextmanager
    async def slot(self, *, login: bool = False) -> AsyncIterator[None]:
        async with self.slots.slot():
            await self.charge(login=login)
            yield

    async def spent(self, *, login: bool = False) -> None:
        try:
            async with self.owner.ledger.engine.begin() as conn:
                await conn.execute(_SPENT, self._lane("logins" if login else "requests"))
        except (DBAPIError, OSError) as exc:
            raise InfrastructureError(f"BILL budget unavailable (PostgreSQL): {exc}", code="database") from exc

    async def cool_down(self, seconds: float) -> None:
        """After ``BDC_1322`` (another caller of the organization outside LedgerBridge)."""
        await self.slots.cool_down(seconds)


class PostgresBillBudgets:
    """The ``BillBudgets`` adapter over the ledger budget's PostgreSQL engine and leases."""

    def __init__(self, ledger: PostgresLedgerBudgets) -> None:
        self.ledger = ledger
        self._budgets: dict[tuple[str, str], PostgresBillBudget] = {}

    def get(self, dev_key: str, organization_id: str, limits: BillLimits) -> PostgresBillBudget:
        key = (dev_key, organization_id)
        budget = self._budgets.get(key)
        if budget is None or budget.limits != limits:
            budget = self._budgets[key] = PostgresBillBudget(self, dev_key, organization_id, limits)
        return budget

    async def usage(self) -> list[BillUsage]:
        try:
            async with self.ledger.engine.connect() as conn:
                rows = (await conn.execute(_USAGE)).mappings().all()
        except (DBAPIError, OSError) as exc:
            raise InfrastructureError(f"BILL budget unavailable (PostgreSQL): {exc}", code="database") from exc
        by_key: dict[str, dict[str, Any]] = {}
        for row in rows:
            by_key.setdefault(row["dev_key_id"], {})[row["lane"]] = row
        result = []
        for key, lanes in by_key.items():
            requests, logins = lanes.get("requests"), lanes.get("logins")
            first = requests or logins
            assert first is not None
            hourly = int(requests["hourly_limit"]) if requests else 0
            login_limit = int(logins["hourly_limit"]) if logins else 0
            allowed = int(requests["allowed"]) if requests else hourly
            used = int(requests["used"]) if requests else 0
            logins_used = int(logins["used"]) if logins else 0
            start, window = float(first["start"]), float(first["window_seconds"])
            result.append(BillUsage(key, start, window, used, logins_used, hourly, login_limit, allowed))
        return result
