"""schemathesis (the CLI, every check, positive and negative data, the stateful phase over the
document's links) against the public API of a served prefs-api on real PostgreSQL and Kafka,
with a fixed seed and a bounded example budget: any finding fails the test."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from ledgerbridge_common.settings import KafkaSettings
from tests.integration.prefs_api.conftest import ADMIN_KEY, PrefsApi, prefs_settings, serve_prefs_api

pytestmark = [pytest.mark.integration, pytest.mark.timeout(270)]
SEED = 20261205
MAX_EXAMPLES = 15
# the budget above runs in about a minute on an idle machine; this bound only stops a hung run
BUDGET_SECONDS = 210
# 412 answers a schema-valid If-Match that names an older version: a precondition failing on the
# resource's state (RFC 9110 13.1.1), not data the schema should have refused
CONFIG = """
[checks.positive_data_acceptance]
expected-statuses = ["2xx", "3xx", "401", "403", "404", "409", "412", "429", "5xx"]
"""


@pytest.fixture
def fuzzed_api(database_url: str, kafka_settings: KafkaSettings) -> Iterator[PrefsApi]:
    # schemathesis sends wrong keys on purpose (ignored_auth); back-off would turn the rest of
    # the run into 429s, so this instance allows many failures (test_security covers back-off)
    settings = prefs_settings(database_url, kafka_settings, auth_free_failures=1_000_000)
    with serve_prefs_api(settings) as api:
        yield api


def run_schemathesis(api: PrefsApi, workdir: Path) -> subprocess.CompletedProcess[str]:
    config = workdir / "schemathesis.toml"
    config.write_text(CONFIG)
    argv = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "--config-file",
        str(config),
        "run",
        f"{api.url}/openapi.json",
        "--checks",
        "all",
        "--mode",
        "all",
        "--phases",
        "examples,coverage,fuzzing,stateful",
        "--seed",
        str(SEED),
        "--generation-deterministic",
        "--max-examples",
        str(MAX_EXAMPLES),
        "--workers",
        "1",
        "--request-timeout",
        "10",
        "--header",
        f"X-API-Key: {ADMIN_KEY}",
        "--no-color",
        "--report",
        "ndjson",
        "--report-dir",
        str(workdir),
    ]
    env = {**os.environ, "SCHEMATHESIS_HOOKS": ""}
    # run in the tmp dir: schemathesis keeps a cache of past failures under its working directory
    return subprocess.run(
        argv, capture_output=True, text=True, timeout=BUDGET_SECONDS, env=env, cwd=workdir, check=False
    )


async def test_schemathesis_with_every_check_finds_nothing(fuzzed_api: PrefsApi, tmp_path: Path) -> None:
    connection = await fuzzed_api.new_connection(id="fuzz-" + uuid.uuid4().hex[:8])
    async with fuzzed_api.internal_client() as http:
        banks = [{"id": "bac01FUZZ", "name": "Operating", "last4": "1234"}]
        resp = await http.put(f"/internal/v1/connections/{connection['id']}/bank-accounts", json=banks)
        assert resp.status_code == 204

    result = run_schemathesis(fuzzed_api, tmp_path)

    output = result.stdout + result.stderr
    print(output[-2500:])  # phase timings and counts, shown with -s or on failure
    assert result.returncode == 0, output[-12000:]
    assert "Failures:" not in output and "API Operations:" in output, output[-4000:]
    assert "Stateful" in output, output[-4000:]
