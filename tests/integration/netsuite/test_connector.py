"""The NetSuite connector against the sandbox, beyond the ledger contract: lines replaced (never
appended) on update, changes scoped to the connection's subsidiary, errors mapped by code, 429 as
RateLimitedError."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import httpx
import pytest

from ledgerbridge_common.canonical.models import Bill, Classifications, ObjectType, TransactionLine, Vendor
from ledgerbridge_common.connectors.budget import MemoryLedgerBudgets
from ledgerbridge_common.connectors.netsuite import NetSuiteConnector, TbaCredentials
from ledgerbridge_common.errors import ClosedPeriodError, RateLimitedError, ValidationError

pytestmark = pytest.mark.integration


class Books:
    def __init__(self, url: str, control: httpx.AsyncClient, http: httpx.AsyncClient, account: dict[str, Any]) -> None:
        self.control, self.account = control, account
        self.seeded: dict[str, dict[str, str]] = account["seeded"]
        tba = account["tba"]
        creds = TbaCredentials(
            account["account_id"], tba["consumer_key"], tba["consumer_secret"], tba["token_id"], tba["token_secret"]
        )
        self.us, self.uk = self.seeded["subsidiary"]["US Subsidiary"], self.seeded["subsidiary"]["UK Subsidiary"]
        self.us_books = NetSuiteConnector(
            http, creds, subsidiary_id=self.us, base_url=url, budgets=MemoryLedgerBudgets()
        )
        self.uk_books = NetSuiteConnector(
            http, creds, subsidiary_id=self.uk, base_url=url, budgets=MemoryLedgerBudgets()
        )

    def line(self, amount: str, account: str = "Office Supplies") -> TransactionLine:
        return TransactionLine(
            amount=Decimal(amount), classifications=Classifications(account_id=self.seeded["account"][account])
        )

    async def control_post(self, path: str, body: dict[str, Any]) -> None:
        (
            await self.control.post(f"/_sandbox/accounts/{self.account['account_id']}{path}", json=body)
        ).raise_for_status()


@pytest.fixture
async def books(sandbox_url: str) -> AsyncIterator[Books]:
    async with httpx.AsyncClient(base_url=sandbox_url, timeout=10) as control, httpx.AsyncClient() as http:
        account = (await control.post("/_sandbox/accounts", json={})).raise_for_status().json()
        yield Books(sandbox_url, control, http, account)


def rid() -> str:
    return uuid.uuid4().hex


async def test_updates_replace_lines(books: Books) -> None:
    ns = books.us_books
    vendor = await ns.create(Vendor(name="Lines Inc"), request_id=rid())
    assert vendor.id
    bill = await ns.create(
        Bill(vendor_id=vendor.id, date=dt.date(2026, 3, 1), lines=(books.line("10"), books.line("5"))),
        request_id=rid(),
        tag=f"LB:billcom:bill:{rid()[:12]}",
    )
    assert isinstance(bill, Bill) and bill.total == Decimal("15.00")
    changed = bill.model_copy(update={"lines": (books.line("7"),)})
    for _ in range(2):  # a repeated update (a retry) leaves one line, not two
        updated = await ns.update(changed, request_id=rid())
    assert isinstance(updated, Bill) and [ln.amount for ln in updated.lines] == [Decimal("7.00")]


async def test_changes_are_scoped_to_the_subsidiary(books: Books) -> None:
    since = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=5)
    us_vendor = await books.us_books.create(Vendor(name="US only"), request_id=rid())
    uk_vendor = await books.uk_books.create(Vendor(name="UK only"), request_id=rid())
    assert us_vendor.id and uk_vendor.id
    uk_bill = await books.uk_books.create(
        Bill(vendor_id=uk_vendor.id, date=dt.date(2026, 3, 1), currency="GBP", lines=(books.line("9"),)),
        request_id=rid(),
    )
    page = await books.us_books.changes_since([ObjectType.VENDOR, ObjectType.BILL], since)
    seen = {(c.object_type, c.object_id) for c in page.changes}
    assert (ObjectType.VENDOR, us_vendor.id) in seen
    assert (ObjectType.VENDOR, uk_vendor.id) not in seen and (ObjectType.BILL, uk_bill.id) not in seen
    uk_page = await books.uk_books.query_changed(ObjectType.BILL, since)
    assert [c.object_id for c in uk_page.changes] == [uk_bill.id]
    assert await books.us_books.find_by_name(ObjectType.VENDOR, "UK only") is None


async def test_errors_are_typed(books: Books) -> None:
    ns = books.us_books
    vendor = await ns.create(Vendor(name="Errors Ltd"), request_id=rid())
    assert vendor.id
    wrong = Bill(vendor_id=vendor.id, date=dt.date(2026, 3, 1), lines=(books.line("1", "UK Checking"),))
    with pytest.raises(ValidationError) as caught:
        await ns.create(wrong, request_id=rid())
    assert caught.value.code == "wrong_subsidiary" and "does not belong to the subsidiary" in caught.value.message
    vendor_error = caught.value.__cause__
    assert isinstance(vendor_error, ValidationError) and vendor_error.code == "USER_ERROR"
    assert (vendor_error.detail or "").endswith("(at expense.items[0].account)")
    await books.control_post("/faults", {"throttle_next": 1})
    with pytest.raises(RateLimitedError):
        await ns.read(ObjectType.VENDOR, vendor.id)
    assert await ns.read(ObjectType.VENDOR, vendor.id) is not None
    assert await ns.read(ObjectType.VENDOR, "987654") is None


async def test_closed_period_is_a_user_error(books: Books) -> None:
    ns = books.us_books
    vendor = await ns.create(Vendor(name="Closed Co"), request_id=rid())
    assert vendor.id
    (
        await books.control.put(
            f"/_sandbox/accounts/{books.account['account_id']}/periods", json={"closed": ["2026-01"]}
        )
    ).raise_for_status()
    with pytest.raises(ClosedPeriodError) as caught:
        await ns.create(
            Bill(vendor_id=vendor.id, date=dt.date(2026, 1, 15), lines=(books.line("1"),)), request_id=rid()
        )
    # NetSuite has no closed-period code of its own: its USER_ERROR text is recognised and said as BILL says it
    assert caught.value.code == "books_closed" and "closed through 2026-01-31" in caught.value.message
    assert caught.value.detail is not None and "The accounting period for 2026-01-15 is closed." in caught.value.detail
