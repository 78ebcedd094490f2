"""SQL of the posting schema: refs, the commands journal, posted lines and parked commands.
``SqlPostingStore`` is the ``PostingStore`` adapter; ``mark_attempt(s)`` journal a write about to
be sent in a transaction of their own."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ledgerbridge_common.canonical.fingerprint import fingerprint
from ledgerbridge_common.canonical.models import CanonicalObject
from ledgerbridge_common.events.models import PostingRequested, SyncOutcome
from posting_service.adapters.orm import commands, ledger_refs, parked_commands, posted_lines
from posting_service.domain.lines import Line, check_balanced


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class CommandRow:
    command_id: str
    status: str
    attempts: int
    outcome: dict[str, Any] | None


@dataclass(frozen=True)
class RefRow:
    target_id: str
    concurrency_token: str | None
    last_fingerprint: str | None


def _command_values(cmd: PostingRequested, connection_id: str) -> dict[str, Any]:
    return {
        "command_id": cmd.command_id,
        "connection_id": connection_id,
        "source_ref": cmd.source_ref,
        "object_type": cmd.object_type.value,
        "action": cmd.action,
        "target_side": cmd.target_side.value,
    }


async def mark_attempt(
    sessions: async_sessionmaker[AsyncSession], cmd: PostingRequested, connection_id: str, request_id: str
) -> int:
    """Journal a write about to be sent, in its own committed transaction, so that even a crash
    mid-write leaves a trace (the next try then looks the object up before writing)."""
    async with sessions() as session, session.begin():
        stmt = insert(commands).values(
            **_command_values(cmd, connection_id), status="in_flight", request_id=request_id, attempts=1
        )
        upsert = stmt.on_conflict_do_update(
            index_elements=[commands.c.command_id],
            set_={"attempts": commands.c.attempts + 1, "status": "in_flight", "updated_at": _now()},
        ).returning(commands.c.attempts)
        return int((await session.execute(upsert)).scalar_one())


async def mark_attempts(
    sessions: async_sessionmaker[AsyncSession], cmds: list[tuple[PostingRequested, str]], connection_id: str
) -> dict[str, int]:
    """``mark_attempt`` for the items of one batch call (command, request id), in one statement;
    attempts by command id."""
    rows = [
        {**_command_values(cmd, connection_id), "status": "in_flight", "request_id": request_id, "attempts": 1}
        for cmd, request_id in cmds
    ]
    async with sessions() as session, session.begin():
        stmt = insert(commands).values(rows)
        upsert = stmt.on_conflict_do_update(
            index_elements=[commands.c.command_id],
            set_={"attempts": commands.c.attempts + 1, "status": "in_flight", "updated_at": _now()},
        ).returning(commands.c.command_id, commands.c.attempts)
        return {str(row.command_id): int(row.attempts) for row in await session.execute(upsert)}


class SqlPostingStore:
    """``PostingStore`` on PostgreSQL, inside the caller's transaction."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get_command(self, command_id: str) -> CommandRow | None:
        row = (
            await self.session.execute(
                select(commands.c.command_id, commands.c.status, commands.c.attempts, commands.c.outcome).where(
                    commands.c.command_id == command_id
                )
            )
        ).first()
        return None if row is None else CommandRow(row[0], row[1], row[2], row[3])

    async def save_command(
        self,
        cmd: PostingRequested,
        connection_id: str,
        outcome: SyncOutcome,
        *,
        error: str | None = None,
    ) -> None:
        target_id = outcome.target_ref.id if outcome.target_ref else None
        values = {
            "status": outcome.status,
            "target_id": target_id,
            "error": error,
            "outcome": outcome.model_dump(mode="json"),
            "attempts": outcome.attempts,
            "updated_at": _now(),
        }
        stmt = insert(commands).values(**_command_values(cmd, connection_id), **values)
        await self.session.execute(stmt.on_conflict_do_update(index_elements=[commands.c.command_id], set_=values))

    async def get_ref(self, connection_id: str, side: str, source_ref: str) -> RefRow | None:
        row = (
            await self.session.execute(
                select(ledger_refs.c.target_id, ledger_refs.c.concurrency_token, ledger_refs.c.last_fingerprint).where(
                    ledger_refs.c.connection_id == connection_id,
                    ledger_refs.c.target_side == side,
                    ledger_refs.c.source_ref == source_ref,
                )
            )
        ).first()
        return None if row is None else RefRow(row[0], row[1], row[2])

    async def target_ids(self, connection_id: str, side: str, source_refs: Iterable[str]) -> dict[str, str]:
        refs = list(source_refs)
        if not refs:
            return {}
        rows = await self.session.execute(
            select(ledger_refs.c.source_ref, ledger_refs.c.target_id).where(
                ledger_refs.c.connection_id == connection_id,
                ledger_refs.c.target_side == side,
                ledger_refs.c.source_ref.in_(refs),
            )
        )
        return {r[0]: r[1] for r in rows}

    async def save_ref(self, connection_id: str, side: str, cmd: PostingRequested, obj: CanonicalObject) -> None:
        assert obj.id is not None
        values = {
            "target_id": obj.id,
            "concurrency_token": obj.concurrency_token,
            "last_fingerprint": fingerprint(obj),
            "last_command_id": cmd.command_id,
            "updated_at": _now(),
        }
        stmt = insert(ledger_refs).values(
            connection_id=connection_id,
            target_side=side,
            source_ref=cmd.source_ref,
            object_type=cmd.object_type.value,
            **values,
        )
        await self.session.execute(stmt.on_conflict_do_update(constraint="uq_ledger_refs_source", set_=values))

    async def source_net(self, connection_id: str, source_ref: str) -> dict[str, Decimal]:
        """Debit minus credit per account of everything recorded so far for one source object."""
        rows = await self.session.execute(
            select(posted_lines.c.account_id, func.sum(posted_lines.c.debit - posted_lines.c.credit))
            .where(posted_lines.c.connection_id == connection_id, posted_lines.c.source_ref == source_ref)
            .group_by(posted_lines.c.account_id)
        )
        return {r[0]: Decimal(r[1]) for r in rows if r[1]}

    async def add_lines(self, connection_id: str, cmd: PostingRequested, lines: Sequence[tuple[str, Line]]) -> None:
        """Record one posting; its debits must equal its credits (refused otherwise)."""
        if not lines:
            return
        for kind in {k for k, _ in lines}:
            check_balanced(ln for k, ln in lines if k == kind)
        await self.session.execute(
            posted_lines.insert(),
            [
                {
                    "command_id": cmd.command_id,
                    "connection_id": connection_id,
                    "source_ref": cmd.source_ref,
                    "object_type": cmd.object_type.value,
                    "kind": kind,
                    "account_id": ln.account_id,
                    "debit": ln.debit,
                    "credit": ln.credit,
                }
                for kind, ln in lines
            ],
        )

    async def balances(self, connection_id: str) -> dict[str, Decimal]:
        rows = await self.session.execute(
            select(posted_lines.c.account_id, func.sum(posted_lines.c.debit - posted_lines.c.credit))
            .where(posted_lines.c.connection_id == connection_id)
            .group_by(posted_lines.c.account_id)
        )
        return {r[0]: Decimal(r[1]) for r in rows}

    async def park(self, cmd: PostingRequested, connection_id: str, waiting_for: list[str]) -> None:
        values = {"waiting_for": waiting_for, "command": cmd.model_dump(mode="json"), "parked_at": _now()}
        stmt = insert(parked_commands).values(
            command_id=cmd.command_id, connection_id=connection_id, source_ref=cmd.source_ref, **values
        )
        # parked again (a redelivery): keeps its first time, so release stays oldest first
        again = {"waiting_for": waiting_for, "command": values["command"]}
        await self.session.execute(
            stmt.on_conflict_do_update(index_elements=[parked_commands.c.command_id], set_=again)
        )

    async def unpark(self, command_id: str) -> None:
        await self.session.execute(delete(parked_commands).where(parked_commands.c.command_id == command_id))

    async def take_parked(self, connection_id: str, source_ref: str) -> list[PostingRequested]:
        """Remove and return, oldest first, the commands parked waiting for ``source_ref``."""
        rows = await self.session.execute(
            delete(parked_commands)
            .where(
                parked_commands.c.connection_id == connection_id,
                parked_commands.c.waiting_for.contains([source_ref]),
            )
            .returning(parked_commands.c.command, parked_commands.c.parked_at)
        )
        ordered = sorted(rows, key=lambda r: r[1])
        return [PostingRequested.model_validate(r[0]) for r in ordered]

    async def journaled_sources(self, connection_id: str, source_refs: Iterable[str]) -> set[str]:
        refs = list(source_refs)
        if not refs:
            return set()
        rows = await self.session.execute(
            select(commands.c.source_ref)
            .where(commands.c.connection_id == connection_id, commands.c.source_ref.in_(refs))
            .distinct()
        )
        return {r[0] for r in rows}
