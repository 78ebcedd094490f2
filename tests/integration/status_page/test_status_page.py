"""The status page in headless Chromium: sign in with an API key, see connections with last sync
and freshness, errors with reasons, Replay one (ChangeDetected trigger replay on the changes
topic), the conflicts inbox with both versions, consumer lag with real rows; another tenant sees
none of it. Screenshots go to .local/screenshots/."""

from __future__ import annotations

import asyncio
import base64
import uuid
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.wait import WebDriverWait

from ledgerbridge_common.db.engine import make_engine, make_sessionmaker
from ledgerbridge_common.events.envelope import Envelope
from ledgerbridge_common.events.models import ChangeDetected
from ledgerbridge_common.kafka.producer import AiokafkaPublisher
from ledgerbridge_common.settings import KafkaSettings
from prefs_api.domain.access import Scope
from prefs_api.handlers.keys import create_key
from prefs_api.handlers.outcomes import GROUP_ID
from tests.integration.prefs_api.conftest import ADMIN_KEY, PrefsApi, read_topic
from tests.integration.prefs_api.test_sync_log import outcomes, wait_for_log
from tests.integration.status_page.conftest import SCREENSHOTS

pytestmark = [pytest.mark.integration, pytest.mark.timeout(150)]


async def seed(api: PrefsApi) -> tuple[str, dict[str, int]]:
    """A connection and four outcomes (posted, failed, parked, a master-rule conflict) fed through
    the outcomes topic and the prefs-api's own consumer. Returns (connection id, log ids by ref)."""
    cid = (await api.new_connection(name="Acme Supplies Ltd"))["id"]
    publisher = AiokafkaPublisher(api.settings.kafka, client_id="test-status-posting")
    await publisher.start()
    try:
        envs = [Envelope.wrap(o, connection_id=cid) for o in outcomes(cid)]
        await publisher.publish_many([(api.settings.kafka.topics.outcomes, e) for e in envs])
    finally:
        await publisher.stop()
    items = await wait_for_log(api, cid, want=4)
    assert len(items) == 4
    return cid, {i["source_ref"]: i["id"] for i in items}


async def lagging_group(kafka: KafkaSettings, produced: int = 5, committed: int = 2) -> str:
    """A consumer group that committed ``committed`` of ``produced`` records on partition 0."""
    group = "ledgerbridge-status-test-" + uuid.uuid4().hex[:8]
    tp = TopicPartition(kafka.topics.postings, 0)
    producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap_servers)
    await producer.start()
    try:
        for i in range(produced):
            await producer.send_and_wait(tp.topic, f"record-{i}".encode(), partition=0)
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka.bootstrap_servers, group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign([tp])
        await consumer.commit({tp: committed})
    finally:
        await consumer.stop()
    return group


async def committed(kafka: KafkaSettings, group: str, topic: str, timeout: float = 15) -> None:
    """Wait until ``group`` has committed an offset on ``topic``."""
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka.bootstrap_servers)
    await admin.start()
    try:
        deadline = asyncio.get_running_loop().time() + timeout
        while asyncio.get_running_loop().time() < deadline:
            offsets = await admin.list_consumer_group_offsets(group)
            if any(tp.topic == topic and meta.offset > 0 for tp, meta in offsets.items()):
                return
            await asyncio.sleep(0.2)
    finally:
        await admin.close()
    raise AssertionError(f"{group} committed nothing on {topic}")


def sign_in(driver: WebDriver, url: str, key: str) -> None:
    driver.get(f"{url}/status")
    assert driver.current_url.endswith("/status/login")
    field = driver.find_element(By.CSS_SELECTOR, "label[for=key] + input#key")
    field.send_keys(key)
    click(driver, driver.find_element(By.XPATH, "//button[normalize-space(.)='Sign in']"))
    assert driver.current_url.endswith("/status"), driver.page_source[-800:]


def click(driver: WebDriver, element: WebElement) -> None:
    """Click and wait for the next page to load (a form post and its redirect, or a link)."""
    html = driver.find_element(By.TAG_NAME, "html")
    element.click()
    # mid-navigation chromedriver may answer "Node with given id does not belong to the document"
    # instead of "stale element": the old page is going away, so look again
    WebDriverWait(driver, 15, ignored_exceptions=(WebDriverException,)).until(expected_conditions.staleness_of(html))
    WebDriverWait(driver, 15).until(lambda d: d.execute_script("return document.readyState") == "complete")


def row_of(driver: WebDriver, section_id: str, text: str) -> WebElement:
    rows = driver.find_elements(By.CSS_SELECTOR, f"#{section_id} ~ table tbody tr, #{section_id} table tbody tr")
    found = [r for r in rows if text in r.text]
    assert found, f"no row with {text!r} in #{section_id}"
    return found[0]


def screenshot(driver: WebDriver, name: str) -> None:
    """The whole page (not just the viewport), as a PNG under .local/screenshots/."""
    metrics = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})
    size = metrics["cssContentSize"]
    shot = driver.execute_cdp_cmd(
        "Page.captureScreenshot",
        {
            "format": "png",
            "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1},
        },
    )
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / name
    path.write_bytes(base64.b64decode(shot["data"]))
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 10_000


def changes_for(envelopes: list[Envelope], delivery_id: str) -> list[ChangeDetected]:
    events = [e.event() for e in envelopes if e.type == ChangeDetected.event_type]
    return [ev for ev in events if isinstance(ev, ChangeDetected) and ev.delivery_id == delivery_id]


async def test_status_page_in_chromium(status_api: PrefsApi, browser: WebDriver, database_url: str) -> None:
    kafka = status_api.settings.kafka
    cid, ids = await seed(status_api)
    group = await lagging_group(kafka)
    await committed(kafka, GROUP_ID, kafka.topics.outcomes)
    driver = browser

    sign_in(driver, status_api.url, ADMIN_KEY)
    # connections: last sync and freshness
    conn = row_of(driver, "connections-h", cid)
    assert "Acme Supplies Ltd" in conn.text and "active" in conn.text
    cells = [c.text for c in conn.find_elements(By.TAG_NAME, "td")]
    assert cells[1].startswith("20") and "UTC" in cells[1]  # last sync time
    assert cells[2].startswith("fresh") and "ago" in cells[2]
    assert cells[3:8] == ["2", "0", "1", "1", "2"]  # posted, skipped, failed, parked, open errors
    # errors with their reasons
    failed = row_of(driver, "errors-h", "billcom:vendor:00901B")
    assert "failed" in failed.text and "A vendor named 'Acme' already exists in QuickBooks" in failed.text
    assert "6240" in failed.text and "Duplicate Name Exists Error" in failed.text
    parked = row_of(driver, "errors-h", "billcom:bill_payment:stp01C")
    assert "parked" in parked.text and "Waiting for bill 00n01Z to sync first" in parked.text
    # consumer lag: real rows, the test group behind by 3
    lag = row_of(driver, "lag-h", group)
    lag_cells = [c.text for c in lag.find_elements(By.TAG_NAME, "td")]
    assert lag_cells[:7] == [group, kafka.topics.postings, "0", "2", "5", "3", lag_cells[6]]
    assert float(lag_cells[6]) >= 0 and lag_cells[7] == "behind"
    own = row_of(driver, "lag-h", GROUP_ID)
    assert kafka.topics.outcomes in own.text
    screenshot(driver, "status-page.png")

    # Replay the failed vendor: confirmation, the row leaves, ChangeDetected (trigger replay) is out
    failed_id = ids["billcom:vendor:00901B"]
    click(driver, failed.find_element(By.CSS_SELECTOR, f"form[action$='/replay/{failed_id}'] button"))
    flash = driver.find_element(By.CSS_SELECTOR, "p.flash[role=status]").text
    assert "Replay queued for billcom:vendor:00901B" in flash
    assert "billcom:vendor:00901B" not in driver.find_element(By.ID, "errors").text
    envs = await read_topic(kafka, kafka.topics.changes, want=1)
    replayed = changes_for(envs, f"replay:{ids['billcom:vendor:00901B']}")
    assert len(replayed) == 1
    assert replayed[0].trigger == "replay" and replayed[0].object_id == "00901B"
    assert [e.connection_id for e in envs] == [cid]
    driver.refresh()  # the flash is shown once
    assert not driver.find_elements(By.CSS_SELECTOR, "p.flash")

    # the conflicts inbox: both versions side by side, the rule, the buttons
    click(driver, driver.find_element(By.LINK_TEXT, "Conflicts inbox"))
    article = driver.find_element(By.CSS_SELECTOR, "article.conflict")
    assert "billcom:vendor:00901D" in article.text and "master" in article.text and "BILL won" in article.text
    assert "BILL is master for vendors" in article.text
    email = next(r for r in article.find_elements(By.CSS_SELECTOR, "tbody tr") if "email" in r.text)
    cells = [c.text for c in email.find_elements(By.TAG_NAME, "td")]
    assert cells[:2] == ["ap@acme.example", "billing@acme.example"] and "differs" in cells[2]
    screenshot(driver, "status-conflicts.png")
    click(driver, article.find_element(By.XPATH, ".//button[starts-with(normalize-space(.), 'Override')]"))
    assert "overridden" in driver.find_element(By.CSS_SELECTOR, "p.flash[role=status]").text
    assert "No open conflicts" in driver.find_element(By.TAG_NAME, "main").text
    envs = await read_topic(kafka, kafka.topics.changes, want=2)
    conflict_id = (await _conflicts(status_api, "overridden"))[0]["id"]
    assert len(changes_for(envs, f"conflict-override:{conflict_id}")) == 1

    # another tenant's key signs in and sees none of it
    click(driver, driver.find_element(By.XPATH, "//button[normalize-space(.)='Sign out']"))
    assert driver.current_url.endswith("/status/login")
    other = await other_tenant_key(status_api)
    sign_in(driver, status_api.url, other)
    assert cid not in driver.page_source and "Acme Supplies Ltd" not in driver.page_source
    assert "No connections visible to this key." in driver.page_source
    driver.get(f"{status_api.url}/status/conflicts?state=overridden")
    assert "00901D" not in driver.page_source and "No overridden conflicts" in driver.page_source


async def _conflicts(api: PrefsApi, state: str) -> list[dict[str, Any]]:
    async with api.client(api.admin) as http:
        return list((await http.get("/v1/conflicts", params={"status": state})).json()["items"])


async def other_tenant_key(api: PrefsApi) -> str:
    engine = make_engine(api.settings.database)
    try:
        made = await create_key(
            make_sessionmaker(engine), tenant_id="other-" + uuid.uuid4().hex[:6], name="o", scopes=[Scope.ADMIN]
        )
    finally:
        await engine.dispose()
    return made.key


async def test_forms_need_the_session_csrf_token_and_tenant_isolation(status_api: PrefsApi) -> None:
    cid, ids = await seed(status_api)
    parked = ids["billcom:bill_payment:stp01C"]
    other = await other_tenant_key(status_api)
    async with httpx.AsyncClient(base_url=status_api.url, timeout=15) as http:
        assert (await http.get("/status")).headers["location"] == "/status/login"
        bad = await http.post("/status/login", data={"key": "lbk_nope_nope"})
        assert bad.status_code == 401 and "not valid" in bad.text
        ok = await http.post("/status/login", data={"key": ADMIN_KEY})
        assert ok.status_code == 303
        cookie = ok.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie and ADMIN_KEY.lower() not in cookie
        forged = await http.post(f"/status/replay/{parked}", data={"csrf": "forged"})
        cross = await http.post(f"/status/replay/{parked}", headers={"Origin": "https://evil.example"})
        page = await http.get("/status")
    assert forged.status_code == 403 and cross.status_code == 403
    assert cid in page.text and "stp01C" in page.text  # nothing was replayed
    assert page.headers["cache-control"] == "no-store"

    async with httpx.AsyncClient(base_url=status_api.url, headers={"X-API-Key": other}, timeout=15) as http:
        theirs = await http.get("/status")
        replay = await http.post(f"/status/replay/{parked}", follow_redirects=True)
    assert theirs.status_code == 200 and cid not in theirs.text
    assert "Not replayed: No such connection" in replay.text
    async with status_api.client(status_api.admin) as http:
        entry = (await http.get("/v1/sync-log", params={"connection_id": cid, "status": "parked"})).json()
    assert entry["items"][0]["replayed_at"] is None


async def test_kafka_down_shows_a_lag_notice_not_an_error(database_url: str, kafka_settings: KafkaSettings) -> None:
    """The lag table's Kafka trouble is a notice on a page that still renders (200)."""
    from ledgerbridge_common.kafka.producer import InMemoryPublisher
    from ledgerbridge_common.service import Overrides
    from prefs_api.bootstrap import create_app
    from tests.integration.prefs_api.conftest import prefs_settings
    from tests.support.servers import free_port, serve_in_thread

    nowhere = kafka_settings.model_copy(update={"bootstrap_servers": f"127.0.0.1:{free_port()}"})
    settings = prefs_settings(database_url, nowhere, consume_outcomes=False)

    async def ready() -> bool:
        return False

    app = create_app(settings, Overrides(publisher=InMemoryPublisher(), fakes={"kafka_ready": ready}))
    with serve_in_thread(app, timeout=30) as url:
        async with httpx.AsyncClient(base_url=url, headers={"X-API-Key": ADMIN_KEY}, timeout=30) as http:
            resp = await http.get("/status")
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/html")
    assert "Lag unavailable:" in resp.text and "Kafka did not answer" in resp.text
