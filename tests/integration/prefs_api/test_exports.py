"""The sync log and the sync report exported as CSV and JSON for a date range, streamed (chunked,
no Content-Length), through the public API on real PostgreSQL and Kafka."""

from __future__ import annotations

import csv
import io

import pytest

from tests.integration.prefs_api.conftest import PrefsApi
from tests.integration.prefs_api.test_error_actions import failed, log, posted, publish_outcomes

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]
ROWS = 600  # more than one chunk (adapters/exports.CHUNK_ROWS)


async def test_exports_stream_csv_and_json_for_a_date_range(prefs_api: PrefsApi) -> None:
    cid = (await prefs_api.new_connection())["id"]
    other = (await prefs_api.new_connection())["id"]
    outs = [posted(f"billcom:bill:00n{n:05d}", n) for n in range(ROWS)]
    outs.append(failed("billcom:vendor:00901X", "6240", ROWS + 1))
    await publish_outcomes(prefs_api, cid, outs)
    await publish_outcomes(prefs_api, other, [posted("billcom:bill:00nOTHER", 1)])
    assert await log(prefs_api, cid, 1, status="failed")  # the last one published is in
    assert await log(prefs_api, other, 1)
    async with prefs_api.client(prefs_api.admin) as http:
        async with http.stream("GET", "/v1/sync-log/export", params={"connection_id": cid, "format": "csv"}) as resp:
            headers = resp.headers
            chunks = [chunk async for chunk in resp.aiter_text()]
        as_json = await http.get("/v1/sync-log/export", params={"connection_id": cid, "format": "json"})
        future = await http.get(
            "/v1/sync-log/export", params={"connection_id": cid, "format": "json", "since": "2999-01-01T00:00:00Z"}
        )
        report_csv = await http.get("/v1/sync-report/export", params={"connection_id": cid})
        report_json = await http.get("/v1/sync-report/export", params={"format": "json"})
        bad = await http.get("/v1/sync-log/export", params={"format": "xml"})
    assert headers["content-type"].startswith("text/csv")
    assert "content-length" not in headers and headers.get("transfer-encoding") == "chunked"
    assert 'filename="sync-log.csv"' in headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO("".join(chunks))))
    assert len(rows) == ROWS + 1
    assert [r["id"] for r in rows] == sorted((r["id"] for r in rows), key=int)  # oldest first
    assert rows[-1]["status"] == "failed" and rows[-1]["error_code"] == "6240"
    assert {r["connection_id"] for r in rows} == {cid}
    entries = as_json.json()
    assert as_json.headers["content-type"] == "application/json" and len(entries) == ROWS + 1
    assert entries[0]["source_ref"] == "billcom:bill:00n00000"
    assert future.json() == []
    report = list(csv.DictReader(io.StringIO(report_csv.text)))
    assert [(r["status"], r["object_type"], r["count"]) for r in report] == [
        ("failed", "vendor", "1"),
        ("posted", "bill", str(ROWS)),
    ]
    assert {(r["connection_id"], r["count"]) for r in report_json.json()} >= {(other, 1), (cid, ROWS)}
    assert bad.status_code == 422
