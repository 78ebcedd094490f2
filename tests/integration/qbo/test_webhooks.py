"""Webhooks from the sandbox: signed per the reference, both formats, several realms a delivery,
retries on the schedule with head-of-line blocking, and the fault switches."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request, Response

from tests.support.servers import serve_in_thread

pytestmark = pytest.mark.integration
VERIFIER = "verifier-" + uuid.uuid4().hex[:8]


def verify(raw_body: bytes, header_sig: str, verifier_token: str) -> bool:
    """The reference implementation (qbo-api.md §1.4), verbatim."""
    mac = hmac.new(verifier_token.encode("utf-8"), raw_body, hashlib.sha256).digest()
    return hmac.compare_digest(base64.b64encode(mac).decode("ascii"), header_sig.strip())


@dataclass
class Receiver:
    url: str = ""
    status: int = 200
    received: list[tuple[bytes, dict[str, str]]] = field(default_factory=list)


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    rec = Receiver()
    app = FastAPI()

    @app.post("/hooks")
    async def hooks(request: Request) -> Response:
        rec.received.append((await request.body(), dict(request.headers)))
        return Response(status_code=rec.status)

    with serve_in_thread(app) as url:
        rec.url = f"{url}/hooks"
        yield rec


@dataclass
class App:
    control: httpx.AsyncClient
    client_id: str

    async def configure(self, **config: Any) -> None:
        (await self.control.put(f"/_sandbox/apps/{self.client_id}/webhooks", json=config)).raise_for_status()

    async def deliver(self, force: bool = False) -> dict[str, Any]:
        response = await self.control.post(f"/_sandbox/apps/{self.client_id}/webhooks/deliver", json={"force": force})
        return dict(response.json())

    async def realm_with_token(self) -> tuple[str, str]:
        realm = (await self.control.post("/_sandbox/realms", json={})).json()["realm_id"]
        token = (
            await self.control.post(f"/_sandbox/realms/{realm}/tokens", json={"client_id": self.client_id})
        ).json()["access_token"]
        return realm, token

    async def vendor(self, realm: str, token: str, name: str) -> str:
        response = await self.control.post(
            f"/v3/company/{realm}/vendor",
            json={"DisplayName": name},
            headers={"Authorization": f"Bearer {token}"},
        )
        return str(response.json()["Vendor"]["Id"])


@pytest.fixture
async def app(sandbox_url: str, receiver: Receiver) -> AsyncIterator[App]:
    receiver.status, receiver.received[:] = 200, []
    client_id = "hooks-" + uuid.uuid4().hex[:8]
    async with httpx.AsyncClient(base_url=sandbox_url, timeout=10) as control:
        (await control.post("/_sandbox/apps", json={"client_id": client_id, "client_secret": "s"})).raise_for_status()
        hooks = App(control, client_id)
        await hooks.configure(url=receiver.url, verifier_token=VERIFIER, auto_deliver=False)
        yield hooks


async def test_legacy_delivery_signed_with_several_realms(app: App, receiver: Receiver) -> None:
    realm_a, token_a = await app.realm_with_token()
    realm_b, token_b = await app.realm_with_token()
    id_a = await app.vendor(realm_a, token_a, "Hook A")
    id_b = await app.vendor(realm_b, token_b, "Hook B")
    result = await app.deliver()
    assert [d["ok"] for d in result["deliveries"]] == [True]
    raw, headers = receiver.received[-1]
    assert verify(raw, headers["intuit-signature"], VERIFIER)
    assert not verify(raw + b" ", headers["intuit-signature"], VERIFIER)
    body = json.loads(raw)
    by_realm = {n["realmId"]: n["dataChangeEvent"]["entities"] for n in body["eventNotifications"]}
    assert by_realm[realm_a][0] | {"lastUpdated": ""} == {
        "name": "Vendor",
        "id": id_a,
        "operation": "Create",
        "lastUpdated": "",
    }
    assert by_realm[realm_b][0]["id"] == id_b
    assert headers["content-type"].startswith("application/json")


async def test_cloudevents_delivery(app: App, receiver: Receiver) -> None:
    await app.configure(format="cloudevents")
    realm_a, token_a = await app.realm_with_token()
    realm_b, token_b = await app.realm_with_token()
    await app.vendor(realm_a, token_a, "CE A")
    await app.vendor(realm_b, token_b, "CE B")
    await app.deliver()
    raw, headers = receiver.received[-1]
    assert verify(raw, headers["intuit-signature"], VERIFIER)
    assert headers["content-type"] == "application/cloudevents+json"
    events = json.loads(raw)
    assert {e["intuitaccountid"] for e in events} == {realm_a, realm_b}
    assert all(e["specversion"] == "1.0" and e["type"] == "qbo.vendor.created.v1" for e in events)


async def test_failed_delivery_retries_on_schedule_and_blocks_later_events(app: App, receiver: Receiver) -> None:
    realm, token = await app.realm_with_token()
    await app.vendor(realm, token, "HOL first")
    receiver.status = 500
    failed = await app.deliver()
    assert failed["deliveries"][0]["ok"] is False and failed["blocked"]
    first_ids = failed["inflight"]["event_ids"]
    receiver.status = 200
    await app.vendor(realm, token, "HOL second")
    waiting = await app.deliver()
    assert waiting["deliveries"] == [] and waiting["pending"] == 1  # held back until the 10 s retry
    await app.control.post("/_sandbox/clock", json={"advance_seconds": 11})
    try:
        retried = await app.deliver()
    finally:
        await app.control.post("/_sandbox/clock", json={"reset": True})
    assert [d["ok"] for d in retried["deliveries"]] == [True, True]
    assert retried["deliveries"][0]["event_ids"] == first_ids and retried["deliveries"][0]["attempt"] == 2
    names = [
        json.loads(raw)["eventNotifications"][0]["dataChangeEvent"]["entities"][0]["id"]
        for raw, _ in receiver.received[-2:]
    ]
    assert len(names) == 2 and names[0] != names[1]  # in order of occurrence


async def test_fault_switches_drop_duplicate_reorder(app: App, receiver: Receiver) -> None:
    realm, token = await app.realm_with_token()
    await app.control.post(
        f"/_sandbox/apps/{app.client_id}/webhooks/faults",
        json={"drop_next": 1, "duplicate_next": 1, "reorder_next": 1},
    )
    ids = [await app.vendor(realm, token, f"Fault {n}") for n in range(3)]
    result = await app.deliver()
    delivered = [
        [e["id"] for n in json.loads(raw)["eventNotifications"] for e in n["dataChangeEvent"]["entities"]]
        for raw, _ in receiver.received
    ]
    assert delivered[0] == [ids[2], ids[1]]  # first dropped, the rest reversed
    assert delivered[1] == [ids[2]]  # then re-sent: a duplicate
    assert result["dropped"] == 1
