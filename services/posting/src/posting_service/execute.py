"""Executing one ``PostingRequested`` command: resolve placeholders (or park), write through the
target's writer, record the ref, the journal and the double-entry lines, and build the outcome."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ledgerbridge_common.canonical.models import CanonicalObject, JournalEntry, parse_canonical
from ledgerbridge_common.connectors.factory import Connectors
from ledgerbridge_common.connectors.ports import DocumentAttachments
from ledgerbridge_common.errors import AuthRevokedError, PermanentError
from ledgerbridge_common.events.models import PostingRequested, Side, SyncOutcome
from ledgerbridge_common.events.refs import NAME_LISTS
from posting_service.adapters import repository as repo
from posting_service.adapters.ports import PostingStore
from posting_service.adapters.repository import SqlPostingStore
from posting_service.documents import attach_documents, takes_documents
from posting_service.domain import outcomes
from posting_service.domain.lines import lines_for, restatement, totals
from posting_service.domain.placeholders import find_placeholders, resolve
from posting_service.domain.reasons import parked_reason, reason_for, unbalanced_reason
from posting_service.lifecycle import ConnectionGate, OpenGate
from posting_service.writers import BillcomWriter, KnownRef, LedgerWriter, Writer, WriteResult

log = logging.getLogger(__name__)

VOIDS = frozenset({"void", "delete", "deactivate"})


@dataclass
class PostingDeps:
    connectors: Connectors
    sessions: async_sessionmaker[AsyncSession]
    postings_topic: str
    outcomes_topic: str
    stale_retries: int = 3
    rate_limit_wait_seconds: float = 60.0
    store: Callable[[AsyncSession], PostingStore] = SqlPostingStore
    """The ``PostingStore`` working in a given transaction."""
    gate: ConnectionGate = field(default_factory=OpenGate)
    """Whether a connection is disconnected (``lifecycle.py``); production wires prefs-api's."""


def tag_for(source_ref: str) -> str:
    return f"LB:{source_ref}"


def request_id_for(command_id: str) -> str:
    return command_id[:32]


async def _writer(deps: PostingDeps, cmd: PostingRequested, connection_id: str, attempts: int) -> Writer:
    """The target's writer; it journals each attempt before sending it and reports the count."""

    async def on_attempt() -> int:
        return await repo.mark_attempt(deps.sessions, cmd, connection_id, request_id_for(cmd.command_id))

    if cmd.target_side is Side.LEDGER:
        ledger = await deps.connectors.ledger(connection_id)
        return LedgerWriter(ledger, stale_retries=deps.stale_retries, on_attempt=on_attempt, attempts=attempts)
    return BillcomWriter(await deps.connectors.billcom(connection_id), on_attempt=on_attempt, attempts=attempts)


def _ledger_name(writer: Writer | None) -> str:
    """The ledger's name for sync-log reasons (its connector's ``capabilities.display_name``)."""
    if isinstance(writer, LedgerWriter):
        return writer.connector.capabilities.display_name
    return "the ledger"


async def _write(
    writer: Writer,
    cmd: PostingRequested,
    desired: CanonicalObject | None,
    known: KnownRef | None,
    *,
    lookup_tag: bool,
) -> WriteResult | None:
    rid = request_id_for(cmd.command_id)
    if cmd.action in VOIDS:
        if known is None:
            return None
        if cmd.action == "deactivate" or cmd.object_type in NAME_LISTS:
            return await writer.deactivate(cmd.object_type, known.target_id, request_id=rid)
        return await writer.void(cmd.object_type, known.target_id, request_id=rid)
    if desired is None:
        raise PermanentError(f"{cmd.action} command without a desired object", code="no_desired")
    return await writer.upsert(desired, known=known, request_id=rid, tag=tag_for(cmd.source_ref), lookup_tag=lookup_tag)


async def _documents(
    deps: PostingDeps, cmd: PostingRequested, connection_id: str, writer: Writer, result: WriteResult
) -> str | None:
    """A bill from BILL takes its documents along (``documents.py``); what was not attached."""
    if takes_documents(cmd) is None or not isinstance(writer, LedgerWriter):
        return None
    if not isinstance(writer.connector, DocumentAttachments):
        return None
    try:
        billcom = await deps.connectors.billcom(connection_id)
    except AuthRevokedError:  # no BILL login to read documents with
        return None
    return await attach_documents(cmd, result.obj, writer.connector, billcom, _ledger_name(writer))


async def record_posted(
    store: PostingStore,
    cmd: PostingRequested,
    connection_id: str,
    result: WriteResult,
    attempts: int,
    *,
    note: str | None = None,
) -> SyncOutcome:
    """Ref, double-entry lines and journal of a successful write, in the caller's transaction;
    ``note``: what of it could not be done (a document not attached)."""
    side = cmd.target_side.value
    await store.save_ref(connection_id, side, cmd, result.obj)
    if cmd.target_side is Side.LEDGER:
        new = [] if cmd.action in VOIDS else lines_for(result.obj)
        previous = await store.source_net(connection_id, cmd.source_ref)
        await store.add_lines(connection_id, cmd, restatement(previous, new))
    outcome = outcomes.posted(cmd, result.obj, attempts=attempts)
    if note:
        outcome = outcome.model_copy(update={"reason": note})
    await store.save_command(cmd, connection_id, outcome)
    return outcome


async def _refuse(store: PostingStore, cmd: PostingRequested, connection_id: str, outcome: SyncOutcome) -> SyncOutcome:
    await store.save_command(cmd, connection_id, outcome, error=outcome.reason)
    await store.unpark(cmd.command_id)
    return outcome


async def post_command(
    cmd: PostingRequested, connection_id: str, session: AsyncSession, deps: PostingDeps, *, attempts: int = 0
) -> SyncOutcome:
    """``attempts``: what the command's journal row counts already (a re-delivery or a retry)."""
    side = cmd.target_side.value
    store = deps.store(session)
    desired_json = cmd.desired
    if desired_json is not None:
        needed = find_placeholders(desired_json)
        desired_json, missing = resolve(desired_json, await store.target_ids(connection_id, side, needed))
        if missing:
            await store.park(cmd, connection_id, missing)
            outcome = outcomes.not_posted(
                cmd,
                "parked",
                reason=parked_reason(missing),
                code="dependency_missing",
                message=f"unresolved references: {', '.join(missing)}",
                attempts=attempts,
            )
            await store.save_command(cmd, connection_id, outcome)
            return outcome
    desired = None if desired_json is None else parse_canonical(cmd.object_type, desired_json)
    if isinstance(desired, JournalEntry) and not desired.balanced:
        debits, credits = totals(lines_for(desired))
        return await _refuse(
            store,
            cmd,
            connection_id,
            outcomes.not_posted(
                cmd,
                "failed",
                reason=unbalanced_reason(debits, credits),
                code="unbalanced",
                message=f"debits {debits} != credits {credits}",
                attempts=attempts,
            ),
        )
    ref = await store.get_ref(connection_id, side, cmd.source_ref)
    known = KnownRef(ref.target_id, ref.concurrency_token) if ref else None
    if known is None and cmd.target_id:
        known = KnownRef(cmd.target_id)
    writer: Writer | None = None
    try:
        writer = await _writer(deps, cmd, connection_id, attempts)
        # a write may exist under our tag only if one was ever sent (journaled before sending)
        tried = bool(await store.journaled_sources(connection_id, [cmd.source_ref]))
        result = await _write(writer, cmd, desired, known, lookup_tag=tried)
    except PermanentError as exc:
        log.warning("command %s refused: %s", cmd.command_id, exc)
        attempts = writer.attempts if writer is not None else attempts
        return await _refuse(
            store,
            cmd,
            connection_id,
            outcomes.not_posted(
                cmd,
                "failed",
                reason=reason_for(exc, cmd.object_type, desired_json, cmd.target_side, _ledger_name(writer)),
                code=exc.code or type(exc).__name__,
                message=str(exc),
                attempts=attempts,
                target_id=known.target_id if known else None,
            ),
        )
    attempts = writer.attempts
    if result is None:
        outcome = outcomes.not_posted(
            cmd,
            "skipped",
            reason="never posted, so there is nothing to void or deactivate",
            code="not_posted",
            message=f"no target object for {cmd.source_ref}",
            attempts=attempts,
        )
        return await _refuse(store, cmd, connection_id, outcome)
    await store.unpark(cmd.command_id)
    note = await _documents(deps, cmd, connection_id, writer, result)
    return await record_posted(store, cmd, connection_id, result, attempts, note=note)
