"""Readiness checks the services share (each is bounded by ``Readiness.timeout_seconds``)."""

from __future__ import annotations

import httpx
from aiokafka.admin import AIOKafkaAdminClient

from ledgerbridge_common.service.readiness import Check
from ledgerbridge_common.settings import KafkaSettings


def http_check(client: httpx.AsyncClient, url: str) -> Check:
    """The server at ``url`` answers with a status below 500."""

    async def check() -> None:
        response = await client.get(url)
        if response.status_code >= 500:
            raise RuntimeError(f"HTTP {response.status_code}")

    return check


def kafka_check(kafka: KafkaSettings) -> Check:
    """A broker answers a metadata request."""

    async def check() -> None:
        admin = AIOKafkaAdminClient(bootstrap_servers=kafka.bootstrap_servers)
        await admin.start()
        try:
            await admin.list_topics()
        finally:
            await admin.close()

    return check
