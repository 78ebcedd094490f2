from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from intacct_sandbox.app import create_app
from intacct_sandbox.settings import SandboxSettings
from tests.unit.intacct_sandbox.gw import Client

BILL_LINE = {"ACCOUNTNO": "6000", "TRX_AMOUNT": "100.00", "LOCATIONID": "100"}


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(SandboxSettings(concurrent=2))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://intacct.test", timeout=10) as client:
        yield client


async def make_company(http: httpx.AsyncClient, **extra: Any) -> str:
    company_id = f"co-{uuid.uuid4().hex[:8]}"
    response = await http.post("/_sandbox/companies", json={"company_id": company_id, **extra})
    assert response.status_code == 200, response.text
    return company_id


@pytest.fixture
async def client(http: httpx.AsyncClient) -> Client:
    return Client(http, await make_company(http))


async def vendor(client: Client, vendor_id: str = "V1") -> str:
    return await client.create(
        "VENDOR", {"VENDORID": vendor_id, "NAME": f"Vendor {vendor_id}", "DISPLAYCONTACT": {"PRINTAS": vendor_id}}
    )


def bill(vendor_id: str = "V1", amount: str = "100.00", **header: Any) -> dict[str, Any]:
    return {
        "VENDORID": vendor_id,
        "WHENCREATED": "12/01/2026",
        "WHENDUE": "12/31/2026",
        **header,
        "APBILLITEMS": {"APBILLITEM": [{**BILL_LINE, "TRX_AMOUNT": amount}]},
    }
