"""Connecting a Sage Intacct company and a NetSuite account through ``POST /v1/connections``: the
credentials are checked against the vendor's sandbox through the real connectors before anything is
saved, a refusal is a problem naming the credentials block with what the vendor said, the sealed
credentials never come back on the public API and reach the services through the internal one."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from intacct_sandbox.app import create_app as create_intacct
from intacct_sandbox.settings import SandboxSettings as IntacctSettings
from intacct_sandbox.state import DEMO_SENDER, DEMO_USER
from ledgerbridge_common.prefs_client import IntacctCredentials, NetSuiteCredentials, PrefsClient
from ledgerbridge_common.service import Overrides
from ledgerbridge_common.settings import KafkaSettings
from netsuite_sandbox.app import create_app as create_netsuite
from netsuite_sandbox.settings import SandboxSettings as NetSuiteSettings
from prefs_api.bootstrap import create_app
from tests.integration.prefs_api.conftest import ADMIN_KEY, INTERNAL_TOKEN, prefs_settings
from tests.integration.prefs_api.fakes import FakeBillcom, factory
from tests.support.servers import serve_in_thread, serve_together

pytestmark = [pytest.mark.integration, pytest.mark.timeout(90)]


@dataclass
class Served:
    url: str
    internal_url: str
    intacct: str
    netsuite: str


@pytest.fixture(scope="module")
def sandboxes() -> Iterator[tuple[str, str]]:
    with (
        serve_in_thread(create_intacct(IntacctSettings())) as intacct,
        serve_in_thread(create_netsuite(NetSuiteSettings())) as netsuite,
    ):
        yield intacct, netsuite


@pytest.fixture
def served(database_url: str, kafka_settings: KafkaSettings, sandboxes: tuple[str, str]) -> Iterator[Served]:
    intacct, netsuite = sandboxes
    settings = prefs_settings(
        database_url, kafka_settings, intacct_url=f"{intacct}/ia/xml/xmlgw.phtml", netsuite_url=netsuite
    )
    app = create_app(settings, Overrides(fakes={"billcom": factory(FakeBillcom())}))
    with serve_together(app, app.state.internal_app, timeout=30) as (url, internal_url):
        yield Served(url, internal_url, intacct, netsuite)


@pytest.fixture
async def api(served: Served) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=served.url, headers={"X-API-Key": ADMIN_KEY}, timeout=30) as http:
        yield http


async def internal_info(served: Served, connection_id: str) -> Any:
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


async def test_an_intacct_company_is_connected_and_its_secrets_stay_sealed(
    served: Served, api: httpx.AsyncClient
) -> None:
    company = intacct_company(served, entities=["E1"])
    login = intacct_login(company, entity_id="E1")
    created = await api.post("/v1/connections", json=body("sage_intacct", intacct=login))
    assert created.status_code == 201, created.text
    out = created.json()
    assert out["ledger_company_id"] == company
    assert out["credentials"]["intacct_login"] is True and out["credentials"]["intacct_entity_id"] == "E1"
    assert out["credentials"]["qbo_client"] is False and out["credentials"]["netsuite_tba"] is False
    read = await api.get(f"/v1/connections/{out['id']}")
    for text in (created.text, read.text):
        assert DEMO_SENDER[1] not in text and DEMO_USER[1] not in text

    info = await internal_info(served, out["id"])
    assert isinstance(info.ledger, IntacctCredentials) and info.ledger_company_id == company
    assert info.ledger.user_password.get_secret_value() == DEMO_USER[1]
    assert info.ledger.sender_password.get_secret_value() == DEMO_SENDER[1] and info.ledger.entity_id == "E1"


@pytest.mark.parametrize(
    ("wrong", "said"),
    [
        ({"user_password": "not-the-password"}, "XL03000006"),
        ({"sender_password": "not-the-sender-password"}, "XL03000006"),
        ({"company_id": "lb-no-such-company"}, "XL03000006"),
    ],
)
async def test_intacct_refuses_wrong_credentials_and_nothing_is_saved(
    served: Served, api: httpx.AsyncClient, wrong: dict[str, str], said: str
) -> None:
    company = intacct_company(served)
    refused = await api.post("/v1/connections", json=body("sage_intacct", intacct=intacct_login(company, **wrong)))
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    problem = refused.json()
    assert problem["title"] == "The ledger refused the credentials"
    assert problem["detail"].startswith("Sage Intacct said: ") and said in problem["detail"]
    assert [(e["preference"], e["code"]) for e in problem["errors"]] == [("intacct", said)]
    listed = (await api.get("/v1/connections")).json()
    assert company not in [c["ledger_company_id"] for c in listed]


async def test_a_changed_intacct_password_is_checked_before_it_replaces_the_stored_one(
    served: Served, api: httpx.AsyncClient
) -> None:
    company = intacct_company(served)
    created = (await api.post("/v1/connections", json=body("sage_intacct", intacct=intacct_login(company)))).json()
    cid = created["id"]
    wrong = await api.patch(f"/v1/connections/{cid}", json={"intacct": intacct_login(company, user_password="typo")})
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["preference"] == "intacct"
    info = await internal_info(served, cid)
    assert isinstance(info.ledger, IntacctCredentials)
    assert info.ledger.user_password.get_secret_value() == DEMO_USER[1]  # unchanged

    renamed = await api.patch(f"/v1/connections/{cid}", json={"name": "Renamed", "intacct": intacct_login(company)})
    assert renamed.status_code == 200 and renamed.json()["name"] == "Renamed"
    assert renamed.json()["credentials"]["intacct_login"] is True


async def test_credentials_of_another_ledger_or_another_company_are_a_conflict(
    served: Served, api: httpx.AsyncClient
) -> None:
    company = intacct_company(served)
    qbo = {"client_id": "c", "client_secret": "s"}
    mixed = await api.post("/v1/connections", json=body("sage_intacct", intacct=intacct_login(company), qbo=qbo))
    assert mixed.status_code == 409 and mixed.json()["errors"][0]["preference"] == "qbo"
    two_ids = await api.post(
        "/v1/connections",
        json=body("sage_intacct", intacct=intacct_login(company), ledger_company_id="other-company"),
    )
    assert two_ids.status_code == 409 and two_ids.json()["errors"][0]["preference"] == "ledger_company_id"
    created = (await api.post("/v1/connections", json=body("sage_intacct", intacct=intacct_login(company)))).json()
    patched = await api.patch(
        f"/v1/connections/{created['id']}", json={"netsuite": netsuite_login(netsuite_account(served))}
    )
    assert patched.status_code == 409 and patched.json()["errors"][0]["preference"] == "netsuite"


async def test_a_trailing_space_in_an_intacct_login_is_refused_by_the_document(
    served: Served, api: httpx.AsyncClient
) -> None:
    resp = await api.post(
        "/v1/connections", json=body("sage_intacct", intacct=intacct_login("acme", user_id="ws_user "))
    )
    assert resp.status_code == 422
    assert resp.headers["content-type"].startswith("application/problem+json")


async def test_a_netsuite_account_is_connected_with_tba(served: Served, api: httpx.AsyncClient) -> None:
    account = netsuite_account(served)
    login = netsuite_login(account)
    created = await api.post("/v1/connections", json=body("oracle_netsuite", netsuite=login))
    assert created.status_code == 201, created.text
    out = created.json()
    assert out["ledger_company_id"] == account["account_id"]
    assert out["credentials"]["netsuite_tba"] is True
    assert out["credentials"]["netsuite_subsidiary_id"] == login["subsidiary_id"]
    for secret in (login["consumer_secret"], login["token_secret"]):
        assert secret not in created.text and secret not in (await api.get(f"/v1/connections/{out['id']}")).text
    info = await internal_info(served, out["id"])
    assert isinstance(info.ledger, NetSuiteCredentials)
    assert info.ledger.token_secret.get_secret_value() == login["token_secret"]


async def test_netsuite_refuses_a_wrong_token_secret_with_its_own_words(served: Served, api: httpx.AsyncClient) -> None:
    login = netsuite_login(netsuite_account(served), token_secret="wrong-token-secret")
    refused = await api.post("/v1/connections", json=body("oracle_netsuite", netsuite=login))
    assert refused.status_code == 422, refused.text
    problem = refused.json()
    assert problem["detail"].startswith("Oracle NetSuite said: ")
    assert [(e["preference"], e["code"]) for e in problem["errors"]] == [("netsuite", "INVALID_LOGIN")]
