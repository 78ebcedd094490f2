"""The backlog path: when one poll holds more than ``threshold`` independent creates for a
connection, post them through ``LedgerConnector.batch()`` before the records are handled one by one.

Design: ``BatchPoster`` is the shared ``ConsumerRunner``'s partition pre-pass (its ``prepass``
hook): it runs over each partition's fetched records before they are handled one by one (the
per-record API, inbox, outcome publishing and offset commits are the runner's). The pre-pass
writes, for each item the batch posted, the ref, the double-entry lines and the journal row with
its outcome, in one transaction per chunk. The regular
per-record handler then finds the command journaled as posted and re-emits that outcome without a
write, so a crash anywhere in between is replay safe. Items the batch refused (or everything, if the
call failed) simply take the per-record path, which looks the object up by tag before creating.

While more records wait in the partition than the poll brought, a last chunk short of ``size`` is
left for the next poll (the runner seeks back to it), so a backlog goes out in whole batches: the
batch-call limit (40/min), not the poll size, sets the pace.

Eligible: ledger upsert/transfer/journal commands whose source ref has never been journaled nor
posted, the first record for that source ref in the poll, and whose placeholders and
``depends_on`` are either already posted or other eligible items. Chunks hold at most ``size``
items and never an item and one it depends on (those go to a later chunk, resolved after it posts).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

from aiokafka import ConsumerRecord

from ledgerbridge_common.canonical.models import CanonicalObject, JournalEntry, parse_canonical
from ledgerbridge_common.connectors.ports import BatchItem
from ledgerbridge_common.events.envelope import Envelope
from ledgerbridge_common.events.models import PostingRequested, Side, deterministic_id
from posting_service.adapters import repository as repo
from posting_service.domain.batch_plan import Candidate, plan_chunks
from posting_service.domain.placeholders import find_placeholders, resolve
from posting_service.execute import PostingDeps, record_posted, request_id_for, tag_for
from posting_service.metrics import BATCH_ITEMS
from posting_service.writers import WriteResult

log = logging.getLogger(__name__)
BATCHABLE_ACTIONS = frozenset({"upsert", "transfer", "journal"})


def _needs(cmd: PostingRequested) -> frozenset[str]:
    return frozenset(find_placeholders(cmd.desired)) | frozenset(cmd.depends_on)


def _commands(records: Sequence[ConsumerRecord[Any, Any]]) -> dict[str, list[tuple[int, PostingRequested]]]:
    """Per connection, the records (offset, command) that could go through a batch (first record
    per source ref)."""
    seen: dict[str, set[str]] = {}
    groups: dict[str, list[tuple[int, PostingRequested]]] = {}
    for record in records:
        try:
            envelope = Envelope.from_bytes(record.value)
            if envelope.type != PostingRequested.event_type:
                continue
            cmd = envelope.event()
        except ValueError:
            continue
        assert isinstance(cmd, PostingRequested)
        refs = seen.setdefault(envelope.connection_id, set())
        first = cmd.source_ref not in refs
        refs.add(cmd.source_ref)
        if (
            first
            and cmd.target_side is Side.LEDGER
            and cmd.action in BATCHABLE_ACTIONS
            and cmd.desired is not None
            and cmd.target_id is None
        ):
            groups.setdefault(envelope.connection_id, []).append((record.offset, cmd))
    return groups


class BatchPoster:
    def __init__(self, deps: PostingDeps, *, threshold: int = 5, size: int = 30) -> None:
        self.deps = deps
        self.threshold = threshold
        self.size = size
        """Items per batch call, at most the ledger's declared ``capabilities.batch_size``."""
        self.batches = 0

    async def prepare(self, records: Sequence[ConsumerRecord[Any, Any]], *, more_waiting: bool = False) -> int | None:
        """Post the batchable commands of one partition's records. With ``more_waiting`` (the
        partition holds more records than this poll brought), a last chunk short of ``size`` is
        not posted: the offset of its first record is returned, and the caller leaves that record
        and those after it for the next poll, where they fill a whole batch with what follows."""
        groups = {conn: group for conn, group in _commands(records).items() if len(group) > self.threshold}
        offsets = {cmd.command_id: offset for group in groups.values() for offset, cmd in group}
        # connections sharing a partition go in parallel: each has its own ledger budget
        deferred = await asyncio.gather(
            *(self._post_connection(conn, [cmd for _, cmd in group], more_waiting) for conn, group in groups.items())
        )
        return min((offsets[command_id] for ids in deferred for command_id in ids), default=None)

    async def _eligible(self, connection_id: str, cmds: list[PostingRequested]) -> list[PostingRequested]:
        refs = [c.source_ref for c in cmds]
        needed = {r for c in cmds for r in _needs(c)}
        async with self.deps.sessions() as session:
            journaled = await self.deps.store(session).journaled_sources(connection_id, refs)
            posted = await self.deps.store(session).target_ids(connection_id, Side.LEDGER.value, [*refs, *needed])
        fresh = [c for c in cmds if c.source_ref not in journaled and c.source_ref not in posted]
        candidates = {c.source_ref for c in fresh}
        return [
            c
            for c in fresh
            if all(r in posted or r in candidates for r in _needs(c))
            and not (isinstance(obj := c.desired_object(), JournalEntry) and not obj.balanced)
        ]

    async def _post_connection(self, connection_id: str, cmds: list[PostingRequested], more_waiting: bool) -> list[str]:
        """Post the eligible commands chunk by chunk; the command ids of a deferred last chunk."""
        eligible = await self._eligible(connection_id, cmds)
        if len(eligible) <= self.threshold or await self.deps.gate.disconnected(connection_id):
            return []  # a disconnected connection's commands are parked on the per-record path
        try:
            ledger = await self.deps.connectors.ledger(connection_id)
        except Exception:  # the per-record path reports it
            log.warning("no ledger connector for batch posting; the per-record path takes over", exc_info=True)
            return []
        if ledger.capabilities.batch_size is None:
            return []  # a ledger without a batch call: every command goes the per-record path
        size = min(self.size, ledger.capabilities.batch_size)
        by_ref = {c.source_ref: c for c in eligible}
        chunks = plan_chunks([Candidate(c.command_id, c.source_ref, _needs(c)) for c in eligible], size=size)
        deferred: list[str] = []
        if more_waiting and chunks and len(chunks[-1]) < size:
            deferred = [c.key for c in chunks.pop()]  # the last level: nothing here depends on it
        try:
            for chunk in chunks:
                await self._post_chunk(connection_id, ledger, [by_ref[c.source_ref] for c in chunk])
        except Exception:  # the per-record path takes over, looking objects up by tag first
            log.warning("batch posting stopped; the per-record path takes over", exc_info=True)
            return []
        return deferred

    async def _post_chunk(self, connection_id: str, ledger: Any, chunk: list[PostingRequested]) -> int:
        async with self.deps.sessions() as session:
            ids = await self.deps.store(session).target_ids(
                connection_id, Side.LEDGER.value, {r for c in chunk for r in _needs(c)}
            )
        items: dict[str, tuple[PostingRequested, CanonicalObject]] = {}
        for cmd in chunk:
            assert cmd.desired is not None
            desired, missing = resolve(cmd.desired, ids)
            if not missing:
                items[f"b{len(items)}"] = (cmd, parse_canonical(cmd.object_type, desired))
        if not items:
            return 0
        marked = await repo.mark_attempts(
            self.deps.sessions, [(cmd, request_id_for(cmd.command_id)) for cmd, _ in items.values()], connection_id
        )
        batch = [BatchItem(item_id=key, obj=obj, tag=tag_for(cmd.source_ref)) for key, (cmd, obj) in items.items()]
        request_id = deterministic_id("batch", *(cmd.command_id for cmd, _ in items.values()))
        self.batches += 1
        results = await ledger.batch(batch, request_id=request_id)
        done = []
        for result in results:
            if result.item_id not in items or result.obj is None or result.error is not None:
                BATCH_ITEMS.labels("refused").inc()
                log.info("batch item %s not posted: %s", result.item_id, result.error)
                continue
            done.append((items[result.item_id][0], result.obj))
        async with self.deps.sessions() as session, session.begin():  # one transaction for the chunk
            for cmd, obj in done:
                await record_posted(
                    self.deps.store(session), cmd, connection_id, WriteResult(obj, wrote=True), marked[cmd.command_id]
                )
        BATCH_ITEMS.labels("posted").inc(len(done))
        return len(done)


def same_command_again(envelope: Envelope, group: list[Envelope]) -> bool:
    """A command already in the group starts a new transaction: its journal row is locked by the
    group's uncommitted write, and a retry journals its attempt from another connection."""
    command_id = envelope.payload.get("command_id")
    return command_id is not None and any(e.payload.get("command_id") == command_id for e in group)
