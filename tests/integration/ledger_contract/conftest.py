"""The contract suite's fixtures: ``ledger`` is every ledger of ``LEDGERS_UNDER_TEST`` in turn, on
a fresh sandbox company per test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from tests.integration.ledger_contract.registry import LEDGERS_UNDER_TEST, LedgerUnderTest, Sandboxes, sandboxes


@pytest.fixture(scope="session")
def ledger_sandboxes() -> Iterator[Sandboxes]:
    yield from sandboxes()


@pytest.fixture(params=sorted(LEDGERS_UNDER_TEST))
async def ledger(request: pytest.FixtureRequest, ledger_sandboxes: Sandboxes) -> AsyncIterator[LedgerUnderTest]:
    async with LEDGERS_UNDER_TEST[request.param](ledger_sandboxes) as under_test:
        yield under_test
