"""Helpers for webhook-ingest integration tests: a stand-in for prefs-api's internal routes (our own
service, faked), the ingest service on a real socket, and a reader of a real Kafka topic."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from fastapi import FastAPI, HTTPException

from ledgerbridge_common.events.envelope import Envelope
from ledgerbridge_common.prefs_client import ConnectionInfo, ConnectionPreferences, WebhookSecret
from ledgerbridge_common.settings import DatabaseSettings, KafkaSettings
from tests.support.servers import free_ports, serve_in_thread
from webhook_ingest.bootstrap import create_app
from webhook_ingest.settings import Settings

REPO = Path(__file__).resolve().parents[3]


@dataclass
class PrefsState:
    secrets: list[WebhookSecret] = field(default_factory=list)
    connections: dict[str, ConnectionInfo] = field(default_factory=dict)
    preferences: dict[str, ConnectionPreferences] = field(default_factory=dict)
    bank_accounts: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def prefs_stub(state: PrefsState) -> FastAPI:
    """prefs-api's internal API as PrefsClient calls it (ledgerbridge_common.prefs_client)."""
    app = FastAPI()

    @app.get("/internal/v1/webhook-secrets")
    async def secrets(vendor: str) -> list[dict[str, Any]]:
        return [s.model_dump(mode="json") for s in state.secrets if s.vendor == vendor]

    @app.get("/internal/v1/connections")
    async def connections(status: str = "active") -> list[dict[str, Any]]:
        return [c.model_dump(mode="json") for c in state.connections.values() if c.status == status]

    @app.get("/internal/v1/connections/{connection_id}")
    async def connection(connection_id: str) -> dict[str, Any]:
        if connection_id not in state.connections:
            raise HTTPException(404)
        return state.connections[connection_id].model_dump(mode="json")

    @app.get("/internal/v1/connections/{connection_id}/preferences")
    async def preferences(connection_id: str) -> dict[str, Any]:
        if connection_id not in state.preferences:
            raise HTTPException(404)
        return state.preferences[connection_id].model_dump(mode="json")

    @app.put("/internal/v1/connections/{connection_id}/bank-accounts")
    async def bank_accounts(connection_id: str, accounts: list[dict[str, Any]]) -> None:
        state.bank_accounts[connection_id] = accounts

    return app


def ingest_settings(kafka: KafkaSettings, database_url: str, prefs_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "kafka": kafka,
        "database": DatabaseSettings(url=database_url, pool_size=2),
        "prefs_url": prefs_url,
        "sweep_enabled": False,
        "secrets_min_refresh_seconds": 0.0,
        **overrides,
    }
    return Settings(**values)


@contextlib.contextmanager
def running_ingest(settings: Settings) -> Iterator[str]:
    with serve_in_thread(create_app(settings), timeout=60) as url:
        yield url


async def read_topic(
    bootstrap: str, topic: str, *, expect: int, timeout: float = 20.0, settle: float = 1.5
) -> list[Envelope]:
    """Every record of ``topic`` from the start: waits for ``expect`` records, then ``settle``
    seconds more so that extra (duplicate) records would show up too."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = consumer.partitions_for_topic(topic)
        while not partitions:
            await consumer._client.force_metadata_update()
            partitions = consumer.partitions_for_topic(topic)
        consumer.assign([TopicPartition(topic, p) for p in partitions])
        await consumer.seek_to_beginning()
        found: list[Envelope] = []
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        settle_until: float | None = None
        while loop.time() < (settle_until or deadline):
            batches = await consumer.getmany(timeout_ms=200)
            found.extend(Envelope.from_bytes(r.value) for records in batches.values() for r in records)
            if settle_until is None and len(found) >= expect:
                settle_until = loop.time() + settle
        return found
    finally:
        await consumer.stop()


async def create_topics(bootstrap: str, topics: list[str]) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name=t, num_partitions=3, replication_factor=1) for t in topics])
    finally:
        await admin.close()


class PrivateBroker:
    """A second, private Kafka broker (same jars as the shared one, own ports and data) that a test
    may stop and start without disturbing anybody else's tests."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="lb-ingest-kafka-"))
        (self.dir / "kafka").mkdir()
        (self.dir / "kafka" / "libs").symlink_to(REPO / ".local" / "kafka" / "libs")
        self.port, self.controller_port = free_ports(2)
        self.bootstrap = f"127.0.0.1:{self.port}"

    def _run(self, command: str) -> None:
        env = {
            **os.environ,
            "LB_LOCAL_DIR": str(self.dir),
            "LB_KAFKA_PORT": str(self.port),
            "LB_KAFKA_CONTROLLER_PORT": str(self.controller_port),
        }
        subprocess.run(
            ["bash", str(REPO / "deploy" / "local" / "kafka.sh"), command],
            env=env,
            check=True,
            timeout=120,
            capture_output=True,
        )

    def start(self) -> None:
        self._run("start")

    def stop(self) -> None:
        self._run("stop")

    def remove(self) -> None:
        with contextlib.suppress(Exception):
            self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


@contextlib.asynccontextmanager
async def private_broker() -> AsyncIterator[PrivateBroker]:
    if not (REPO / ".local" / "kafka" / "libs").is_dir():
        import os

        import pytest

        message = "Kafka jars not installed (deploy/local/kafka.sh install)"
        if os.environ.get("LB_REQUIRE_STACK") == "1":
            pytest.fail(message)
        pytest.skip(message)
    broker = PrivateBroker()
    try:
        await asyncio.to_thread(broker.start)
        yield broker
    finally:
        await asyncio.to_thread(broker.remove)
