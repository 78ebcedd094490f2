"""Multi-entity scoping, the per-company concurrency cap (429 GW-0010) and injected faults."""

from __future__ import annotations

import asyncio
from xml.etree.ElementTree import fromstring

import httpx

from tests.unit.intacct_sandbox.conftest import bill, make_company, vendor
from tests.unit.intacct_sandbox.gw import PATH, Client, fn, request_xml


async def entity_clients(http: httpx.AsyncClient) -> tuple[Client, Client, Client]:
    company_id = await make_company(http, entities=["E1", "E2"])
    for loc, parent in (("110", "E1"), ("210", "E2")):
        await http.post(
            f"/_sandbox/companies/{company_id}/records/LOCATION",
            json={"LOCATIONID": loc, "NAME": loc, "PARENTID": parent},
        )
    return Client(http, company_id), Client(http, company_id, "E1"), Client(http, company_id, "E2")


async def test_multi_entity_lines_need_a_location(http: httpx.AsyncClient) -> None:
    top, _, _ = await entity_clients(http)
    await vendor(top)
    body = bill()
    del body["APBILLITEMS"]["APBILLITEM"][0]["LOCATIONID"]
    answer = await top.call(fn("create", {"APBILL": body}))
    assert "LOCATIONID" in (answer.root.findtext(".//description2") or "")
    body["APBILLITEMS"]["APBILLITEM"][0]["LOCATIONID"] = "110"
    assert await top.create("APBILL", body)


async def test_entity_sessions_see_their_entity_and_the_top_level(http: httpx.AsyncClient) -> None:
    top, e1, e2 = await entity_clients(http)
    await vendor(top, "SHARED")
    await vendor(e1, "E1-ONLY")

    async def ids(client: Client, **extra: object) -> list[str]:
        body = {"object": "VENDOR", "select": {"field": "VENDORID"}, **extra}
        data = (await client.ok(fn("query", body))).find("data")
        return sorted(v.findtext("VENDORID") for v in data.findall("VENDOR"))

    assert await ids(e1) == ["E1-ONLY", "SHARED"]
    assert await ids(e2) == ["SHARED"]
    assert await ids(top) == ["SHARED"]
    assert await ids(top, options={"showprivate": "true"}) == ["E1-ONLY", "SHARED"]
    session = await e1.open_session()
    answer = await e1.post(request_xml([fn("getAPISession")], session=session))
    assert answer.result().findtext("data/api/locationid") == "E1"


async def test_entity_session_posts_only_to_its_locations(http: httpx.AsyncClient) -> None:
    top, e1, _ = await entity_clients(http)
    await vendor(top)
    body = bill()
    body["APBILLITEMS"]["APBILLITEM"][0]["LOCATIONID"] = "210"
    answer = await e1.call(fn("create", {"APBILL": body}))
    assert "does not belong to entity E1" in (answer.root.findtext(".//description2") or "")
    body["APBILLITEMS"]["APBILLITEM"][0]["LOCATIONID"] = "110"
    recordno = await e1.create("APBILL", body)
    objects = (await http.get(f"/_sandbox/companies/{top.company_id}/objects/APBILL")).json()["APBILL"]
    assert [(b["RECORDNO"], b["MEGAENTITYID"]) for b in objects] == [(recordno, "E1")]


async def test_concurrency_cap_answers_429_gw_0010(client: Client) -> None:
    await client.open_session()
    base = f"/_sandbox/companies/{client.company_id}"
    await client.http.put(f"{base}/limits", json={"concurrent": 1, "latency_ms": 300})
    body = request_xml([fn("readByQuery", {"object": "VENDOR"})], session=client.session)
    responses = await asyncio.gather(
        *(client.http.post(PATH, content=body, headers={"content-type": "application/xml"}) for _ in range(3))
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses[0] == 200
    assert 429 in statuses
    throttled = next(r for r in responses if r.status_code == 429)
    assert fromstring(throttled.content).findtext("errormessage/error/errorno") == "GW-0010"
    counters = (await client.http.get(f"{base}/counters")).json()
    assert counters["throttled_429"] == statuses.count(429)


async def test_injected_faults(client: Client) -> None:
    await vendor(client)
    base = f"/_sandbox/companies/{client.company_id}"
    await client.http.post(f"{base}/faults", json={"error_5xx_next": 1, "error_5xx_status": 503, "throttle_next": 1})
    body = request_xml([fn("readByQuery", {"object": "VENDOR"})], session=client.session)
    first = await client.http.post(PATH, content=body)
    second = await client.http.post(PATH, content=body)
    assert (first.status_code, second.status_code, second.content) == (429, 503, b"")
    await client.http.post(f"{base}/faults", json={"fail_next_functions": 1})
    failed = await client.call(fn("create", {"APBILL": bill()}))
    assert failed.errornos(0) == ["DL02000001"]
    await client.http.post(f"{base}/faults", json={"timeout_after_commit_next": 1, "timeout_seconds": 0.2})
    committed = await client.call(fn("create", {"APBILL": bill()}))
    assert committed.result().findtext("status") == "success"
    counters = (await client.http.get(f"{base}/counters")).json()
    assert (counters["injected_5xx"], counters["injected_429"], counters["injected_timeouts"]) == (1, 1, 1)


async def test_per_window_rate_is_a_sandbox_extension_off_by_default(client: Client) -> None:
    await client.open_session()
    base = f"/_sandbox/companies/{client.company_id}"
    body = request_xml([fn("readByQuery", {"object": "VENDOR"})], session=client.session)
    statuses = [(await client.http.post(PATH, content=body)).status_code for _ in range(5)]
    assert statuses == [200] * 5
    await client.http.put(f"{base}/limits", json={"per_window": 3, "window_seconds": 60})
    statuses = [(await client.http.post(PATH, content=body)).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
    await client.http.put(f"{base}/limits", json={"unlimited_window": True})
    assert (await client.http.post(PATH, content=body)).status_code == 200
