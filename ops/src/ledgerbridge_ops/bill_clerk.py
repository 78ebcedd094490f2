"""An AP/AR clerk working in BILL: plain v3 API calls as BILL documents them (login, vendors,
bills, approvals, payments, invoices), plus the sandbox's control API for what a person cannot
do through the API (the bank moving money in a disbursement or deposit run)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx

Line = tuple[str, str | None, str]
"""(amount, BILL chart-of-accounts id or None, description)."""


class BillClerkError(RuntimeError):
    pass


class BillClerk:
    def __init__(self, http: httpx.AsyncClient, billcom_root: str, login: dict[str, str]) -> None:
        self.http = http
        self.root = billcom_root.rstrip("/")
        self.login_body = login
        self.org_id = login["organizationId"]
        self.headers: dict[str, str] = {}

    async def _call(self, method: str, path: str, json: Any = None) -> Any:
        if not self.headers:
            await self.login()
        resp = await self.http.request(method, f"{self.root}/connect{path}", json=json, headers=self.headers)
        if resp.status_code == 401 or (resp.status_code >= 400 and "BDC_1109" in resp.text):
            await self.login()
            resp = await self.http.request(method, f"{self.root}/connect{path}", json=json, headers=self.headers)
        if resp.status_code >= 400:
            raise BillClerkError(f"BILL {method} {path} → {resp.status_code}: {resp.text[:400]}")
        return resp.json() if resp.content else None

    async def _control(self, method: str, path: str, json: Any = None) -> Any:
        resp = await self.http.request(method, f"{self.root}/_sandbox{path}", json=json)
        if resp.status_code >= 400:
            raise BillClerkError(f"BILL sandbox {method} {path} → {resp.status_code}: {resp.text[:400]}")
        return resp.json() if resp.content else None

    async def login(self) -> None:
        resp = await self.http.post(f"{self.root}/connect/v3/login", json=self.login_body)
        if resp.status_code >= 400:
            raise BillClerkError(f"BILL login failed: {resp.text[:300]}")
        self.headers = {"devKey": self.login_body["devKey"], "sessionId": resp.json()["sessionId"]}

    async def today(self) -> str:
        clock = await self._control("GET", "/clock")
        return str(clock["now"])[:10]

    # --- AP -----------------------------------------------------------------------------------

    async def create_vendor(self, name: str, *, email: str | None = None, currency: str | None = None) -> str:
        body: dict[str, Any] = {"name": name, "accountType": "BUSINESS"}
        if email:
            body["email"] = email
        if currency:
            body["billCurrency"] = currency
        return str((await self._call("POST", "/v3/vendors", body))["id"])

    async def update_vendor(self, vendor_id: str, **fields: Any) -> None:
        await self._call("PATCH", f"/v3/vendors/{vendor_id}", fields)

    async def create_bill(
        self,
        vendor_id: str,
        number: str,
        lines: list[Line],
        *,
        date: str | None = None,
        due_date: str | None = None,
    ) -> str:
        day = date or await self.today()
        body = {
            "vendorId": vendor_id,
            "dueDate": due_date or day,
            "invoice": {"invoiceNumber": number, "invoiceDate": day},
            "billLineItems": [
                {
                    "amount": float(amount),
                    "description": text,
                    **({"classifications": {"chartOfAccountId": coa}} if coa else {}),
                }
                for amount, coa, text in lines
            ],
        }
        return str((await self._call("POST", "/v3/bills", body))["id"])

    async def approve(self, bill_id: str) -> None:
        await self._call("POST", "/v3/bill-approvals/actions", [{"billId": bill_id, "action": "APPROVE"}])

    async def set_approval_policy(self, min_amount: float | None) -> None:
        body = {} if min_amount is None else {"minAmount": min_amount}
        await self._control("PUT", f"/orgs/{self.org_id}/approval-policy", body)

    async def create_vendor_credit(self, vendor_id: str, number: str, lines: list[tuple[str, str]]) -> str:
        """A vendor credit (BILL sends no webhook for it: a sweep finds it)."""
        body = {
            "vendorId": vendor_id,
            "referenceNumber": number,
            "creditDate": await self.today(),
            "vendorCreditLineItems": [{"amount": float(amount), "description": text} for amount, text in lines],
        }
        return str((await self._call("POST", "/v3/vendor-credits", body))["id"])

    async def pay(
        self,
        vendor_id: str,
        bill_id: str,
        amount: str,
        bank_account_id: str,
        *,
        vendor_credits: Sequence[tuple[str, str]] = (),
    ) -> str:
        """``vendor_credits``: (credit id, amount) applied to the bill besides ``amount``."""
        body = {
            "vendorId": vendor_id,
            "billId": bill_id,
            "amount": float(amount),
            "processDate": await self.today(),
            "fundingAccount": {"type": "BANK_ACCOUNT", "id": bank_account_id},
            "description": "LedgerBridge demo payment",
            **({"vendorCredits": [{"id": c, "amount": float(a)} for c, a in vendor_credits]} if vendor_credits else {}),
        }
        await self.trust_session()
        return str((await self._call("POST", "/v3/payments", body))["id"])

    async def trust_session(self) -> None:
        """Paying needs an MFA-trusted session: challenge, read the texted token (the sandbox's
        control API stands in for the phone), validate."""
        if not self.headers:
            await self.login()
        challenge = await self._call("POST", "/v3/mfa/challenge", {"useBackup": False})
        sms = await self._control("GET", f"/orgs/{self.org_id}/mfa/challenges/{challenge['challengeId']}")
        body = {"challengeId": challenge["challengeId"], "token": sms["token"], "device": "clerk", "rememberMe": False}
        await self._call("POST", "/v3/mfa/challenge/validate", body)

    async def record_paid_outside(self, vendor_id: str, bill_id: str, amount: str) -> dict[str, Any]:
        body = {
            "vendorId": vendor_id,
            "processDate": await self.today(),
            "toPrintCheck": False,
            "payments": [{"billId": bill_id, "amount": float(amount)}],
        }
        return dict(await self._call("POST", "/v3/bills/record-payment", body))

    async def void_payment(self, payment_id: str) -> None:
        await self._call("POST", f"/v3/payments/{payment_id}/void", {"type": "VOID", "reason": "demo"})

    async def set_exchange_rates(self, rates: dict[str, float]) -> None:
        await self._control("PUT", f"/orgs/{self.org_id}/exchange-rates", rates)

    async def disbursement_run(self, actual_rates: dict[str, float] | None = None) -> list[dict[str, Any]]:
        body = {"actualRates": actual_rates} if actual_rates else {}
        return list((await self._control("POST", f"/orgs/{self.org_id}/runs/disbursement", body))["runs"])

    # --- AR -----------------------------------------------------------------------------------

    async def create_customer(self, name: str, *, email: str | None = None) -> str:
        body: dict[str, Any] = {"name": name, "accountType": "BUSINESS"}
        if email:
            body["email"] = email
        return str((await self._call("POST", "/v3/customers", body))["id"])

    async def create_invoice(self, customer_id: str, number: str, lines: list[tuple[str, str]]) -> str:
        day = await self.today()
        body = {
            "customerId": customer_id,
            "invoiceNumber": number,
            "invoiceDate": day,
            "dueDate": day,
            "invoiceLineItems": [
                {"quantity": 1, "price": float(amount), "description": text} for amount, text in lines
            ],
        }
        return str((await self._call("POST", "/v3/invoices", body))["id"])

    async def customer_pays_online(self, customer_id: str, invoice_id: str, amount: str, *, card: bool = False) -> str:
        body = {
            "customerId": customer_id,
            "amount": float(amount),
            "invoices": [{"id": invoice_id, "amount": float(amount)}],
            "receivablesType": "CREDIT_CARD" if card else "ACH",
        }
        return str((await self._control("POST", f"/orgs/{self.org_id}/receivable-payments", body))["id"])

    async def deposit_run(self) -> list[dict[str, Any]]:
        return list((await self._control("POST", f"/orgs/{self.org_id}/runs/deposit", {}))["runs"])

    # --- webhooks -------------------------------------------------------------------------------

    async def event_history(self) -> list[dict[str, Any]]:
        return list(await self._control("GET", f"/orgs/{self.org_id}/events"))

    async def resend_event(self, subscription_id: str, event_id: str) -> int:
        """BILL's documented resend of one event from a subscription's history."""
        if not self.headers:
            await self.login()
        resp = await self.http.post(
            f"{self.root}/connect-events/v3/events/subscription/{subscription_id}/event/{event_id}",
            headers=self.headers,
        )
        if resp.status_code >= 400:
            raise BillClerkError(f"resend {event_id} → {resp.status_code}: {resp.text[:300]}")
        return int(resp.json().get("statusCode") or 0)

    async def deliver_webhooks_now(self) -> None:
        await self._control("POST", "/webhooks/deliver-now", {})

    async def objects(self, kind: str) -> list[dict[str, Any]]:
        return list(await self._control("GET", f"/orgs/{self.org_id}/objects/{kind}"))
