from types import SimpleNamespace
from typing import Any

from ledgerbridge_common.canonical.models import ObjectType, parse_canonical
from ledgerbridge_common.events.envelope import Envelope
from ledgerbridge_common.events.models import PreferencesChanged
from ledgerbridge_common.kafka.consumer import Emitter
from ledgerbridge_common.kafka.routing import Router
from posting_service.batching import _commands
from posting_service.execute import PostingDeps
from posting_service.handlers import routes
from posting_service.writers import BillcomWriter, KnownRef, LedgerWriter
from tests.support.fake_billcom import FakeBillcom
from tests.support.fake_ledger import FakeLedger
from tests.unit.posting import builders as b
from tests.unit.posting.fakes import FakeConnectors


async def test_billcom_writer_adopts_by_name_then_updates_by_id():
    bill = FakeBillcom()
    existing = await bill.create(parse_canonical("account", {"name": "Utilities", "account_type": "Expense"}))
    writer = BillcomWriter(bill)  # type: ignore[arg-type]
    desired = parse_canonical("account", {"name": "Utilities", "account_type": "Expense", "number": "6100"})
    adopted = await writer.upsert(desired, known=None, request_id="r", tag="LB:x")
    assert adopted.adopted and adopted.wrote and adopted.obj.id == existing.id
    assert existing.id is not None
    again = await writer.upsert(desired, known=KnownRef(existing.id), request_id="r", tag="LB:x")
    assert not again.wrote
    archived = await writer.deactivate(ObjectType.ACCOUNT, existing.id, request_id="r")
    assert archived.wrote and not archived.obj.active
    assert bill.calls.count("create") == 1


async def test_void_of_a_bill_deletes_it_since_qbo_cannot_void_bills():
    ledger = FakeLedger()
    writer = LedgerWriter(ledger)
    created = await writer.upsert(parse_canonical("bill", b.bill("56")), known=None, request_id="r", tag="LB:b")
    assert created.obj.id is not None
    result = await writer.void(ObjectType.BILL, created.obj.id, request_id="v")
    assert result.wrote and ledger.of_type(ObjectType.BILL) == []
    assert ledger.calls[-1] == "delete" and "void" not in ledger.calls  # QBO voids no bills


async def test_preferences_changed_drops_the_connection_connectors():
    connectors = FakeConnectors()
    asked: list[tuple[str, str]] = []

    class Parked:
        async def take_parked(self, connection_id: str, source_ref: str) -> list[Any]:
            asked.append((connection_id, source_ref))
            return []

    deps = PostingDeps(
        connectors=connectors,  # type: ignore[arg-type]
        sessions=None,  # type: ignore[arg-type]
        postings_topic="p",
        outcomes_topic="o",
        store=lambda session: Parked(),  # type: ignore[arg-type,return-value]
    )
    envelope = Envelope.wrap(PreferencesChanged(version=3), connection_id="conn-7")
    await Router(routes(deps))(envelope, None, Emitter(source=envelope, consumer="posting"))  # type: ignore[arg-type]
    assert connectors.dropped == ["conn-7"]
    assert asked == [("conn-7", "connection:conn-7")]  # what waited for a reconnect is released


def test_batch_scan_keeps_the_first_ledger_upsert_per_source_ref_per_connection():
    vendor_ref, bill_ref = b.ref("vendor"), b.ref("bill")
    cmds = [
        ("c1", b.command("bill", bill_ref, b.bill("1"), connection_id="c1")),
        ("c1", b.command("bill", bill_ref, b.bill("1", number="2"), version="v2", connection_id="c1")),
        ("c1", b.command("bill", b.ref("bill"), None, action="void", connection_id="c1")),
        ("c2", b.command("vendor", vendor_ref, b.vendor("Acme"), connection_id="c2")),
        ("c2", b.command("vendor", b.ref("vendor"), b.vendor("Zed"), connection_id="c2", target_id="77")),
    ]
    records = [
        SimpleNamespace(value=Envelope.wrap(cmd, connection_id=conn).to_bytes(), offset=n)
        for n, (conn, cmd) in enumerate(cmds)
    ]
    records.append(SimpleNamespace(value=b"not json", offset=len(cmds)))
    groups = _commands(records)
    assert [(offset, c.command_id) for offset, c in groups["c1"]] == [(0, cmds[0][1].command_id)]
    assert [(offset, c.command_id) for offset, c in groups["c2"]] == [(3, cmds[3][1].command_id)]
