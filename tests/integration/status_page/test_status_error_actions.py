"""Errors the bookkeeper can clear, on the status page in headless Chromium: Ignore closes the
row and lists the object as ignored; Link ties a parked payment to an existing ledger object and
queues its replay; each is in the sync log with the API key's name."""

from __future__ import annotations

import csv
import datetime as dt
import io

import httpx
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from ledgerbridge_common.canonical.models import Bill, Vendor
from tests.integration.prefs_api.conftest import ADMIN_KEY, PrefsApi, read_topic
from tests.integration.status_page.test_status_page import changes_for, click, row_of, screenshot, seed, sign_in

pytestmark = [pytest.mark.integration, pytest.mark.timeout(150)]


async def test_ignore_and_link_from_the_status_page(status_api: PrefsApi, browser: WebDriver) -> None:
    cid, ids = await seed(status_api)
    key = (await status_api.new_key(status_api.admin, name="dana", scopes=["write"]))["X-API-Key"]
    status_api.ledger.objects[("bill_payment", "77")] = object()
    driver = browser
    sign_in(driver, status_api.url, key)
    failed = row_of(driver, "errors-h", "billcom:vendor:00901B")
    parked = row_of(driver, "errors-h", "billcom:bill_payment:stp01C")
    assert parked.find_element(By.CSS_SELECTOR, "label[for^=link-]").text == "Existing ledger id"
    screenshot(driver, "status-error-actions.png")

    click(driver, failed.find_element(By.XPATH, ".//button[normalize-space(.)='Ignore']"))
    flash = driver.find_element(By.CSS_SELECTOR, "p.flash[role=status]").text
    assert "billcom:vendor:00901B is ignored" in flash
    assert "billcom:vendor:00901B" not in driver.find_element(By.ID, "errors").text

    parked = row_of(driver, "errors-h", "billcom:bill_payment:stp01C")
    parked.find_element(By.CSS_SELECTOR, "input[name=other_id]").send_keys("999")
    click(driver, parked.find_element(By.XPATH, ".//button[normalize-space(.)='Link']"))
    assert (
        "Not linked: There is no bill_payment '999' in the ledger"
        in driver.find_element(By.CSS_SELECTOR, "p.flash").text
    )
    parked = row_of(driver, "errors-h", "billcom:bill_payment:stp01C")
    parked.find_element(By.CSS_SELECTOR, "input[name=other_id]").send_keys("77")
    click(driver, parked.find_element(By.XPATH, ".//button[normalize-space(.)='Link']"))
    assert "linked to 77" in driver.find_element(By.CSS_SELECTOR, "p.flash").text

    async with status_api.client(status_api.admin) as http:
        ignored = (await http.get(f"/v1/connections/{cid}/ignored")).json()
        mappings = (await http.get(f"/v1/connections/{cid}/mappings")).json()
        actions = (await http.get("/v1/sync-log", params={"connection_id": cid, "status": "action"})).json()
    assert [(i["source_ref"], i["ignored_by"]) for i in ignored] == [("billcom:vendor:00901B", "dana")]
    assert mappings["objects"] == {"bill_payment": {"stp01C": "77"}}
    assert [(a["decision"]["action"], a["actor"]) for a in actions["items"]] == [("link", "dana"), ("ignore", "dana")]
    kafka = status_api.settings.kafka
    # the ignore and the link in force (PreferencesChanged each), then the link's replay
    envs = await read_topic(kafka, kafka.topics.changes, want=3)
    link_id = actions["items"][0]["id"]
    assert [c.object_id for c in changes_for(envs, f"link:{link_id}")] == ["stp01C"]
    assert ids["billcom:bill_payment:stp01C"] != link_id


async def test_reconciliation_and_exports_from_the_status_page(status_api: PrefsApi, browser: WebDriver) -> None:
    cid, _ = await seed(status_api)
    status_api.billcom.objects[("vendor", "009A")] = Vendor(id="009A", name="Acme")
    status_api.ledger.objects[("vendor", "58")] = Vendor(id="58", name="Acme")
    status_api.billcom.objects[("bill", "00nA")] = Bill(
        id="00nA",
        vendor_id="009A",
        number="INV-9",
        date=dt.date(2026, 12, 1),
        lines=[],
        side_status={"dueAmount": "75"},
    )
    for account_id, balance in (("91", "-20.00"), ("92", "0")):  # QBO reports CurrentBalance
        account = status_api.ledger.objects[("account", account_id)]
        status_api.ledger.put(account.model_copy(update={"side_status": {"current_balance": balance}}))
    async with httpx.AsyncClient(base_url=status_api.url, headers=status_api.admin, timeout=15) as http:
        clearing = {"money_out_clearing_account": "91", "money_in_clearing_account": "92"}
        patched = await http.patch(f"/v1/connections/{cid}/preferences", json=clearing, headers={"If-Match": "*"})
        assert patched.status_code == 200, patched.text
    driver = browser
    sign_in(driver, status_api.url, ADMIN_KEY)
    row = row_of(driver, "connections-h", cid)
    click(driver, row.find_element(By.LINK_TEXT, "Reconciliation"))
    table = driver.find_element(By.ID, "reconciliation")
    assert "Only in BILL" in table.text and "bill INV-9 (Acme)" in table.text and "billcom:bill:00nA" in table.text
    payables = row_of(driver, "recon-h", "Open payables")
    assert "Acme" in payables.text and "75.00" in payables.text
    short = row_of(driver, "recon-h", "Clearing account")
    assert "BILL Money Out Clearing" in short.text and "-20.00" in short.text
    settled = row_of(driver, "clearing-h", "BILL Money In Clearing")
    assert "0.00" in settled.text and "the balance QuickBooks Online reports" in settled.text
    screenshot(driver, "status-reconciliation.png")

    async with httpx.AsyncClient(base_url=status_api.url, headers=status_api.admin, timeout=15) as http:
        log_csv = await http.get("/status/export/sync-log.csv", params={"connection_id": cid})
        report_json = await http.get("/status/export/sync-report.json", params={"connection_id": cid})
    assert log_csv.status_code == 200 and log_csv.headers["content-type"].startswith("text/csv")
    assert {r["source_ref"] for r in csv.DictReader(io.StringIO(log_csv.text))} >= {"billcom:vendor:00901B"}
    assert {r["status"] for r in report_json.json()} == {"posted", "failed", "parked"}
