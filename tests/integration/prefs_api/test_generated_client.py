"""A client generated from the served ``/openapi.json`` with openapi-python-client (as a tool
author would, see the README) works as-is: create a key, create a connection, read and change its
preferences with If-Match, read the sync log and the report."""

from __future__ import annotations

import datetime as dt
import importlib
import subprocess
import sys
import uuid
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from tests.integration.prefs_api.conftest import PrefsApi

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]
GENERATOR = Path(sys.executable).with_name("openapi-python-client")


def generate_client(document: bytes, workdir: Path) -> str:
    """Generate the package into ``workdir`` (no warnings allowed) and return its module name."""
    package = "prefs_client_" + uuid.uuid4().hex[:8]
    (workdir / "openapi.json").write_bytes(document)
    (workdir / "config.yaml").write_text("post_hooks: []\n")  # no formatter run on the output
    argv = [
        str(GENERATOR),
        "generate",
        "--path",
        str(workdir / "openapi.json"),
        "--meta",
        "none",
        "--output-path",
        str(workdir / package),
        "--config",
        str(workdir / "config.yaml"),
        "--fail-on-warning",
    ]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=240, cwd=workdir, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return package


def load(package: str, workdir: Path, *modules: str) -> list[ModuleType]:
    sys.path.insert(0, str(workdir))
    try:
        return [importlib.import_module(f"{package}.{m}") for m in modules]
    finally:
        sys.path.remove(str(workdir))


async def test_a_generated_client_runs_the_tool_author_scenario(prefs_api: PrefsApi, tmp_path: Path) -> None:
    async with httpx.AsyncClient(base_url=prefs_api.url) as http:
        document = (await http.get("/openapi.json")).content
    package = generate_client(document, tmp_path)
    client_mod, models, keys, conns, prefs, log = load(
        package,
        tmp_path,
        "client",
        "models",
        "api.api_keys.create_api_key",
        "api.connections.create_connection",
        "api.preferences",
        "api.sync_log",
    )
    read_prefs = importlib.import_module(f"{prefs.__name__}.read_preferences")
    change_prefs = importlib.import_module(f"{prefs.__name__}.change_preferences")
    read_log = importlib.import_module(f"{log.__name__}.read_sync_log")
    read_report = importlib.import_module(f"{log.__name__}.read_sync_report")

    admin = client_mod.AuthenticatedClient(base_url=prefs_api.url, token=prefs_api.admin["X-API-Key"])
    async with admin:  # the generated client holds an httpx.AsyncClient until closed
        created_key: Any = await keys.asyncio(
            client=admin, body=models.ApiKeyCreate(name="tool", scopes=[models.Scope.ADMIN])
        )
        assert isinstance(created_key, models.ApiKeyCreated), created_key
        tool = client_mod.AuthenticatedClient(base_url=prefs_api.url, token=created_key.key)
        async with tool:
            body = models.ConnectionCreate(
                name="Acme (generated client)",
                billcom_org_id="00801GENERATED",
                ledger_kind=models.LedgerKind.QUICKBOOKS_ONLINE,
                ledger_company_id=str(uuid.uuid4().int)[:16],
                qbo=models.QboCredentialsIn(client_id="client-gen", client_secret="secret-gen"),
            )
            connection: Any = await conns.asyncio(client=tool, body=body)
            assert isinstance(connection, models.ConnectionOut), connection

            read = await read_prefs.asyncio_detailed(connection.id, client=tool)
            assert read.status_code == 200 and isinstance(read.parsed, models.PreferencesView)
            etag = read.headers["ETag"]
            patch = models.PreferencesPatch(ap_account="33")
            changed = await change_prefs.asyncio_detailed(connection.id, client=tool, body=patch, if_match=etag)
            stale = await change_prefs.asyncio_detailed(connection.id, client=tool, body=patch, if_match=etag)
            assert changed.status_code == 200 and changed.parsed.version == read.parsed.version + 1
            assert changed.parsed.values.ap_account == "33"
            assert stale.status_code == 412 and isinstance(stale.parsed, models.Problem)

            since = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
            page: Any = await read_log.asyncio(client=tool, connection_id=connection.id, since=since, limit=10)
            report: Any = await read_report.asyncio(client=tool, connection_id=connection.id, since=since)
            assert isinstance(page, models.LogPage) and page.items == []
            assert isinstance(report, models.Report)
            assert [c.connection_id for c in report.connections] == [connection.id]
