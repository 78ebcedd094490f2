"""Shared fixtures. Integration and e2e tests talk to the real local Kafka and PostgreSQL started
by ``deploy/local/stack.sh`` (``make test`` starts them); each test gets random topics and ids,
and the whole run gets its own throwaway database."""

from __future__ import annotations

import asyncio
import gc
import os
import socket
import uuid
from collections.abc import AsyncIterator, Iterator

import asyncpg
import pytest
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from ledgerbridge_common.events.topics import Topics
from ledgerbridge_common.settings import DatabaseSettings, KafkaSettings

KAFKA = os.environ.get("LB_KAFKA__BOOTSTRAP_SERVERS", f"127.0.0.1:{os.environ.get('LB_KAFKA_PORT', '19092')}")
PG_PORT = int(os.environ.get("LB_PG_PORT", "15432"))


@pytest.fixture(autouse=True)
def collect_garbage_in_teardown(request: pytest.FixtureRequest) -> Iterator[None]:
    """Collect garbage as each integration or e2e test ends, so an unclosed socket is reported (as an
    error, ``filterwarnings = error``) on the test that leaked it rather than on whichever test runs
    when the collector next happens to run. Unit tests open no sockets and skip the cost."""
    yield
    if request.node.get_closest_marker("integration") or request.node.get_closest_marker("e2e"):
        gc.collect()


def random_ref(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def _port_open(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


@pytest.fixture(scope="session")
def stack() -> None:
    host, port = KAFKA.split(":")
    missing = [
        name
        for name, ok in (
            ("Kafka", _port_open(host, int(port))),
            ("PostgreSQL", _port_open("127.0.0.1", PG_PORT)),
        )
        if not ok
    ]
    if missing:
        message = f"{' and '.join(missing)} not running: start the stack with `make up`"
        if os.environ.get("LB_REQUIRE_STACK") == "1":
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="session")
def database_url(stack: None) -> Iterator[str]:
    """A fresh database for this test run, migrated with every service's Alembic history."""
    name = f"lbtest_{uuid.uuid4().hex[:8]}"
    admin_dsn = f"postgresql://postgres@127.0.0.1:{PG_PORT}/postgres"

    async def create() -> None:
        conn = await asyncpg.connect(admin_dsn)
        try:
            await conn.execute(f'CREATE DATABASE "{name}" OWNER ledgerbridge')
        finally:
            await conn.close()

    async def drop() -> None:
        conn = await asyncpg.connect(admin_dsn)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()

    asyncio.run(create())
    url = f"postgresql+asyncpg://ledgerbridge:ledgerbridge@127.0.0.1:{PG_PORT}/{name}"
    from ledgerbridge_ops.migrate import migrate_all

    asyncio.run(migrate_all(url))
    try:
        yield url
    finally:
        asyncio.run(drop())


@pytest.fixture
def db_settings(database_url: str) -> DatabaseSettings:
    return DatabaseSettings(url=database_url, pool_size=5)


@pytest.fixture
async def kafka_settings(stack: None) -> AsyncIterator[KafkaSettings]:
    """Kafka settings whose topics are new, random and created for this test only."""
    topics = Topics.with_suffix(uuid.uuid4().hex[:8])
    admin = AIOKafkaAdminClient(bootstrap_servers=KAFKA)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name=t, num_partitions=3, replication_factor=1) for t in topics.all()])
        yield KafkaSettings(bootstrap_servers=KAFKA, topics=topics)
        await admin.delete_topics(topics.all())
    finally:
        await admin.close()


@pytest.fixture
def connection_id() -> str:
    return random_ref("conn")
