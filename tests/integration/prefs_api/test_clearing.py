"""Clearing accounts on connect against the QBO sandbox through the real QBO connector: after the
bookkeeper confirms, both are created as Bank accounts and chosen in the preferences; confirming
again creates nothing (an account of that name is reused); no confirmation, no accounts.
The capability says which ledgers get them created."""

from __future__ import annotations

import httpx
import pytest

from ledgerbridge_common.connectors.intacct.connector import INTACCT_CAPABILITIES
from ledgerbridge_common.connectors.netsuite.connector import NETSUITE_CAPABILITIES
from ledgerbridge_common.connectors.qbo.connector import QBO_CAPABILITIES
from ledgerbridge_common.prefs_client import PrefsClient
from tests.integration.prefs_api.conftest import INTERNAL_TOKEN, PrefsApi
from tests.integration.prefs_api.test_lifecycle import QBO_CLIENT, api, tokens_for, vendors

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]
__all__ = ["api", "vendors"]


def test_which_ledgers_get_them_created() -> None:
    assert QBO_CAPABILITIES.clearing.created_on_connect is True
    assert INTACCT_CAPABILITIES.clearing.created_on_connect is False  # seed 004: by hand in Sage Intacct
    assert NETSUITE_CAPABILITIES.clearing.created_on_connect is False  # the NetSuite connector does not yet


async def qbo_accounts(qbo: str, realm: str) -> list[dict[str, object]]:
    async with httpx.AsyncClient(timeout=10) as http:
        tokens = (await http.post(f"{qbo}/_sandbox/realms/{realm}/tokens", json={})).json()
        answer = await http.get(
            f"{qbo}/v3/company/{realm}/query",
            params={"query": "select * from Account", "minorversion": "75"},
            headers={"Authorization": f"Bearer {tokens['access_token']}", "Accept": "application/json"},
        )
    assert answer.status_code == 200, answer.text
    return list(answer.json()["QueryResponse"].get("Account", []))


async def test_created_once_on_confirmation_and_chosen(api: PrefsApi, vendors: tuple[str, str]) -> None:
    qbo, _ = vendors
    async with httpx.AsyncClient(timeout=10) as http:
        realm = (await http.post(f"{qbo}/_sandbox/realms", json={"seed": False})).json()["realm_id"]
        seeded = (await http.post(f"{qbo}/_sandbox/realms", json={})).json()["realm_id"]  # has both
    cid = (
        await api.new_connection(
            ledger_company_id=realm, qbo={"client_id": QBO_CLIENT[0], "client_secret": QBO_CLIENT[1]}
        )
    )["id"]
    async with api.internal_client() as http:
        await PrefsClient(http, internal_token=INTERNAL_TOKEN).save_qbo_tokens(cid, await tokens_for(qbo, realm))
    async with api.client(api.admin) as http:
        unconfirmed = await http.post(f"/v1/connections/{cid}/clearing-accounts", json={})
        first = await http.post(f"/v1/connections/{cid}/clearing-accounts", json={"confirm": True})
        second = await http.post(f"/v1/connections/{cid}/clearing-accounts", json={"confirm": True})
        prefs = (await http.get(f"/v1/connections/{cid}/preferences")).json()
    assert unconfirmed.status_code == 422
    assert first.status_code == 200, first.text
    made = {a["name"]: a for a in first.json()["accounts"]}
    assert set(made) == {"BILL Money Out Clearing", "BILL Money In Clearing"}
    assert all(a["created"] for a in made.values())
    assert [a["created"] for a in second.json()["accounts"]] == [False, False]
    assert {a["id"] for a in second.json()["accounts"]} == {a["id"] for a in made.values()}
    values = prefs["values"]
    assert values["money_out_clearing_account"] == made["BILL Money Out Clearing"]["id"]
    assert values["money_in_clearing_account"] == made["BILL Money In Clearing"]["id"]
    accounts = [a for a in await qbo_accounts(qbo, realm) if str(a["Name"]).startswith("BILL Money")]
    assert sorted((a["Name"], a["AccountType"]) for a in accounts) == [
        ("BILL Money In Clearing", "Bank"),
        ("BILL Money Out Clearing", "Bank"),
    ]

    other = (
        await api.new_connection(
            ledger_company_id=seeded, qbo={"client_id": QBO_CLIENT[0], "client_secret": QBO_CLIENT[1]}
        )
    )["id"]
    async with api.internal_client() as http:
        await PrefsClient(http, internal_token=INTERNAL_TOKEN).save_qbo_tokens(other, await tokens_for(qbo, seeded))
    async with api.client(api.admin) as http:
        reused = await http.post(f"/v1/connections/{other}/clearing-accounts", json={"confirm": True})
    assert reused.status_code == 200, reused.text
    assert [a["created"] for a in reused.json()["accounts"]] == [False, False]
    names = [a["Name"] for a in await qbo_accounts(qbo, seeded)]
    assert names.count("BILL Money Out Clearing") == 1 and names.count("BILL Money In Clearing") == 1
