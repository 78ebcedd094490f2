"""The Preferences page of a connection in headless Chromium (prefs-api with a fake ledger chart):
every preference with the account types it accepts (an account preference offers only active
accounts of those types), the readiness checklist, the What Syncs matrix; an edit is previewed,
then saved as the next version; a save after someone else's change is refused, not applied."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select

from tests.integration.prefs_api.conftest import ADMIN_KEY, PrefsApi
from tests.integration.status_page.test_status_page import click, screenshot, sign_in

pytestmark = [pytest.mark.integration, pytest.mark.timeout(150)]


def options(driver: WebDriver, name: str) -> list[str]:
    return [o.text for o in Select(driver.find_element(By.ID, f"pref-{name}")).options]


async def test_preferences_page_previews_and_saves_with_the_version(status_api: PrefsApi, browser: WebDriver) -> None:
    cid = (await status_api.new_connection(name="Prefs Page Co"))["id"]
    driver = browser
    sign_in(driver, status_api.url, ADMIN_KEY)
    click(driver, driver.find_element(By.CSS_SELECTOR, f"a[href='/status/connections/{cid}/preferences']"))
    assert driver.find_element(By.ID, "prefs-version").text == "1"
    missing = driver.find_element(By.ID, "missing").text
    assert "Choose an Accounts Payable account for Accounts Payable" in missing
    ap_row = driver.find_element(By.ID, "pref-row-ap_account")
    assert ap_row.find_element(By.CSS_SELECTOR, "td[data-accepts]").text == "Accounts Payable"
    assert options(driver, "ap_account") == ["— none —", "Accounts Payable (A/P) (Accounts Payable)"]
    banks = options(driver, "money_out_clearing_account")
    assert "Checking (Bank)" in banks and "BILL Money Out Clearing (Bank)" in banks
    assert not any(b.startswith(("Old Bank", "Office Expenses")) for b in banks)  # inactive, wrong type
    assert "Bank or Other Current Asset" in driver.find_element(By.ID, "pref-row-deposit_to_account").text
    assert "BILL → ledger" in driver.find_element(By.ID, "what-syncs-bill").text

    Select(driver.find_element(By.ID, "pref-ap_account")).select_by_value("33")
    Select(driver.find_element(By.ID, "pref-money_out_clearing_account")).select_by_value("91")
    Select(driver.find_element(By.ID, "what-invoice")).select_by_value("off")
    click(driver, driver.find_element(By.ID, "preview-change"))
    changes = {r.get_attribute("id"): r.text for r in driver.find_elements(By.CSS_SELECTOR, "#changes tbody tr")}
    assert set(changes) == {"change-ap_account", "change-money_out_clearing_account", "change-what_syncs.invoice"}
    assert "33" in changes["change-ap_account"]
    assert "not ready" in driver.find_element(By.ID, "ready-after").text  # other required accounts still unset
    screenshot(driver, "preferences-preview.png")
    click(driver, driver.find_element(By.ID, "save-change"))
    assert "Saved as version 2" in driver.find_element(By.CSS_SELECTOR, "p.flash[role=status]").text
    assert driver.find_element(By.ID, "prefs-version").text == "2"
    assert "Accounts Payable (A/P)" in driver.find_element(By.ID, "pref-row-ap_account").text
    assert driver.find_element(By.ID, "what-syncs-invoice").find_elements(By.TAG_NAME, "td")[0].text == "off"
    async with status_api.client(status_api.admin) as http:
        saved = (await http.get(f"/v1/connections/{cid}/preferences")).json()
    assert saved["version"] == 2 and saved["values"]["ap_account"] == "33"
    assert saved["values"]["money_out_clearing_account"] == "91"
    assert saved["values"]["what_syncs"]["invoice"] == "off"

    Select(driver.find_element(By.ID, "pref-ar_account")).select_by_value("84")
    click(driver, driver.find_element(By.ID, "preview-change"))
    async with status_api.client(status_api.admin) as http:  # someone else saves meanwhile
        other = await http.patch(
            f"/v1/connections/{cid}/preferences", json={"ap_account": None}, headers={"If-Match": '"2"'}
        )
    assert other.status_code == 200, other.text
    click(driver, driver.find_element(By.ID, "save-change"))
    flash = driver.find_element(By.CSS_SELECTOR, "p.flash").text
    assert "Not saved" in flash and "current version is 3" in flash
    async with status_api.client(status_api.admin) as http:
        after = (await http.get(f"/v1/connections/{cid}/preferences")).json()
    assert after["version"] == 3 and after["values"]["ar_account"] is None
