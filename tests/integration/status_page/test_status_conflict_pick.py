"""Picking among ambiguous first-sync matches on the status page in headless Chromium: the
conflicts inbox lists the candidates with a Pick button each; a pick links the document to the
chosen one and closes the conflict as picked."""

from __future__ import annotations

import datetime as dt

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from ledgerbridge_common.canonical.models import Bill
from tests.integration.prefs_api.conftest import PrefsApi
from tests.integration.prefs_api.test_conflict_pick import ambiguous, open_conflict
from tests.integration.prefs_api.test_error_actions import publish_outcomes
from tests.integration.status_page.test_status_page import click, sign_in

pytestmark = [pytest.mark.integration, pytest.mark.timeout(150)]


async def test_pick_an_ambiguous_match_from_the_conflicts_inbox(status_api: PrefsApi, browser: WebDriver) -> None:
    cid = (await status_api.new_connection(name="Picky Books LLC"))["id"]
    key = (await status_api.new_key(status_api.admin, name="erin", scopes=["write"]))["X-API-Key"]
    for lid in ("145", "146"):
        status_api.ledger.objects[("bill", lid)] = Bill(
            id=lid, vendor_id="58", number="INV-7", date=dt.date(2026, 12, 1), lines=[]
        )
    await publish_outcomes(status_api, cid, [ambiguous("billcom:bill:00n07A", ["145", "146"])])
    conflict = await open_conflict(status_api, cid)
    driver = browser
    sign_in(driver, status_api.url, key)
    driver.get(f"{status_api.url}/status/conflicts")
    article = driver.find_element(By.ID, f"conflict-{conflict['id']}")
    matches = [li.text for li in article.find_elements(By.CSS_SELECTOR, ".candidates li")]
    assert [m.split("\n")[0].split(" ")[0] for m in matches] == ["ledger:bill:145", "ledger:bill:146"]
    assert not article.find_elements(By.XPATH, ".//button[starts-with(normalize-space(.), 'Override')]")

    click(driver, article.find_element(By.XPATH, ".//button[starts-with(normalize-space(.), 'Pick 146')]"))
    assert "billcom:bill:00n07A linked to 146" in driver.find_element(By.CSS_SELECTOR, "p.flash[role=status]").text
    assert f"conflict-{conflict['id']}" not in driver.page_source  # no longer open
    driver.get(f"{status_api.url}/status/conflicts?state=picked")
    assert "picked" in driver.find_element(By.ID, f"conflict-{conflict['id']}").text
    async with status_api.client(status_api.admin) as http:
        mappings = (await http.get(f"/v1/connections/{cid}/mappings")).json()
    assert mappings["objects"] == {"bill": {"00n07A": "146"}}
