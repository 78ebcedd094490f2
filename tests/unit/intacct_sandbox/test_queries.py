"""readByQuery / readMore / query: tag case, paging, filters, WHENMODIFIED, STATE codes, AUDITHISTORY."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import httpx

from tests.unit.intacct_sandbox.conftest import bill, make_company, vendor
from tests.unit.intacct_sandbox.gw import Client, fn


def query(obj: str, fields: list[str], flt: dict | None = None, **extra: object) -> dict:
    body: dict = {"object": obj, "select": {"field": fields}, **extra}
    if flt is not None:
        body["filter"] = flt
    return body


async def test_read_by_query_pages_with_read_more(client: Client) -> None:
    for n in range(5):
        await vendor(client, f"V{n}")
    first = await client.ok(fn("readByQuery", {"object": "VENDOR", "fields": "VENDORID", "pagesize": "2"}))
    data = first.find("data")
    assert data.attrib["listtype"] == "vendor"
    assert (data.attrib["count"], data.attrib["totalcount"], data.attrib["numremaining"]) == ("2", "5", "3")
    assert [v.findtext("VENDORID") for v in data.findall("vendor")] == ["V0", "V1"]
    seen = ["V0", "V1"]
    result_id = data.attrib["resultId"]
    while result_id:
        page = (await client.ok(fn("readMore", {"resultId": result_id}))).find("data")
        seen += [v.findtext("VENDORID") for v in page.findall("vendor")]
        result_id = page.attrib["resultId"]
        remaining = page.attrib["numremaining"]
    assert seen == ["V0", "V1", "V2", "V3", "V4"]
    assert remaining == "0"


async def test_read_by_query_page_limit_is_1000(client: Client) -> None:
    answer = await client.call(fn("readByQuery", {"object": "VENDOR", "pagesize": "1001"}))
    assert answer.result().findtext("status") == "failure"


async def test_read_by_query_text_filters(client: Client) -> None:
    for vid in ("A-1", "B-2", "C-3"):
        await vendor(client, vid)
    data = (
        await client.ok(
            fn("readByQuery", {"object": "VENDOR", "query": "VENDORID IN ('A-1','C-3') OR NAME LIKE '%B-2'"})
        )
    ).find("data")
    assert sorted(v.findtext("VENDORID") for v in data.findall("vendor")) == ["A-1", "B-2", "C-3"]
    data = (await client.ok(fn("readByQuery", {"object": "VENDOR", "query": "VENDORID = 'A-1' AND NAME = 'x'"}))).find(
        "data"
    )
    assert data.attrib["count"] == "0"
    bad = await client.call(fn("readByQuery", {"object": "VENDOR", "query": "this is not a query"}))
    assert bad.errornos(0) == ["DL02000001"]


async def test_query_is_upper_case_and_pages_by_offset(client: Client) -> None:
    for n in range(3):
        await vendor(client, f"V{n}")
    body = query(
        "VENDOR",
        ["RECORDNO", "VENDORID"],
        pagesize="2",
        offset="2",
        orderby={"order": {"field": "VENDORID", "descending": ""}},
    )
    data = (await client.ok(fn("query", body))).find("data")
    assert data.attrib == {"listtype": "VENDOR", "totalcount": "3", "offset": "2", "count": "1", "numremaining": "0"}
    assert [v.findtext("VENDORID") for v in data.findall("VENDOR")] == ["V0"]
    assert set(data.find("VENDOR").keys()) == set()
    assert [c.tag for c in data.find("VENDOR")] == ["RECORDNO", "VENDORID"]


async def test_query_refuses_star_and_oversized_pages(client: Client) -> None:
    star = await client.call(fn("query", query("VENDOR", ["*"])))
    big = await client.call(fn("query", query("VENDOR", ["RECORDNO"], pagesize="2001")))
    ok = await client.call(fn("query", query("VENDOR", ["RECORDNO"], pagesize="2000")))
    assert [a.result().findtext("status") for a in (star, big, ok)] == ["failure", "failure", "success"]


async def test_query_filter_operators(client: Client) -> None:
    for vid in ("alpha", "Beta", "gamma"):
        await vendor(client, vid)
    await client.ok(fn("update", {"VENDOR": {"VENDORID": "gamma", "STATUS": "inactive"}}))

    async def ids(flt: dict, **extra: object) -> list[str]:
        data = (await client.ok(fn("query", query("VENDOR", ["VENDORID"], flt, **extra)))).find("data")
        return sorted(v.findtext("VENDORID") for v in data.findall("VENDOR"))

    assert await ids({"in": {"field": "VENDORID", "value": ["alpha", "gamma"]}}) == ["alpha", "gamma"]
    assert await ids({"like": {"field": "VENDORID", "value": "%a"}}) == ["Beta", "alpha", "gamma"]
    assert await ids({"equalto": {"field": "VENDORID", "value": "beta"}}) == []
    assert await ids({"equalto": {"field": "VENDORID", "value": "beta"}}, options={"caseinsensitive": "true"}) == [
        "Beta"
    ]
    assert await ids(
        {
            "and": {
                "equalto": {"field": "STATUS", "value": "active"},
                "notequalto": {"field": "VENDORID", "value": "alpha"},
            }
        }
    ) == ["Beta"]
    assert await ids({"isnull": {"field": "PARENTID"}}) == ["Beta", "alpha", "gamma"]
    lonely_and = await client.call(
        fn("query", query("VENDOR", ["VENDORID"], {"and": {"equalto": {"field": "STATUS", "value": "active"}}}))
    )
    assert lonely_and.result().findtext("status") == "failure"


async def test_when_modified_is_zone_less_local_time_and_filterable(http: httpx.AsyncClient) -> None:
    client = Client(http, await make_company(http, timezone="Pacific/Auckland"))
    await vendor(client, "OLD")
    await http.post("/_sandbox/clock", json={"advance_seconds": 3600})
    await vendor(client, "NEW")
    now = dt.datetime.fromisoformat((await http.get("/_sandbox/clock")).json()["now"])
    data = (await client.ok(fn("query", query("VENDOR", ["VENDORID", "WHENMODIFIED"])))).find("data")
    stamps = {v.findtext("VENDORID"): v.findtext("WHENMODIFIED") for v in data.findall("VENDOR")}
    local = dt.datetime.strptime(stamps["NEW"], "%m/%d/%Y %H:%M:%S")
    expected = now.astimezone(ZoneInfo("Pacific/Auckland")).replace(tzinfo=None)
    assert abs((local - expected).total_seconds()) < 60
    cut = (expected - dt.timedelta(minutes=30)).strftime("%m/%d/%Y %H:%M:%S")
    data = (
        await client.ok(
            fn(
                "query",
                query("VENDOR", ["VENDORID"], {"greaterthanorequalto": {"field": "WHENMODIFIED", "value": cut}}),
            )
        )
    ).find("data")
    assert [v.findtext("VENDORID") for v in data.findall("VENDOR")] == ["NEW"]
    await http.post("/_sandbox/clock", json={"reset": True})


async def test_state_codes_in_read_by_query_labels_in_query(client: Client) -> None:
    await vendor(client)
    await client.create("APBILL", bill())
    await client.create("APBILL", bill(ACTION="Draft"))
    rbq = (await client.ok(fn("readByQuery", {"object": "APBILL", "query": "STATE = 'A'"}))).find("data")
    assert [b.findtext("STATE") for b in rbq.findall("apbill")] == ["Posted"]
    labels = (
        await client.ok(fn("query", query("APBILL", ["STATE"], {"equalto": {"field": "STATE", "value": "Draft"}})))
    ).find("data")
    assert labels.attrib["count"] == "1"


async def test_deletes_are_listed_in_audit_history(client: Client) -> None:
    await vendor(client)
    recordno = await client.create("APBILL", bill())
    await client.ok(fn("delete", {"object": "APBILL", "keys": recordno}))
    flt = {"and": {"equalto": [{"field": "ACCESSMODE", "value": "D"}, {"field": "OBJECTTYPE", "value": "apbill"}]}}
    data = (await client.ok(fn("query", query("AUDITHISTORY", ["OBJECTKEY", "ACCESSTIME"], flt)))).find("data")
    assert [r.findtext("OBJECTKEY") for r in data.findall("AUDITHISTORY")] == [recordno]
    gone = (await client.ok(fn("read", {"object": "APBILL", "keys": recordno}))).find("data")
    assert gone.attrib["count"] == "0"


async def test_audit_access_mode_is_a_word_in_read_by_query(client: Client) -> None:
    recordno = await vendor(client, "GONE")
    await client.ok(fn("delete", {"object": "VENDOR", "keys": recordno}))
    words = (await client.ok(fn("readByQuery", {"object": "AUDITHISTORY", "query": "ACCESSMODE = 'Delete'"}))).find(
        "data"
    )
    letters = (await client.ok(fn("readByQuery", {"object": "AUDITHISTORY", "query": "ACCESSMODE = 'D'"}))).find("data")
    assert [r.findtext("OBJECTKEY") for r in words.findall("audithistory")] == [recordno]
    assert letters.attrib["count"] == "0"


async def test_status_is_t_or_f_in_read_by_query(client: Client) -> None:
    await vendor(client, "ON")
    await vendor(client, "OFF")
    await client.ok(fn("update", {"VENDOR": {"VENDORID": "OFF", "STATUS": "inactive"}}))
    data = (await client.ok(fn("readByQuery", {"object": "VENDOR", "query": "STATUS = 'T'"}))).find("data")
    assert [v.findtext("VENDORID") for v in data.findall("vendor")] == ["ON"]
    words = (await client.ok(fn("readByQuery", {"object": "VENDOR", "query": "STATUS = 'active'"}))).find("data")
    assert words.attrib["count"] == "0"
