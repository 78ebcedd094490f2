"""The ledger budget's window guarantees with QBO's limits, and the QBO sandbox's query grammar."""

from __future__ import annotations

import asyncio

import pytest

from ledgerbridge_common.connectors.budget import Lane, MemoryLedgerBudgets, schedule
from ledgerbridge_common.connectors.qbo.limits import QBO_LIMITS, qbo_limits
from qbo_sandbox.faults import QboFault
from qbo_sandbox.query import parse, run


def test_the_schedule_keeps_every_window_under_the_limit() -> None:
    """250 requests queued at the same instant (the worst case): the send times the lanes give
    them hold fewer than the limit in any window. Scheduled times, not wall-clock stamps, so a
    busy machine that wakes tasks late cannot change the answer."""
    limits = qbo_limits(per_minute=100, window_seconds=0.5, concurrent=10)
    lanes = limits.lanes()
    tats = [0.0, 0.0, 0.0]
    sends: list[float] = []
    for _ in range(250):
        used = lanes.for_request(batch=False)
        send, new_tats = schedule(0.0, 0.0, [(tats[i], lane) for i, lane in used])
        for (index, _), tat in zip(used, new_tats, strict=True):
            tats[index] = tat
        sends.append(send)
    worst = max(sum(1 for t in sends if s <= t < s + limits.window_seconds) for s in sends)
    assert worst <= limits.per_minute * 0.96


async def test_the_memory_budget_holds_the_concurrency_limit() -> None:
    limits = qbo_limits(per_minute=100, window_seconds=0.5, concurrent=10)
    limiter = MemoryLedgerBudgets().get("quickbooks_online", "r1", limits)
    in_flight, peak, done = 0, 0, 0

    async def one() -> None:
        nonlocal in_flight, peak, done
        async with limiter.slot():
            in_flight += 1
            peak = max(peak, in_flight)
            await asyncio.sleep(0.2)  # long enough that, without the limit, far more than 10 overlap
            in_flight -= 1
            done += 1

    await asyncio.gather(*(one() for _ in range(60)))
    assert done == 60 and peak <= limits.concurrent


def test_the_real_limits_leave_room_under_qbos_counts() -> None:
    """Any window holds fewer than ``window / interval + burst`` requests of a lane (n sends span
    at least ``(n - burst) * interval``), and QBO refuses the request past its limit."""
    limits = QBO_LIMITS
    lanes = limits.lanes()
    request, second, batch = lanes.minute, lanes.second, lanes.batch
    assert request is not None and second is not None and batch is not None
    assert limits.window_seconds / request.interval + request.tolerance / request.interval + 1 <= 500
    assert 1.0 / second.interval + second.tolerance / second.interval + 1 <= 10  # 10 requests/second
    assert second.tolerance == 0  # the minute lane's burst goes out at 6 a second, not at once
    assert limits.window_seconds / batch.interval + batch.tolerance / batch.interval + 1 <= 40
    assert limits.window_seconds / batch.interval >= 37.99  # 95 % of the batch ceiling in steady state


def test_schedule_goes_at_the_latest_lane_and_advances_every_lane() -> None:
    request, batch = Lane(interval=1.0, tolerance=2.0), Lane(interval=5.0, tolerance=0.0)
    send, tats = schedule(10.0, 0.0, [(11.0, request), (14.0, batch)])
    assert send == 14.0 and tats == [15.0, 19.0]
    send, tats = schedule(10.0, 30.0, [(0.0, request)])  # cooling down after a 429
    assert send == 30.0 and tats == [31.0]


async def test_registry_shares_one_budget_per_ledger_company() -> None:
    registry = MemoryLedgerBudgets()
    assert registry.get("quickbooks_online", "a", QBO_LIMITS) is registry.get("quickbooks_online", "a", QBO_LIMITS)
    assert registry.get("quickbooks_online", "a", QBO_LIMITS) is not registry.get("quickbooks_online", "b", QBO_LIMITS)
    assert registry.get("quickbooks_online", "a", QBO_LIMITS) is not registry.get("sage_intacct", "a", QBO_LIMITS)


ROWS = [
    {
        "Id": "1",
        "DisplayName": "Acme",
        "Active": True,
        "Balance": 10,
        "VendorRef": {"value": "7"},
        "MetaData": {"LastUpdatedTime": "2026-01-01T10:00:00-07:00"},
    },
    {
        "Id": "2",
        "DisplayName": "O'Brien",
        "Active": True,
        "Balance": 5,
        "VendorRef": {"value": "8"},
        "MetaData": {"LastUpdatedTime": "2026-01-02T10:00:00-07:00"},
    },
    {
        "Id": "3",
        "DisplayName": "Gone",
        "Active": False,
        "Balance": 0,
        "VendorRef": {"value": "7"},
        "MetaData": {"LastUpdatedTime": "2026-01-03T10:00:00-07:00"},
    },
]


@pytest.mark.parametrize(
    ("sql", "ids"),
    [
        ("select * from Vendor", ["1", "2"]),
        ("SELECT * FROM vendor WHERE Active IN (true, false)", ["1", "2", "3"]),
        ("select * from Vendor where DisplayName = 'o\\'brien'", ["2"]),
        ("select * from Vendor where DisplayName LIKE 'ac%'", ["1"]),
        ("select * from Vendor where Balance >= '5' ORDERBY Balance DESC", ["1", "2"]),
        ("select * from Vendor where VendorRef = '7' and Active in (true,false)", ["1", "3"]),
        ("select * from Vendor where MetaData.LastUpdatedTime > '2026-01-01T18:00:00Z'", ["2"]),
    ],
)
def test_query_grammar(sql: str, ids: list[str]) -> None:
    assert [r["Id"] for r in run(parse(sql), ROWS, name_list=True)] == ids


def test_query_paging_and_errors() -> None:
    query = parse("SELECT * FROM Bill STARTPOSITION 11 MAXRESULTS 5000")
    assert (query.start, query.max_results) == (11, 1000)
    assert parse("select count(*) from Bill").count
    for bad, code in (
        ("select * from Bill where PrivateNote = 'x'", "4001"),
        ("select * from Bill ORDERBY Id", "4001"),
        ("select * from Bill where A = 1 OR B = 2", "4000"),
    ):
        with pytest.raises(QboFault) as err:
            parse(bad)
        assert err.value.code == code
