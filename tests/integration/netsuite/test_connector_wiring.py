"""The connector registry builds a NetSuite connector from a connection's ``NetSuiteCredentials`` and the
service settings' ``netsuite_url``, and it talks to the sandbox: company facts, an idempotent create."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from ledgerbridge_common.canonical.models import Vendor
from ledgerbridge_common.connectors.budget import MemoryLedgerBudgets
from ledgerbridge_common.connectors.factory import LedgerContext, build_ledger, ledger_endpoints
from ledgerbridge_common.connectors.netsuite import NetSuiteConnector
from ledgerbridge_common.prefs_client import ConnectionInfo

pytestmark = pytest.mark.integration


class Settings:
    def __init__(self, netsuite_url: str) -> None:
        self.qbo_base_url = self.qbo_oauth_url = self.intacct_url = "http://127.0.0.1:9"
        self.netsuite_url = netsuite_url


class NoRotation:
    async def save_ledger_credentials(self, connection_id: str, credentials: Any) -> None:
        raise AssertionError("TBA credentials never rotate")


async def test_registry_builds_a_working_connector(sandbox_url: str) -> None:
    async with httpx.AsyncClient(base_url=sandbox_url, timeout=10) as control, httpx.AsyncClient() as http:
        account = (await control.post("/_sandbox/accounts", json={})).raise_for_status().json()
        uk = account["seeded"]["subsidiary"]["UK Subsidiary"]
        info = ConnectionInfo.model_validate(
            {
                "connection_id": "c-1",
                "tenant_id": "t-1",
                "name": "UK books",
                "status": "active",
                "billcom_org_id": "008-org",
                "ledger_kind": "oracle_netsuite",
                "ledger_company_id": account["account_id"],
                "ledger": {"account_id": account["account_id"], "subsidiary_id": uk, **account["tba"]},
            }
        )
        context = LedgerContext(
            http=http,
            credentials=NoRotation(),
            endpoints=ledger_endpoints(Settings(sandbox_url)),
            budgets=MemoryLedgerBudgets(),
            timeout=5,
        )
        connector = build_ledger(info, context)
        assert isinstance(connector, NetSuiteConnector)
        company = await connector.company_info()
        assert company.name == "UK Subsidiary" and company.home_currency == "GBP"
        tag = f"LB:billcom:vendor:{uuid.uuid4().hex[:12]}"
        first = await connector.create(Vendor(name="Thames Supplies", currency="GBP"), request_id="r1", tag=tag)
        again = await connector.create(Vendor(name="Thames Supplies", currency="GBP"), request_id="r2", tag=tag)
        assert first.id == again.id
        found = await connector.find_by_tag(first.object_type, tag)
        assert found is not None and found.id == first.id and getattr(found, "currency", None) == "GBP"
        records = (await control.get(f"/_sandbox/accounts/{account['account_id']}/records/vendor")).json()
        assert records["count"] == 1 and records["records"][0]["subsidiary"] == {"id": uk}
