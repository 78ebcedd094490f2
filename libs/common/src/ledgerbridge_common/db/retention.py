"""Retention of dedupe rows: the webhook dedupe table and every ``processed_messages`` inbox.

A row is only useful while a copy of its message can still arrive: a record still in its Kafka
topic (``log.retention.hours=168`` in deploy/local/kafka.sh, Kafka's default) or a vendor retry
(QBO retries for hours, then every 6 hours: /work/shared/reference/qbo-api.md §1.7). Rows older
than ``RetentionSettings.days`` (default 30) are deleted in small batches, each its own short
transaction, so a purge never holds locks that webhook answers or consumers wait on."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import Table, text
from sqlalchemy.ext.asyncio import AsyncEngine

from ledgerbridge_common.settings import RetentionSettings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetentionRule:
    table: Table
    column: str
    """The row's timestamp (``processed_at``, ``received_at``)."""


def inbox_rule(table: Table) -> RetentionRule:
    return RetentionRule(table, "processed_at")


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def purge_batch(engine: AsyncEngine, rule: RetentionRule, *, before: dt.datetime, batch_size: int) -> int:
    """Delete at most ``batch_size`` rows older than ``before``; return how many."""
    name = f"{rule.table.schema}.{rule.table.name}" if rule.table.schema else rule.table.name
    column = rule.table.c[rule.column].name  # a column of our own table, never user input
    statement = text(
        f"delete from {name} where ctid = any(array("  # noqa: S608 - identifiers from our metadata
        f"select ctid from {name} where {column} < :before limit :batch))"
    )
    async with engine.begin() as conn:
        await conn.execute(text("set local statement_timeout = '30s'"))
        result = await conn.execute(statement, {"before": before, "batch": batch_size})
    return int(result.rowcount or 0)


async def purge(
    engine: AsyncEngine, rule: RetentionRule, *, before: dt.datetime, batch_size: int, pause_seconds: float = 0.0
) -> int:
    """Delete every row older than ``before``, ``batch_size`` rows per transaction."""
    total = 0
    while True:
        deleted = await purge_batch(engine, rule, before=before, batch_size=batch_size)
        total += deleted
        if deleted < batch_size:
            return total
        await asyncio.sleep(pause_seconds)


class RetentionTask:
    """Every ``settings.interval_seconds``, purge each rule's rows older than ``settings.days``.
    Start it in the service's lifespan and stop it on shutdown; a failed round is logged and the
    next one tries again."""

    def __init__(
        self,
        engine: AsyncEngine,
        rules: Sequence[RetentionRule],
        settings: RetentionSettings,
        *,
        clock: Callable[[], dt.datetime] = _utcnow,
    ) -> None:
        self._engine = engine
        self._rules = list(rules)
        self._settings = settings
        self._clock = clock
        self._task: asyncio.Task[None] | None = None

    async def run_once(self) -> dict[str, int]:
        before = self._clock() - dt.timedelta(days=self._settings.days)
        deleted: dict[str, int] = {}
        for rule in self._rules:
            deleted[rule.table.fullname] = await purge(
                self._engine,
                rule,
                before=before,
                batch_size=self._settings.batch_size,
                pause_seconds=self._settings.pause_seconds,
            )
        if any(deleted.values()):
            log.info("retention purge", extra={"deleted": deleted, "before": before.isoformat()})
        return deleted

    async def _run_forever(self) -> None:
        while True:
            try:
                await self.run_once()
            except Exception:  # PostgreSQL away: the next round tries again
                log.exception("retention purge failed")
            await asyncio.sleep(self._settings.interval_seconds)

    def start(self) -> None:
        if self._settings.enabled and self._task is None:
            self._task = asyncio.create_task(self._run_forever(), name="retention")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
