"""schemathesis against the served prefs-api (real PostgreSQL and Kafka, fake vendors): no server
error and no response that breaks the OpenAPI document, on every operation, with a bounded
number of examples per operation."""

from __future__ import annotations

import time
import zlib

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.integration.prefs_api.conftest import PrefsApi

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]  # bounds the run (slower under coverage)
EXAMPLES_PER_OPERATION = 12
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


async def test_schemathesis_finds_no_server_error_and_no_schema_violation(prefs_api: PrefsApi) -> None:
    connection = await prefs_api.new_connection(id="conn-fuzz-" + str(int(time.time() * 1000))[-8:])
    async with prefs_api.client(prefs_api.internal) as http:
        banks = [{"id": "bac01FUZZ", "name": "Operating", "last4": "1234"}]
        await http.put(f"/internal/v1/connections/{connection['id']}/bank-accounts", json=banks)
    async with prefs_api.client() as http:
        document = (await http.get("/openapi.json")).json()
    schema = schemathesis.openapi.from_dict(document)
    headers = {**prefs_api.admin, **prefs_api.internal}
    failures: list[str] = []
    operations = 0

    for result in schema.get_all_operations():
        operation = result.ok()  # type: ignore[union-attr]
        operations += 1

        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def run(case: schemathesis.Case) -> None:
            params = case.path_parameters
            # two cases in three hit a connection that exists, so handlers run past the 404
            hit = zlib.crc32(repr((params, case.query, case.body)).encode()) % 3
            if params is not None and "connection_id" in params and hit:
                params["connection_id"] = connection["id"]
            sent = dict(headers)
            if case.method == "PATCH" and zlib.crc32(repr(case.body).encode()) % 2:
                sent["If-Match"] = "*"  # lets half of the preference changes reach the rules
            response = case.call(base_url=prefs_api.url, headers=sent, timeout=10)
            try:
                case.validate_response(response, checks=CHECKS, headers=sent)
            except AssertionError as exc:
                failures.append(f"{case.operation.label}: {str(exc)[:600]}")
            except Exception as exc:  # schemathesis raises grouped failures as its own types
                failures.append(f"{case.operation.label}: {type(exc).__name__}: {str(exc)[:600]}")

        run()

    assert operations >= 30
    assert not failures, "\n".join(failures[:20])
    async with httpx.AsyncClient(base_url=prefs_api.url) as http:
        assert (await http.get("/healthz")).status_code == 200
