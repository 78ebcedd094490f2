"""``python -m prefs_api`` as a process: the public API and the internal API on their own ports,
both up once start-up is done, both gone after SIGTERM."""

from __future__ import annotations

import uuid

import httpx
import pytest
from cryptography.fernet import Fernet

from ledgerbridge_common.settings import KafkaSettings
from tests.support.processes import python_module
from tests.support.servers import free_port

pytestmark = [pytest.mark.integration, pytest.mark.timeout(90)]


def test_one_process_serves_the_public_and_the_internal_listener(
    database_url: str, kafka_settings: KafkaSettings
) -> None:
    internal_port, token = free_port(), "internal-" + uuid.uuid4().hex
    env = {
        "LB_DATABASE__URL": database_url,
        "LB_KAFKA__BOOTSTRAP_SERVERS": kafka_settings.bootstrap_servers,
        **{f"LB_KAFKA__TOPICS__{k.upper()}": v for k, v in kafka_settings.topics.model_dump().items()},
        "LB_INTERNAL_PORT": str(internal_port),
        "LB_INTERNAL_TOKEN": token,
        "LB_PREFS_CREDENTIALS_KEY": Fernet.generate_key().decode(),
        "LB_CONSUME_OUTCOMES": "false",
    }
    prefs = python_module("prefs-api-listeners", "prefs_api", env)
    prefs.start(timeout=60)
    try:
        internal = f"http://127.0.0.1:{internal_port}"
        internal_health = httpx.get(f"{internal}/healthz", timeout=5)
        listed = httpx.get(f"{internal}/internal/v1/connections", headers={"X-Internal-Token": token}, timeout=5)
        on_public = httpx.get(f"{prefs.url}/internal/v1/connections", headers={"X-Internal-Token": token}, timeout=5)
    finally:
        prefs.stop()
    assert internal_health.status_code == 200 and listed.status_code == 200
    assert on_public.status_code == 404
    # uvicorn re-raises the SIGTERM it handled once shutdown is complete
    assert prefs.proc is not None and prefs.proc.returncode in (0, -15), prefs.tail()
    assert "Application shutdown complete" in prefs.tail(), prefs.tail()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{internal}/healthz", timeout=2)
