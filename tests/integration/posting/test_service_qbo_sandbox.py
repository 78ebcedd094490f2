"""The posting service on real Kafka and PostgreSQL against the QBO sandbox: with timeouts after
commit, stale SyncTokens, 429 bursts and 5xx injected, every object exists exactly once in the
ledger, every posting balances, and posted_lines agree with the sandbox's own ledger."""

from __future__ import annotations

import uuid
from collections import defaultdict
from decimal import Decimal

import httpx
import pytest
from sqlalchemy import func, select

from ledgerbridge_common.events.models import PostingRequested
from posting_service.adapters.orm import posted_lines
from posting_service.domain.lines import DEFAULT_AP
from tests.conftest import random_ref
from tests.integration.posting.kafka_support import Outcomes, app_for, produce, running, settings_for
from tests.integration.posting.ledger_lines import assert_every_posting_balances
from tests.integration.posting.sandbox_support import QboWorld, qbo_world
from tests.unit.posting import builders as b

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]


@pytest.fixture
def world(connection_id, request):
    # an access token about to expire: the connector refreshes it and posting saves the rotation
    with qbo_world(connection_id, access_expires_in=getattr(request, "param", 3600)) as w:
        yield w


def service(world: QboWorld, kafka_settings, database_url, **overrides):
    settings = settings_for(
        kafka_settings,
        database_url,
        qbo_base_url=world.sandbox_url,
        qbo_oauth_url=world.sandbox_url,
        prefs_url=world.prefs_url,
        internal_token="test-token",
        vendor_timeout_seconds=3,
        qbo_cooldown_seconds=0.5,
        rate_limit_wait_seconds=0.5,
        retry_budget_seconds=60,
        **overrides,
    )
    return app_for(settings)


async def posted_balances(sessions, connection_id: str, ap_account: str) -> dict[str, Decimal]:
    query = (
        select(posted_lines.c.account_id, func.sum(posted_lines.c.debit - posted_lines.c.credit))
        .where(posted_lines.c.connection_id == connection_id)
        .group_by(posted_lines.c.account_id)
    )
    async with sessions() as session:
        rows = list(await session.execute(query))
    result: dict[str, Decimal] = defaultdict(Decimal)
    for account, amount in rows:
        result[ap_account if account == DEFAULT_AP else account] += amount
    return {k: v for k, v in result.items() if v}


def sandbox_balances(world: QboWorld) -> dict[str, Decimal]:
    return {a["Id"]: Decimal(a["balance"]) for a in world.ledger()["accounts"] if Decimal(a["balance"])}


def money_out_flow(world: QboWorld, connection_id: str) -> dict[str, PostingRequested]:
    acc = world.accounts
    vendor_ref, bill1_ref, bill2_ref, pay_ref = (b.ref(t) for t in ("vendor", "bill", "bill", "bill_payment"))
    number = uuid.uuid4().hex[:6]
    bill1 = b.bill(
        f"@ref:{vendor_ref}",
        number=f"A-{number}",
        amounts=("100.00", "20.00"),
        ap=acc["Accounts Payable (A/P)"],
    )
    bill1["lines"][0]["classifications"]["account_id"] = acc["Office Supplies"]
    bill1["lines"][1]["classifications"]["account_id"] = acc["Utilities"]
    bill2 = b.bill(f"@ref:{vendor_ref}", number=f"B-{number}", amounts=("55.50",), ap=acc["Accounts Payable (A/P)"])
    bill2["lines"][0]["classifications"]["account_id"] = acc["Legal & Professional Fees"]
    bill1_v2 = {**bill1, "memo": "approved again in BILL"}
    clearing = acc["BILL Money Out Clearing"]

    def cmd(*args, **kw):
        return b.command(*args, connection_id=connection_id, **kw)

    return {
        "bill2": cmd("bill", bill2_ref, bill2, depends_on=[vendor_ref]),  # arrives before its vendor: parks
        "vendor": cmd("vendor", vendor_ref, b.vendor(random_ref("Sandbox Vendor"))),
        "bill1": cmd("bill", bill1_ref, bill1, depends_on=[vendor_ref]),
        "payment": cmd(
            "bill_payment",
            pay_ref,
            b.bill_payment(f"@ref:{vendor_ref}", f"@ref:{bill1_ref}", "120.00", bank=clearing),
            depends_on=[vendor_ref, bill1_ref],
        ),
        # the run cost the bank 100.00 (FX): the difference posts as a journal (POSTINGS.md)
        "run": cmd(
            "funds_transfer",
            b.ref("run"),
            b.transfer("100.00", from_account=acc["Checking"], to_account=clearing),
            action="transfer",
        ),
        "fx": cmd(
            "journal_entry",
            b.ref("fx"),
            b.journal(("Debit", "20.00", clearing), ("Credit", "20.00", acc["Exchange Gain or Loss"])),
            action="journal",
        ),
        "bill1_v2": cmd("bill", bill1_ref, bill1_v2, depends_on=[vendor_ref], version="v2"),
    }


@pytest.mark.parametrize("world", [30], indirect=True)
async def test_faults_leave_each_object_exactly_once_and_every_posting_balanced(
    world: QboWorld, kafka_settings, database_url, connection_id, sessions
):
    flow = money_out_flow(world, connection_id)
    world.faults(
        throttle_next=3,
        error_5xx_next=2,
        timeout_after_commit_next=2,
        timeout_mode="drop",
        stale_next_updates=1,
    )
    app = service(world, kafka_settings, database_url)
    cmds = list(flow.values())
    async with Outcomes(kafka_settings) as outcomes, running(app):
        await produce(kafka_settings, connection_id, cmds)
        await outcomes.until(
            lambda seen: all(any(o.command_id == c.command_id and o.status == "posted" for o in seen) for c in cmds),
            timeout=90,
        )
        # the engine replays everything: same outcomes, no second write
        await produce(kafka_settings, connection_id, cmds)
        await outcomes.until(
            lambda seen: all(len(outcomes.by_command(c.command_id)) >= 2 + (c is flow["bill2"]) for c in cmds)
        )
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://posting") as http:
            balances = (await http.get(f"/connections/{connection_id}/balances")).json()
            ready = await http.get("/readyz")
            before_void = await posted_balances(sessions, connection_id, world.accounts["Accounts Payable (A/P)"])
            theirs_before_void = sandbox_balances(world)
        # BILL voids the payment: the BillPayment is voided and its lines reversed
        void = b.command(
            "bill_payment",
            flow["payment"].source_ref,
            None,
            action="void",
            version="v2",
            connection_id=connection_id,
        )
        await produce(kafka_settings, connection_id, [void])
        await outcomes.until(lambda seen: any(o.command_id == void.command_id for o in seen))

    assert world.prefs.saved_tokens, "the refreshed QBO tokens were not saved to prefs-api"
    counters = world.counters()
    assert counters["injected_429"] == 3 and counters["injected_5xx"] == 2
    assert counters["injected_timeouts"] == 2
    assert [o.status for o in outcomes.by_command(flow["bill2"].command_id)][:2] == ["parked", "posted"]
    for c in cmds:
        posted = [o for o in outcomes.by_command(c.command_id) if o.status == "posted"]
        assert all(o == posted[0] for o in posted), c.source_ref

    vendor_name = flow["vendor"].desired["name"]  # type: ignore[index]
    assert [v["DisplayName"] for v in world.objects("Vendor")].count(vendor_name) == 1
    vendor_id = outcomes.by_command(flow["vendor"].command_id)[0].target_ref.id  # type: ignore[union-attr]
    bills = [x for x in world.objects("Bill") if x["VendorRef"]["value"] == vendor_id]
    assert sorted(x["DocNumber"] for x in bills) == sorted(
        [flow["bill1"].desired["number"], flow["bill2"].desired["number"]]  # type: ignore[index]
    )
    assert len(world.objects("BillPayment")) == 1
    assert len(world.objects("Transfer")) == 1
    assert len(world.objects("JournalEntry")) == 1
    bill1 = next(x for x in bills if x["DocNumber"] == flow["bill1"].desired["number"])  # type: ignore[index]
    assert "approved again in BILL" in bill1.get("PrivateNote", "")

    assert await assert_every_posting_balances(sessions, connection_id) >= 6
    # reconciliation: what posting recorded is what the ledger holds, per account
    assert before_void == theirs_before_void
    clearing = world.accounts["BILL Money Out Clearing"]
    assert clearing not in before_void  # Money Out Clearing nets to zero once the run and FX posted
    assert balances["clearing"]["money_out_clearing"] == {"account_id": clearing, "balance": "0.00"}
    assert ready.status_code == 200, ready.text

    (voided,) = outcomes.by_command(void.command_id)
    assert voided.status == "posted", voided.reason
    (payment,) = world.objects("BillPayment")
    assert Decimal(str(payment["TotalAmt"])) == 0
    after_void = await posted_balances(sessions, connection_id, world.accounts["Accounts Payable (A/P)"])
    assert after_void == sandbox_balances(world)
    assert after_void[clearing] == Decimal("120.00")


async def test_backlog_uses_the_batch_endpoint_and_posts_each_bill_once(
    world: QboWorld, kafka_settings, database_url, connection_id
):
    acc = world.accounts
    vendor_ref = b.ref("vendor")
    cmds = [b.command("vendor", vendor_ref, b.vendor(random_ref("Batch Vendor")), connection_id=connection_id)]
    for i in range(35):
        desired = b.bill(
            f"@ref:{vendor_ref}", number=f"BL-{i}-{uuid.uuid4().hex[:4]}", ap=acc["Accounts Payable (A/P)"]
        )
        desired["lines"][0]["classifications"]["account_id"] = acc["Office Supplies"]
        cmds.append(b.command("bill", b.ref("bill"), desired, depends_on=[vendor_ref], connection_id=connection_id))
    await produce(kafka_settings, connection_id, cmds)
    app = service(world, kafka_settings, database_url)
    async with Outcomes(kafka_settings) as outcomes, running(app):
        await outcomes.until(
            lambda seen: len({o.command_id for o in seen if o.status == "posted"}) == len(cmds), timeout=90
        )
        batches = app.state.batcher.batches
    assert batches >= 2  # the vendor first, then the 35 bills that reference it (30 + 5 in one poll)
    counters = world.counters()
    assert counters["requests"] < len(cmds)  # far fewer calls than one write per bill
    vendor_id = outcomes.by_command(cmds[0].command_id)[0].target_ref.id  # type: ignore[union-attr]
    numbers = [x["DocNumber"] for x in world.objects("Bill") if x["VendorRef"]["value"] == vendor_id]
    assert sorted(numbers) == sorted(c.desired["number"] for c in cmds[1:])  # type: ignore[index]
    assert all(len(outcomes.by_command(c.command_id)) == 1 for c in cmds)


async def test_permanent_errors_fail_with_a_reason_a_bookkeeper_understands(
    world: QboWorld, kafka_settings, database_url, connection_id
):
    acc = world.accounts
    vendor_ref = b.ref("vendor")
    number = f"D-{uuid.uuid4().hex[:6]}"
    desired = b.bill(f"@ref:{vendor_ref}", number=number, ap=acc["Accounts Payable (A/P)"])
    desired["lines"][0]["classifications"]["account_id"] = acc["Office Supplies"]
    old = {**desired, "number": f"OLD-{number}", "date": "2020-01-31"}
    cmds = [
        b.command("vendor", vendor_ref, b.vendor(random_ref("Dup Vendor")), connection_id=connection_id),
        b.command("bill", b.ref("bill"), desired, connection_id=connection_id),
        b.command("bill", b.ref("bill"), desired, connection_id=connection_id),  # same number, same vendor
        b.command("bill", b.ref("bill"), old, connection_id=connection_id),
    ]
    with world.control() as c:
        c.post(f"/realms/{world.realm_id}/preferences", json={"book_close_date": "2020-12-31"}).raise_for_status()
    app = service(world, kafka_settings, database_url)
    async with Outcomes(kafka_settings) as outcomes, running(app):
        await produce(kafka_settings, connection_id, cmds)
        await outcomes.until(lambda seen: len(seen) >= 4)
    statuses = {o.command_id: o for o in outcomes.seen}
    assert statuses[cmds[1].command_id].status == "posted"
    dup = statuses[cmds[2].command_id]
    assert dup.status == "failed" and dup.error is not None and not dup.error.retryable
    assert (
        dup.reason
        == f"QuickBooks Online already has a bill with number {number} from this vendor (duplicate document number)"
    )
    closed = statuses[cmds[3].command_id]
    assert closed.status == "failed"
    assert closed.reason is not None and "books are closed in QuickBooks Online for 2020-01-31" in closed.reason
