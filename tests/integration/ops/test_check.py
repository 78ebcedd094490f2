"""`ledgerbridge check` and `billcom-subscribe` against the vendor sandboxes, a real prefs-api, PostgreSQL and Kafka: a
ready connection passes every check, and each failure (wrong secret, expired refresh token,
missing topic, pending migration) is one failed line that names the fix."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaConsumer
from fastapi import FastAPI, Request

from billcom_sandbox.app import create_app as create_billcom
from billcom_sandbox.settings import SandboxSettings as BillcomSandbox
from intacct_sandbox.app import create_app as create_intacct
from intacct_sandbox.settings import SandboxSettings as IntacctSandbox
from intacct_sandbox.state import DEMO_SENDER, DEMO_USER
from ledgerbridge_common.connectors.billcom import BillcomCredentials, BillcomHttpConnector
from ledgerbridge_common.connectors.billcom.budget import BillUsage, dev_key_id
from ledgerbridge_common.connectors.billcom.webhooks import verify_billcom_signature
from ledgerbridge_common.db.migrate import alembic_config
from ledgerbridge_common.prefs_client import PrefsClient, QboTokens
from ledgerbridge_common.settings import DatabaseSettings
from ledgerbridge_ops.bill_budget import shared_bill_budgets
from ledgerbridge_ops.billcom_webhook import SubscribeError, subscribe
from ledgerbridge_ops.check import run_checks
from ledgerbridge_ops.check_results import CheckResult
from ledgerbridge_ops.migrate import migrate_all, migration_dirs
from ledgerbridge_ops.settings import CheckSettings
from qbo_sandbox.app import create_app as create_qbo
from qbo_sandbox.settings import SandboxSettings as QboSandbox
from tests.conftest import PG_PORT
from tests.integration.prefs_api.conftest import INTERNAL_TOKEN, PrefsApi, prefs_api
from tests.integration.prefs_api.test_preferences import READY_QBO, change
from tests.support.servers import serve_in_thread

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]
__all__ = ["prefs_api"]  # the fixture, imported from prefs-api's tests

QBO_CLIENT_ID = "ledgerbridge-check"
QBO_CLIENT_SECRET = "check-secret-" + uuid.uuid4().hex


@pytest.fixture(scope="module")
def qbo_url() -> Iterator[str]:
    app = create_qbo(QboSandbox(webhook_tick_seconds=0, client_id=QBO_CLIENT_ID, client_secret=QBO_CLIENT_SECRET))
    with serve_in_thread(app) as url:
        yield url


@pytest.fixture(scope="module")
def billcom_url() -> Iterator[str]:
    with serve_in_thread(create_billcom(BillcomSandbox(webhook_tick_seconds=None))) as url:
        yield url


async def connect(api: PrefsApi, qbo_url: str, billcom_url: str, *, ready: bool = True, **credentials: Any) -> str:
    """A connection on a fresh BILL organization and QBO company, with tokens; ``credentials``
    replaces parts of what is stored (``billcom_password``, ``qbo_client_secret``,
    ``webhook_security_key``)."""
    async with httpx.AsyncClient(timeout=10) as http:
        org = (await http.post(f"{billcom_url}/_sandbox/orgs", json={"name": "Check Org"})).json()
        realm = (await http.post(f"{qbo_url}/_sandbox/realms", json={})).json()
        tokens = (await http.post(f"{qbo_url}/_sandbox/realms/{realm['realm_id']}/tokens", json={})).json()
    created = await api.new_connection(
        billcom_org_id=org["organizationId"],
        ledger_company_id=realm["realm_id"],
        billcom={
            "username": org["username"],
            "password": credentials.get("billcom_password", org["password"]),
            "organization_id": org["organizationId"],
            "dev_key": org["devKey"],
            "webhook_security_key": credentials.get("webhook_security_key", "whsec-" + uuid.uuid4().hex),
        },
        qbo={
            "client_id": QBO_CLIENT_ID,
            "client_secret": credentials.get("qbo_client_secret", QBO_CLIENT_SECRET),
            "webhook_verifier_token": "verifier-" + uuid.uuid4().hex,
        },
    )
    cid = str(created["id"])
    now = dt.datetime.now(dt.UTC)
    stored = QboTokens(
        access_token=tokens["access_token"],
        refresh_token=tokens["refresh_token"],
        access_expires_at=now + dt.timedelta(seconds=int(tokens["expires_in"])),
    )
    async with api.internal_client() as http:
        await PrefsClient(http, internal_token=INTERNAL_TOKEN).save_qbo_tokens(cid, stored)
    if ready:
        assert (await change(api, cid, READY_QBO)).status_code == 200
    return cid


def deployment(api: PrefsApi, qbo_url: str, billcom_url: str, **overrides: Any) -> CheckSettings:
    values: dict[str, Any] = {
        "database": api.settings.database,
        "kafka": api.settings.kafka,
        "prefs_url": api.internal_url,
        "prefs_public_url": api.url,
        "internal_token": INTERNAL_TOKEN,
        "qbo_base_url": qbo_url,
        "qbo_oauth_url": qbo_url,
        "billcom_base_url": f"{billcom_url}/connect",
        "expected_partitions": 3,  # what the test topics have
        "check_timeout_seconds": 15,
        **overrides,
    }
    return CheckSettings(**values)


def failed(results: list[CheckResult]) -> list[CheckResult]:
    return [r for r in results if r.failed]


async def test_a_ready_connection_passes_every_check(prefs_api: PrefsApi, qbo_url: str, billcom_url: str) -> None:
    cid = await connect(prefs_api, qbo_url, billcom_url)
    async with prefs_api.internal_client() as http:
        before = await PrefsClient(http, internal_token=INTERNAL_TOKEN).connection(cid)

    results = await run_checks(deployment(prefs_api, qbo_url, billcom_url), connection=cid)

    assert failed(results) == []
    names = {(r.name, r.subject) for r in results}
    expected = {
        ("database", ""),
        ("billcom sign-in", cid),
        ("ledger token", cid),
        ("qbo webhook secret", cid),
        ("billcom webhook secret", cid),
        ("preferences", cid),
        ("prefs-api", ""),
    }
    assert expected <= names
    assert {r.subject for r in results if r.name == "migrations"} == {
        "budget_migrations", "webhook_ingest", "prefs_api", "sync_engine", "posting_service",
    }  # fmt: skip
    assert len([r for r in results if r.name == "kafka topic"]) == 5
    assert len([r for r in results if r.name == "vendor host"]) == 3
    async with prefs_api.internal_client() as http:
        after = await PrefsClient(http, internal_token=INTERNAL_TOKEN).connection(cid)
    assert before.qbo and after.qbo and before.qbo.tokens and after.qbo.tokens
    assert after.qbo.tokens.refresh_token != before.qbo.tokens.refresh_token  # the rotated token was saved
    # and the saved one works: a second check refreshes again
    again = await run_checks(deployment(prefs_api, qbo_url, billcom_url), connection=cid)
    assert failed(again) == []


async def test_a_wrong_internal_token_is_one_failed_line(prefs_api: PrefsApi, qbo_url: str, billcom_url: str) -> None:
    settings = deployment(prefs_api, qbo_url, billcom_url, internal_token="wrong-" + uuid.uuid4().hex)
    results = await run_checks(settings)
    [line] = failed(results)
    assert line.name == "prefs-api" and "refused LB_INTERNAL_TOKEN" in line.detail
    assert "LB_INTERNAL_TOKEN" in line.fix


@pytest.mark.parametrize(
    ("stored", "check", "says", "fix"),
    [
        (
            {"qbo_client_secret": "wrong-secret"},
            "ledger token",
            "Intuit refused the app's keys",
            "client id and secret",
        ),
        ({"billcom_password": "wrong-password"}, "billcom sign-in", "BILL refused the sign-in", "developer key"),
    ],
)
async def test_a_wrong_vendor_secret_names_the_credential_to_fix(
    prefs_api: PrefsApi, qbo_url: str, billcom_url: str, stored: dict[str, Any], check: str, says: str, fix: str
) -> None:
    cid = await connect(prefs_api, qbo_url, billcom_url, **stored)
    results = await run_checks(deployment(prefs_api, qbo_url, billcom_url), connection=cid)
    [line] = failed(results)
    assert (line.name, line.subject) == (check, cid)
    assert says in line.detail and fix in line.fix


async def test_a_disabled_connection_without_webhook_key_or_preferences_gets_two_failed_lines(
    prefs_api: PrefsApi, qbo_url: str, billcom_url: str
) -> None:
    cid = await connect(prefs_api, qbo_url, billcom_url, ready=False, webhook_security_key=None)
    async with prefs_api.client(prefs_api.admin) as http:
        assert (await http.post(f"/v1/connections/{cid}/disable")).status_code == 200
    results = await run_checks(deployment(prefs_api, qbo_url, billcom_url), connection=cid)
    lines = {r.name: r for r in failed(results)}
    assert set(lines) == {"billcom webhook secret", "preferences"}
    assert "securityKey" in lines["billcom webhook secret"].fix
    assert "Choose a Bank account for Money Out Clearing" in lines["preferences"].detail
    assert {r.name for r in results if r.subject == cid and r.status == "ok"} == {
        "billcom sign-in", "ledger token", "qbo webhook secret",
    }  # fmt: skip


async def test_an_expired_refresh_token_asks_to_reconnect_quickbooks(
    prefs_api: PrefsApi, qbo_url: str, billcom_url: str
) -> None:
    cid = await connect(prefs_api, qbo_url, billcom_url)
    async with httpx.AsyncClient(base_url=qbo_url, timeout=10) as control:
        await control.post("/_sandbox/clock", json={"advance_seconds": 101 * 24 * 3600})  # QBO: 100 days
        try:
            results = await run_checks(deployment(prefs_api, qbo_url, billcom_url), connection=cid)
        finally:
            await control.post("/_sandbox/clock", json={"reset": True})
    [line] = failed(results)
    assert (line.name, line.subject) == ("ledger token", cid)
    assert "invalid_grant" in line.detail
    assert f"/v1/connections/{cid}/qbo/authorize" in line.fix


async def test_a_missing_topic_and_a_wrong_partition_count_fail_without_creating_anything(
    prefs_api: PrefsApi, qbo_url: str, billcom_url: str
) -> None:
    kafka = prefs_api.settings.kafka
    missing = f"{kafka.topics.dlq}.missing"
    settings = deployment(
        prefs_api,
        qbo_url,
        billcom_url,
        kafka=kafka.model_copy(update={"topics": kafka.topics.model_copy(update={"dlq": missing})}),
    )
    results = await run_checks(settings, connection="no-such-connection")
    lines = {r.subject: r for r in failed(results)}
    assert lines[missing].detail == "does not exist" and f"--topic {missing}" in lines[missing].fix
    assert lines["no-such-connection"].name == "connection"
    assert set(lines) == {missing, "no-such-connection"}

    wider = await run_checks(deployment(prefs_api, qbo_url, billcom_url, expected_partitions=12), connection="x")
    assert {r.detail for r in failed(wider) if r.name == "kafka topic"} == {"has 3 partitions"}
    assert missing not in await topics(kafka.bootstrap_servers)


async def topics(bootstrap: str) -> set[str]:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await consumer.start()
    try:
        return set(await consumer.topics())
    finally:
        await consumer.stop()


@pytest.fixture
async def engine_behind(stack: None) -> AsyncIterator[str]:
    """A database where every history is at head but sync-engine's, one revision behind."""
    name = f"lbcheck_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(f"postgresql://postgres@127.0.0.1:{PG_PORT}/postgres")
    try:
        await admin.execute(f'CREATE DATABASE "{name}" OWNER ledgerbridge')
    finally:
        await admin.close()
    url = f"postgresql+asyncpg://ledgerbridge:ledgerbridge@127.0.0.1:{PG_PORT}/{name}"
    try:
        await migrate_all(url)
        [engine] = [d for d in migration_dirs() if d.parent.name == "sync_engine"]
        from alembic import command

        await asyncio.to_thread(command.downgrade, alembic_config(engine, url), "engine_0001")
        yield url
    finally:
        admin = await asyncpg.connect(f"postgresql://postgres@127.0.0.1:{PG_PORT}/postgres")
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


async def test_a_pending_migration_is_named_with_its_revisions(
    prefs_api: PrefsApi, qbo_url: str, billcom_url: str, engine_behind: str
) -> None:
    settings = deployment(prefs_api, qbo_url, billcom_url, database=DatabaseSettings(url=engine_behind))
    results = await run_checks(settings, connection="x")
    [line] = [r for r in failed(results) if r.name == "migrations"]
    assert line.subject == "sync_engine"
    assert line.detail == "pending: at engine_0001, head engine_0002"
    assert "ledgerbridge_ops.migrate" in line.fix


def test_the_command_prints_one_line_per_check_and_exits_1_on_a_failure() -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("LB_")},
        "LB_PROFILE": "production",
        "LB_QBO_BASE_URL": "http://127.0.0.1:18081",
    }
    result = subprocess.run(
        [sys.executable, "-m", "ledgerbridge_ops", "check"], capture_output=True, text=True, timeout=60, env=env
    )
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert any(line.startswith("FAIL  config") and "LB_QBO_BASE_URL=http://127.0.0.1:18081" in line for line in lines)
    assert any(line.startswith("FAIL  config") and "LB_INTERNAL_TOKEN is not set" in line for line in lines)
    assert all("->" in line for line in lines if line.startswith("FAIL"))


async def test_billcom_subscribe_stores_the_key_bill_signs_deliveries_with(
    prefs_api: PrefsApi, qbo_url: str, billcom_url: str
) -> None:
    cid = await connect(prefs_api, qbo_url, billcom_url, webhook_security_key=None)
    received: list[tuple[str, bytes, str]] = []
    receiver = FastAPI()

    @receiver.post("/webhooks/billcom/{connection_id}")
    async def deliver(connection_id: str, request: Request) -> dict[str, bool]:
        received.append((connection_id, await request.body(), request.headers.get("x-bill-sha-signature", "")))
        return {"ok": True}

    settings = deployment(prefs_api, qbo_url, billcom_url)
    with serve_in_thread(receiver) as hooks:
        created = await subscribe(settings, prefs_api.admin["X-API-Key"], cid, hooks)
        assert created["notificationUrl"] == f"{hooks}/webhooks/billcom/{cid}"
        assert "securityKey" not in created
        async with prefs_api.internal_client() as http:
            info = await PrefsClient(http, internal_token=INTERNAL_TOKEN).connection(cid)
        assert info.billcom is not None and info.billcom.webhook_security_key
        creds = BillcomCredentials(
            info.billcom.username,
            info.billcom.password.get_secret_value(),
            info.billcom.organization_id,
            info.billcom.dev_key.get_secret_value(),
        )
        async with httpx.AsyncClient(base_url=f"{billcom_url}/connect", timeout=10) as bill_http:
            bill = BillcomHttpConnector(bill_http, creds)
            await bill.events_call(
                "POST", f"/v3/subscriptions/{created['id']}/test", json={"eventType": "bill.created"}
            )
            await bill.aclose()
    [(where, body, signature)] = received
    assert where == cid
    assert verify_billcom_signature(body, signature, info.billcom.webhook_security_key.get_secret_value())
    results = await run_checks(settings, connection=cid)
    assert failed(results) == []


async def test_billcom_subscribe_refuses_a_local_url_outside_the_sandbox(prefs_api: PrefsApi) -> None:
    settings = CheckSettings(
        profile="production",
        internal_token="f3" + uuid.uuid4().hex + uuid.uuid4().hex,
        database=DatabaseSettings(url="postgresql+asyncpg://lb@db.internal/ledgerbridge"),
    )
    with pytest.raises(SubscribeError, match="public https URL"):
        await subscribe(settings, "key", "conn-1", "http://127.0.0.1:18000")


async def test_an_intacct_login_is_checked_against_intacct(prefs_api: PrefsApi, qbo_url: str, billcom_url: str) -> None:
    """prefs-api's ledger here is a fake, so a wrong password can be stored; the check signs in to the
    Intacct sandbox with the connector the services would build and names the fix."""
    with serve_in_thread(create_intacct(IntacctSandbox())) as intacct_url:
        company = f"lb-{uuid.uuid4().hex[:10]}"
        httpx.post(f"{intacct_url}/_sandbox/companies", json={"company_id": company}, timeout=10).raise_for_status()
        login = {
            "sender_id": DEMO_SENDER[0],
            "sender_password": DEMO_SENDER[1],
            "company_id": company,
            "user_id": DEMO_USER[0],
            "user_password": DEMO_USER[1],
        }
        good = (await prefs_api.new_connection(ledger_kind="sage_intacct", intacct=login))["id"]
        bad = (await prefs_api.new_connection(ledger_kind="sage_intacct", intacct={**login, "user_password": "x"}))[
            "id"
        ]
        settings = deployment(prefs_api, qbo_url, billcom_url, intacct_url=f"{intacct_url}/ia/xml/xmlgw.phtml")
        passed = [r for r in await run_checks(settings, connection=good) if r.name == "ledger sign-in"]
        refused = [r for r in await run_checks(settings, connection=bad) if r.name == "ledger sign-in"]
    assert [(r.status, r.detail) for r in passed] == [("ok", f"signed in to sage_intacct company {company}")]
    assert [r.status for r in refused] == ["FAIL"] and "XL03000006" in refused[0].detail
    assert f"PATCH /v1/connections/{bad}" in refused[0].fix and "`intacct`" in refused[0].fix


async def _bill_hour(settings: CheckSettings, api: PrefsApi, cid: str) -> BillUsage | None:
    async with api.internal_client() as http:
        info = await PrefsClient(http, internal_token=INTERNAL_TOKEN).connection(cid)
    assert info.billcom is not None
    async with shared_bill_budgets(settings) as budgets:
        hours = {usage.dev_key_id: usage for usage in await budgets.usage()}
    return hours.get(dev_key_id(info.billcom.dev_key.get_secret_value()))


def _spent(before: BillUsage | None, after: BillUsage | None) -> tuple[int, int]:
    """(requests, logins) charged between two looks at a devKey's hour."""
    assert after is not None
    if before is None or before.window_start != after.window_start:
        return after.requests, after.logins
    return after.requests - before.requests, after.logins - before.logins


async def test_the_commands_bill_calls_are_charged_to_the_shared_hour(
    prefs_api: PrefsApi, qbo_url: str, billcom_url: str
) -> None:
    """The sign-in check and billcom-subscribe count in the devKey's hour in PostgreSQL, where the
    services count theirs (BILL counts them together)."""
    settings = deployment(prefs_api, qbo_url, billcom_url)
    cid = await connect(prefs_api, qbo_url, billcom_url, webhook_security_key=None)

    before = await _bill_hour(settings, prefs_api, cid)
    results = await run_checks(settings, connection=cid)
    assert [r for r in failed(results) if r.name == "billcom sign-in"] == []
    assert _spent(before, await _bill_hour(settings, prefs_api, cid)) == (2, 1)  # login, logout

    before = await _bill_hour(settings, prefs_api, cid)
    await subscribe(settings, prefs_api.admin["X-API-Key"], cid, "http://127.0.0.1:9/hooks")
    assert _spent(before, await _bill_hour(settings, prefs_api, cid)) == (3, 1)  # login, subscribe, logout
