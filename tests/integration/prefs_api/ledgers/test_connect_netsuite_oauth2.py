"""Connecting a NetSuite account with OAuth 2.0 through ``POST /v1/connections``: the client id and
secret and the tokens are checked against the sandbox through the real connector (a stale access
token is refreshed once), a refused token is a 422 naming the ``netsuite`` block with NetSuite's
words, the tokens stay sealed, and a refreshed access token goes back through the internal API."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from ledgerbridge_common.prefs_client import NetSuiteCredentials, NetSuiteOAuth2, PrefsClient
from tests.integration.netsuite.test_connector_wiring import rsa_pair
from tests.integration.prefs_api.ledgers.conftest import (
    INTERNAL_TOKEN,
    Served,
    body,
    internal_info,
    netsuite_account,
)

pytestmark = [pytest.mark.integration, pytest.mark.timeout(90)]


def oauth2_login(account: dict[str, Any], **token: str | None) -> dict[str, Any]:
    given = account["oauth2"]
    oauth2 = {k: given[k] for k in ("client_id", "client_secret", "access_token", "refresh_token")} | token
    uk = str(account["seeded"]["subsidiary"]["UK Subsidiary"])
    return {"account_id": account["account_id"], "subsidiary_id": uk, "oauth2": oauth2}


async def test_a_netsuite_account_is_connected_with_oauth2_and_its_tokens_stay_sealed(
    served: Served, api: httpx.AsyncClient
) -> None:
    account = netsuite_account(served)
    login = oauth2_login(account)
    created = await api.post("/v1/connections", json=body("oracle_netsuite", netsuite=login))
    assert created.status_code == 201, created.text
    out = created.json()
    assert out["credentials"]["netsuite_oauth2"] is True and out["credentials"]["netsuite_tba"] is False
    read = await api.get(f"/v1/connections/{out['id']}")
    for secret in (login["oauth2"]["client_secret"], login["oauth2"]["access_token"], login["oauth2"]["refresh_token"]):
        assert secret not in created.text and secret not in read.text
    info = await internal_info(served, out["id"])
    assert isinstance(info.ledger, NetSuiteCredentials) and info.ledger.oauth2 is not None
    assert info.ledger.oauth2.access_token is not None
    assert info.ledger.oauth2.access_token.get_secret_value() == login["oauth2"]["access_token"]
    assert not info.ledger.tba

    refreshed = info.ledger.model_copy(
        update={"oauth2": info.ledger.oauth2.model_copy(update={"access_token": SecretStr("a-refreshed-token")})}
    )
    async with httpx.AsyncClient(base_url=served.internal_url, timeout=15) as http:
        await PrefsClient(http, internal_token=INTERNAL_TOKEN).save_ledger_credentials(out["id"], refreshed)
    kept = (await internal_info(served, out["id"])).ledger
    assert isinstance(kept, NetSuiteCredentials) and kept.oauth2 is not None
    assert kept.oauth2.access_token is not None and kept.oauth2.access_token.get_secret_value() == "a-refreshed-token"
    assert kept.oauth2.refresh_token == info.ledger.oauth2.refresh_token


async def test_a_stale_access_token_is_refreshed_on_connect(served: Served, api: httpx.AsyncClient) -> None:
    login = oauth2_login(netsuite_account(served), access_token="expired-access-token")
    created = await api.post("/v1/connections", json=body("oracle_netsuite", netsuite=login))
    assert created.status_code == 201, created.text


async def test_netsuite_refuses_a_wrong_access_token_with_its_own_words(served: Served, api: httpx.AsyncClient) -> None:
    login = oauth2_login(netsuite_account(served), access_token="not-a-token", refresh_token=None)
    refused = await api.post("/v1/connections", json=body("oracle_netsuite", netsuite=login))
    assert refused.status_code == 422, refused.text
    problem = refused.json()
    assert problem["detail"].startswith("Oracle NetSuite said: ")
    assert [(e["preference"], e["code"]) for e in problem["errors"]] == [("netsuite", "INVALID_LOGIN")]

    wrong_client = oauth2_login(netsuite_account(served), access_token="not-a-token", client_secret="wrong")
    refused = await api.post("/v1/connections", json=body("oracle_netsuite", netsuite=wrong_client))
    assert refused.status_code == 422, refused.text
    assert [e["preference"] for e in refused.json()["errors"]] == ["netsuite"]


@pytest.mark.parametrize(
    "netsuite",
    [
        {"oauth2": None},  # neither TBA nor OAuth 2.0
        {"consumer_key": "ck"},  # part of TBA with OAuth 2.0
    ],
)
async def test_one_complete_sign_in_method_is_required(
    served: Served, api: httpx.AsyncClient, netsuite: dict[str, Any]
) -> None:
    login = oauth2_login(netsuite_account(served)) | netsuite
    refused = await api.post("/v1/connections", json=body("oracle_netsuite", netsuite=login))
    assert refused.status_code == 422, refused.text


def test_stored_credentials_hold_one_method() -> None:
    tokens = NetSuiteOAuth2.model_validate({"client_id": "c", "client_secret": "s", "access_token": "a"})
    assert NetSuiteCredentials(account_id="1", subsidiary_id="1", oauth2=tokens).oauth2 == tokens
    with pytest.raises(ValueError, match="not both"):
        NetSuiteCredentials(account_id="1", subsidiary_id="1")
    with pytest.raises(ValueError, match="either client_secret and access_token"):
        NetSuiteOAuth2.model_validate({"client_id": "c", "client_secret": "s"})


async def test_a_netsuite_account_is_connected_with_client_credentials(served: Served, api: httpx.AsyncClient) -> None:
    account = netsuite_account(served)
    private, public = rsa_pair()
    url = f"{served.netsuite}/_sandbox/accounts/{account['account_id']}/oauth2/certificates"
    cert = httpx.post(url, json={"public_key_pem": public}, timeout=10).raise_for_status().json()
    m2m = {"client_id": cert["client_id"], "certificate_id": cert["certificate_id"], "private_key": private}
    login = {
        "account_id": account["account_id"],
        "subsidiary_id": oauth2_login(account)["subsidiary_id"],
        "oauth2": m2m,
    }
    created = await api.post("/v1/connections", json=body("oracle_netsuite", netsuite=login))
    assert created.status_code == 201, created.text
    assert created.json()["credentials"]["netsuite_oauth2"] is True
    assert "PRIVATE KEY" not in created.text
    info = await internal_info(served, created.json()["id"])
    assert isinstance(info.ledger, NetSuiteCredentials) and info.ledger.oauth2 is not None and info.ledger.oauth2.m2m

    unknown = {**m2m, "certificate_id": "not-registered"}
    refused = await api.post("/v1/connections", json=body("oracle_netsuite", netsuite={**login, "oauth2": unknown}))
    assert refused.status_code == 422, refused.text
    assert [(e["preference"], e["code"]) for e in refused.json()["errors"]] == [("netsuite", "invalid_grant")]
