"""Fakes for the engine's IO: two in-memory sides, a prefs source, and a toy 'posting' that
applies commands to the fake target side and answers with the outcome posting would send."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from typing import Any

from ledgerbridge_common.canonical import parse_canonical
from ledgerbridge_common.canonical.models import CanonicalObject, CompanyInfo, FundsTransfer, ObjectType
from ledgerbridge_common.connectors.qbo.connector import QBO_CAPABILITIES
from ledgerbridge_common.events import Envelope, PostingRequested, Side, SyncOutcome, Topics
from ledgerbridge_common.kafka.consumer import Emitter
from ledgerbridge_common.kafka.routing import Router
from ledgerbridge_common.prefs_client import ConflictInfo, ConnectionInfo, ConnectionPreferences, Mappings
from sync_engine.adapters.store import InMemoryEngineStore
from sync_engine.domain.model import Link
from sync_engine.handlers import Deps, routes
from tests.support.builders import posted, resolve_refs
from tests.unit.sync_engine.builders import change


class FakeSide:
    capabilities = QBO_CAPABILITIES

    def __init__(self, prefix: str, company: CompanyInfo | None = None) -> None:
        self.objects: dict[tuple[ObjectType, str], CanonicalObject] = {}
        self.prefix = prefix
        self.ids = itertools.count(100)
        self.company = company or CompanyInfo(company_id="9130", name="Fake Co")
        self.reads = 0
        """Object reads of any kind (by id, a run, by name): what costs vendor requests."""

    def put(self, obj: CanonicalObject) -> CanonicalObject:
        assert obj.id
        self.objects[(obj.object_type, obj.id)] = obj
        return obj

    def new_id(self) -> str:
        return f"{self.prefix}{next(self.ids)}"

    async def read(self, object_type: ObjectType, object_id: str) -> CanonicalObject | None:
        self.reads += 1
        return self.objects.get((ObjectType(object_type), object_id))

    async def read_run(self, run_id: str) -> FundsTransfer | None:
        self.reads += 1
        obj = self.objects.get((ObjectType.FUNDS_TRANSFER, run_id))
        return obj if isinstance(obj, FundsTransfer) else None

    async def read_many(self, object_type: ObjectType, object_ids: Any) -> dict[str, CanonicalObject]:
        self.reads += 1
        found = {i: self.objects.get((ObjectType(object_type), i)) for i in object_ids}
        return {i: obj for i, obj in found.items() if obj is not None}

    async def from_payload(
        self, object_type: ObjectType, raw: dict[str, Any], *, listed: bool
    ) -> CanonicalObject | None:
        """The canonical JSON a test put in ``ChangeDetected.payload``; ``{"partial": true}`` is partial."""
        del listed
        return None if raw.get("partial") else parse_canonical(object_type, raw)

    async def find_by_name(self, object_type: ObjectType, name: str) -> CanonicalObject | None:
        self.reads += 1
        for (otype, _), obj in self.objects.items():
            if otype is object_type and getattr(obj, "name", None) == name:
                return obj
        return None

    async def company_info(self) -> CompanyInfo:
        return self.company


@dataclass
class FakeConnectors:
    billcom: FakeSide = field(default_factory=lambda: FakeSide("bc"))
    ledger: FakeSide = field(default_factory=lambda: FakeSide(""))
    dropped: list[str] = field(default_factory=list)
    cached: CompanyInfo | None = None

    async def company(self, connection_id: str) -> CompanyInfo:
        """Cached like the real factory's (the company info is read once per connection)."""
        if self.cached is None:
            self.cached = await self.ledger.company_info()
        return self.cached

    def drop(self, connection_id: str) -> None:
        self.dropped.append(connection_id)
        self.cached = None

    @property
    def reads(self) -> int:
        return self.billcom.reads + self.ledger.reads

    def side(self, side: Side) -> FakeSide:
        return self.billcom if side is Side.BILLCOM else self.ledger


@dataclass
class AsConnectors:
    """The ``Connectors`` port over :class:`FakeConnectors` (whose sides the tests reach directly)."""

    fake: FakeConnectors

    async def ledger(self, connection_id: str) -> FakeSide:
        return self.fake.ledger

    async def billcom(self, connection_id: str) -> FakeSide:
        return self.fake.billcom

    async def company(self, connection_id: str) -> CompanyInfo:
        return await self.fake.company(connection_id)

    def drop(self, connection_id: str) -> None:
        self.fake.drop(connection_id)


@dataclass
class FakePrefs:
    prefs: ConnectionPreferences
    maps: Mappings = field(default_factory=Mappings)
    fetched: int = 0
    dropped: int = 0
    conflicts: dict[int, ConflictInfo] = field(default_factory=dict)
    status: str = "active"

    async def connection(self, connection_id: str) -> ConnectionInfo:
        return ConnectionInfo(
            connection_id=connection_id,
            tenant_id="tenant-1",
            name="Fake Co",
            status=self.status,
            billcom_org_id="00801FAKE",
            ledger_kind=self.prefs.ledger_kind,
            ledger_company_id="9130-fake",
        )

    async def preferences(self, connection_id: str) -> ConnectionPreferences:
        self.fetched += 1
        return self.prefs

    async def mappings(self, connection_id: str) -> Mappings:
        return self.maps

    def drop_cached(self, connection_id: str) -> None:
        self.dropped += 1

    async def conflict(self, conflict_id: int) -> ConflictInfo:
        return self.conflicts[conflict_id]


@dataclass
class World:
    """The engine with fakes around it, plus a toy posting for round trips."""

    connection_id: str
    prefs: FakePrefs
    connectors: FakeConnectors = field(default_factory=FakeConnectors)
    store: InMemoryEngineStore = field(default_factory=InMemoryEngineStore)
    topics: Topics = field(default_factory=Topics)
    refs: dict[str, str] = field(default_factory=dict)
    postings: list[PostingRequested] = field(default_factory=list)
    outcomes: list[SyncOutcome] = field(default_factory=list)
    clock: dt.datetime = dt.datetime(2026, 3, 2, 10, 0, 0, 250_000, tzinfo=dt.UTC)
    """The vendors' clock: each write stamps ``updated_at`` (milliseconds, as QBO's sandbox)."""

    @property
    def deps(self) -> Deps:
        if not hasattr(self, "_deps"):
            self._deps = Deps(
                prefs=self.prefs,
                connectors=AsConnectors(self.connectors),  # type: ignore[arg-type]
                topics=self.topics,
                store_factory=lambda _s: self.store,
            )
        return self._deps

    def collect(self, emitter: Emitter) -> tuple[list[PostingRequested], list[SyncOutcome]]:
        posts, outs = [], []
        for topic, env in emitter.items:
            event = env.event()
            if topic == self.topics.postings:
                assert isinstance(event, PostingRequested)
                posts.append(event)
            else:
                assert isinstance(event, SyncOutcome)
                outs.append(event)
        self.postings += posts
        self.outcomes += outs
        return posts, outs

    def post(self, cmd: PostingRequested) -> SyncOutcome:
        """What posting does: resolve placeholders, write, read back, report."""
        side = self.connectors.side(cmd.target_side)
        data = resolve_refs(cmd.desired or {}, self.refs)
        self.clock += dt.timedelta(seconds=1)
        if cmd.action in {"deactivate", "void"}:
            current = side.objects[(cmd.object_type, cmd.target_id or "")]
            written = current.model_copy(update={"active": False, "updated_at": self.clock})
        else:
            target_id = cmd.target_id or side.new_id()
            written = parse_canonical(cmd.object_type, {**data, "id": target_id, "updated_at": self.clock})
        side.put(written)
        assert written.id
        self.refs[cmd.source_ref] = written.id
        return posted(cmd, written)


def emitter_for(connection_id: str, event: Any) -> tuple[Envelope, Emitter]:
    env = Envelope.wrap(event, connection_id=connection_id)
    return env, Emitter(source=env, consumer="sync-engine")


async def send(world: World, event: Any) -> tuple[list[PostingRequested], list[SyncOutcome]]:
    """Route ``event`` through the engine's handlers; what they emitted."""
    env, emitter = emitter_for(world.connection_id, event)
    await Router(routes(world.deps))(env, None, emitter)  # type: ignore[arg-type]
    return world.collect(emitter)


async def settle(world: World, commands: list[PostingRequested]) -> None:
    """Play posting for each command, in order, and feed the outcomes back."""
    for cmd in commands:
        posts, _ = await send(world, world.post(cmd))
        await settle(world, posts)


async def synced_vendor(world: World, vendor_id: str = "00901ACME") -> Link:
    """Sync BILL's vendor to the ledger and settle it: its link, with both ids."""
    posts, _ = await send(world, change(Side.BILLCOM, ObjectType.VENDOR, vendor_id))
    await settle(world, posts)
    link = await world.store.get_link(world.connection_id, ObjectType.VENDOR, Side.BILLCOM, vendor_id)
    assert link is not None and link.ledger_id
    return link
