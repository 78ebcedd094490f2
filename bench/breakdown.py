"""Latency breakdown per bill, from the services' own OpenTelemetry spans.

The e2e run (``bench.e2e``) at a rate the system sustains, with tracing on and each service
exporting its spans as JSON lines to its own file (``LB_TRACING__EXPORTER=file``). After the
services stop (which flushes their exporters), the spans are grouped by trace; a bill's trace is
the one whose BILL webhook request led to a ``changes`` record that the engine turned into a
``postings`` record, that posting wrote, and whose outcome the engine handled. Stages (each the
time between two span edges, in the order of the table):

- webhook received → in Kafka: ingest's request span starts → its ``changes`` publish is acknowledged
- → engine consumed: → the engine's ``changes`` process span starts
- → decided: → the engine's ``postings`` publish starts (the decision is made, its command emitted)
- → command in Kafka: → that publish is acknowledged
- → posting consumed: → posting's ``postings`` process span starts
- → written: → posting's ``outcomes`` publish starts (the ledger write returned and was journaled)
- → outcome in Kafka: → that publish is acknowledged
- → outcome handled: → the engine's ``outcomes`` process span ends

BILL create → webhook received is outside the traces (the BILL sandbox delivers webhooks on a
timer); it is the e2e latency minus the traced total.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

from bench import e2e
from bench.system import BenchSystem
from bench.workload import percentile

STAGES = (
    "webhook received → in Kafka",
    "in Kafka → engine consumed",
    "engine consumed → decided",
    "decided → command in Kafka",
    "command in Kafka → posting consumed",
    "posting consumed → written",
    "written → outcome in Kafka",
    "outcome in Kafka → outcome handled",
    "total: webhook received → outcome handled",
)
TRACED = ("ingest", "engine", "posting", "prefs")


def _t(value: str) -> float:
    return dt.datetime.fromisoformat(value).timestamp()


def load_spans(directory: Path) -> dict[str, list[dict[str, Any]]]:
    """Spans of every file in ``directory`` grouped by trace id."""
    traces: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for path in directory.glob("*.jsonl"):
        for line in path.read_text().splitlines():
            if line.strip():
                span = json.loads(line)
                traces[span["context"]["trace_id"]].append(span)
    return traces


def _first(spans: list[dict[str, Any]], name: str, service: str | None = None) -> dict[str, Any] | None:
    found = [s for s in spans if s["name"] == name
             and (service is None or s["resource"]["attributes"].get("service.name") == service)]  # fmt: skip
    return min(found, key=lambda s: _t(s["start_time"])) if found else None


def stages(spans: list[dict[str, Any]], topics: dict[str, str]) -> list[float] | None:
    """The stage durations (seconds) of one bill's trace, or None when the trace is not a complete bill."""
    webhook = next((s for s in spans if s["kind"] == "SpanKind.SERVER" and "/webhooks/billcom/" in s["name"]), None)
    change_pub = _first(spans, f"{topics['changes']} publish", "webhook-ingest")
    change_proc = _first(spans, f"{topics['changes']} process", "sync-engine")
    command_pub = _first(spans, f"{topics['postings']} publish", "sync-engine")
    command_proc = _first(spans, f"{topics['postings']} process", "posting")
    outcome_pub = _first(spans, f"{topics['outcomes']} publish", "posting")
    outcome_proc = _first(spans, f"{topics['outcomes']} process", "sync-engine")
    edges = (webhook, change_pub, change_proc, command_pub, command_proc, outcome_pub, outcome_proc)
    if any(s is None for s in edges):
        return None
    assert webhook and change_pub and change_proc and command_pub and command_proc and outcome_pub and outcome_proc
    points = [
        _t(webhook["start_time"]),
        _t(change_pub["end_time"]),
        _t(change_proc["start_time"]),
        _t(command_pub["start_time"]),
        _t(command_pub["end_time"]),
        _t(command_proc["start_time"]),
        _t(outcome_pub["start_time"]),
        _t(outcome_pub["end_time"]),
        _t(outcome_proc["end_time"]),
    ]
    return [b - a for a, b in itertools.pairwise(points)] + [points[-1] - points[0]]


def breakdown(traces: dict[str, list[dict[str, Any]]], topics: dict[str, str]) -> dict[str, Any]:
    rows = [r for r in (stages(spans, topics) for spans in traces.values()) if r is not None]
    table = []
    for n, stage in enumerate(STAGES):
        values = [r[n] for r in rows]
        table.append({"stage": stage, "p50_ms": _ms(percentile(values, 50)), "p99_ms": _ms(percentile(values, 99))})
    return {"bills_traced": len(rows), "traces": len(traces), "stages": table, "inside": inside(traces, topics)}


def _service(span: dict[str, Any]) -> str:
    return str(span["resource"]["attributes"].get("service.name"))


def inside(traces: dict[str, list[dict[str, Any]]], topics: dict[str, str]) -> list[dict[str, Any]]:
    """Per consumer and topic: records handled, median handling time, and per record the SQL
    statements and vendor/prefs HTTP calls made inside the handling span (same process) and their time."""
    spans = [s for trace in traces.values() for s in trace]
    children: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for span in spans:
        if span.get("parent_id"):
            children[span["parent_id"]].append(span)

    def below(span: dict[str, Any]) -> list[dict[str, Any]]:
        out = []
        for child in children[span["context"]["span_id"]]:
            if _service(child) == _service(span):
                out += [child, *below(child)]
        return out

    out = []
    for service, topic in (("sync-engine", "changes"), ("posting", "postings"), ("sync-engine", "outcomes")):
        handled = [s for s in spans if _service(s) == service and s["name"] == f"{topics[topic]} process"]
        if not handled:
            continue
        sql = http = 0
        sql_s = http_s = 0.0
        for span in handled:
            for child in below(span):
                took = _t(child["end_time"]) - _t(child["start_time"])
                if "db.system" in child["attributes"] or "db.system.name" in child["attributes"]:
                    sql, sql_s = sql + 1, sql_s + took
                elif child["kind"] == "SpanKind.CLIENT":
                    http, http_s = http + 1, http_s + took
        n = len(handled)
        durations = [_t(s["end_time"]) - _t(s["start_time"]) for s in handled]
        out.append({"consumer": service, "topic": topic, "records": n, "p50_ms": _ms(percentile(durations, 50)),
                    "sql_per_record": round(sql / n, 1), "sql_ms_per_record": round(sql_s / n * 1000, 1),
                    "http_per_record": round(http / n, 1),
                    "http_ms_per_record": round(http_s / n * 1000, 1)})  # fmt: skip
    return out


def _ms(seconds: float) -> float | None:
    return None if seconds != seconds else round(seconds * 1000, 1)


async def run(system: BenchSystem, *, rate: float = 5, seconds: float = 30, drain: float = 60) -> dict[str, Any]:
    directory = Path(tempfile.mkdtemp(prefix="lb-bench-traces-"))
    for name in TRACED:
        proc = system.processes[name]
        proc.env = {**proc.env, "LB_TRACING__ENABLED": "true", "LB_TRACING__EXPORTER": "file",
                    "LB_TRACING__FILE": str(directory / f"{name}.jsonl")}  # fmt: skip
    result = await e2e.run(system, rate=rate, seconds=seconds, drain=drain)
    for name in TRACED:  # stopping flushes each exporter
        await system.stop_one(name)
    topics = system.topics.model_dump()
    result["breakdown"] = breakdown(load_spans(directory), topics)
    result["spans_dir"] = str(directory)
    return result


def render(result: dict[str, Any]) -> str:
    b = result["breakdown"]
    lines = [f"Latency breakdown ({b['bills_traced']} complete traces, {result['posted']} bills posted; "
             f"e2e with tracing on: p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms)"]  # fmt: skip
    width = max(len(s["stage"]) for s in b["stages"])
    lines.append(f"{'stage'.ljust(width)}  {'p50 ms':>8}  {'p99 ms':>8}")
    for s in b["stages"]:
        lines.append(f"{s['stage'].ljust(width)}  {s['p50_ms']!s:>8}  {s['p99_ms']!s:>8}")
    lines += [
        "",
        "Inside the handling spans (per record): consumer/topic, records, p50 ms, SQL statements (ms), HTTP calls (ms)",
    ]
    for i in b.get("inside", []):
        sql = f"{i['sql_per_record']} SQL ({i['sql_ms_per_record']} ms)"
        http = f"{i['http_per_record']} HTTP ({i['http_ms_per_record']} ms)"
        lines.append(f"{i['consumer']}/{i['topic']}: {i['records']}, {i['p50_ms']} ms, {sql}, {http}")
    return "\n".join(lines)
