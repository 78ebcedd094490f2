"""``LedgerBudgets`` in PostgreSQL: one budget per ledger company (ledger kind, company id) shared
by every process that calls it (posting, the engine, ingest's sweeper, prefs-api, and their
replicas), because the vendor counts them together. Schema ``ledger_budget`` (Alembic history in
``budget_migrations/``, run by each of those services at start-up) holds, per company:

* ``companies``: the three GCRA lanes' ``tat`` (minute, second, batch) and ``resume_at`` (after an
  over-limit answer); a request is scheduled in one transaction (``SELECT ... FOR UPDATE``, then
  ``UPDATE``; :func:`budget.schedule` is the same arithmetic), so the database clock orders every
  process's requests; a lane the limits do not declare is left alone;
* ``leases``: ``concurrent`` slot rows; a request holds one (``FOR UPDATE SKIP LOCKED``) from
  before it is scheduled until its response, with an expiry so a crashed holder frees it.

A caller that wakes too late after its send time books again (``budget.wait_for_turn``); its
wait is measured on this process's monotonic clock from the booking statement's answer, so it never
sends before the database's send time (a slow answer is lateness the re-check cannot see).

A request costs five short statements (about 1 ms each on a local server). When PostgreSQL is
down, taking a slot raises :class:`InfrastructureError` (nothing was sent; the consumer retries
until it is back); giving one back never fails the request (its lease expires instead).
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import socket
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from ledgerbridge_common.connectors.budget import (
    Clock,
    Lane,
    LedgerLimits,
    Sleep,
    cooldown_for,
    late_grace,
    wait_for_turn,
)
from ledgerbridge_common.db.engine import pooled_engine
from ledgerbridge_common.errors import InfrastructureError

log = logging.getLogger(__name__)

BUDGET_MIGRATIONS_DIR = Path(__file__).parent / "budget_migrations"

_KEY = "ledger_kind = :kind AND company_id = :company"
_ENSURE = text("""
    INSERT INTO ledger_budget.companies (ledger_kind, company_id) VALUES (:kind, :company)
    ON CONFLICT (ledger_kind, company_id) DO NOTHING
""")
_ENSURE_SLOTS = text("""
    INSERT INTO ledger_budget.leases (ledger_kind, company_id, slot)
    SELECT :kind, :company, n FROM generate_series(0, :slots - 1) AS n
    ON CONFLICT (ledger_kind, company_id, slot) DO NOTHING
""")
_TAKE = text(f"""
    UPDATE ledger_budget.leases
    SET holder = :holder, expires_at = clock_timestamp() + make_interval(secs => :ttl)
    WHERE {_KEY}
      AND slot = (SELECT slot FROM ledger_budget.leases
                  WHERE {_KEY} AND slot < :slots
                    AND (holder IS NULL OR expires_at < clock_timestamp())
                  ORDER BY slot LIMIT 1 FOR UPDATE SKIP LOCKED)
    RETURNING slot
""")  # noqa: S608 - constant fragments only
_LANES = text(f"""
    SELECT greatest(clock_timestamp(), resume_at,
                    CASE WHEN :use_minute THEN minute_tat - make_interval(secs => :minute_tolerance) END,
                    CASE WHEN :use_second THEN second_tat - make_interval(secs => :second_tolerance) END,
                    CASE WHEN :use_batch THEN batch_tat - make_interval(secs => :batch_tolerance) END) AS send_at
    FROM ledger_budget.companies WHERE {_KEY} FOR UPDATE
""")  # noqa: S608 - constant fragments only
_ADVANCE = text(f"""
    UPDATE ledger_budget.companies
    SET minute_tat = CASE WHEN :use_minute
                          THEN greatest(minute_tat, :send_at) + make_interval(secs => :minute_interval)
                          ELSE minute_tat END,
        second_tat = CASE WHEN :use_second
                          THEN greatest(second_tat, :send_at) + make_interval(secs => :second_interval)
                          ELSE second_tat END,
        batch_tat = CASE WHEN :use_batch
                         THEN greatest(batch_tat, :send_at) + make_interval(secs => :batch_interval)
                         ELSE batch_tat END
    WHERE {_KEY}
    RETURNING greatest(0, extract(epoch FROM :send_at - clock_timestamp()))::float8 AS wait
""")  # noqa: S608 - constant fragments only
_EXTEND = text(f"""
    UPDATE ledger_budget.leases SET expires_at = clock_timestamp() + make_interval(secs => :ttl)
    WHERE {_KEY} AND slot = :slot AND holder = :holder
""")  # noqa: S608 - constant fragments only
_GIVE_BACK = text(f"""
    UPDATE ledger_budget.leases SET holder = NULL, expires_at = NULL
    WHERE {_KEY} AND slot = :slot AND holder = :holder
""")  # noqa: S608 - constant fragments only
_COOL_DOWN = text(f"""
    UPDATE ledger_budget.companies
    SET resume_at = greatest(resume_at, clock_timestamp() + make_interval(secs => :seconds))
    WHERE {_KEY}
""")  # noqa: S608 - constant fragments only

_LANE_NAMES = ("minute", "second", "batch")


def _lane_params(lanes: tuple[Lane | None, Lane | None, Lane | None], batch: bool) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for name, lane in zip(_LANE_NAMES, lanes, strict=True):
        use = lane is not None and (batch or name != "batch")
        params[f"use_{name}"] = use
        params[f"{name}_interval"] = lane.interval if lane else 0.0
        params[f"{name}_tolerance"] = lane.tolerance if lane else 0.0
    return params


class PostgresLedgerBudget:
    def __init__(self, owner: PostgresLedgerBudgets, ledger_kind: str, company_id: str, limits: LedgerLimits) -> None:
        self.owner = owner
        self.key = {"kind": ledger_kind, "company": company_id}
        self.limits = limits
        lanes = limits.lanes()
        self._lanes = (lanes.minute, lanes.second, lanes.batch)
        self._ready = False

    async def _ensure(self) -> None:
        if not self._ready:
            async with self.owner.engine.begin() as conn:
                await conn.execute(_ENSURE, self.key)
                await conn.execute(_ENSURE_SLOTS, {**self.key, "slots": self.limits.concurrent})
            self._ready = True

    async def _take(self) -> int:
        """A concurrency slot: poll (25 ms, doubling to 200 ms) until one is free or expired."""
        pause = 0.025
        params = {**self.key, "slots": self.limits.concurrent, "holder": self.owner.holder,
                  "ttl": self.owner.lease_seconds}  # fmt: skip
        while True:
            async with self.owner.engine.begin() as conn:
                slot = (await conn.execute(_TAKE, params)).scalar_one_or_none()
            if slot is not None:
                return int(slot)
            await asyncio.sleep(pause)
            pause = min(pause * 2, 0.2)

    async def _schedule(self, slot: int, batch: bool) -> float:
        """The send time on the owner's clock; the lease is extended to cover the wait."""
        async with self.owner.engine.begin() as conn:
            lanes = {**self.key, **_lane_params(self._lanes, batch)}
            send_at = (await conn.execute(_LANES, lanes)).scalar_one()
            wait = (await conn.execute(_ADVANCE, {**lanes, "send_at": send_at})).scalar_one()
            answered_at = self.owner.clock()
            if wait > 1:
                await conn.execute(
                    _EXTEND,
                    {**self.key, "slot": slot, "holder": self.owner.holder,
                     "ttl": wait + self.owner.lease_seconds},
                )  # fmt: skip
        return answered_at + float(wait) if wait > 0 else -math.inf

    async def _give_back(self, slot: int) -> None:
        try:
            async with self.owner.engine.begin() as conn:
                await conn.execute(_GIVE_BACK, {**self.key, "slot": slot, "holder": self.owner.holder})
        except (DBAPIError, OSError):
            log.warning("could not give back budget slot %s of %s; it expires by itself", slot, self.key)

    @asynccontextmanager
    async def slot(self, *, batch: bool = False) -> AsyncIterator[None]:
        try:
            await self._ensure()
            taken = await self._take()
        except (DBAPIError, OSError) as exc:
            raise InfrastructureError(f"ledger budget unavailable (PostgreSQL): {exc}", code="database") from exc
        used = [(i, lane) for i, lane in enumerate(self._lanes) if lane is not None and (batch or i != 2)]

        async def book() -> float:
            try:
                return await self._schedule(taken, batch)
            except (DBAPIError, OSError) as exc:
                raise InfrastructureError(f"ledger budget unavailable (PostgreSQL): {exc}", code="database") from exc

        try:
            await wait_for_turn(book, late_grace(used), clock=self.owner.clock, sleep=self.owner.sleep)
            yield
        finally:
            await self._give_back(taken)

    async def cool_down(self, seconds: float | None = None) -> None:
        pause = cooldown_for(self.limits, seconds)
        try:
            await self._ensure()
            async with self.owner.engine.begin() as conn:
                await conn.execute(_COOL_DOWN, {**self.key, "seconds": pause})
        except (DBAPIError, OSError):
            log.warning("could not record the cool-down of %s", self.key)


class PostgresLedgerBudgets:
    """The ``LedgerBudgets`` adapter over PostgreSQL. ``engine`` should be a small pool of its own
    (a handler holding a connection of the main pool must never wait for this one)."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        lease_seconds: float = 45.0,
        holder: str | None = None,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.sleep = sleep
        self.lease_seconds = lease_seconds
        """How long a slot stays taken if its holder dies: more than a request's timeout."""
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._companies: dict[tuple[str, str], PostgresLedgerBudget] = {}

    @classmethod
    def for_url(cls, database_url: str, *, pool_size: int = 2, lease_seconds: float = 45.0) -> PostgresLedgerBudgets:
        """With a pool of its own (call :meth:`close` at shutdown)."""
        engine = pooled_engine(database_url, pool_size=pool_size, max_overflow=8)
        return cls(engine, lease_seconds=lease_seconds)

    async def close(self) -> None:
        await self.engine.dispose()

    def get(self, ledger_kind: str, company_id: str, limits: LedgerLimits) -> PostgresLedgerBudget:
        key = (ledger_kind, company_id)
        budget = self._companies.get(key)
        if budget is None or budget.limits != limits:
            budget = self._companies[key] = PostgresLedgerBudget(self, ledger_kind, company_id, limits)
        return budget
