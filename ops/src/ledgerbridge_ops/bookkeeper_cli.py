"""``ledgerbridge connection ...`` (lifecycle: BILL webhooks, key rotation, disconnect, reconnect,
clearing accounts) and ``ledgerbridge report ...`` (exports, reconciliation): the bookkeeper's
prefs-api calls for an operator's terminal (``LB_PREFS_URL`` = prefs-api's public API here, and
``LB_API_KEY``, whose name the sync log records)."""

from __future__ import annotations

import asyncio
import datetime as dt
import sys
from typing import Annotated, Any, Literal
from urllib.parse import quote

import typer

from ledgerbridge_ops.errors_cli import _print, _run
from ledgerbridge_ops.prefs import PrefsApiError, make_http
from ledgerbridge_ops.settings import OpsSettings

connection_app = typer.Typer(
    help="A connection's lifecycle: BILL webhooks, disconnect, reconnect.", no_args_is_help=True
)
report_app = typer.Typer(help="Reports: sync log / sync report exports, reconciliation.", no_args_is_help=True)
Connection = Annotated[str, typer.Argument(help="Connection id.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]
RECON_COLUMNS = ["kind", "key", "billcom_amount", "ledger_amount", "difference", "billcom_ref", "ledger_ref"]


def _lifecycle(connection: str, step: str, as_json: bool, body: dict[str, Any] | None = None) -> None:
    done = _run("POST", f"/v1/connections/{quote(connection, safe='')}/{step}", json=body)
    if as_json:
        _print(done, True)
        return
    typer.echo(f"{done.get('connection_id', connection)}: {done.get('status', 'done')}")
    for note in done.get("notes") or []:
        typer.echo(f"note: {note}", err=True)


@connection_app.command("billcom-webhook")
def billcom_webhook(connection: Connection, as_json: JsonOpt = False) -> None:
    """Connect BILL's webhooks (subscription created once, key stored sealed)."""
    _lifecycle(connection, "billcom/webhook", as_json)


@connection_app.command("rotate-billcom-key")
def rotate_billcom_key(connection: Connection, as_json: JsonOpt = False) -> None:
    """Have BILL issue a new webhook security key; prefs-api stores it."""
    _lifecycle(connection, "billcom/webhook/rotate-key", as_json)


@connection_app.command("disconnect")
def disconnect(connection: Connection, as_json: JsonOpt = False) -> None:
    """Stop posting (queued work is parked), remove BILL's webhooks, revoke the QBO token."""
    _lifecycle(connection, "disconnect", as_json)


@connection_app.command("reconnect")
def reconnect(connection: Connection, as_json: JsonOpt = False) -> None:
    """Active again: webhooks, parked work released, catch-up sweep (QuickBooks connected first)."""
    _lifecycle(connection, "reconnect", as_json)


@connection_app.command("clearing-accounts")
def clearing_accounts(
    connection: Connection,
    yes: Annotated[bool, typer.Option("--yes", help="Confirm: create them in the ledger.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Create (or reuse) BILL Money Out / Money In Clearing in the ledger and choose them."""
    if not yes:
        typer.echo("error: pass --yes to confirm that LedgerBridge may create the accounts", err=True)
        raise typer.Exit(2)
    done = _run("POST", f"/v1/connections/{quote(connection, safe='')}/clearing-accounts", json={"confirm": True})
    if as_json:
        _print(done, True)
    else:
        for acc in done["accounts"]:
            typer.echo(f"{acc['preference']}: {acc['name']} ({acc['id']}, {'created' if acc['created'] else 'reused'})")


async def _stream(path: str, params: dict[str, str]) -> None:
    settings = OpsSettings()
    key = settings.api_key.get_secret_value() if settings.api_key else None
    http = make_http(settings.prefs_url, key, settings.http_timeout)
    async with http, http.stream("GET", path, params=params) as resp:
        if resp.status_code >= 400:
            await resp.aread()
            raise PrefsApiError(f"HTTP {resp.status_code}: {resp.text[:300]}")
        async for chunk in resp.aiter_text():
            sys.stdout.write(chunk)


@report_app.command("export")
def export(
    what: Annotated[Literal["sync-log", "sync-report"], typer.Argument(help="sync-log or sync-report.")],
    fmt: Annotated[Literal["csv", "json"], typer.Option("--format", help="csv or json.")] = "csv",
    connection: Annotated[str | None, typer.Option("--connection", "-c", help="Only this connection.")] = None,
    since: Annotated[dt.datetime | None, typer.Option(help="From this time (UTC), inclusive.")] = None,
    until: Annotated[dt.datetime | None, typer.Option(help="Until this time (UTC), exclusive.")] = None,
) -> None:
    """Stream an export to standard output (redirect it to a file)."""
    params: dict[str, str] = {"format": fmt}
    if connection:
        params["connection_id"] = connection
    for name, moment in (("since", since), ("until", until)):
        if moment:
            params[name] = (moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)).isoformat()
    try:
        asyncio.run(_stream(f"/v1/{what}/export", params))
    except PrefsApiError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc


@report_app.command("reconcile")
def reconcile(connection: Connection, as_json: JsonOpt = False) -> None:
    """BILL against the ledger: the lines that differ (exit 1 when any)."""
    rec = _run("GET", f"/v1/connections/{quote(connection, safe='')}/reconciliation")
    _print(rec if as_json else rec["lines"], as_json, None if as_json else RECON_COLUMNS)
    if rec["lines"]:
        raise typer.Exit(1)
