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

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]
SEED = 20261205
MAX_EXAMPLES = 12
BUDGET_SECONDS = 110


@pytest.fixture
def fuzzed_api(database_url: str, kafka_settings: KafkaSettings) -> Iterator[PrefsApi]:
    # schemathesis sends wrong keys on purpose (ignored_auth); back-off would turn the rest of
    # the run into 429s, so this instance allows many failures (test_security covers back-off)
    settings = prefs_settings(database_url, kafka_settings, auth_free_failures=1_000_000)
    with serve_prefs_api(settings) as api:
        yield api


def run_schemathesis(api: PrefsApi, report_dir: Path) -> subprocess.CompletedProcess[str]:
    argv = [
        sys.executable,
        "-m",
        "schemathesis.cli",
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
        "--max-time",
        str(BUDGET_SECONDS - 20),
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
        str(report_dir),
    ]
    env = {**os.environ, "SCHEMATHESIS_HOOKS": ""}
    return subprocess.run(argv, capture_output=True, text=True, timeout=BUDGET_SECONDS, env=env, check=False)


async def test_schemathesis_with_every_check_finds_nothing(fuzzed_api: PrefsApi, tmp_path: Path) -> None:
    connection = await fuzzed_api.new_connection(id="fuzz-" + uuid.uuid4().hex[:8])
    async with fuzzed_api.internal_client() as http:
        banks = [{"id": "bac01FUZZ", "name": "Operating", "last4": "1234"}]
        resp = await http.put(f"/internal/v1/connections/{connection['id']}/bank-accounts", json=banks)
        assert resp.status_code == 204

    result = run_schemathesis(fuzzed_api, tmp_path)

    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-12000:]
    assert "No issues found" in output or "0 failures" in output.lower() or "passed" in output.lower(), output[-4000:]
