"""One contract for ``EngineStore``: the PostgreSQL adapter (inside a transaction, as the consumer
uses it) and the in-memory fake the unit tests use must behave the same."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from ledgerbridge_common.canonical.models import ObjectType
from ledgerbridge_common.db.engine import make_engine, make_sessionmaker
from ledgerbridge_common.events import Side
from ledgerbridge_common.settings import DatabaseSettings
from sync_engine.adapters.store import CommandRecord, EngineStore, InMemoryEngineStore, SqlEngineStore
from sync_engine.domain.model import Link

pytestmark = pytest.mark.integration

StoreOf = Callable[[], contextlib.AbstractAsyncContextManager[EngineStore]]
V = ObjectType.VENDOR


@pytest.fixture(params=["postgresql", "in_memory"])
async def store_of(request: pytest.FixtureRequest, db_settings: DatabaseSettings) -> AsyncIterator[StoreOf]:
    """``async with store_of() as store``: one transaction of the real adapter (committed at the
    end of the block), or the one shared fake."""
    if request.param == "in_memory":
        fake = InMemoryEngineStore()

        @contextlib.asynccontextmanager
        async def memory() -> AsyncIterator[EngineStore]:
            yield fake

        yield memory
        return
    engine = make_engine(db_settings)
    sessions = make_sessionmaker(engine)

    @contextlib.asynccontextmanager
    async def postgresql() -> AsyncIterator[EngineStore]:
        async with sessions() as session, session.begin():
            yield SqlEngineStore(session)

    yield postgresql
    await engine.dispose()


@pytest.fixture
def conn() -> str:
    return f"conn-{uuid.uuid4().hex[:10]}"


def command(conn: str, command_id: str, **changes: Any) -> CommandRecord:
    values: dict[str, Any] = {
        "command_id": command_id,
        "connection_id": conn,
        "object_type": "vendor",
        "action": "upsert",
        "source_ref": f"billcom:vendor:{command_id}",
        "target_side": Side.LEDGER,
        "link_object_type": V,
        "source_fingerprint": "fp",
        "source_view": {"name": "Acme"},
        "status": "pending",
    }
    return CommandRecord(**{**values, **changes})


async def test_a_link_is_found_from_either_side_and_updated_in_place(store_of: StoreOf, conn: str) -> None:
    async with store_of() as store:
        await store.lock(conn)
        await store.put_link(conn, Link(V, billcom_id="b1", billcom_fingerprint="f1", billcom_view={"name": "A"}))
        await store.put_link(conn, Link(V, billcom_id="b1", ledger_id="l1", ledger_fingerprint="g1"))
    async with store_of() as store:
        by_billcom = await store.get_link(conn, V, Side.BILLCOM, "b1")
        by_ledger = await store.get_link(conn, V, Side.LEDGER, "l1")
        other_type = await store.get_link(conn, ObjectType.CUSTOMER, Side.BILLCOM, "b1")
        other_connection = await store.get_link(f"{conn}-x", V, Side.BILLCOM, "b1")
    assert by_billcom == by_ledger
    assert by_billcom is not None and by_billcom.ledger_fingerprint == "g1"
    assert by_billcom.billcom_fingerprint is None, "a put replaces the whole link"
    assert other_type is None and other_connection is None


async def test_a_ledger_id_taken_by_another_link_leaves_the_old_one(store_of: StoreOf, conn: str) -> None:
    async with store_of() as store:
        await store.put_link(conn, Link(V, billcom_id="b1", ledger_id="l1"))
        await store.put_link(conn, Link(V, billcom_id="b2", ledger_id="l2"))
        await store.put_link(conn, Link(V, billcom_id="b1", ledger_id="l2"))
    async with store_of() as store:
        moved = await store.get_link(conn, V, Side.LEDGER, "l2")
        released = await store.get_link(conn, V, Side.BILLCOM, "b2")
        freed = await store.get_link(conn, V, Side.LEDGER, "l1")
    assert moved is not None and moved.billcom_id == "b1"
    assert released is None, "the link that held the ledger id is gone"
    assert freed is None


async def test_drop_link_removes_it_by_either_id(store_of: StoreOf, conn: str) -> None:
    async with store_of() as store:
        await store.put_link(conn, Link(V, billcom_id="b1", ledger_id="l1"))
        await store.put_link(conn, Link(V, billcom_id="b2", ledger_id="l2"))
        await store.drop_link(conn, Link(V, ledger_id="l1"))
    async with store_of() as store:
        assert await store.get_link(conn, V, Side.BILLCOM, "b1") is None
        assert await store.get_link(conn, V, Side.BILLCOM, "b2") is not None


async def test_commands_are_added_once_and_their_status_changes(store_of: StoreOf, conn: str) -> None:
    first = f"{conn}-c1"
    async with store_of() as store:
        assert await store.add_command(command(conn, first))
        assert not await store.add_command(command(conn, first, status="posted")), "a replay adds nothing"
        assert await store.has_pending(conn, V)
        assert not await store.has_pending(conn, ObjectType.CUSTOMER)
    async with store_of() as store:
        await store.set_command_status(first, "posted")
        await store.set_command_status(f"{conn}-unknown", "posted")
    async with store_of() as store:
        record = await store.get_command(first)
        assert record == command(conn, first, status="posted")
        assert not await store.has_pending(conn, V)
        assert await store.get_command(f"{conn}-unknown") is None


async def test_only_ledger_bound_commands_count_as_pending(store_of: StoreOf, conn: str) -> None:
    async with store_of() as store:
        await store.add_command(command(conn, f"{conn}-c2", target_side=Side.BILLCOM))
        assert not await store.has_pending(conn, V)


async def test_parked_changes_come_back_oldest_first_once(store_of: StoreOf, conn: str) -> None:
    async with store_of() as store:
        await store.park(conn, "billcom:bill:1", "billcom:vendor:v1", "waiting", {"n": 1})
    async with store_of() as store:
        await store.park(conn, "billcom:bill:2", "prefs", "not ready", {"n": 2})
    async with store_of() as store:
        await store.park(conn, "billcom:bill:3", "billcom:vendor:v1", "waiting", {"n": 3})
        await store.park(conn, "billcom:bill:4", "inflight:vendor:9", "in flight", {"n": 4})
        await store.park(conn, "billcom:bill:5", "inflight:vendor:10", "in flight", {"n": 5})
    async with store_of() as store:
        assert await store.unpark(conn, ["billcom:vendor:v1", "prefs"]) == [{"n": 1}, {"n": 2}, {"n": 3}]
        assert await store.unpark(conn, ["billcom:vendor:v1"]) == []
        assert await store.unpark_prefix(conn, "inflight:") == [{"n": 4}, {"n": 5}]


async def test_parking_again_replaces_and_clear_removes(store_of: StoreOf, conn: str) -> None:
    async with store_of() as store:
        await store.park(conn, "billcom:bill:1", "prefs", "not ready", {"v": 1})
        await store.park(conn, "billcom:bill:1", "prefs", "still not ready", {"v": 2})
        await store.park(conn, "billcom:bill:2", "prefs", "not ready", {"v": 3})
        await store.clear_parked(conn, "billcom:bill:2")
    async with store_of() as store:
        assert await store.unpark(conn, ["prefs"]) == [{"v": 2}]


async def test_unpark_prefix_takes_the_prefix_literally(store_of: StoreOf, conn: str) -> None:
    async with store_of() as store:
        await store.park(conn, "billcom:bill:1", "in_flight:x", "underscore is no wildcard", {"v": 1})
        assert await store.unpark_prefix(conn, "in_") == [{"v": 1}]
        await store.park(conn, "billcom:bill:2", "inXflight", "not a match", {"v": 2})
        assert await store.unpark_prefix(conn, "in_") == []


async def test_finish_command_sets_the_status_and_returns_the_command(store_of: StoreOf, conn: str) -> None:
    first = f"{conn}-c3"
    async with store_of() as store:
        await store.add_command(command(conn, first))
    async with store_of() as store:
        assert await store.finish_command(first, "failed") == command(conn, first, status="failed")
        assert await store.finish_command(f"{conn}-unknown", "posted") is None
    async with store_of() as store:
        assert await store.get_command(first) == command(conn, first, status="failed")
        assert await store.get_command(f"{conn}-unknown") is None


async def test_unpark_prefix_if_idle_waits_for_pending_ledger_commands(store_of: StoreOf, conn: str) -> None:
    pending = f"{conn}-c4"
    async with store_of() as store:
        await store.add_command(command(conn, pending))
        await store.add_command(command(conn, f"{conn}-c5", link_object_type=ObjectType.CUSTOMER, status="posted"))
        await store.park(conn, "billcom:bill:1", "inflight:vendor:9", "in flight", {"n": 1})
        await store.park(conn, "billcom:bill:2", "inflight:customer:7", "in flight", {"n": 2})
    async with store_of() as store:
        assert await store.unpark_prefix_if_idle(conn, "inflight:vendor:", V) == [], "a vendor command is pending"
        assert await store.unpark_prefix_if_idle(conn, "inflight:customer:", ObjectType.CUSTOMER) == [{"n": 2}]
        await store.set_command_status(pending, "posted")
        assert await store.unpark_prefix_if_idle(conn, "inflight:vendor:", V) == [{"n": 1}]
        assert await store.unpark_prefix_if_idle(conn, "inflight:vendor:", V) == []


async def test_a_link_read_then_written_then_read_is_the_written_one(store_of: StoreOf, conn: str) -> None:
    async with store_of() as store:
        assert await store.get_link(conn, V, Side.BILLCOM, "b9") is None
        await store.put_link(conn, Link(V, billcom_id="b9", billcom_fingerprint="f1"))
        first = await store.get_link(conn, V, Side.BILLCOM, "b9")
        await store.put_link(conn, Link(V, billcom_id="b9", ledger_id="l9", ledger_fingerprint="g1"))
        second = await store.get_link(conn, V, Side.BILLCOM, "b9")
        await store.drop_link(conn, Link(V, billcom_id="b9"))
        gone = await store.get_link(conn, V, Side.LEDGER, "l9")
    assert first is not None and first.billcom_fingerprint == "f1"
    assert second is not None and second.ledger_id == "l9" and second.ledger_fingerprint == "g1"
    assert gone is None
