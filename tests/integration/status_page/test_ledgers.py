"""The status page in headless Chromium shows Sage Intacct and NetSuite connections like QBO ones:
the ledger's name, the company (Intacct company id, NetSuite account id), the linked entity or
subsidiary, the books-closed date (or why there is none), and whether the connection is ready to sync
with what is missing, read from the ledger sandboxes through the real connectors."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from ledgerbridge_common.settings import KafkaSettings
from tests.integration.prefs_api.conftest import ADMIN_KEY
from tests.integration.prefs_api.ledgers.conftest import (
    Served,
    body,
    intacct_company,
    intacct_login,
    ledger_sandboxes,
    netsuite_account,
    netsuite_login,
    prefs_api_on,
)
from tests.integration.prefs_api.ledgers.test_books_closed import closed_month
from tests.integration.status_page.test_status_page import row_of, screenshot, sign_in

pytestmark = [pytest.mark.integration, pytest.mark.timeout(150)]


@pytest.fixture
def ledgers_api(database_url: str, kafka_settings: KafkaSettings) -> Iterator[Served]:
    with ledger_sandboxes() as sandboxes, prefs_api_on(sandboxes, database_url, kafka_settings) as served:
        yield served


async def connect(served: Served, kind: str, **blocks: Any) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=served.url, headers={"X-API-Key": ADMIN_KEY}, timeout=30) as http:
        created = await http.post("/v1/connections", json=body(kind, **blocks))
    assert created.status_code == 201, created.text
    return dict(created.json())


def ledger_cells(driver: WebDriver, connection_id: str) -> tuple[str, str]:
    row = row_of(driver, "connections-h", connection_id)
    ledger = row.find_element(By.CSS_SELECTOR, "td.ledger").text
    ready = row.find_element(By.CSS_SELECTOR, "td.ready")
    for summary in ready.find_elements(By.TAG_NAME, "summary"):
        summary.click()  # open "What is missing" and "Warnings"
    return ledger, ready.text


async def test_intacct_and_netsuite_connections_on_the_status_page(ledgers_api: Served, browser: WebDriver) -> None:
    company = intacct_company(ledgers_api, entities=["E1"])
    intacct = await connect(ledgers_api, "sage_intacct", intacct=intacct_login(company, entity_id="E1"))
    account = netsuite_account(ledgers_api)
    month, last_day = closed_month()
    closing = f"{ledgers_api.netsuite}/_sandbox/accounts/{account['account_id']}/periods"
    httpx.put(closing, json={"closed": [month]}, timeout=10).raise_for_status()
    netsuite = await connect(ledgers_api, "oracle_netsuite", netsuite=netsuite_login(account))
    qbo = await connect(ledgers_api, "quickbooks_online", qbo={"client_id": "c", "client_secret": "s"})

    sign_in(browser, ledgers_api.url, ADMIN_KEY)
    ledger, ready = ledger_cells(browser, intacct["id"])
    assert ledger.splitlines() == [
        "Sage Intacct",
        company,
        "entity/subsidiary E1",
        "LedgerBridge does not read Sage Intacct's books-closed date",
    ]
    assert "to do" in ready and "Set the Funds Transfer Journal Symbol" in ready
    missing, _, warned = ready.partition("\nWarnings\n")
    assert "Set Transaction Currency to USD" in warned  # it stops payments only: a warning
    assert "Set Transaction Currency to USD" not in missing

    ledger, ready = ledger_cells(browser, netsuite["id"])
    uk = str(account["seeded"]["subsidiary"]["UK Subsidiary"])
    assert ledger.splitlines() == [
        "Oracle NetSuite",
        account["account_id"],
        f"entity/subsidiary {uk}",
        f"books closed through {last_day}",
    ]
    assert "Choose an Accounts Payable account for Accounts Payable" in ready
    assert "Journal Symbol" not in ready  # an Intacct-only preference

    ledger, ready = ledger_cells(browser, qbo["id"])
    assert ledger.splitlines()[:2] == ["QuickBooks Online", "not connected"]
    assert ledger.splitlines()[2].startswith("not read: ")  # no QuickBooks company connected yet
    assert "to do" in ready
    screenshot(browser, "status-ledgers.png")
