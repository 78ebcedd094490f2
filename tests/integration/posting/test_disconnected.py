"""Nothing is posted for a disconnected connection: with work in flight, every command is parked
("connection disconnected"), the ledger untouched; PreferencesChanged after reconnecting releases
them oldest first and they post; while still disconnected it releases nothing. The state is read
once through posting's cache and read again only after PreferencesChanged. Real PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from ledgerbridge_common.canonical.models import ObjectType
from ledgerbridge_common.db.inbox import record_message
from ledgerbridge_common.events.envelope import Envelope
from ledgerbridge_common.events.models import PreferencesChanged, SyncOutcome
from ledgerbridge_common.kafka.consumer import Emitter
from ledgerbridge_common.kafka.routing import Router
from posting_service.adapters.orm import inbox
from posting_service.handlers import routes
from posting_service.lifecycle import CachedConnectionGate
from tests.conftest import random_ref
from tests.integration.posting.test_handler_db import Harness
from tests.unit.posting import builders as b

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]


@dataclass
class SwitchGate:
    off: set[str] = field(default_factory=set)
    asked: int = 0

    async def disconnected(self, connection_id: str) -> bool:
        self.asked += 1
        return connection_id in self.off

    def forget(self, connection_id: str) -> None:
        return None


async def prefs_changed(h: Harness) -> list[tuple[str, Envelope]]:
    envelope = Envelope.wrap(PreferencesChanged(version=2), connection_id=h.connection_id)
    emitter = Emitter(source=envelope, consumer="posting")
    async with h.sessions() as session, session.begin():
        assert await record_message(session, inbox, "posting", envelope.event_id)
        await Router(routes(h.deps))(envelope, session, emitter)
    return emitter.items


async def test_disconnected_parks_everything_and_reconnect_releases_it(sessions, connection_id) -> None:
    h = Harness(sessions, connection_id)
    gate = SwitchGate()
    h.deps.gate = CachedConnectionGate(gate, seconds=3600)
    vendor_ref, bill_ref = b.ref("vendor"), b.ref("bill")
    vendor_cmd = h.cmd("vendor", vendor_ref, b.vendor(random_ref("Acme")))
    bill_cmd = h.cmd("bill", bill_ref, b.bill(f"@ref:{vendor_ref}"), depends_on=[vendor_ref])

    gate.off.add(connection_id)
    parked = [await h.post(vendor_cmd), await h.post(bill_cmd)]
    assert [(o.status, o.reason) for o in parked] == [("parked", "connection disconnected")] * 2
    assert parked[0].error is not None and parked[0].error.code == "connection_disconnected"
    assert h.ledger.calls == []
    assert await prefs_changed(h) == []  # still disconnected: nothing released
    again = await h.post(vendor_cmd)  # a redelivery while disconnected parks again, still no call
    assert again.status == "parked" and h.ledger.calls == []
    asked = gate.asked

    gate.off.clear()
    cached = await h.post(vendor_cmd)  # no PreferencesChanged yet: the kept state, prefs not asked
    assert cached.status == "parked" and gate.asked == asked and h.ledger.calls == []
    released = await prefs_changed(h)
    assert gate.asked == asked + 1
    assert [topic for topic, _ in released] == ["postings", "postings"]
    commands = [env.event() for _, env in released]
    assert commands == [vendor_cmd, bill_cmd]  # oldest first
    outcomes: list[SyncOutcome] = []
    for cmd in commands:
        outcomes.append(await h.post(cmd))  # type: ignore[arg-type]
    assert [o.status for o in outcomes] == ["posted", "posted"]
    assert len(h.ledger.of_type(ObjectType.BILL)) == 1 and len(h.ledger.of_type(ObjectType.VENDOR)) == 1
    assert await prefs_changed(h) == []  # nothing left parked
