"""``RealmBudgets`` in PostgreSQL: one QBO budget per realm shared by every process that calls it
(posting, the engine, ingest's sweeper, prefs-api, and their replicas), because QBO counts them
together. Schema ``qbo_budget`` (Alembic history in ``budget_migrations/``, run by each of those
services at start-up) holds, per realm:

* ``realms``: the two GCRA lanes' ``tat`` and ``resume_at`` (after a 429); a request is scheduled
  in one transaction (``SELECT ... FOR UPDATE``, then ``UPDATE``; :func:`limits.schedule` is the
  same arithmetic), so the database clock orders every process's requests;
* ``leases``: ``concurrent`` slot rows; a request holds one (``FOR UPDATE SKIP LOCKED``) from
  before it is scheduled until its response, with an expiry so a crashed holder frees it.

A request costs five short statements (about 1 ms each on a local server). When PostgreSQL is
down, taking a slot raises :class:`InfrastructureError` (nothing was sent; the consumer retries
until it is back); giving one back never fails the request (its lease expires instead).
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from ledgerbridge_common.connectors.qbo.limits import QboLimits, cooldown_for
from ledgerbridge_common.errors import InfrastructureError

log = logging.getLogger(__name__)

BUDGET_MIGRATIONS_DIR = Path(__file__).parent / "budget_migrations"

_ENSURE = text("""
    INSERT INTO qbo_budget.realms (realm_id) VALUES (:realm) ON CONFLICT (realm_id) DO NOTHING
""")
_ENSURE_SLOTS = text("""
    INSERT INTO qbo_budget.leases (realm_id, slot)
    SELECT :realm, n FROM generate_series(0, :slots - 1) AS n
    ON CONFLICT (realm_id, slot) DO NOTHING
""")
_TAKE = text("""
    UPDATE qbo_budget.leases
    SET holder = :holder, expires_at = clock_timestamp() + make_interval(secs => :ttl)
    WHERE realm_id = :realm
      AND slot = (SELECT slot FROM qbo_budget.leases
                  WHERE realm_id = :realm AND slot < :slots
                    AND (holder IS NULL OR expires_at < clock_timestamp())
                  ORDER BY slot LIMIT 1 FOR UPDATE SKIP LOCKED)
    RETURNING slot
""")
_LANES = text("""
    SELECT greatest(clock_timestamp(), resume_at,
                    request_tat - make_interval(secs => :request_tolerance),
                    CASE WHEN :batch THEN batch_tat - make_interval(secs => :batch_tolerance) END) AS send_at
    FROM qbo_budget.realms WHERE realm_id = :realm FOR UPDATE
""")
_ADVANCE = text("""
    UPDATE qbo_budget.realms
    SET request_tat = greatest(request_tat, :send_at) + make_interval(secs => :request_interval),
        batch_tat = CASE WHEN :batch THEN greatest(batch_tat, :send_at) + make_interval(secs => :batch_interval)
                         ELSE batch_tat END
    WHERE realm_id = :realm
    RETURNING greatest(0, extract(epoch FROM :send_at - clock_timestamp()))::float8 AS wait
""")
_EXTEND = text("""
    UPDATE qbo_budget.leases SET expires_at = clock_timestamp() + make_interval(secs => :ttl)
    WHERE realm_id = :realm AND slot = :slot AND holder = :holder
""")
_GIVE_BACK = text("""
    UPDATE qbo_budget.leases SET holder = NULL, expires_at = NULL
    WHERE realm_id = :realm AND slot = :slot AND holder = :holder
""")
_COOL_DOWN = text("""
    UPDATE qbo_budget.realms
    SET resume_at = greatest(resume_at, clock_timestamp() + make_interval(secs => :seconds))
    WHERE realm_id = :realm
""")


class PostgresRealmBudget:
    def __init__(self, owner: PostgresRealmBudgets, realm_id: str, limits: QboLimits) -> None:
        self.owner = owner
        self.realm_id = realm_id
        self.limits = limits
        self._request_lane, self._batch_lane = limits.lanes()
        self._ready = False

    async def _ensure(self) -> None:
        if not self._ready:
            async with self.owner.engine.begin() as conn:
                await conn.execute(_ENSURE, {"realm": self.realm_id})
                await conn.execute(_ENSURE_SLOTS, {"realm": self.realm_id, "slots": self.limits.concurrent})
            self._ready = True

    async def _take(self) -> int:
        """A concurrency slot: poll (25 ms, doubling to 200 ms) until one is free or expired."""
        pause = 0.025
        params = {"realm": self.realm_id, "slots": self.limits.concurrent, "holder": self.owner.holder,
                  "ttl": self.owner.lease_seconds}  # fmt: skip
        while True:
            async with self.owner.engine.begin() as conn:
                slot = (await conn.execute(_TAKE, params)).scalar_one_or_none()
            if slot is not None:
                return int(slot)
            await asyncio.sleep(pause)
            pause = min(pause * 2, 0.2)

    async def _schedule(self, slot: int, batch: bool) -> float:
        """Seconds to wait before sending; the lease is extended to cover the wait."""
        async with self.owner.engine.begin() as conn:
            lanes = {
                "realm": self.realm_id,
                "batch": batch,
                "request_interval": self._request_lane.interval,
                "request_tolerance": self._request_lane.tolerance,
                "batch_interval": self._batch_lane.interval,
                "batch_tolerance": self._batch_lane.tolerance,
            }
            send_at = (await conn.execute(_LANES, lanes)).scalar_one()
            wait = (await conn.execute(_ADVANCE, {**lanes, "send_at": send_at})).scalar_one()
            if wait > 1:
                await conn.execute(
                    _EXTEND,
                    {"realm": self.realm_id, "slot": slot, "holder": self.owner.holder,
                     "ttl": wait + self.owner.lease_seconds},
                )  # fmt: skip
        return float(wait)

    async def _give_back(self, slot: int) -> None:
        try:
            async with self.owner.engine.begin() as conn:
                await conn.execute(_GIVE_BACK, {"realm": self.realm_id, "slot": slot, "holder": self.owner.holder})
        except (DBAPIError, OSError):
            log.warning("could not give back QBO slot %s of realm %s; it expires by itself", slot, self.realm_id)

    @asynccontextmanager
    async def slot(self, *, batch: bool = False) -> AsyncIterator[None]:
        try:
            await self._ensure()
            taken = await self._take()
        except (DBAPIError, OSError) as exc:
            raise InfrastructureError(f"QBO budget unavailable (PostgreSQL): {exc}", code="database") from exc
        try:
            try:
                wait = await self._schedule(taken, batch)
            except (DBAPIError, OSError) as exc:
                raise InfrastructureError(f"QBO budget unavailable (PostgreSQL): {exc}", code="database") from exc
            if wait > 0:
                await asyncio.sleep(wait)
            yield
        finally:
            await self._give_back(taken)

    async def cool_down(self, seconds: float | None = None) -> None:
        pause = cooldown_for(self.limits, seconds)
        try:
            await self._ensure()
            async with self.owner.engine.begin() as conn:
                await conn.execute(_COOL_DOWN, {"realm": self.realm_id, "seconds": pause})
        except (DBAPIError, OSError):
            log.warning("could not record the cool-down of realm %s", self.realm_id)


class PostgresRealmBudgets:
    """The ``RealmBudgets`` adapter over PostgreSQL. ``engine`` should be a small pool of its own
    (a handler holding a connection of the main pool must never wait for this one)."""

    def __init__(self, engine: AsyncEngine, *, lease_seconds: float = 45.0, holder: str | None = None) -> None:
        self.engine = engine
        self.lease_seconds = lease_seconds
        """How long a slot stays taken if its holder dies: more than a request's timeout."""
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._realms: dict[str, PostgresRealmBudget] = {}

    @classmethod
    def for_url(cls, database_url: str, *, pool_size: int = 2, lease_seconds: float = 45.0) -> PostgresRealmBudgets:
        """With a pool of its own (call :meth:`close` at shutdown)."""
        engine = create_async_engine(database_url, pool_size=pool_size, max_overflow=8, pool_pre_ping=True)
        return cls(engine, lease_seconds=lease_seconds)

    async def close(self) -> None:
        await self.engine.dispose()

    def get(self, realm_id: str, limits: QboLimits) -> PostgresRealmBudget:
        budget = self._realms.get(realm_id)
        if budget is None or budget.limits != limits:
            budget = self._realms[realm_id] = PostgresRealmBudget(self, realm_id, limits)
        return budget
