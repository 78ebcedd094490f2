"""A GL account's number is its key in Intacct (``GLACCOUNT`` ``ACCOUNTNO``, reference §2.3): BILL's
account 1000 meets the company's own account 1000, so writing it links to that account instead of
being refused as a duplicate (``BL01001973`` "The account number '1000' already exists")."""

from __future__ import annotations

import uuid

import pytest

from ledgerbridge_common.canonical.models import Account, AccountType, ObjectType
from tests.integration.intacct_rules.conftest import IntacctWorld

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]


async def test_an_account_whose_number_the_company_has_is_that_account(world: IntacctWorld):
    ledger = await world.factory.ledger(world.connection_id)
    before = await world.rows("GLACCOUNT")
    (seeded,) = [r for r in before if r["ACCOUNTNO"] == "1000"]
    bills = Account(name="Checking", number="1000", account_type=AccountType.BANK)
    made = await ledger.create(bills, request_id=uuid.uuid4().hex, tag="LB:billcom:account:0ca01CHECKING")
    assert isinstance(made, Account)
    assert (made.id, made.name) == ("1000", seeded["TITLE"])
    assert len(await world.rows("GLACCOUNT")) == len(before)

    fresh = Account(name="Bench Supplies", number="6150", account_type=AccountType.EXPENSE)
    created = await ledger.create(fresh, request_id=uuid.uuid4().hex)
    assert (created.id, getattr(created, "name", None)) == ("6150", "Bench Supplies")
    assert await ledger.read(ObjectType.ACCOUNT, "6150") is not None
