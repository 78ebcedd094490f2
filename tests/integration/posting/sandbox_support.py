"""The QBO sandbox and a prefs-api stub on real loopback ports, wired to one connection."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from qbo_sandbox.app import create_app as create_sandbox
from qbo_sandbox.settings import SandboxSettings
from tests.integration.posting.prefs_stub import PrefsStub
from tests.support.servers import serve_in_thread

CLIENT_ID = "ledgerbridge-sandbox"
CLIENT_SECRET = "sandbox-secret"


@dataclass
class QboWorld:
    sandbox_url: str
    prefs_url: str
    realm_id: str
    accounts: dict[str, str]
    prefs: PrefsStub

    def control(self) -> httpx.Client:
        return httpx.Client(base_url=f"{self.sandbox_url}/_sandbox", timeout=10)

    def faults(self, **faults: Any) -> None:
        with self.control() as c:
            c.post(f"/realms/{self.realm_id}/faults", json=faults).raise_for_status()

    def objects(self, entity: str) -> list[dict[str, Any]]:
        with self.control() as c:
            resp = c.get(f"/realms/{self.realm_id}/objects/{entity}")
            resp.raise_for_status()
            rows: list[dict[str, Any]] = resp.json()[entity]
            return rows

    def ledger(self) -> dict[str, Any]:
        with self.control() as c:
            return dict(c.get(f"/realms/{self.realm_id}/ledger").json())

    def counters(self) -> dict[str, Any]:
        with self.control() as c:
            return dict(c.get(f"/realms/{self.realm_id}/counters").json())


@contextmanager
def qbo_world(connection_id: str, *, access_expires_in: int = 3600) -> Iterator[QboWorld]:
    """A sandbox realm (seeded chart of accounts), minted tokens, and prefs-api answering for it."""
    settings = SandboxSettings(webhook_tick_seconds=0, client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    stub = PrefsStub()
    with ExitStack() as stack:
        sandbox_url = stack.enter_context(serve_in_thread(create_sandbox(settings)))
        with httpx.Client(base_url=f"{sandbox_url}/_sandbox", timeout=10) as control:
            realm = control.post("/realms", json={"company_name": "Posting Test Co"}).json()
            tokens = control.post(
                f"/realms/{realm['realm_id']}/tokens", json={"access_expires_in": access_expires_in}
            ).json()
        accounts = realm["accounts"]
        stub.add_qbo_connection(
            connection_id,
            realm["realm_id"],
            tokens,
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
            preferences={
                "ap_account": accounts["Accounts Payable (A/P)"],
                "money_out_clearing_account": accounts["BILL Money Out Clearing"],
                "money_in_clearing_account": accounts["BILL Money In Clearing"],
                "default_bank_account": accounts["Checking"],
                "fx_gain_loss_account": accounts["Exchange Gain or Loss"],
            },
        )
        prefs_url = stack.enter_context(serve_in_thread(stub.app()))
        yield QboWorld(sandbox_url, prefs_url, realm["realm_id"], accounts, stub)
