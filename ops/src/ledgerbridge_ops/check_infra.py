"""The deployment-wide checks of ``ledgerbridge check``: PostgreSQL and the Alembic histories,
the Kafka topics, the vendor hosts."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import httpx
from aiokafka.admin import AIOKafkaAdminClient
from alembic.script import ScriptDirectory
from sqlalchemy import pool, text
from sqlalchemy.ext.asyncio import create_async_engine

from ledgerbridge_ops.check_results import CheckResult, fail, ok
from ledgerbridge_ops.migrate import migration_dirs
from ledgerbridge_ops.settings import CheckSettings

MIGRATE = "run `python -m ledgerbridge_ops.migrate` (or restart the service that owns it: each migrates at start)"


def history_name(location: Path) -> str:
    return location.parent.name if location.name == "migrations" else location.name


async def applied_revisions(database_url: str, timeout: float) -> set[str]:
    """Every revision recorded in any schema's ``alembic_version`` table."""
    engine = create_async_engine(database_url, poolclass=pool.NullPool, connect_args={"timeout": timeout})
    try:
        async with engine.connect() as conn:
            schemas = await conn.execute(
                text("SELECT table_schema FROM information_schema.tables WHERE table_name = 'alembic_version'")
            )
            found: set[str] = set()
            for (schema,) in schemas.all():
                quoted = '"' + str(schema).replace('"', '""') + '"'  # a name read from the catalog, quoted
                rows = await conn.execute(text(f"SELECT version_num FROM {quoted}.alembic_version"))  # noqa: S608
                found |= {str(r[0]) for r in rows.all()}
            return found
    finally:
        await engine.dispose()


def migration_line(location: Path, applied: set[str]) -> CheckResult:
    script = ScriptDirectory(str(location))
    name, history = "migrations", history_name(location)
    heads = set(script.get_heads())
    current = applied & {rev.revision for rev in script.walk_revisions()}
    if current == heads:
        return ok(name, f"at head {', '.join(sorted(heads))}", history)
    if not current:
        return fail(name, f"not applied (head {', '.join(sorted(heads))})", MIGRATE, history)
    return fail(name, f"pending: at {', '.join(sorted(current))}, head {', '.join(sorted(heads))}", MIGRATE, history)


async def database(settings: CheckSettings) -> list[CheckResult]:
    host = urlsplit(settings.database.url).hostname or "?"
    try:
        applied = await applied_revisions(settings.database.url, settings.check_timeout_seconds)
    except Exception as exc:  # noqa: BLE001 - refused, unknown host, wrong password: all reported
        fix = "check LB_DATABASE__URL and that PostgreSQL accepts connections from here"
        return [fail("database", f"cannot connect to {host}: {exc}", fix)]
    return [ok("database", f"connected to {host}"), *(migration_line(d, applied) for d in migration_dirs())]


async def kafka_topics(settings: CheckSettings) -> list[CheckResult]:
    kafka = settings.kafka
    admin = AIOKafkaAdminClient(
        bootstrap_servers=kafka.bootstrap_servers,
        client_id=f"{kafka.client_id_prefix}-check",
        request_timeout_ms=int(settings.check_timeout_seconds * 1000),
    )
    try:
        await admin.start()
        # the metadata of every topic: asking for named ones could auto-create them
        described = await admin.describe_topics(None)
    except Exception as exc:  # noqa: BLE001 - aiokafka raises several unrelated types
        fix = "check LB_KAFKA__BOOTSTRAP_SERVERS and that the brokers accept connections from here"
        return [fail("kafka", f"cannot reach {kafka.bootstrap_servers}: {exc!r}", fix)]
    finally:
        await admin.close()
    partitions = {str(t["topic"]): len(t["partitions"]) for t in described if not t.get("error_code")}
    return [_topic_line(topic, partitions.get(topic), settings) for topic in kafka.topics.all()]


def _topic_line(topic: str, partitions: int | None, settings: CheckSettings) -> CheckResult:
    want = settings.expected_partitions
    if not partitions:
        create = f"kafka-topics.sh --create --topic {topic} --partitions {want} (deploy/k8s/02-kafka-topics.yaml)"
        return fail("kafka topic", "does not exist", f"create it: {create}", topic)
    if partitions != want:
        fix = f"expected {want} (LB_EXPECTED_PARTITIONS); add partitions as deploy/README.md shows"
        return fail("kafka topic", f"has {partitions} partitions", fix, topic)
    return ok("kafka topic", f"{partitions} partitions", topic)


async def vendors(settings: CheckSettings, http: httpx.AsyncClient) -> list[CheckResult]:
    """Any HTTP answer means the host is reachable (credentials are checked per connection)."""
    hosts = {
        "LB_QBO_BASE_URL": settings.qbo_base_url,
        "LB_QBO_OAUTH_URL": settings.qbo_oauth_url,
        "LB_BILLCOM_BASE_URL": settings.billcom_base_url,
    }
    lines = []
    for setting, url in hosts.items():
        try:
            response = await http.get(url, timeout=settings.check_timeout_seconds)
        except httpx.HTTPError as exc:
            fix = f"check {setting} and outbound HTTPS from here (proxy, firewall, NetworkPolicy egress)"
            lines.append(fail("vendor host", f"{url} unreachable: {exc!r}", fix, setting))
            continue
        lines.append(ok("vendor host", f"{url} answers (HTTP {response.status_code})", setting))
    return lines
