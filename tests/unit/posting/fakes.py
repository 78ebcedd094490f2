"""Posting's connector registry over the shared fakes (:mod:`tests.support.fake_ledger`)."""

from __future__ import annotations

from typing import Any

from ledgerbridge_common.canonical.models import CompanyInfo
from tests.support.fake_ledger import FakeLedger


class FakeConnectors:
    def __init__(self, ledger: FakeLedger | None = None) -> None:
        self.ledger_ = ledger or FakeLedger()
        self.dropped: list[str] = []

    async def ledger(self, connection_id: str) -> FakeLedger:
        return self.ledger_

    async def billcom(self, connection_id: str) -> Any:
        raise AssertionError("this fake world has no BILL side: the test posted to BILL unexpectedly")

    async def company(self, connection_id: str) -> CompanyInfo:
        return await self.ledger_.company_info()

    def drop(self, connection_id: str) -> None:
        self.dropped.append(connection_id)
