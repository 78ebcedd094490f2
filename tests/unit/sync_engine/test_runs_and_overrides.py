"""The engine decides a money-movement run as soon as a payment shows it (BILL sends no webhook
for runs), books a voided payment's refund run, and re-posts the losing version of a conflict the
bookkeeper overrode (``ChangeDetected`` with ``delivery_id = "conflict-override:<id>"``)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ledgerbridge_common.canonical.models import ApprovalStatus, ObjectType
from ledgerbridge_common.events import Side
from ledgerbridge_common.prefs_client import ConflictInfo
from sync_engine.domain.override import losing_values
from tests.unit.sync_engine.builders import bill, change, payment, prefs, run, vendor
from tests.unit.sync_engine.fakes import FakePrefs, World, send, settle, synced_vendor

B, L, T = Side.BILLCOM, Side.LEDGER, ObjectType


@pytest.fixture
def world() -> World:
    w = World(connection_id="conn-unit", prefs=FakePrefs(prefs()))
    w.connectors.billcom.put(vendor("00901ACME", email="ap@acme.test"))
    w.connectors.billcom.put(bill(approval_status=ApprovalStatus.APPROVED))
    return w


async def test_paid_payment_decides_its_run_without_waiting_for_a_sweep(world: World) -> None:
    world.connectors.billcom.put(payment(run_id="mmt01RUN"))
    world.connectors.billcom.put(run())
    posts, _ = await send(world, change(B, T.BILL_PAYMENT, "stp01PAY"))
    kinds = [(p.object_type.value, p.action) for p in posts]
    assert kinds[-2:] == [("bill_payment", "upsert"), ("funds_transfer", "transfer")]
    transfer = posts[-1]
    assert transfer.depends_on == ["billcom:bill_payment:stp01PAY"]
    assert transfer.desired and transfer.desired["from_account_id"] == "35"
    assert transfer.desired["to_account_id"] == "95"
    await settle(world, posts)
    # the next payment of the same run (or the sweep) finds the run linked: nothing new
    again, _ = await send(world, change(B, T.BILL_PAYMENT, "stp01PAY"))
    assert again == []


async def test_scheduled_payment_without_a_run_decides_no_run(world: World) -> None:
    world.connectors.billcom.put(payment())
    posts, _ = await send(world, change(B, T.BILL_PAYMENT, "stp01PAY"))
    assert all(p.object_type is not T.FUNDS_TRANSFER for p in posts)


async def test_voided_payment_after_its_run_books_the_refund_dr_bank_cr_clearing(world: World) -> None:
    world.connectors.billcom.put(payment(run_id="mmt01RUN"))
    world.connectors.billcom.put(run())
    await settle(world, (await send(world, change(B, T.BILL_PAYMENT, "stp01PAY")))[0])
    refund = run("mmt01REFUND", direction="money_in").model_copy(
        update={"side_status": {"type": "VOID_REFUND", "payment_ids": ["stp01PAY"]}}
    )
    world.connectors.billcom.put(refund)
    world.connectors.billcom.put(
        payment(run_id="mmt01RUN", voided=True, side_status={"voidMoneyMovementId": "mmt01REFUND"})
    )
    posts, _ = await send(world, change(B, T.BILL_PAYMENT, "stp01PAY", operation="voided"))
    assert [(p.object_type.value, p.action) for p in posts] == [
        ("bill_payment", "void"),
        ("journal_entry", "journal"),
    ]
    lines = posts[1].desired["lines"]
    assert [(ln["posting_type"], ln["account_id"], Decimal(ln["amount"])) for ln in lines] == [
        ("Debit", "35", Decimal("100.00")),
        ("Credit", "95", Decimal("100.00")),
    ]


async def test_conflict_override_reposts_the_losing_version_to_both_sides(world: World) -> None:
    link = await synced_vendor(world)
    ledger_side, billcom_side = world.connectors.ledger, world.connectors.billcom
    ledger_side.put(ledger_side.objects[(T.VENDOR, link.ledger_id)].model_copy(update={"email": "qbo@acme.test"}))
    billcom_side.put(billcom_side.objects[(T.VENDOR, "00901ACME")].model_copy(update={"email": "bill@acme.test"}))
    posts, outs = await send(world, change(B, T.VENDOR, "00901ACME"))
    [lost] = [o for o in outs if o.decision and o.decision.rule == "conflict"]
    assert lost.decision.overridden == {"side": "ledger", "fields": {"email": "qbo@acme.test"}}
    [write] = posts
    assert write.decision.rule == "master" and write.decision.overridden == {"email": "qbo@acme.test"}
    await settle(world, posts)
    assert ledger_side.objects[(T.VENDOR, link.ledger_id)].model_dump()["email"] == "bill@acme.test"

    # prefs-api records the conflict from posting's outcome of that write (its decision copied)
    world.prefs.conflicts[7] = ConflictInfo(
        id=7,
        connection_id=world.connection_id,
        object_type="vendor",
        source_ref=write.source_ref,
        winner="billcom",
        losing_version=write.decision.overridden,
    )
    override = change(L, T.VENDOR, link.ledger_id).model_copy(
        update={"trigger": "replay", "delivery_id": "conflict-override:7"}
    )
    posts, _ = await send(world, override)
    assert sorted((p.target_side.value, p.desired["email"]) for p in posts) == [
        ("billcom", "qbo@acme.test"),
        ("ledger", "qbo@acme.test"),
    ]
    await settle(world, posts)
    assert billcom_side.objects[(T.VENDOR, "00901ACME")].model_dump()["email"] == "qbo@acme.test"
    assert ledger_side.objects[(T.VENDOR, link.ledger_id)].model_dump()["email"] == "qbo@acme.test"
    # both writes echo back as nothing new
    assert (await send(world, change(B, T.VENDOR, "00901ACME")))[0] == []
    assert (await send(world, change(L, T.VENDOR, link.ledger_id)))[0] == []


async def test_an_ordinary_replay_is_not_an_override(world: World) -> None:
    link = await synced_vendor(world)
    replay = change(L, T.VENDOR, link.ledger_id).model_copy(update={"trigger": "replay", "delivery_id": "replay:12"})
    assert (await send(world, replay))[0] == []


def test_losing_values_of_both_recorded_shapes() -> None:
    on_ledger = change(L, T.VENDOR, "58")
    assert losing_values(on_ledger, {"email": "a@b.test"}) == {"email": "a@b.test"}
    assert losing_values(on_ledger, {"side": "ledger", "fields": {"email": "a@b.test"}}) == {"email": "a@b.test"}
    assert losing_values(on_ledger, {"side": "billcom", "fields": {"email": "a@b.test"}}) == {}


async def test_a_run_is_read_once_not_per_payment(world: World) -> None:
    """Five payments of one run, each for its own bill: the run's payments come in one list
    request and their bills in another, instead of ten reads."""
    ids = [f"stp0{n}PAY" for n in range(5)]
    for n, pid in enumerate(ids):
        world.connectors.billcom.put(bill(f"00n0{n}BILL", approval_status=ApprovalStatus.APPROVED))
        world.connectors.billcom.put(payment(pid, bills=((f"00n0{n}BILL", "20.00"),), run_id="mmt01RUN"))
    world.connectors.billcom.put(run(payments=tuple(ids)))
    before = world.connectors.billcom.reads
    posts, _ = await send(world, change(B, T.FUNDS_TRANSFER, "mmt01RUN"))
    assert [p.object_type.value for p in posts].count("bill_payment") == 5
    assert posts[-1].object_type is T.FUNDS_TRANSFER and len(posts[-1].depends_on) == 5
    reads = world.connectors.billcom.reads - before
    assert reads <= 4, f"the run, its payments, their bills and the vendor: {reads} reads"


async def test_a_home_currency_payment_of_linked_bills_reads_no_bill(world: World) -> None:
    """The bills' rates matter only to convert a foreign payment: a payment in home currency of
    bills already synced is decided on the payment alone."""
    posts, _ = await send(world, change(B, T.BILL, "00n01BILL"))
    await settle(world, posts)
    world.connectors.billcom.put(payment())
    before = world.connectors.billcom.reads
    posts, _ = await send(world, change(B, T.BILL_PAYMENT, "stp01PAY"))
    assert [p.object_type for p in posts] == [T.BILL_PAYMENT]
    assert world.connectors.billcom.reads - before == 1, "the payment only"
