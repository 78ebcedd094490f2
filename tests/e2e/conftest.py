"""The whole system as real processes: the BILL sandbox, the three ledger sandboxes (QuickBooks
Online, Sage Intacct, NetSuite) and the four services, on the real local Kafka and PostgreSQL, with
topics, consumer groups (``LB_KAFKA__GROUP_SUFFIX``) and a database of this test module's own."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from cryptography.fernet import Fernet

from ledgerbridge_common.events.topics import Topics
from tests.conftest import KAFKA
from tests.support.processes import ServiceProcess, python_module, uvicorn_factory
from tests.support.servers import free_ports

INTERNAL_TOKEN = "e2e-internal-token-0123456789"
ADMIN_KEY = "lb_e2e_admin_key_0123456789abcdef"


@dataclass
class System:
    topics: Topics
    processes: dict[str, ServiceProcess]
    group_suffix: str
    database_url: str
    env: dict[str, str]

    def url(self, name: str) -> str:
        return self.processes[name].url

    @property
    def internal_url(self) -> str:
        """prefs-api's internal listener (connections with their credentials)."""
        return self.env["LB_PREFS_URL"]

    def group(self, name: str) -> str:
        """The consumer group id the services use for ``name`` on this system."""
        return f"{name}-{self.group_suffix}"

    @property
    def admin_headers(self) -> dict[str, str]:
        return {"X-API-Key": ADMIN_KEY}


def _create_topics(topics: Topics) -> None:
    async def create() -> None:
        admin = AIOKafkaAdminClient(bootstrap_servers=KAFKA)
        await admin.start()
        try:
            await admin.create_topics([NewTopic(name=t, num_partitions=3, replication_factor=1) for t in topics.all()])
        finally:
            await admin.close()

    asyncio.run(create())


@pytest.fixture(scope="module")
def system(database_url: str) -> Iterator[System]:
    topics = Topics.with_suffix(uuid.uuid4().hex[:8])
    _create_topics(topics)
    ports = free_ports(9)
    qbo_port, bill_port, prefs_port, internal_port, ingest_port, engine_port, posting_port = ports[:7]
    intacct_port, netsuite_port = ports[7:]
    suffix = uuid.uuid4().hex[:6]
    env = {
        "LB_DATABASE__URL": database_url,
        "LB_KAFKA__BOOTSTRAP_SERVERS": KAFKA,
        **{f"LB_KAFKA__TOPICS__{name.upper()}": value for name, value in topics.model_dump().items()},
        "LB_KAFKA__GROUP_SUFFIX": suffix,
        "LB_INTERNAL_TOKEN": INTERNAL_TOKEN,
        "LB_PREFS_URL": f"http://127.0.0.1:{internal_port}",  # prefs-api's internal listener
        "LB_INTERNAL_PORT": str(internal_port),
        "LB_QBO_BASE_URL": f"http://127.0.0.1:{qbo_port}",
        "LB_QBO_OAUTH_URL": f"http://127.0.0.1:{qbo_port}",
        "LB_BILLCOM_BASE_URL": f"http://127.0.0.1:{bill_port}/connect",
        "LB_WEBHOOK_PUBLIC_URL": f"http://127.0.0.1:{ingest_port}",  # connecting BILL subscribes its webhooks
        "LB_QBO_REDIRECT_URI": f"http://127.0.0.1:{prefs_port}/v1/oauth/qbo/callback",  # QBO consent comes back here
        "LB_QBO_REVOKE_URL": f"http://127.0.0.1:{qbo_port}/v2/oauth2/tokens/revoke",  # disconnecting revokes
        "LB_INTACCT_URL": f"http://127.0.0.1:{intacct_port}/ia/xml/xmlgw.phtml",
        "LB_NETSUITE_URL": f"http://127.0.0.1:{netsuite_port}",
        "LB_PREFS_BOOTSTRAP_ADMIN_KEY": ADMIN_KEY,
        "LB_PREFS_CREDENTIALS_KEY": Fernet.generate_key().decode(),
        "LB_LOG_LEVEL": "INFO",
    }
    qbo = uvicorn_factory("qbo-sandbox", "qbo_sandbox.app:create_app", env, "/_sandbox/health")
    qbo.port = qbo_port
    bill = uvicorn_factory("billcom-sandbox", "billcom_sandbox.app:create_app", env, "/_sandbox/health")
    bill.port = bill_port
    intacct = uvicorn_factory("intacct-sandbox", "intacct_sandbox.app:create_app", env, "/_sandbox/health")
    intacct.port = intacct_port
    netsuite = uvicorn_factory("netsuite-sandbox", "netsuite_sandbox.app:create_app", env, "/_sandbox/health")
    netsuite.port = netsuite_port
    prefs = python_module("prefs-api", "prefs_api", env)
    prefs.port = prefs_port
    processes = {
        "qbo": qbo,
        "billcom": bill,
        "intacct": intacct,
        "netsuite": netsuite,
        "prefs": prefs,
        "ingest": python_module("webhook-ingest", "webhook_ingest", env),
        "engine": python_module("sync-engine", "sync_engine", env),
        "posting": python_module("posting", "posting_service", env),
    }
    for name, port in (("ingest", ingest_port), ("engine", engine_port), ("posting", posting_port)):
        processes[name].port = port
    started: list[ServiceProcess] = []
    try:
        for proc in processes.values():
            proc.start()
            started.append(proc)
        yield System(topics=topics, processes=processes, group_suffix=suffix, database_url=database_url, env=env)
    finally:
        for proc in reversed(started):
            proc.stop()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Each (test, ledger) case a ledger table names as not working yet is a strict xfail with the
    reason the table gives (see ``tests/e2e/ledgers.py``): it must fail, and says what is missing."""
    from tests.e2e.ledgers import LEDGERS

    here = Path(__file__).parent
    for item in items:
        if here not in item.path.parents:
            continue  # the hook sees the whole session's items
        callspec = getattr(item, "callspec", None)
        name = callspec.params.get("ledger") if callspec is not None else None
        if name not in LEDGERS:
            continue
        reason = LEDGERS[name].missing_for(getattr(item, "originalname", item.name))
        if reason:
            item.add_marker(pytest.mark.xfail(strict=True, reason=f"{name}: {reason}"))
