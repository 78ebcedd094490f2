"""The sandbox keeps ``CurrentBalance`` of balance-sheet accounts from the transactions, as QBO
does (read-only, maintained by QBO): read through the connector's ``list_accounts``."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from ledgerbridge_common.canonical.models import (
    AppliedTo,
    Bill,
    BillPayment,
    FundsTransfer,
    ObjectType,
)
from ledgerbridge_common.connectors.qbo import QboConnector
from tests.integration.qbo.conftest import Harness
from tests.integration.qbo.test_connector_objects import TODAY, line, new_vendor, rid

pytestmark = pytest.mark.integration


async def balances(qbo: QboConnector) -> dict[str, Decimal | None]:
    out: dict[str, Decimal | None] = {}
    for account in await qbo.list_accounts():
        value = account.side_status.get("current_balance")
        out[account.name] = None if value is None else Decimal(str(value))
    return out


async def test_current_balance_follows_payments_transfers_and_hand_deletes(qbo: QboConnector, harness: Harness) -> None:
    acc = harness.accounts
    vendor = await new_vendor(qbo)
    bill = await qbo.create(
        Bill(vendor_id=str(vendor.id), number=f"CB-{uuid.uuid4().hex[:4]}", date=TODAY,
             lines=(line("120.00", acc["Office Supplies"]),)),
        request_id=rid(),
    )  # fmt: skip
    other = await qbo.create(
        Bill(vendor_id=str(vendor.id), number=f"CB-{uuid.uuid4().hex[:4]}", date=TODAY,
             lines=(line("30.00", acc["Utilities"]),)),
        request_id=rid(),
    )  # fmt: skip
    before = await balances(qbo)
    assert before["Accounts Payable (A/P)"] == Decimal("150.00")  # a liability reads credit-positive
    assert before["Office Supplies"] == 0  # income and expense accounts carry no CurrentBalance

    await qbo.create(
        BillPayment(
            vendor_id=str(vendor.id),
            date=TODAY,
            amount=Decimal("120.00"),
            applied_to=(AppliedTo(document_id=str(bill.id), amount=Decimal("120.00")),),
            bank_account_id=acc["BILL Money Out Clearing"],
        ),
        request_id=rid(),
    )
    paid = await balances(qbo)
    assert paid["BILL Money Out Clearing"] == Decimal("-120.00")
    assert paid["Accounts Payable (A/P)"] == Decimal("30.00")

    await qbo.create(
        FundsTransfer(
            date=TODAY, amount=Decimal("120.00"),
            from_account_id=acc["Checking"], to_account_id=acc["BILL Money Out Clearing"],
        ),
        request_id=rid(),
    )  # fmt: skip
    refused = await harness.control.delete(f"/_sandbox/realms/{harness.realm_id}/objects/Bill/{bill.id}")
    assert refused.status_code == 400  # a paid bill is linked to its payment, by hand as through the API
    deleted = await harness.control.delete(f"/_sandbox/realms/{harness.realm_id}/objects/Bill/{other.id}")
    assert deleted.status_code == 200 and await qbo.read(ObjectType.BILL, str(other.id)) is None
    settled = await balances(qbo)
    assert settled["BILL Money Out Clearing"] == 0
    assert settled["Checking"] == Decimal("-120.00")
    assert settled["Accounts Payable (A/P)"] == 0
    ledger = await harness.ledger()
    assert ledger["by_name"]["Checking"] == "-120.00"  # the same figure as the control API's ledger view
