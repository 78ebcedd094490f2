"""Requests written from BILL's documented examples work against the sandbox as they are, only the
base URL changes (``https://gateway.stage.bill.com/connect`` -> the sandbox, and
``https://api-stage.bill.com/api/v2`` -> the sandbox's ``/api/v2``). No LedgerBridge code is used.
Sources: developer.bill.com/docs/* (v3), developer.bill.com/v2/docs/* (v2), and
developersupport.bill.com/hc/en-us/articles/208196706-MoneyMovement."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

pytestmark = [pytest.mark.integration, pytest.mark.timeout(20)]


async def test_documented_ap_flow(sandbox_url: str, control: Any) -> None:
    org = await control.seed(name="Docs Org")
    await control.call("PUT", f"/orgs/{org['organizationId']}/approval-policy", {"minAmount": 1000})
    async with httpx.AsyncClient(base_url=f"{sandbox_url}/connect", timeout=5) as http:
        login = await http.post(
            "/v3/login",
            json={
                "username": org["username"],
                "password": org["password"],
                "organizationId": org["organizationId"],
                "devKey": org["devKey"],
            },
        )
        assert login.status_code == 200
        session = login.json()
        assert set(session) == {"organizationId", "sessionId", "trusted", "userId"}
        headers = {
            "devKey": org["devKey"],
            "sessionId": session["sessionId"],
            "Content-Type": "application/json",
        }

        vendor = (
            await http.post(
                "/v3/vendors",
                headers=headers,
                json={
                    "name": "Happy Dog Grooming",
                    "accountType": "BUSINESS",
                    "email": "happy@example.com",
                    "address": {
                        "line1": "123 Main St",
                        "city": "San Jose",
                        "stateOrProvince": "CA",
                        "zipOrPostalCode": "95002",
                        "country": "US",
                    },
                },
            )
        ).json()
        assert vendor["id"].startswith("009") and len(vendor["id"]) == 20 and vendor["archived"] is False

        bill = (
            await http.post(
                "/v3/bills",
                headers=headers,
                json={
                    "vendorId": vendor["id"],
                    "dueDate": "2030-12-31",
                    "billLineItems": [{"amount": 1500, "description": "Grooming"}],
                    "invoice": {"invoiceNumber": "20231231", "invoiceDate": "2030-12-01"},
                    "billApprovals": True,
                },
            )
        ).json()
        assert bill["id"].startswith("00n") and bill["amount"] == 1500
        assert bill["approvalStatus"] == "ASSIGNED" and bill["approvers"][0]["status"] == "WAITING"
        read = (await http.get(f"/v3/bills/{bill['id']}", headers=headers)).json()
        assert read["approvalStatus"] == "ASSIGNED" and "approvers" not in read  # not asked for

        pending = (await http.get("/v3/bill-approvals/pending-user-approvals", headers=headers)).json()
        assert pending == {
            "bills": [{"billId": bill["id"], "vendorId": vendor["id"], "amount": 1500, "dueDate": "2030-12-31"}]
        }
        approved = await http.post(
            "/v3/bill-approvals/actions",
            headers=headers,
            json=[{"billId": bill["id"], "action": "APPROVE", "comment": "Looks good"}],
        )
        assert approved.json() == {"status": "SUCCESS"}

        listed = (
            await http.get(
                "/v3/bills",
                headers=headers,
                params={
                    "max": 20,
                    "sort": "dueDate:asc",
                    "filters": f"vendorId:eq:{vendor['id']},approvalStatus:eq:APPROVED,"
                    'createdTime:gte:"2020-01-01T00:00:00.000Z"',
                },
            )
        ).json()
        assert set(listed) == {"nextPage", "prevPage", "results"} and [b["id"] for b in listed["results"]] == [
            bill["id"]
        ]
        none = (await http.get("/v3/bills", headers=headers, params={"filters": "amount:lt:100"})).json()
        assert none["results"] == []

        about = (await http.get("/v3/login/session", headers=headers)).json()
        assert about["organizationId"] == org["organizationId"] and about["userId"] == session["userId"]
        assert (await http.post("/v3/logout", headers=headers)).status_code == 200
        expired = await http.get("/v3/vendors", headers=headers)
        [error] = expired.json()
        assert set(error) == {"timestamp", "code", "severity", "category", "message"}
        assert (error["code"], error["severity"]) == ("BDC_1109", "ERROR")


async def test_error_array_shapes(sandbox_url: str, control: Any) -> None:
    org = await control.seed()
    async with httpx.AsyncClient(base_url=f"{sandbox_url}/connect", timeout=5) as http:
        bad = await http.post(
            "/v3/login",
            json={
                "username": org["username"],
                "password": "x",
                "organizationId": org["organizationId"],
                "devKey": org["devKey"],
            },
        )
        assert bad.json()[0]["code"] == "BDC_1101"
        no_key = await http.get("/v3/vendors", headers={"devKey": "nope", "sessionId": "nope"})
        assert no_key.json()[0]["code"] == "BDC_1102"
        login = (
            await http.post(
                "/v3/login",
                json={
                    "username": org["username"],
                    "password": org["password"],
                    "organizationId": org["organizationId"],
                    "devKey": org["devKey"],
                },
            )
        ).json()
        headers = {"devKey": org["devKey"], "sessionId": login["sessionId"]}
        unknown = await http.get("/v3/not-an-api", headers=headers)
        assert unknown.status_code == 404 and unknown.json()[0]["code"] == "BDC_1121"
        too_many = await http.get("/v3/vendors", headers=headers, params={"max": 101})
        assert too_many.status_code == 400 and too_many.json()[0]["category"] == "REQUEST"


def _login_body(org: dict[str, Any]) -> dict[str, str]:
    return {
        "username": org["username"],
        "password": org["password"],
        "organizationId": org["organizationId"],
        "devKey": org["devKey"],
    }


async def test_documented_mfa_trust_flow_gates_payments(sandbox_url: str, control: Any) -> None:
    """Postman "Generate MFA challenge" / "Validate MFA challenge" / "MFA step-up"; v3 login with
    ``rememberMeId`` + ``device`` (changelog 2024-08-02)."""
    org = await control.seed(name="MFA Org")
    async with httpx.AsyncClient(base_url=f"{sandbox_url}/connect", timeout=5) as http:
        login = (await http.post("/v3/login", json=_login_body(org))).json()
        assert login["trusted"] is False
        headers = {"devKey": org["devKey"], "sessionId": login["sessionId"]}
        vendor = (
            await http.post("/v3/vendors", headers=headers, json={"name": "MFA V", "accountType": "BUSINESS"})
        ).json()
        bill = (
            await http.post(
                "/v3/bills",
                headers=headers,
                json={
                    "vendorId": vendor["id"],
                    "dueDate": "2030-12-31",
                    "billLineItems": [{"amount": 10}],
                    "invoice": {"invoiceNumber": "M-1", "invoiceDate": "2030-12-01"},
                },
            )
        ).json()
        pay = {
            "vendorId": vendor["id"],
            "billId": bill["id"],
            "amount": 10,
            "fundingAccount": {"type": "BANK_ACCOUNT", "id": org["bankAccount"]["id"]},
        }
        refused = await http.post("/v3/payments", headers=headers, json=pay)
        assert refused.status_code == 403 and refused.json()[0]["severity"] == "ERROR"

        challenge = (await http.post("/v3/mfa/challenge", headers=headers, json={"useBackup": False})).json()
        sms = await control.call("GET", f"/orgs/{org['organizationId']}/mfa/challenges/{challenge['challengeId']}")
        wrong = await http.post(
            "/v3/mfa/challenge/validate",
            headers=headers,
            json={"challengeId": challenge["challengeId"], "token": "000000" if sms["token"] != "000000" else "1"},
        )
        assert wrong.status_code == 400
        validated = (
            await http.post(
                "/v3/mfa/challenge/validate",
                headers=headers,
                json={
                    "challengeId": challenge["challengeId"],
                    "token": sms["token"],
                    "device": "Ledger Laptop",
                    "machineName": "ledger-01",
                    "rememberMe": True,
                },
            )
        ).json()
        assert set(validated) == {"rememberMeId"}
        scheduled = await http.post("/v3/payments", headers=headers, json=pay)
        assert scheduled.status_code == 200 and scheduled.json()["status"] == "SCHEDULED"

        # a new session with the remembered device is trusted at login, or after step-up
        relogin = (
            await http.post(
                "/v3/login",
                json=_login_body(org) | {"rememberMeId": validated["rememberMeId"], "device": "Ledger Laptop"},
            )
        ).json()
        assert relogin["trusted"] is True
        plain = (await http.post("/v3/login", json=_login_body(org))).json()
        step_up = await http.post(
            "/v3/mfa/step-up",
            headers={"devKey": org["devKey"], "sessionId": plain["sessionId"]},
            json={"rememberMeId": validated["rememberMeId"], "device": "Ledger Laptop"},
        )
        assert step_up.json() == {"trusted": True}
        await control.call("POST", "/clock/advance", {"days": 31})  # remembered for 30 days only
        late = (
            await http.post(
                "/v3/login",
                json=_login_body(org) | {"rememberMeId": validated["rememberMeId"], "device": "Ledger Laptop"},
            )
        ).json()
        assert late["trusted"] is False


async def test_documented_v2_money_movement_calls(sandbox_url: str, control: Any) -> None:
    """v2 ``Login.json``, ``List/MoneyMovement.json`` and ``Crud/Read/MoneyMovement.json``, form-encoded
    with ``devKey``, ``sessionId`` and a JSON ``data`` field, as in the v2 docs' cURL examples."""
    org = await control.seed(name="V2 Org")
    org_id = org["organizationId"]
    async with httpx.AsyncClient(base_url=f"{sandbox_url}/connect", timeout=5) as v3:
        login = (
            await v3.post(
                "/v3/login", json=_login_body(org) | {"rememberMeId": org["rememberMeId"], "device": org["device"]}
            )
        ).json()
        headers = {"devKey": org["devKey"], "sessionId": login["sessionId"]}
        vendor = (
            await v3.post("/v3/vendors", headers=headers, json={"name": "Run V", "accountType": "BUSINESS"})
        ).json()
        bill = (
            await v3.post(
                "/v3/bills",
                headers=headers,
                json={
                    "vendorId": vendor["id"],
                    "dueDate": "2030-12-31",
                    "billLineItems": [{"amount": 3000}],
                    "invoice": {"invoiceNumber": "R-1", "invoiceDate": "2030-12-01"},
                },
            )
        ).json()
        pay = {
            "vendorId": vendor["id"],
            "billId": bill["id"],
            "amount": 3000,
            "fundingAccount": {"type": "BANK_ACCOUNT", "id": org["bankAccount"]["id"]},
        }
        assert (await v3.post("/v3/payments", headers=headers, json=pay)).status_code == 200
        assert (await v3.get("/v3/money-movements", headers=headers)).json()[0]["code"] == "BDC_1121"
    await control.call("POST", "/clock/advance", {"days": 3})
    [run] = (await control.call("POST", f"/orgs/{org_id}/runs/disbursement", {}))["runs"]

    form = {"Content-Type": "application/x-www-form-urlencoded", "accept": "application/json"}
    async with httpx.AsyncClient(base_url=f"{sandbox_url}/api/v2", timeout=5, headers=form) as v2:
        v3_session = await v2.post(
            "/List/MoneyMovement.json",
            data={"devKey": org["devKey"], "sessionId": login["sessionId"], "data": "{}"},
        )
        assert v3_session.json()["response_data"]["error_code"] == "BDC_1109"  # v2 has its own sessions
        signed_in = (
            await v2.post(
                "/Login.json",
                data={
                    "userName": org["username"],
                    "password": org["password"],
                    "orgId": org_id,
                    "devKey": org["devKey"],
                },
            )
        ).json()
        assert signed_in["response_status"] == 0 and signed_in["response_message"] == "Success"
        session = signed_in["response_data"]["sessionId"]

        listed = (
            await v2.post(
                "/List/MoneyMovement.json",
                data={
                    "devKey": org["devKey"],
                    "sessionId": session,
                    "data": json.dumps(
                        {
                            "start": 0,
                            "max": 20,
                            "filters": [
                                {"field": "status", "op": "in", "value": "1"},
                                {"field": "updatedTime", "op": ">=", "value": "2020-01-01T00:00:00.000+0000"},
                            ],
                            "sort": [{"field": "updatedTime", "asc": "true"}],
                        }
                    ),
                },
            )
        ).json()
        assert listed["response_status"] == 0 and [m["id"] for m in listed["response_data"]] == [run["id"]]
        read = (
            await v2.post(
                "/Crud/Read/MoneyMovement.json",
                data={"devKey": org["devKey"], "sessionId": session, "data": json.dumps({"id": run["id"]})},
            )
        ).json()["response_data"]
        assert (read["entity"], read["type"], read["status"], read["amount"]) == ("MoneyMovement", "1", "1", -3000.0)
        assert read["id"].startswith("mmt") and read["createdTime"].endswith("+0000")
        assert read["processDate"] == run["processDate"] and len(read["name"]) == 15

        as_json = await v2.post(
            "/Crud/Read/MoneyMovement.json",
            json={"devKey": org["devKey"], "sessionId": session, "data": {"id": run["id"]}},
            headers={"Content-Type": "application/json"},
        )
        assert as_json.json()["response_status"] == 1  # v2 takes form fields only
        missing = (
            await v2.post(
                "/Crud/Read/MoneyMovement.json",
                data={
                    "devKey": org["devKey"],
                    "sessionId": session,
                    "data": json.dumps({"id": "mmt01XXXXXXXXXXXXXXX"}),
                },
            )
        ).json()
        assert missing["response_status"] == 1 and missing["response_message"] == "Error"
        assert set(missing["response_data"]) == {"error_code", "error_message"}
