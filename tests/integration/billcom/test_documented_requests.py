"""Requests written from BILL's documented examples work against the sandbox as they are, only the
base URL changes (``https://gateway.stage.bill.com/connect`` -> the sandbox)."""

from __future__ import annotations

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
                },
            )
        ).json()
        assert bill["id"].startswith("00n") and bill["amount"] == 1500
        assert bill["approvalStatus"] == "ASSIGNED" and bill["approvers"][0]["status"] == "WAITING"

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
                    "createdTime:gte:2020-01-01T00:00:00.000+0000",
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
