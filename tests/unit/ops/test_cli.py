"""The ``ledgerbridge`` command: help, argument checks, table and JSON output (actions faked),
and the prefs-api client against a mock transport."""

from __future__ import annotations

import json

import httpx
import pytest
from typer.testing import CliRunner

from ledgerbridge_common.kafka.lag import LagRow
from ledgerbridge_ops import actions, cli
from ledgerbridge_ops.output import table
from ledgerbridge_ops.prefs import PrefsApi, PrefsApiError
from ledgerbridge_ops.settings import OpsSettings

runner = CliRunner()
ROWS = [
    LagRow("ledgerbridge-posting", "ledgerbridge.postings.v1", 0, 120, 100, 20, 42.5),
    LagRow("ledgerbridge-posting", "ledgerbridge.postings.v1", 1, 7, 7, 0, 0.0),
]


@pytest.mark.parametrize("args", [[], ["lag"], ["dlq"], ["dlq", "list"], ["dlq", "show"], ["dlq", "replay"],
                                  ["status"], ["sync-now"], ["parked"]])  # fmt: skip
def test_every_command_has_help(args):
    result = runner.invoke(cli.app, [*args, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output


def test_lag_table_and_json(monkeypatch):
    seen = {}

    async def fake_lag(settings, groups):
        seen["groups"] = groups
        return ROWS

    monkeypatch.setattr(actions, "lag", fake_lag)
    result = runner.invoke(cli.app, ["lag", "--group", "ledgerbridge-posting"])
    assert result.exit_code == 0
    header, first, second = result.output.splitlines()
    assert header.split() == [
        "GROUP",
        "TOPIC",
        "PARTITION",
        "END-OFFSET",
        "COMMITTED",
        "LAG-MESSAGES",
        "LAG-SECONDS",
    ]
    assert first.split() == [
        "ledgerbridge-posting",
        "ledgerbridge.postings.v1",
        "0",
        "120",
        "100",
        "20",
        "42.5",
    ]
    assert second.split()[-2:] == ["0", "0.0"]
    assert seen["groups"] == ["ledgerbridge-posting"]
    result = runner.invoke(cli.app, ["lag", "--json"])
    assert json.loads(result.output)[0] == {
        "group": "ledgerbridge-posting", "topic": "ledgerbridge.postings.v1", "partition": 0,
        "end_offset": 120, "committed": 100, "lag_messages": 20, "lag_seconds": 42.5,
    }  # fmt: skip


def test_replay_needs_exactly_one_target(monkeypatch):
    calls = []

    async def fake_replay(settings, refs, *, force=False):
        calls.append((refs, force))
        return [], []

    monkeypatch.setattr(actions, "replay", fake_replay)
    for args in (["dlq", "replay"], ["dlq", "replay", "--all", "--partition", "1", "--offset", "2"],
                 ["dlq", "replay", "--partition", "1"]):  # fmt: skip
        assert runner.invoke(cli.app, args).exit_code == 2
    assert calls == []
    assert runner.invoke(cli.app, ["dlq", "replay", "--all"]).exit_code == 0
    assert runner.invoke(cli.app, ["dlq", "replay", "--partition", "1", "--offset", "2", "--force"]).exit_code == 1
    assert calls[0] == (None, False)
    assert str(calls[1][0][0]) == "1:2" and calls[1][1] is True


def test_show_rejects_bad_ids():
    result = runner.invoke(cli.app, ["dlq", "show", "17"])
    assert result.exit_code == 2 and "PARTITION:OFFSET" in result.output


def test_prefs_errors_exit_2(monkeypatch):
    async def fail(settings, connection):
        raise PrefsApiError("HTTP 401: missing API key")

    monkeypatch.setattr(actions, "status", fail)
    result = runner.invoke(cli.app, ["status"])
    assert result.exit_code == 2 and "HTTP 401: missing API key" in result.output


def test_settings_from_env(monkeypatch):
    monkeypatch.setenv("LB_KAFKA__BOOTSTRAP_SERVERS", "k:1")
    monkeypatch.setenv("LB_KAFKA__TOPICS__DLQ", "x.dlq")
    monkeypatch.setenv("LB_API_KEY", "lbk_abc")
    settings = OpsSettings()
    assert (
        settings.kafka.bootstrap_servers == "k:1"
        and settings.api_key is not None
        and settings.api_key.get_secret_value() == "lbk_abc"
    )
    assert settings.replay_log_topic == "x.dlq.replays"


def test_table_alignment_and_clipping():
    text = table([{"a": "x" * 100, "n": 5}, {"a": None, "n": 12}], ["a", "n"], max_width=10)
    lines = text.splitlines()
    assert lines[0].split() == ["A", "N"]
    assert lines[1] == "xxxxxxxxx…   5"
    assert lines[2] == "-           12"


async def test_prefs_api_paths_headers_paging_and_problems():
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append((request.method, request.url.path, dict(request.url.params), request.headers.get("x-api-key")))
        path, params = request.url.path, request.url.params
        if path == "/v1/connections":
            return httpx.Response(200, json=[{"id": "c1", "name": "Acme", "ledger_kind": "quickbooks_online"}])
        if path == "/v1/sync-report":
            health = {
                "connection_id": "c1", "name": "Acme", "status": "active",
                "counts": {"posted": 3, "parked": 1}, "last_sync_at": "t", "freshness_seconds": 4.0,
            }  # fmt: skip
            return httpx.Response(200, json={"connections": [health], "errors": [{"connection_id": "c1"}]})
        if path == "/v1/sync-log":
            if "before_id" not in params:
                return httpx.Response(200, json={"items": [{"id": 9, "reason": "r9"}], "next_before_id": 9})
            return httpx.Response(200, json={"items": [{"id": 8, "error_message": "m8"}], "next_before_id": None})
        return httpx.Response(404, json={"title": "Not Found", "detail": "no connection c9"})

    http = httpx.AsyncClient(
        base_url="http://prefs", headers={"X-API-Key": "k"}, transport=httpx.MockTransport(handler)
    )
    async with http:
        api = PrefsApi(http)
        conns = await api.connections()
        report = await api.report()
        log = await api.sync_log(connection_id=None, status="parked")
        with pytest.raises(PrefsApiError, match="HTTP 404: no connection c9"):
            await api.sync_now("c9", full=True)
    assert conns[0]["id"] == "c1"
    row = actions.status_row(report["connections"][0], {"c1": "quickbooks_online"}, {"c1": 1})
    assert (row["connection_id"], row["ledger"], row["posted"], row["parked"], row["failed"]) == (
        "c1", "quickbooks_online", 3, 1, 0,
    )  # fmt: skip
    assert [actions.parked_row(e)["reason"] for e in log] == ["r9", "m8"]
    assert seen[-1][:3] == ("POST", "/v1/connections/c9/sync-now", {"full": "true"})
    assert [s[2].get("before_id") for s in seen if s[1] == "/v1/sync-log"] == [None, "9"]
    assert all(key == "k" for *_, key in seen)
