"""``ledgerbridge first-sync``: a connection's first-sync preview, starting it, and What Syncs
(prefs-api's ``/v1/connections/{id}/first-sync...`` and ``/what-syncs``; needs LB_PREFS_URL and
LB_API_KEY)."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import typer

from ledgerbridge_ops.output import table, to_json
from ledgerbridge_ops.prefs import PrefsApi, PrefsApiError, make_http
from ledgerbridge_ops.settings import OpsSettings

first_sync_app = typer.Typer(
    help="A safe first sync: preview what it will create, link or skip; start it; What Syncs.", no_args_is_help=True
)
ConnectionArg = Annotated[str, typer.Argument(help="Connection id.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
PREVIEW_COLUMNS = ["object_type", "direction", "create", "link", "skip", "conflict"]
EXAMPLE_COLUMNS = ["object_type", "label", "date", "amount", "verdict", "reason", "ledger_id"]
MATRIX_COLUMNS = ["object_type", "chosen", "allowed", "default"]


async def _call(method: str, *args: Any) -> dict[str, Any]:
    settings = OpsSettings()
    key = settings.api_key.get_secret_value() if settings.api_key else None
    async with make_http(settings.prefs_url, key, settings.http_timeout) as http:
        result: dict[str, Any] = await getattr(PrefsApi(http), method)(*args)
        return result


def _run(method: str, *args: Any) -> dict[str, Any]:
    try:
        return asyncio.run(_call(method, *args))
    except PrefsApiError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc


def example_rows(preview: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"object_type": t["object_type"], **e} for t in preview.get("types", []) for e in t.get("examples", [])]


@first_sync_app.command("preview")
def preview(connection: ConnectionArg, as_json: JsonOpt = False) -> None:
    """What the first sync will create, link to an existing ledger object, or skip (and why)."""
    data = _run("first_sync_preview", connection)
    if as_json:
        typer.echo(to_json(data))
        return
    state = "started" if data.get("first_sync_started") else "not started (nothing is written yet)"
    typer.echo(f"start date {data.get('start_date')}; first sync {state}")
    typer.echo(table(data.get("types", []), PREVIEW_COLUMNS))
    typer.echo(table(example_rows(data), EXAMPLE_COLUMNS))


@first_sync_app.command("start")
def start(
    connection: ConnectionArg,
    start_date: Annotated[str | None, typer.Option("--start-date", help="YYYY-MM-DD; default: as previewed.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Start the first sync (until then nothing is written on either side)."""
    data = _run("start_first_sync", connection, start_date)
    typer.echo(to_json(data) if as_json else f"first sync of {connection} started from {data.get('start_date')}")


@first_sync_app.command("what-syncs")
def what_syncs(connection: ConnectionArg, as_json: JsonOpt = False) -> None:
    """Per object type: the direction chosen and those BILL offers for the ledger."""
    data = _run("what_syncs", connection)
    rows = [{**c, "allowed": ", ".join(c["allowed"])} for c in data.get("cells", [])]
    typer.echo(to_json(data) if as_json else table(rows, MATRIX_COLUMNS))
