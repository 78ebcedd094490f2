"""SQL statements the engine's store runs for one decided change and for one outcome, counted on
a real PostgreSQL (``before_cursor_execute``), independent of the machine's load.

``python -m bench.engine_statements`` (``LB_DATABASE__URL`` of a database migrated with the
engine's Alembic history, as ``make migrate`` or the test fixtures leave it). The change is a new
BILL vendor decided into one create command (the store part of ``apply_plan``: parked cleared,
link written, command journaled); the outcome is posting's ``posted`` for that command
(``handle_outcome``: link completed, command closed, waiters released). The runner's own
statements (inbox insert, advisory lock, transaction and savepoint) are counted apart.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine

from ledgerbridge_common.canonical.models import ObjectType
from ledgerbridge_common.db.engine import make_engine, make_sessionmaker
from ledgerbridge_common.events import ChangeDetected, PostingRequested, Side, SyncOutcome, TargetRef, Topics
from ledgerbridge_common.events.envelope import Envelope
from ledgerbridge_common.events.models import Decision
from ledgerbridge_common.kafka.emitter import Emitter
from ledgerbridge_common.settings import DatabaseSettings
from sync_engine.adapters.store import SqlEngineStore
from sync_engine.domain.model import Baseline, LinkWrite, Plan
from sync_engine.handlers import Deps, apply_plan, handle_outcome


@dataclass
class Counts:
    connection_id: str
    change: int
    outcome: int
    statements: dict[str, list[str]]


@contextmanager
def counting(engine: AsyncEngine) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(" ".join(statement.split())[:90])

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)


class _NoPrefs:
    async def preferences(self, connection_id: str) -> Any:
        raise AssertionError("nothing parked: the outcome re-decides nothing")


def _deps() -> Deps:
    return Deps(prefs=_NoPrefs(), connectors=None, topics=Topics(), store_factory=SqlEngineStore)  # type: ignore[arg-type]


async def count(settings: DatabaseSettings, *, clean_up: bool = False) -> Counts:
    """``clean_up``: delete the rows made for the count (its own connection id) afterwards."""
    engine = make_engine(settings)
    sessions = make_sessionmaker(engine)
    conn = f"stmt-{uuid.uuid4().hex[:10]}"
    vendor, qbo_id, command_id = f"00901{uuid.uuid4().hex[:8]}", "58", f"cmd-{uuid.uuid4().hex}"
    change = ChangeDetected(
        side=Side.BILLCOM,
        object_type=ObjectType.VENDOR,
        object_id=vendor,
        operation="created",
        source_time=dt.datetime.now(dt.UTC),
        trigger="webhook",
    )
    source_ref = f"billcom:vendor:{vendor}"
    cmd = PostingRequested(
        command_id=command_id,
        target_side=Side.LEDGER,
        action="upsert",
        object_type=ObjectType.VENDOR,
        source_ref=source_ref,
        desired={"name": "Statement Paper"},
        decision=Decision(rule="one_side_changed", reason="new in BILL"),
        source_fingerprint="fp-b",
    )
    plan = Plan(
        commands=(cmd,),
        links=(
            LinkWrite(
                object_type=ObjectType.VENDOR,
                billcom_id=vendor,
                ledger_id=None,
                baselines=(Baseline(Side.BILLCOM, vendor, "fp-b", {"name": "Statement Paper"}),),
                pending_command_id=command_id,
            ),
        ),
    )
    outcome = SyncOutcome(
        command_id=command_id,
        status="posted",
        object_type=ObjectType.VENDOR,
        source_ref=source_ref,
        target_ref=TargetRef(side=Side.LEDGER, id=qbo_id),
        fingerprint="fp-l",
        written={"name": "Statement Paper", "side_status": {}},
    )
    deps = _deps()
    try:
        with counting(engine) as on_change:
            async with sessions() as session, session.begin():
                emitter = Emitter(source=Envelope.wrap(change, connection_id=conn), consumer="count")
                await apply_plan(conn, change, plan, SqlEngineStore(session), emitter, deps)
        with counting(engine) as on_outcome:
            async with sessions() as session, session.begin():
                emitter = Emitter(source=Envelope.wrap(outcome, connection_id=conn), consumer="count")
                await handle_outcome(conn, outcome, SqlEngineStore(session), emitter, deps)
        if clean_up:
            async with sessions() as session, session.begin():
                for table in ("engine.links", "engine.commands", "engine.parked"):
                    await session.execute(text(f"DELETE FROM {table} WHERE connection_id = :c"), {"c": conn})
    finally:
        await engine.dispose()
    statements = {"change": on_change, "outcome": on_outcome}
    return Counts(connection_id=conn, change=len(on_change), outcome=len(on_outcome), statements=statements)


def main() -> None:
    from ledgerbridge_common.settings import ServiceSettings

    counts = asyncio.run(count(ServiceSettings().database, clean_up=True))
    print(json.dumps({"change": counts.change, "outcome": counts.outcome, "statements": counts.statements}, indent=1))


if __name__ == "__main__":
    main()
