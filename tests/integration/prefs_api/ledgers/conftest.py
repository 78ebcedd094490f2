"""Both ledger sandboxes (Sage Intacct, NetSuite) and a prefs-api whose connectors talk to them (BILL
is a fake), for the tests that connect a company and read its lists."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from intacct_sandbox.app import create_app as create_intacct
from intacct_sandbox.settings import SandboxSettings as IntacctSettings
from intacct_sandbox.state import DEMO_SENDER, DEMO_USER
from ledgerbridge_common.prefs_client import ConnectionInfo, PrefsClient
from ledgerbridge_common.service import Overrides
from ledgerbridge_common.settings import KafkaSettings
from netsuite_sandbox.app import create_app as create_netsuite
from netsuite_sandbox.settings import SandboxSettings as NetSuiteSettings
from prefs_api.bootstrap import create_app
from tests.integration.prefs_api.conftest import ADMIN_KEY, INTERNAL_TOKEN, prefs_settings
from tests.support.fake_billcom import FakeBillcom, billcom_bank_chart
from tests.support.fake_ledger import factory
from tests.support.servers import serve_in_thread, serve_together


@dataclass
class Served:
    url: str
    internal_url: str
    intacct: str
    netsuite: str


@contextlib.contextmanager
def ledger_sandboxes() -> Iterator[tuple[str, str]]:
    """The Intacct and NetSuite sandboxes on loopback ports: their base URLs."""
    with (
        serve_in_thread(create_intacct(IntacctSettings())) as intacct,
        serve_in_thread(create_netsuite(NetSuiteSettings())) as netsuite,
    ):
        yield intacct, netsuite


@contextlib.contextmanager
def prefs_api_on(sandboxes: tuple[str, str], database_url: str, kafka_settings: KafkaSettings) -> Iterator[Served]:
    """A prefs-api whose ledger connectors talk to the sandboxes (BILL is a fake)."""
    intacct, netsuite = sandboxes
    settings = prefs_settings(
        database_url, kafka_settings, intacct_url=f"{intacct}/ia/xml/xmlgw.phtml", netsuite_url=netsuite
    )
    app = create_app(settings, Overrides(fakes={"billcom": factory(FakeBillcom(billcom_bank_chart()))}))
    with serve_together(app, app.state.internal_app, timeout=30) as (url, internal_url):
        yield Served(url, internal_url, intacct, netsuite)


@pytest.fixture(scope="module")
def sandboxes() -> Iterator[tuple[str, str]]:
    with ledger_sandboxes() as urls:
        yield urls


@pytest.fixture
def served(database_url: str, kafka_settings: KafkaSettings, sandboxes: tuple[str, str]) -> Iterator[Served]:
    with prefs_api_on(sandboxes, database_url, kafka_settings) as api:
        yield api


@pytest.fixture
async def api(served: Served) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=served.url, headers={"X-API-Key": ADMIN_KEY}, timeout=30) as http:
        yield http


async def internal_info(served: Served, connection_id: str) -> ConnectionInfo:
    async with httpx.AsyncClient(base_url=served.internal_url, timeout=15) as http:
        return await PrefsClient(http, internal_token=INTERNAL_TOKEN).connection(connection_id)


def intacct_company(served: Served, **extra: Any) -> str:
    company_id = f"lb-{uuid.uuid4().hex[:10]}"
    body = {"company_id": company_id, **extra}
    httpx.post(f"{served.intacct}/_sandbox/companies", json=body, timeout=10).raise_for_status()
    return company_id


def intacct_login(company: str, **overrides: str) -> dict[str, str]:
    return {
        "sender_id": DEMO_SENDER[0],
        "sender_password": DEMO_SENDER[1],
        "company_id": company,
        "user_id": DEMO_USER[0],
        "user_password": DEMO_USER[1],
        **overrides,
    }


def netsuite_account(served: Served) -> dict[str, Any]:
    return dict(httpx.post(f"{served.netsuite}/_sandbox/accounts", json={}, timeout=10).raise_for_status().json())


def netsuite_login(account: dict[str, Any], **overrides: str) -> dict[str, str]:
    uk = str(account["seeded"]["subsidiary"]["UK Subsidiary"])
    return {"account_id": account["account_id"], "subsidiary_id": uk, **account["tba"], **overrides}


def body(kind: str, **blocks: Any) -> dict[str, Any]:
    return {
        "name": f"{kind} books",
        "billcom_org_id": "00801" + uuid.uuid4().hex[:15].upper(),
        "ledger_kind": kind,
        **blocks,
    }
