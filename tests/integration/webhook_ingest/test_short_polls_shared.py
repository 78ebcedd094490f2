"""Two webhook-ingest processes on one database share each connection's last short poll: for
each interval only one of them lists BILL's eventless types."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from ledgerbridge_common.connectors.billcom.events import EVENTLESS_TYPES
from ledgerbridge_common.db.engine import make_engine, make_sessionmaker
from ledgerbridge_common.events.topics import Topics
from ledgerbridge_common.prefs_client import ConnectionPreferences
from ledgerbridge_common.settings import DatabaseSettings
from tests.unit.webhook_ingest.fakes import FakeBillcom, FakeConnectors, FakePrefs, FakePublisher, connection
from webhook_ingest.adapters.watermarks import SqlAlchemySweepStateStore
from webhook_ingest.sweeper.polls import ShortPolls
from webhook_ingest.sweeper.sweep import SweepDeps

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]
NOW = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
async def engines(db_settings: DatabaseSettings) -> AsyncIterator[list[AsyncEngine]]:
    made = [make_engine(db_settings) for _ in range(2)]
    yield made
    for engine in made:
        await engine.dispose()


async def test_two_pollers_on_one_database_poll_once_per_interval(engines: list[AsyncEngine]) -> None:
    conn = connection(f"conn-poll-{uuid.uuid4().hex[:10]}")
    prefs = ConnectionPreferences(
        connection_id=conn.connection_id,
        version=1,
        ledger_kind="quickbooks_online",
        ready=True,
        poll_interval_minutes=5,
    )
    billcom = FakeBillcom()
    pollers = []
    for engine in engines:
        state = SqlAlchemySweepStateStore(make_sessionmaker(engine))
        deps = SweepDeps(FakePrefs([conn]), FakeConnectors(billcom, None), state, FakePublisher(), Topics())  # type: ignore[arg-type]
        pollers.append(ShortPolls(deps))
    await pollers[0].deps.state.set_watermark(
        conn.connection_id, "billcom", EVENTLESS_TYPES, NOW - dt.timedelta(hours=1)
    )
    connections = [(conn, prefs)]

    for minutes in (0, 2, 5, 9, 10):
        at = NOW + dt.timedelta(minutes=minutes)
        await asyncio.gather(*(p.run_due(connections, at) for p in pollers))
    polls = len(billcom.list_calls) / len(EVENTLESS_TYPES)
    assert polls == 3  # at 0, 5 and 10 minutes, by one process each time
