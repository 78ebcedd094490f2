"""Readiness says whether this service can do its job: webhook-ingest accepts without
PostgreSQL, prefs-api serves reads without Kafka, the sync engine stays ready while a vendor
hangs. Each service's ``bootstrap`` is used as the app uses it; nothing is started but the checks."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from ledgerbridge_common.service import Overrides
from ledgerbridge_common.settings import DatabaseSettings, KafkaSettings
from tests.integration.prefs_api.conftest import prefs_settings
from tests.integration.webhook_ingest.harness import ingest_settings
from tests.support.servers import free_port

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]


async def test_webhook_ingest_is_ready_without_postgresql(kafka_settings: KafkaSettings, database_url: str) -> None:
    from webhook_ingest.bootstrap import bootstrap

    nowhere = f"postgresql+asyncpg://ledgerbridge:ledgerbridge@127.0.0.1:{free_port()}/none"
    settings = ingest_settings(kafka_settings, nowhere, "http://127.0.0.1:9", sweep_enabled=False)
    runtime = bootstrap(settings.model_copy(update={"database": DatabaseSettings(url=nowhere, pool_size=1)}))
    try:
        ready, health = await runtime.readiness.report()
    finally:
        await runtime.close()
    assert ready, health
    assert health.checks["accepting"] == "ok" and health.checks["kafka"] == "ok (optional)"
    assert health.checks["postgresql"].startswith("failed")


async def test_prefs_api_is_ready_without_kafka(kafka_settings: KafkaSettings, database_url: str) -> None:
    from prefs_api.bootstrap import bootstrap

    nowhere = kafka_settings.model_copy(update={"bootstrap_servers": f"127.0.0.1:{free_port()}"})
    runtime = bootstrap(prefs_settings(database_url, nowhere, consume_outcomes=False))
    try:
        ready, health = await runtime.readiness.report()
    finally:
        await runtime.close()
    assert ready, health
    assert health.checks["postgresql"] == "ok" and health.checks["kafka"].startswith("failed")


async def test_sync_engine_stays_ready_while_a_vendor_hangs(kafka_settings: KafkaSettings, database_url: str) -> None:
    from sync_engine.bootstrap import bootstrap
    from sync_engine.settings import Settings

    async def hang(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(30)
        return httpx.Response(200)

    prefs = httpx.AsyncClient(transport=httpx.MockTransport(lambda request: httpx.Response(200)), base_url="http://p")
    vendor = httpx.AsyncClient(transport=httpx.MockTransport(hang))
    settings = Settings(
        kafka=kafka_settings,
        database=DatabaseSettings(url=database_url, pool_size=1),
        prefs_url="http://p",
        run_consumer=False,
        run_migrations=False,
    )
    runtime = bootstrap(settings, Overrides(http={"prefs": prefs, "ledger": vendor, "billcom": vendor}))
    runtime.readiness.timeout_seconds = 0.5
    try:
        ready, health = await runtime.readiness.report()
    finally:
        await runtime.close()
        await prefs.aclose()
        await vendor.aclose()
    assert ready, health
    assert health.checks["qbo"].startswith("failed: TimeoutError") and health.checks["postgresql"] == "ok"
