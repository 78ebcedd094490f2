"""Contract: every QBO error path surfaces as the typed error the posting service expects."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from decimal import Decimal

import httpx
import pytest

from ledgerbridge_common.canonical.models import Bill, Classifications, ObjectType, TransactionLine, Vendor
from ledgerbridge_common.connectors.qbo import QboConnector
from ledgerbridge_common.errors import (
    ClosedPeriodError,
    DuplicateError,
    NotFoundError,
    OutcomeUnknownError,
    RateLimitedError,
    RetryableError,
    StaleObjectError,
)
from tests.integration.qbo.conftest import Harness

pytestmark = pytest.mark.integration
TODAY = dt.date.today()


def rid() -> str:
    return uuid.uuid4().hex


def bill_for(vendor_id: str, account: str, number: str | None = None) -> Bill:
    return Bill(
        vendor_id=vendor_id,
        number=number,
        date=TODAY,
        lines=(TransactionLine(amount=Decimal("10.00"), classifications=Classifications(account_id=account)),),
    )


async def test_missing_reference_2500_inactive_reference_610(qbo: QboConnector, harness: Harness) -> None:
    """2500 Invalid Reference Id for an Id that does not exist; 610 Object Not Found for an
    inactive or deleted object and for a read of a missing Id (qbo-api.md 3.6, 5.3)."""
    with pytest.raises(NotFoundError) as err:
        await qbo.create(bill_for("99999", harness.accounts["Utilities"]), request_id=rid())
    assert err.value.code == "2500"
    vendor = await qbo.create(Vendor(name="Ref Check"), request_id=rid())
    with pytest.raises(NotFoundError) as account:
        await qbo.create(bill_for(str(vendor.id), "424242"), request_id=rid())
    assert account.value.code == "2500"
    assert await qbo.read(ObjectType.BILL, "424242") is None
    inactive = await qbo.create(Vendor(name="Gone Vendor"), request_id=rid())
    await qbo.update(inactive.model_copy(update={"active": False}), request_id=rid())
    with pytest.raises(NotFoundError) as gone:
        await qbo.create(bill_for(str(inactive.id), harness.accounts["Utilities"]), request_id=rid())
    assert gone.value.code == "610"


async def test_duplicates_6140_and_6240(qbo: QboConnector, harness: Harness) -> None:
    vendor = await qbo.create(Vendor(name="Dup Vendor"), request_id=rid())
    await qbo.create(bill_for(str(vendor.id), harness.accounts["Utilities"], "D-1"), request_id=rid())
    with pytest.raises(DuplicateError) as doc:
        await qbo.create(bill_for(str(vendor.id), harness.accounts["Utilities"], "D-1"), request_id=rid())
    assert doc.value.code == "6140"
    other = await qbo.create(Vendor(name="Other Vendor"), request_id=rid())
    await qbo.create(bill_for(str(other.id), harness.accounts["Utilities"], "D-1"), request_id=rid())  # other vendor
    from ledgerbridge_common.canonical.models import Customer

    with pytest.raises(DuplicateError) as name:
        await qbo.create(Customer(name="Dup Vendor"), request_id=rid())  # names shared across types
    assert name.value.code == "6240"


async def test_stale_sync_token_5010(qbo: QboConnector, harness: Harness) -> None:
    vendor = await qbo.create(Vendor(name="Stale Co"), request_id=rid())
    await qbo.update(vendor.model_copy(update={"email": "a@b.example"}), request_id=rid())
    with pytest.raises(StaleObjectError) as err:
        await qbo.update(vendor.model_copy(update={"email": "c@d.example"}), request_id=rid())
    assert err.value.code == "5010"
    fresh = await qbo.read(ObjectType.VENDOR, str(vendor.id))
    assert fresh is not None
    await harness.faults(stale_next_updates=1)
    with pytest.raises(StaleObjectError):
        await qbo.update(fresh, request_id=rid())
    assert (await qbo.update(fresh, request_id=rid())).concurrency_token == "2"


async def test_closed_period_6210(qbo: QboConnector, harness: Harness) -> None:
    vendor = await qbo.create(Vendor(name="Closed Books"), request_id=rid())
    assert await qbo.books_closed_through() is None
    await harness.control.post(
        f"/_sandbox/realms/{harness.realm_id}/preferences", json={"book_close_date": TODAY.isoformat()}
    )
    assert await qbo.books_closed_through() == TODAY  # Preferences.AccountingInfoPrefs.BookCloseDate
    with pytest.raises(ClosedPeriodError):
        await qbo.create(bill_for(str(vendor.id), harness.accounts["Utilities"]), request_id=rid())


async def test_429_burst_surfaces_rate_limited(harness: Harness) -> None:
    qbo = harness.connector()
    await harness.faults(throttle_next=2)
    with pytest.raises(RateLimitedError) as err:
        await qbo.read(ObjectType.VENDOR, "1")
    assert err.value.retry_after == 60.0
    assert (await harness.counters())["injected_429"] == 1


async def test_5xx_retried_then_surfaced(harness: Harness) -> None:
    qbo = harness.connector(max_retries=2)
    await harness.faults(error_5xx_next=2)
    vendor = await qbo.create(Vendor(name="Flaky"), request_id=rid())  # two 503s, third try succeeds
    assert vendor.id
    await harness.faults(error_5xx_next=3)
    with pytest.raises(RetryableError):
        await qbo.read(ObjectType.VENDOR, str(vendor.id))
    assert (await harness.counters())["injected_5xx"] == 5


@pytest.mark.parametrize("mode", ["sleep", "drop"])
async def test_timeout_after_commit_is_outcome_unknown(harness: Harness, mode: str) -> None:
    qbo = harness.connector(timeout=0.5)
    vendor = await qbo.create(Vendor(name=f"Timeout {mode}"), request_id=rid())
    await harness.faults(timeout_after_commit_next=1, timeout_mode=mode, timeout_seconds=1.5)
    request_id, tag = rid(), f"LB:billcom:bill:{mode}"
    bill = bill_for(str(vendor.id), harness.accounts["Utilities"])
    with pytest.raises(OutcomeUnknownError):
        await qbo.create(bill, request_id=request_id, tag=tag)
    found = await qbo.find_by_tag(ObjectType.BILL, tag)  # the write was committed
    assert found is not None
    replay = await qbo.create(bill, request_id=request_id, tag=tag)  # same requestid: replayed
    assert replay.id == found.id
    assert (await harness.objects("Bill"))["count"] == 1
    assert (await harness.counters())["replayed"] == 1
    await asyncio.sleep(1.2)  # let the sleeping handler finish before the realm goes away


async def test_expired_token_refreshes_once_and_saves_rotation(harness: Harness) -> None:
    qbo = harness.connector()
    before = harness.store.tokens
    assert before is not None
    await harness.control.post("/_sandbox/clock", json={"advance_seconds": 3700})
    try:
        results = await asyncio.gather(*(qbo.read(ObjectType.ACCOUNT, "1") for _ in range(5)))
    finally:
        await harness.control.post("/_sandbox/clock", json={"reset": True})
    assert all(r is not None for r in results)
    after = harness.store.tokens
    assert after is not None and harness.store.saves == 1  # single flight
    assert after.refresh_token != before.refresh_token and after.access_token != before.access_token
    assert (await harness.counters())["unauthorized_401"] >= 1


async def test_rotated_away_refresh_token_is_revoked(harness: Harness) -> None:
    from ledgerbridge_common.connectors.qbo import QboOAuthClient
    from ledgerbridge_common.errors import AuthRevokedError
    from tests.integration.qbo.conftest import CLIENT_ID, CLIENT_SECRET, REDIRECT_URI

    oauth = QboOAuthClient.for_base_url(
        harness.http, harness.url, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, redirect_uri=REDIRECT_URI
    )
    old = harness.store.tokens
    assert old is not None
    rotated = await oauth.refresh(old.refresh_token)
    assert rotated.refresh_token != old.refresh_token
    with pytest.raises(AuthRevokedError) as err:
        await oauth.refresh(old.refresh_token)
    assert err.value.code == "invalid_grant"
    # a connector holding an expired access token and the rotated-away refresh token gives up cleanly
    harness.store.tokens = type(old)(
        access_token="expired",
        refresh_token=old.refresh_token,
        expires_at=old.expires_at,
        realm_id=old.realm_id,
    )
    with pytest.raises(AuthRevokedError):
        await harness.connector().read(ObjectType.VENDOR, "1")


async def test_oauth_connect_flow(harness: Harness) -> None:
    from ledgerbridge_common.connectors.qbo import InMemoryTokenStore, QboOAuthClient, QboTokenProvider
    from tests.integration.qbo.conftest import CLIENT_ID, CLIENT_SECRET, REDIRECT_URI

    oauth = QboOAuthClient.for_base_url(
        harness.http, harness.url, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, redirect_uri=REDIRECT_URI
    )
    url = oauth.authorize_url(state="csrf-1") + f"&realm_id={harness.realm_id}"
    redirect = await harness.http.get(url)
    assert redirect.status_code == 302
    params = httpx.URL(redirect.headers["location"]).params
    assert params["state"] == "csrf-1" and params["realmId"] == harness.realm_id
    tokens = await oauth.exchange_code(params["code"], params["realmId"])
    store = InMemoryTokenStore(tokens)
    qbo = QboConnector(harness.http, harness.realm_id, QboTokenProvider(store, oauth), base_url=harness.url)
    assert (await qbo.company_info()).company_id == harness.realm_id
    from ledgerbridge_common.errors import AuthRevokedError

    with pytest.raises(AuthRevokedError):  # codes are single use
        await oauth.exchange_code(params["code"], params["realmId"])
