"""The connector registry builds a NetSuite connector from a connection's ``NetSuiteCredentials`` and the
service settings' ``netsuite_url``, and it talks to the sandbox: company facts, an idempotent create."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from ledgerbridge_common.canonical.models import Vendor
from ledgerbridge_common.connectors.budget import MemoryLedgerBudgets
from ledgerbridge_common.connectors.factory import LedgerContext, build_ledger, ledger_endpoints
from ledgerbridge_common.connectors.netsuite import NetSuiteConnector
from ledgerbridge_common.errors import AuthRevokedError
from ledgerbridge_common.prefs_client import ConnectionInfo, NetSuiteCredentials

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


class Kept:
    def __init__(self) -> None:
        self.saved: list[Any] = []

    async def save_ledger_credentials(self, connection_id: str, credentials: Any) -> None:
        self.saved.append((connection_id, credentials))


async def test_an_oauth2_connection_refreshes_once_and_stores_the_new_access_token(sandbox_url: str) -> None:
    async with httpx.AsyncClient(base_url=sandbox_url, timeout=10) as control, httpx.AsyncClient() as http:
        account = (await control.post("/_sandbox/accounts", json={})).raise_for_status().json()
        oauth2 = {k: account["oauth2"][k] for k in ("client_id", "client_secret", "refresh_token")}
        info = ConnectionInfo.model_validate(
            {
                "connection_id": "c-2",
                "tenant_id": "t-1",
                "name": "US books",
                "status": "active",
                "billcom_org_id": "008-org",
                "ledger_kind": "oracle_netsuite",
                "ledger_company_id": account["account_id"],
                "ledger": {
                    "account_id": account["account_id"],
                    "subsidiary_id": account["seeded"]["subsidiary"]["US Subsidiary"],
                    "oauth2": {**oauth2, "access_token": "expired-access-token"},
                },
            }
        )
        kept = Kept()
        endpoints = ledger_endpoints(Settings(sandbox_url))
        context = LedgerContext(http=http, credentials=kept, endpoints=endpoints, budgets=MemoryLedgerBudgets())
        connector = build_ledger(info, context)
        assert (await connector.company_info()).name == "US Subsidiary"
        await connector.list_accounts()
        [(connection_id, stored)] = kept.saved
        assert connection_id == "c-2" and isinstance(stored, NetSuiteCredentials) and stored.oauth2 is not None
        assert stored.oauth2.access_token is not None
        token = stored.oauth2.access_token.get_secret_value()
        assert token != "expired-access-token"
        assert stored.oauth2.refresh_token is not None
        assert stored.oauth2.refresh_token.get_secret_value() == oauth2["refresh_token"]
        again = build_ledger(info.model_copy(update={"ledger": stored}), context)
        await again.company_info()
        assert len(kept.saved) == 1, "the stored token serves a new connector without another refresh"


def rsa_pair() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


async def test_an_m2m_connection_signs_its_own_token_requests(sandbox_url: str) -> None:
    async with httpx.AsyncClient(base_url=sandbox_url, timeout=10) as control, httpx.AsyncClient() as http:
        account = (await control.post("/_sandbox/accounts", json={})).raise_for_status().json()
        private, public = rsa_pair()
        url = f"/_sandbox/accounts/{account['account_id']}/oauth2/certificates"
        cert = (await control.post(url, json={"public_key_pem": public})).raise_for_status().json()
        m2m = {"client_id": cert["client_id"], "certificate_id": cert["certificate_id"], "private_key": private}
        info = ConnectionInfo.model_validate(
            {
                "connection_id": "c-3",
                "tenant_id": "t-1",
                "name": "US books",
                "status": "active",
                "billcom_org_id": "008-org",
                "ledger_kind": "oracle_netsuite",
                "ledger_company_id": account["account_id"],
                "ledger": {
                    "account_id": account["account_id"],
                    "subsidiary_id": account["seeded"]["subsidiary"]["US Subsidiary"],
                    "oauth2": m2m,
                },
            }
        )
        endpoints = ledger_endpoints(Settings(sandbox_url))
        context = LedgerContext(http=http, credentials=NoRotation(), endpoints=endpoints, budgets=MemoryLedgerBudgets())
        connector = build_ledger(info, context)
        assert (await connector.company_info()).name == "US Subsidiary"
        assert await connector.list_accounts()

        other_key, _ = rsa_pair()  # a key NetSuite has no certificate for
        assert info.ledger is not None
        forged = info.model_copy(
            update={
                "ledger": NetSuiteCredentials.model_validate(
                    {**info.ledger.model_dump(mode="json"), "oauth2": {**m2m, "private_key": other_key}}
                )
            }
        )
        with pytest.raises(AuthRevokedError, match="invalid_grant"):
            await build_ledger(forged, context).company_info()
