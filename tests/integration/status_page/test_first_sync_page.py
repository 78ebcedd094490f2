"""The first-sync page in headless Chromium, prefs-api over the QBO and BILL sandboxes: the start
date, the preview per object type (a hand-keyed QBO bill linked, a new one created, an old one
skipped), the What Syncs matrix, and starting the first sync from the page."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from ledgerbridge_common.canonical.models import Vendor
from ledgerbridge_common.settings import KafkaSettings
from tests.integration.prefs_api.conftest import ADMIN_KEY
from tests.integration.prefs_api.test_first_sync import START, TODAY, bill, world
from tests.integration.status_page.test_status_page import click, screenshot, sign_in

pytestmark = [pytest.mark.integration, pytest.mark.timeout(150)]


def cells(driver: WebDriver, row_id: str) -> dict[str, str]:
    row = driver.find_element(By.ID, row_id)
    return {
        td.get_attribute("data-verdict") or "": td.text for td in row.find_elements(By.CSS_SELECTOR, "td[data-verdict]")
    }


async def test_first_sync_page_previews_then_starts(
    database_url: str, kafka_settings: KafkaSettings, browser: WebDriver
) -> None:
    async with world(database_url, kafka_settings) as w:
        api, qbo, billcom = w["api"], w["qbo"], w["billcom"]
        expense = w["accounts"]["Unallocated Expenses"]
        name = f"Paper Mill {uuid.uuid4().hex[:6]}"
        q_vendor = await qbo.create(Vendor(name=name), request_id=uuid.uuid4().hex)
        b_vendor = await billcom.create(Vendor(name=name))
        keyed = await qbo.create(bill(q_vendor.id or "", "HK-1", "120.00", TODAY, expense), request_id=uuid.uuid4().hex)
        await billcom.create(bill(b_vendor.id or "", "HK-1", "120.00", TODAY))
        await billcom.create(bill(b_vendor.id or "", "NEW-1", "55.00", TODAY))
        await billcom.create(bill(b_vendor.id or "", "OLD-1", "70.00", START - dt.timedelta(days=1)))
        cid = (await api.post("/v1/connections", json={**w["body"], "start_date": START.isoformat()})).json()["id"]

        sign_in(browser, w["url"], ADMIN_KEY)
        browser.get(f"{w['url']}/status/connections/{cid}/first-sync")
        assert browser.find_element(By.ID, "start-date").text == START.isoformat()
        assert browser.find_element(By.ID, "first-sync-state").text == "not started"
        assert cells(browser, "preview-bill") == {"create": "1", "link": "1", "skip": "1", "conflict": "0"}
        assert cells(browser, "preview-vendor")["link"] == "1"
        linked = [r for r in browser.find_elements(By.CSS_SELECTOR, "tr[data-verdict=link]") if "HK-1" in r.text]
        assert linked and keyed.id in linked[0].text
        skipped = [r for r in browser.find_elements(By.CSS_SELECTOR, "tr[data-verdict=skip]") if "OLD-1" in r.text]
        assert skipped and "before the start date" in skipped[0].text
        matrix = browser.find_element(By.ID, "what-syncs-vendor_credit").text
        assert "BILL → ledger" in matrix and "both ways" not in matrix
        screenshot(browser, "first-sync-preview.png")

        click(browser, browser.find_element(By.ID, "start-first-sync"))
        assert "First sync started" in browser.find_element(By.CSS_SELECTOR, ".flash.ok").text
        assert browser.find_element(By.ID, "first-sync-state").text == "started"
        assert not browser.find_elements(By.ID, "start-first-sync")
        values = (await api.get(f"/v1/connections/{cid}/preferences")).json()["values"]
        assert values["first_sync_started"] is True
