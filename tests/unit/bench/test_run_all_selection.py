"""Which benchmarks ``make bench`` runs (the default set, ``--all``, ``--only``) and the table rows of
the scale-out and NetSuite runs, without a stack."""

from __future__ import annotations

from typing import Any

import pytest

from bench.report import rows
from bench.run_all import EXTRA, JOBS, parse, selected

pytestmark = pytest.mark.timeout(30)


def test_the_default_run_leaves_out_only_the_extra_benchmarks() -> None:
    chosen = selected(parse([]))
    assert set(chosen) == set(JOBS) - set(EXTRA)
    assert {"multi_company", "scale_out", "breakdown", "throughput", "ingest", "netsuite_backlog"} <= set(chosen)


def test_all_adds_the_extra_benchmarks_and_only_picks_its_own() -> None:
    assert selected(parse(["--all"])) == list(JOBS)
    assert selected(parse(["--only", "e2e", "scale_out"])) == ["e2e", "scale_out"]


def _company_run(instances: int, posted_per_s: float) -> dict[str, Any]:
    return {
        "companies": 8, "rate_per_company": 2.0, "offered_rate": 16.0, "seconds": 30, "instances": instances,
        "drain_s": 60, "p50_ms": 900.0, "p95_ms": 1400.0, "p99_ms": 1600.0, "slowest_connection_p99_ms": 1900.0,
        "posted": 480, "entered": 480, "paid": 160, "disbursement_runs": 8, "missing_after_drain": 0,
        "posted_per_s": posted_per_s, "qbo_throttled_429": 0, "bill_throttled": 0, "bill_requests_per_bill": 1.2,
        "qbo_requests_per_bill": 3.1, "cpu_s_per_bill": {"engine": 0.03}, "load_average_before": [9.0, 9.0, 9.0],
        "load_average_at_end_of_load": [11.0, 10.0, 9.0],
    }  # fmt: skip


def test_the_scale_out_row_is_the_ratio_of_the_two_runs_of_one_invocation() -> None:
    report = {"runs": {"multi_company": _company_run(1, 5.0), "scale_out": _company_run(2, 7.5)}, "peak_rss_mb": {}}
    [ratio] = [r for r in rows(report) if r[0].startswith("Scale-out")]
    assert ratio[1] == "7.5 ÷ 5 = 1.50 ×"
    assert ratio[3] != "met"
    report["runs"]["scale_out"]["posted_per_s"] = 8.0
    [ratio] = [r for r in rows(report) if r[0].startswith("Scale-out")]
    assert ratio[1].endswith("1.60 ×") and ratio[3] == "met"


def test_netsuite_rows_show_bills_and_429s() -> None:
    run = {"bills": 100, "bills_in_netsuite": 100, "bills_per_min": 240.0, "concurrency_cap": 5,
           "peak_in_flight": 2, "throttled_429": 0, "requests_per_bill": 2.4}  # fmt: skip
    table = {r[0]: r for r in rows({"runs": {"netsuite_backlog": run}, "peak_rss_mb": {}})}
    assert table["NetSuite backlog (100 bills, 1 account): in NetSuite / entered; bills/min"][3] == "met"
    assert table["NetSuite backlog (100 bills, 1 account): 429s (concurrency cap 5, peak in flight 2)"][1] == "0"
