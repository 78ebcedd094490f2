"""The OpenAPI document is the contract: what it calls invalid is refused with 422, what the
service may answer is in it, 405 names every method of the path."""

from __future__ import annotations

import pytest

from tests.integration.prefs_api.conftest import PrefsApi

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/v1/sync-report", {"since": "123"}),
        ("/v1/sync-log", {"until": "2026-12-05"}),
        ("/v1/sync-log", {"limit": "1.0"}),
        ("/v1/connections", {"status": "active\x00"}),
    ],
)
async def test_query_values_of_the_wrong_type_or_format_are_refused(
    prefs_api: PrefsApi, path: str, params: dict[str, str]
) -> None:
    async with prefs_api.client(prefs_api.admin) as http:
        answer = await http.get(path, params=params)
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")


async def test_a_boolean_is_true_or_false_only(prefs_api: PrefsApi) -> None:
    cid = (await prefs_api.new_connection())["id"]
    async with prefs_api.client(prefs_api.admin) as http:
        answer = await http.post(f"/v1/connections/{cid}/sync-now", params={"full": "yes"})
        accepted = await http.post(f"/v1/connections/{cid}/sync-now", params={"full": "true"})
    assert answer.status_code == 422
    assert accepted.status_code == 202, accepted.text


async def test_a_token_time_must_be_an_rfc3339_string(prefs_api: PrefsApi) -> None:
    tokens = {"access_token": "a", "refresh_token": "r", "access_expires_at": "2026-12-05T10:00:00Z"}
    qbo = {"client_id": "c", "client_secret": "s", "tokens": {**tokens, "refresh_expires_at": 1780000000}}
    body = {"name": "Acme", "billcom_org_id": "00801X", "ledger_kind": "quickbooks_online", "qbo": qbo}
    async with prefs_api.client(prefs_api.admin) as http:
        refused = await http.post("/v1/connections", json=body)
        qbo["tokens"] = {**tokens, "refresh_expires_at": "2027-03-05T10:00:00+00:00"}
        accepted = await http.post("/v1/connections", json=body)
    assert refused.status_code == 422 and accepted.status_code == 201, accepted.text


async def test_a_string_with_nul_is_invalid_in_the_document_too(prefs_api: PrefsApi) -> None:
    async with prefs_api.client() as http:
        document = (await http.get("/openapi.json")).json()
    name = document["components"]["schemas"]["ConnectionCreate"]["properties"]["name"]
    assert name["pattern"] == r"^[^\x00]*$"
    patch = document["paths"]["/v1/connections/{connection_id}/preferences"]["patch"]
    if_match = next(p for p in patch["parameters"] if p["name"].lower() == "if-match")
    assert if_match["required"] is True and if_match["in"] == "header"


async def test_405_names_every_method_the_path_serves(prefs_api: PrefsApi) -> None:
    async with prefs_api.client(prefs_api.admin) as http:
        answer = await http.delete("/v1/connections/some-id")
    assert answer.status_code == 405
    assert set(answer.headers["allow"].split(", ")) >= {"GET", "PATCH"}
