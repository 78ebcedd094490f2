"""Every preference rule of PREFERENCES.md, through the public API, against real PostgreSQL and
Kafka (the ledger's chart of accounts comes from a fake connector)."""

from __future__ import annotations

from typing import Any

import pytest

from ledgerbridge_common.events.models import PreferencesChanged
from ledgerbridge_common.prefs_client import PrefsClient
from tests.integration.prefs_api.conftest import PrefsApi, read_topic

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]

READY_QBO = {
    "ap_account": "33",
    "ar_account": "84",
    "unallocated_expenses_account": "7",
    "unallocated_income_account": "79",
    "money_out_clearing_account": "91",
    "money_in_clearing_account": "92",
    "default_bank_account": "35",
    "deposit_to_account": "4",
}


async def change(api: PrefsApi, cid: str, body: dict[str, Any], etag: str | None = None) -> Any:
    async with api.client(api.admin) as http:
        if etag is None:
            etag = (await http.get(f"/v1/connections/{cid}/preferences")).headers["ETag"]
        return await http.patch(f"/v1/connections/{cid}/preferences", json=body, headers={"If-Match": etag})


def errors_of(resp: Any) -> list[dict[str, Any]]:
    assert resp.status_code == 409, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    return list(resp.json()["errors"])


async def test_a_new_connection_is_not_ready_and_says_what_is_missing(prefs_api: PrefsApi) -> None:
    cid = (await prefs_api.new_connection())["id"]
    async with prefs_api.client(prefs_api.admin) as http:
        readiness = (await http.get(f"/v1/connections/{cid}/readiness")).json()
    assert readiness["ready"] is False
    assert "Choose a Bank account for Money Out Clearing" in readiness["missing"]
    assert "Choose an Accounts Payable account for Accounts Payable" in readiness["missing"]


async def test_setting_every_required_account_makes_it_ready_and_publishes_the_version(
    prefs_api: PrefsApi,
) -> None:
    cid = (await prefs_api.new_connection())["id"]
    resp = await change(prefs_api, cid, READY_QBO)
    assert resp.status_code == 200, resp.text
    assert resp.json()["ready"] is True and resp.json()["version"] == 2
    assert resp.headers["ETag"] == '"2"'
    async with prefs_api.internal_client() as http:
        prefs = await PrefsClient(http, internal_token=prefs_api.settings.internal_token or "").preferences(cid)
    assert prefs.ready and prefs.money_out_clearing_account == "91" and prefs.version == 2
    published = await read_topic(prefs_api.settings.kafka, prefs_api.settings.kafka.topics.prefs, want=2)
    versions = [e.event().version for e in published if e.connection_id == cid]  # type: ignore[attr-defined]
    assert versions == [1, 2]
    assert all(isinstance(e.event(), PreferencesChanged) for e in published)


async def test_wrong_account_type_is_refused_naming_the_accepted_types(prefs_api: PrefsApi) -> None:
    cid = (await prefs_api.new_connection())["id"]
    errors = errors_of(await change(prefs_api, cid, {"unallocated_expenses_account": "35"}))
    assert errors[0]["code"] == "wrong_account_type"
    assert "Expense or Other Expense" in errors[0]["detail"] and "Bank" in errors[0]["detail"]


async def test_unknown_and_inactive_accounts_are_refused(prefs_api: PrefsApi) -> None:
    cid = (await prefs_api.new_connection())["id"]
    unknown = errors_of(await change(prefs_api, cid, {"ap_account": "9999"}))
    inactive = errors_of(await change(prefs_api, cid, {"default_bank_account": "50"}))
    assert unknown[0]["code"] == "unknown_account" and "9999" in unknown[0]["detail"]
    assert inactive[0]["code"] == "inactive_account" and "Old Bank" in inactive[0]["detail"]


async def test_a_preference_the_ledger_kind_does_not_offer_is_refused(prefs_api: PrefsApi) -> None:
    cid = (await prefs_api.new_connection())["id"]
    errors = errors_of(await change(prefs_api, cid, {"funds_transfer_location": "LOC-1"}))
    assert errors[0]["code"] == "unavailable_for_ledger_kind"
    assert "Sage Intacct, Oracle NetSuite" in errors[0]["detail"]
    qbd = (await prefs_api.new_connection(ledger_kind="quickbooks_desktop"))["id"]
    errors = errors_of(await change(prefs_api, qbd, {"sync_only_approved": True}))
    assert "QuickBooks Online" in errors[0]["detail"]


async def test_sync_only_approved_cannot_be_turned_back_off(prefs_api: PrefsApi) -> None:
    cid = (await prefs_api.new_connection())["id"]
    assert (await change(prefs_api, cid, {"sync_only_approved": True})).status_code == 200
    errors = errors_of(await change(prefs_api, cid, {"sync_only_approved": False}))
    assert errors[0]["code"] == "irreversible" and "cannot be turned off" in errors[0]["detail"]
    netsuite = (await prefs_api.new_connection(ledger_kind="oracle_netsuite"))["id"]
    assert (await change(prefs_api, netsuite, {"sync_only_approved": True})).status_code == 200
    off = await change(prefs_api, netsuite, {"sync_only_approved": False})
    assert off.status_code == 200 and off.json()["values"]["sync_only_approved"] is False


async def test_a_stale_or_missing_if_match_is_refused(prefs_api: PrefsApi) -> None:
    cid = (await prefs_api.new_connection())["id"]
    assert (await change(prefs_api, cid, {"ap_account": "33"}, etag='"1"')).status_code == 200
    stale = await change(prefs_api, cid, {"ar_account": "84"}, etag='"1"')
    assert stale.status_code == 412 and stale.headers["ETag"] == '"2"'
    async with prefs_api.client(prefs_api.admin) as http:
        missing = await http.patch(f"/v1/connections/{cid}/preferences", json={"ar_account": "84"})
        history = (await http.get(f"/v1/connections/{cid}/preferences/versions")).json()
    assert missing.status_code == 422  # If-Match is a required header of the operation
    assert [e["preference"] for e in missing.json()["errors"]] == ["if-match"]
    assert history["total"] == 2
    assert history["items"][0]["changes"] == [{"preference": "ap_account", "old": None, "new": "33"}]


async def test_clearing_accounts_must_differ_from_every_bank_gl(prefs_api: PrefsApi) -> None:
    cid = (await prefs_api.new_connection())["id"]
    async with prefs_api.internal_client() as http:
        await http.put(
            f"/internal/v1/connections/{cid}/bank-accounts",
            json=[{"id": "bac01OPERATING", "name": "Operating", "last4": "1234"}],
        )
    assert (await change(prefs_api, cid, {"bank_gl_accounts": {"bac01OPERATING": "35"}})).status_code == 200
    errors = errors_of(await change(prefs_api, cid, {"money_out_clearing_account": "35"}))
    assert errors[0]["code"] == "clearing_equals_bank_gl" and "****1234" in errors[0]["detail"]


async def test_a_new_bank_account_creates_its_preference_and_edits_flow_both_ways(
    prefs_api: PrefsApi,
) -> None:
    cid = (await prefs_api.new_connection())["id"]
    banks = [
        {"id": "bac01OPERATING", "name": "Operating", "last4": "1234"},
        {
            "id": "bac01SAVINGS",
            "name": "Reserve",
            "last4": "9876",
            "chart_of_account_id": "0ca01SAVINGS0000000",
        },
    ]
    async with prefs_api.internal_client() as http:
        assert (await http.put(f"/internal/v1/connections/{cid}/bank-accounts", json=banks)).status_code == 204
    async with prefs_api.client(prefs_api.admin) as http:
        view = (await http.get(f"/v1/connections/{cid}/preferences")).json()
    assert view["values"]["bank_gl_accounts"] == {"bac01OPERATING": None, "bac01SAVINGS": "36"}
    assert "Choose a Bank account for GL Account for Bank Account ****1234 (Operating)" in view["missing"]

    # edited here: BILL's bank account gets BILL's own id of the same account (matched by name)
    resp = await change(prefs_api, cid, {"bank_gl_accounts": {"bac01OPERATING": "35"}})
    assert resp.status_code == 200, resp.text
    assert prefs_api.billcom.gl_updates == [("bac01OPERATING", "0ca01CHECKING000000")]

    # edited on the bank account's own record in BILL: the preference follows
    banks[0]["chart_of_account_id"] = "0ca01SAVINGS0000000"
    async with prefs_api.internal_client() as http:
        await http.put(f"/internal/v1/connections/{cid}/bank-accounts", json=banks)
        prefs = await PrefsClient(http, internal_token=prefs_api.settings.internal_token or "").preferences(cid)
    assert prefs.bank_gl_accounts == {"bac01OPERATING": "36", "bac01SAVINGS": "36"}


async def test_an_explicit_account_mapping_decides_the_bill_id(prefs_api: PrefsApi) -> None:
    cid = (await prefs_api.new_connection())["id"]
    async with prefs_api.client(prefs_api.admin) as http:
        mapped = await http.put(f"/v1/connections/{cid}/mappings/accounts/0ca01OTHERBANK", json={"ledger_id": "36"})
        refused = await http.put(f"/v1/connections/{cid}/mappings/accounts/0ca01X", json={"ledger_id": "404"})
    assert mapped.status_code == 200 and mapped.json()["accounts"] == {"0ca01OTHERBANK": "36"}
    assert refused.status_code == 409
    async with prefs_api.internal_client() as http:
        await http.put(
            f"/internal/v1/connections/{cid}/bank-accounts",
            json=[{"id": "bac01B", "name": "B", "last4": "5555"}],
        )
    assert (await change(prefs_api, cid, {"bank_gl_accounts": {"bac01B": "36"}})).status_code == 200
    assert prefs_api.billcom.gl_updates[-1] == ("bac01B", "0ca01OTHERBANK")


async def test_master_and_field_masters_merge_and_validate(prefs_api: PrefsApi) -> None:
    cid = (await prefs_api.new_connection())["id"]
    body = {"master": {"vendor": "ledger"}, "field_masters": {"vendor": {"email": "billcom"}}}
    resp = await change(prefs_api, cid, body)
    assert resp.status_code == 200
    assert resp.json()["values"]["field_masters"] == {"vendor": {"email": "billcom"}}
    errors = errors_of(await change(prefs_api, cid, {"field_masters": {"vendor": {"colour": "ledger"}}}))
    assert errors[0]["code"] == "unknown_field"
    async with prefs_api.internal_client() as http:
        prefs = await PrefsClient(http, internal_token=prefs_api.settings.internal_token or "").preferences(cid)
    assert prefs.master_for("vendor", "email") == "billcom" and prefs.master_for("vendor", "address") == "ledger"


async def test_preview_lists_the_change_without_saving_it(prefs_api: PrefsApi) -> None:
    cid = (await prefs_api.new_connection())["id"]
    async with prefs_api.client(prefs_api.admin) as http:
        preview = await http.post(f"/v1/connections/{cid}/preferences/preview", json={"ap_account": "35"})
        ok = await http.post(f"/v1/connections/{cid}/preferences/preview", json=READY_QBO)
        version = (await http.get(f"/v1/connections/{cid}/preferences")).json()["version"]
    assert preview.json()["valid"] is False and preview.json()["problems"][0]["code"] == "wrong_account_type"
    assert ok.json()["valid"] is True and ok.json()["ready_after"] is True
    assert {"preference": "ap_account", "old": None, "new": "33"} in ok.json()["changes"]
    assert version == 1


async def test_sync_now_and_the_schedule(prefs_api: PrefsApi) -> None:
    cid = (await prefs_api.new_connection())["id"]
    assert (await change(prefs_api, cid, {"schedule_interval_minutes": 60})).status_code == 200
    async with prefs_api.client(prefs_api.admin) as http:
        resp = await http.post(f"/v1/connections/{cid}/sync-now")
    assert resp.status_code == 202
    published = await read_topic(prefs_api.settings.kafka, prefs_api.settings.kafka.topics.prefs, want=3)
    sync = [e for e in published if e.type == "SyncRequested"]
    assert len(sync) == 1 and sync[0].connection_id == cid and sync[0].payload["trigger"] == "sync_now"
