"""The posting handler against the real PostgreSQL schema, with a fake ledger (no Kafka)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from ledgerbridge_common.canonical.models import ObjectType
from ledgerbridge_common.db.inbox import record_message
from ledgerbridge_common.errors import ClosedPeriodError, RateLimitedError
from ledgerbridge_common.events.envelope import Envelope
from ledgerbridge_common.events.models import PostingRequested, SyncOutcome
from ledgerbridge_common.kafka.consumer import Emitter
from ledgerbridge_common.kafka.routing import Router
from posting_service.adapters.orm import inbox, posted_lines
from posting_service.adapters.repository import SqlPostingStore
from posting_service.execute import PostingDeps
from posting_service.handlers import routes
from tests.conftest import random_ref
from tests.integration.posting.ledger_lines import assert_every_posting_balances
from tests.support.fake_ledger import FakeLedger
from tests.unit.posting import builders as b
from tests.unit.posting.fakes import FakeConnectors

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]


class Harness:
    def __init__(self, sessions, connection_id: str) -> None:
        self.sessions = sessions
        self.connection_id = connection_id
        self.ledger = FakeLedger()
        self.deps = PostingDeps(
            connectors=FakeConnectors(self.ledger),
            sessions=sessions,
            postings_topic="postings",
            outcomes_topic="outcomes",
        )

    async def send(self, cmd: PostingRequested) -> list[tuple[str, Envelope]]:
        envelope = Envelope.wrap(cmd, connection_id=self.connection_id)
        emitter = Emitter(source=envelope, consumer="posting")
        async with self.sessions() as session, session.begin():
            assert await record_message(session, inbox, "posting", envelope.event_id)
            await Router(routes(self.deps))(envelope, session, emitter)
        return emitter.items

    async def post(self, cmd: PostingRequested) -> SyncOutcome:
        items = await self.send(cmd)
        outcomes = [env.event() for topic, env in items if topic == "outcomes"]
        assert len(outcomes) == 1
        outcome = outcomes[0]
        assert isinstance(outcome, SyncOutcome)
        return outcome

    def cmd(self, *args, **kw) -> PostingRequested:
        return b.command(*args, connection_id=self.connection_id, **kw)

    async def lines(self, command_id: str | None = None) -> list[tuple[str, str, Decimal, Decimal]]:
        query = select(posted_lines.c.kind, posted_lines.c.account_id, posted_lines.c.debit, posted_lines.c.credit)
        query = query.where(posted_lines.c.connection_id == self.connection_id)
        if command_id:
            query = query.where(posted_lines.c.command_id == command_id)
        async with self.sessions() as session:
            return [tuple(r) for r in await session.execute(query)]

    async def assert_every_posting_balances(self) -> None:
        assert await assert_every_posting_balances(self.sessions, self.connection_id) > 0


@pytest.fixture
def h(sessions, connection_id) -> Harness:
    return Harness(sessions, connection_id)


async def test_bill_posts_once_and_a_replayed_command_only_reemits_its_outcome(h: Harness):
    cmd = h.cmd("bill", b.ref("bill"), b.bill("56", amounts=("100.00", "20.00")))
    first = await h.post(cmd)
    assert first.status == "posted" and first.target_ref is not None
    assert first.written and first.written["id"] == first.target_ref.id
    assert first.source_fingerprint == cmd.source_fingerprint
    calls = len(h.ledger.calls)
    again = await h.post(cmd)
    assert again == first
    assert len(h.ledger.calls) == calls
    assert len(h.ledger.of_type(ObjectType.BILL)) == 1
    lines = await h.lines(cmd.command_id)
    assert sorted((a, d, c) for _, a, d, c in lines) == [
        ("33", Decimal("0.00"), Decimal("120.00")),
        ("70", Decimal("100.00"), Decimal("0.00")),
        ("71", Decimal("20.00"), Decimal("0.00")),
    ]


async def test_dependency_is_parked_then_released_when_it_posts(h: Harness):
    vendor_ref, bill_ref = b.ref("vendor"), b.ref("bill")
    bill_cmd = h.cmd("bill", bill_ref, b.bill(f"@ref:{vendor_ref}"), depends_on=[vendor_ref])
    parked = await h.post(bill_cmd)
    assert parked.status == "parked"
    assert parked.reason == f"waiting for vendor {vendor_ref.split(':')[2]} to be posted"
    assert h.ledger.of_type(ObjectType.BILL) == []

    released = await h.send(h.cmd("vendor", vendor_ref, b.vendor(random_ref("Acme"))))
    vendor_outcome = released[0][1].event()
    assert isinstance(vendor_outcome, SyncOutcome) and vendor_outcome.status == "posted"
    assert [topic for topic, _ in released] == ["outcomes", "postings"]
    republished = released[1][1].event()
    assert republished == bill_cmd

    posted = await h.post(bill_cmd)
    assert posted.status == "posted"
    (stored,) = h.ledger.of_type(ObjectType.BILL)
    assert vendor_outcome.target_ref is not None
    assert getattr(stored, "vendor_id", None) == vendor_outcome.target_ref.id
    async with h.sessions() as session:
        assert await SqlPostingStore(session).take_parked(h.connection_id, vendor_ref) == []


async def test_update_restates_lines_and_void_reverses_them(h: Harness):
    source = b.ref("bill_payment")
    created = await h.post(h.cmd("bill_payment", source, b.bill_payment("56", "145", "100.00")))
    updated = await h.post(h.cmd("bill_payment", source, b.bill_payment("56", "145", "80.00"), version="v2"))
    assert updated.target_ref == created.target_ref.model_copy(update={"concurrency_token": "1"})  # type: ignore[union-attr]
    voided = await h.post(h.cmd("bill_payment", source, None, action="void", version="v3"))
    assert voided.status == "posted"
    await h.assert_every_posting_balances()
    async with h.sessions() as session:
        assert await SqlPostingStore(session).source_net(h.connection_id, source) == {}


async def test_unbalanced_journal_is_refused_without_a_write(h: Harness):
    cmd = h.cmd("journal_entry", b.ref("fx"), b.journal(("Debit", "20", "a"), ("Credit", "19", "b")), action="journal")
    outcome = await h.post(cmd)
    assert outcome.status == "failed" and outcome.error and outcome.error.code == "unbalanced"
    assert h.ledger.calls == []


async def test_closed_books_fail_with_a_bookkeeper_reason_and_a_replay_can_succeed(h: Harness):
    cmd = h.cmd("bill", b.ref("bill"), b.bill("56"))
    h.ledger.inject("create", ClosedPeriodError("Account Period Closed", code="6210"))
    failed = await h.post(cmd)
    assert failed.status == "failed" and failed.error and not failed.error.retryable
    assert failed.reason and "books are closed in QuickBooks Online for 2026-11-20" in failed.reason
    posted = await h.post(cmd)
    assert posted.status == "posted" and posted.attempts == 2


async def test_rate_limit_is_raised_for_the_runner_and_leaves_no_trace_but_the_attempt(h: Harness):
    cmd = h.cmd("bill", b.ref("bill"), b.bill("56"))
    h.ledger.inject("create", RateLimitedError("429", retry_after=0.1))
    with pytest.raises(RateLimitedError):
        await h.send(cmd)
    async with h.sessions() as session:
        journal = await SqlPostingStore(session).get_command(cmd.command_id)
    assert journal is not None and journal.status == "in_flight" and journal.attempts == 1
    assert (await h.post(cmd)).status == "posted"


async def test_timeout_after_commit_posts_exactly_once(h: Harness):
    cmd = h.cmd("bill", b.ref("bill"), b.bill("56"))
    h.ledger.inject("create", "timeout_after_commit")
    outcome = await h.post(cmd)
    assert outcome.status == "posted"
    assert len(h.ledger.of_type(ObjectType.BILL)) == 1
