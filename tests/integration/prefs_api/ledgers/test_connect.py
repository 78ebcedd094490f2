"""Connecting a Sage Intacct company and a NetSuite account through ``POST /v1/connections``: the
credentials are checked against the vendor's sandbox through the real connectors before anything is
saved, a refusal is a problem naming the credentials block with what the vendor said, the sealed
credentials never come back on the public API and reach the services through the internal one."""

from __future__ import annotations

import httpx
import pytest

from ledgerbridge_common.prefs_client import IntacctCredentials, NetSuiteCredentials
from tests.integration.prefs_api.ledgers.conftest import (
    DEMO_SENDER,
    DEMO_USER,
    Served,
    body,
    intacct_company,
    intacct_login,
    internal_info,
    netsuite_account,
    netsuite_login,
)

pytestmark = [pytest.mark.integration, pytest.mark.timeout(90)]


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
    moved = await api.patch(f"/v1/connections/{cid}", json={"ledger_company_id": "another-company"})
    assert moved.status_code == 409 and moved.json()["errors"][0]["code"] == "login_needed"
    other = intacct_company(served)
    relogged = await api.patch(f"/v1/connections/{cid}", json={"intacct": intacct_login(other)})
    assert relogged.status_code == 200 and relogged.json()["ledger_company_id"] == other


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
    assert isinstance(info.ledger, NetSuiteCredentials) and info.ledger.token_secret is not None
    assert info.ledger.token_secret.get_secret_value() == login["token_secret"]


async def test_netsuite_refuses_a_wrong_token_secret_with_its_own_words(served: Served, api: httpx.AsyncClient) -> None:
    login = netsuite_login(netsuite_account(served), token_secret="wrong-token-secret")
    refused = await api.post("/v1/connections", json=body("oracle_netsuite", netsuite=login))
    assert refused.status_code == 422, refused.text
    problem = refused.json()
    assert problem["detail"].startswith("Oracle NetSuite said: ")
    assert [(e["preference"], e["code"]) for e in problem["errors"]] == [("netsuite", "INVALID_LOGIN")]
