"""``ledgerbridge errors``: clear sync errors as a bookkeeper would on the status page: list the
open ones, replay them (filtered by type, code and date), ignore or un-ignore an object, link one
to an existing object on the other side. Calls prefs-api's public API with ``LB_API_KEY`` (whose
name is recorded with each action)."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Annotated, Any
from urllib.parse import quote

import typer

from ledgerbridge_ops.output import table, to_json
from ledgerbridge_ops.prefs import PrefsApi, PrefsApiError, make_http
from ledgerbridge_ops.settings import OpsSettings

errors_app = typer.Typer(help="Sync errors: list, replay, ignore / un-ignore, link.", no_args_is_help=True)
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
ERROR_COLUMNS = ["id", "connection_id", "occurred_at", "status", "source_ref", "error_code", "reason"]


async def _call(method: str, path: str, **kw: Any) -> Any:
    settings = OpsSettings()
    key = settings.api_key.get_secret_value() if settings.api_key else None
    async with make_http(settings.prefs_url, key, settings.http_timeout) as http:
        return await PrefsApi(http)._call(method, path, **kw)


def _run(method: str, path: str, **kw: Any) -> Any:
    try:
        return asyncio.run(_call(method, path, **kw))
    except PrefsApiError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc


def _print(data: Any, as_json: bool, columns: list[str] | None = None) -> None:
    typer.echo(to_json(data) if as_json or columns is None else table(data, columns))


def _done(done: Any, as_json: bool, line: str) -> None:
    typer.echo(to_json(done) if as_json else line)


@errors_app.command("list")
def list_errors(
    connection: Annotated[str | None, typer.Option("--connection", "-c", help="Only this connection id.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Open errors (failed and parked, not replayed, ignored or closed by a later success)."""
    report = _run("GET", "/v1/sync-report", params={"connection_id": connection} if connection else {})
    _print(report.get("errors", []), as_json, ERROR_COLUMNS)


@errors_app.command("replay")
def replay(
    connection: Annotated[str, typer.Option("--connection", "-c", help="Connection id.")],
    object_type: Annotated[str | None, typer.Option("--type", help="Only this object type, e.g. bill.")] = None,
    code: Annotated[str | None, typer.Option("--code", help="Only this vendor error code, e.g. 6240.")] = None,
    since: Annotated[dt.datetime | None, typer.Option(help="Errors at or after this time (UTC).")] = None,
    until: Annotated[dt.datetime | None, typer.Option(help="Errors before this time (UTC).")] = None,
    entry: Annotated[int | None, typer.Option("--entry", help="Only this sync-log entry id.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Replay open errors: the engine re-reads each object and decides again."""
    if entry is not None:
        done = _run("POST", f"/v1/sync-log/{entry}/replay")
    else:
        body: dict[str, Any] = {"connection_id": connection}
        for name, value in (("object_type", object_type), ("error_code", code)):
            if value:
                body[name] = value
        for name, moment in (("since", since), ("until", until)):
            if moment:
                body[name] = (moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)).isoformat()
        done = _run("POST", "/v1/sync-log/replay", json=body)
    if as_json:
        _print(done, True)
    else:
        typer.echo(f"replayed {done['replayed']}: {', '.join(done['source_refs']) or 'nothing open matched'}")


@errors_app.command("ignore")
def ignore(
    entry: Annotated[int, typer.Argument(help="Sync-log entry id (as `errors list` prints).")],
    note: Annotated[str | None, typer.Option(help="Why, for the sync log.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Do not sync the entry's object until un-ignored; its open errors close."""
    done = _run("POST", f"/v1/sync-log/{entry}/ignore", json={"note": note} if note else {})
    _done(done, as_json, f"{done['source_ref']} ignored")


@errors_app.command("unignore")
def unignore(
    connection: Annotated[str, typer.Argument(help="Connection id.")],
    source_ref: Annotated[str, typer.Argument(help="The object's ref, e.g. billcom:bill:00n01ABC.")],
    no_replay: Annotated[bool, typer.Option("--no-replay", help="Do not decide it again right away.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Sync the object again (and replay it, unless --no-replay)."""
    path = f"/v1/connections/{quote(connection, safe='')}/ignored/{quote(source_ref, safe=':')}"
    done = _run("DELETE", path, params={"replay": "false" if no_replay else "true"})
    _done(done, as_json, f"{done['source_ref']} syncs again")


@errors_app.command("ignored")
def ignored(
    connection: Annotated[str, typer.Argument(help="Connection id.")],
    as_json: JsonOpt = False,
) -> None:
    """The objects of a connection that are ignored, who ignored them and why."""
    rows = _run("GET", f"/v1/connections/{quote(connection, safe='')}/ignored")
    _print(rows, as_json, ["source_ref", "ignored_by", "created_at", "note"])


@errors_app.command("link")
def link(
    entry: Annotated[int, typer.Argument(help="Sync-log entry id.")],
    other_id: Annotated[str, typer.Argument(help="Id of the existing object on the other side.")],
    no_replay: Annotated[bool, typer.Option("--no-replay", help="Do not decide it again right away.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Link the entry's object to an existing object on the other side: the next change updates
    it instead of creating one."""
    done = _run("POST", f"/v1/sync-log/{entry}/link", json={"other_id": other_id, "replay": not no_replay})
    _done(done, as_json, f"{done['source_ref']} linked to {other_id}")
