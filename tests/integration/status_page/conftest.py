"""The prefs-api (real PostgreSQL and Kafka, fake vendors) on a loopback port, and a headless
Chromium driven by Selenium through the system chromedriver (no browser download; install both
with ``bash deploy/local/chromium.sh``)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.remote.webdriver import WebDriver

from ledgerbridge_common.settings import KafkaSettings
from tests.integration.prefs_api.conftest import PrefsApi, prefs_settings, serve_prefs_api

CHROMIUM = os.environ.get("LB_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("LB_CHROMEDRIVER", "/usr/bin/chromedriver")
SCREENSHOTS = Path(__file__).resolve().parents[3] / ".local" / "screenshots"
FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-default-apps",
    "--disable-extensions",
    "--window-size=1400,1000",
)


@pytest.fixture
def status_api(database_url: str, kafka_settings: KafkaSettings) -> Iterator[PrefsApi]:
    with serve_prefs_api(prefs_settings(database_url, kafka_settings)) as api:
        yield api


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[WebDriver]:
    """A fresh headless Chromium (own profile dir, background networking off)."""
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not (os.access(p, os.X_OK) or shutil.which(p))]
    if missing:
        message = f"{', '.join(missing)} not installed: run `bash deploy/local/chromium.sh`"
        if os.environ.get("LB_REQUIRE_STACK") == "1":
            pytest.fail(message)
        pytest.skip(message)
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*FLAGS, f"--user-data-dir={tmp_path / 'chromium-profile'}"):
        options.add_argument(flag)
    service = Service(executable_path=CHROMEDRIVER, log_output=str(tmp_path / "chromedriver.log"))
    driver = webdriver.Chrome(options=options, service=service)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()
