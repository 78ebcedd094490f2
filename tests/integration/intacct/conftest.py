"""The Intacct sandbox on a real loopback port and one fresh company per test."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from intacct_sandbox.app import create_app
from intacct_sandbox.settings import SandboxSettings
from tests.support.servers import serve_in_thread


@pytest.fixture(scope="session")
def sandbox_url() -> Iterator[str]:
    with serve_in_thread(create_app(SandboxSettings())) as url:
        yield url


@pytest.fixture
def company(sandbox_url: str) -> dict[str, Any]:
    body = {"company_id": f"lb-{uuid.uuid4().hex[:10]}", "entities": ["E1"]}
    response = httpx.post(f"{sandbox_url}/_sandbox/companies", json=body, timeout=10)
    response.raise_for_status()
    company_id = body["company_id"]
    location = {"LOCATIONID": "110", "NAME": "Entity one office", "PARENTID": "E1"}
    httpx.post(f"{sandbox_url}/_sandbox/companies/{company_id}/records/LOCATION", json=location, timeout=10)
    return dict(response.json())
