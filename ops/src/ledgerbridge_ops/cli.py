"""``ledgerbridge``: the ops command. Every command has ``--help``; most take ``--json``.

Settings come from the environment (``LB_`` prefix): ``LB_KAFKA__BOOTSTRAP_SERVERS``,
``LB_KAFKA__TOPICS__DLQ``, ``LB_PREFS_URL``, ``LB_API_KEY``.
"""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import httpx
import typer

from ledgerbridge_common.errors import ConnectorError
from ledgerbridge_ops import actions
from ledgerbridge_ops.bookkeeper_cli import connection_app, report_app
from ledgerbridge_ops.conflicts_cli import conflicts_app
from ledgerbridge_ops.errors_cli import errors_app
from ledgerbridge_ops.first_sync_cli import first_sync_app
from ledgerbridge_ops.output import table, to_json
from ledgerbridge_ops.prefs import PrefsApiError
from ledgerbridge_ops.settings import OpsSettings

if TYPE_CHECKING:
    from ledgerbridge_ops.dlq import LetterRef

T = TypeVar("T")

app = typer.Typer(
    help="LedgerBridge operations: deployment check, consumer lag, dead letters, sync status, Sync Now, parked items.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
dlq_app = typer.Typer(help="The dead-letter topic: list, show, replay after a fix.", no_args_is_help=True)
app.add_typer(dlq_app, name="dlq")
app.add_typer(first_sync_app, name="first-sync")
credentials_app = typer.Typer(help="Stored vendor credentials: re-seal after a key rotation.", no_args_is_help=True)
app.add_typer(credentials_app, name="credentials")
app.add_typer(errors_app, name="errors")
app.add_typer(connection_app, name="connection")
app.add_typer(report_app, name="report")
app.add_typer(conflicts_app, name="conflicts")

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
ConnectionOpt = Annotated[str | None, typer.Option("--connection", "-c", help="Only this connection id.")]

LAG_COLUMNS = ["group", "topic", "partition", "end_offset", "committed", "lag_messages", "lag_seconds"]
LETTER_COLUMNS = ["id", "failed_at", "consumer", "original_topic", "original", "error", "replayed_at"]
STATUS_COLUMNS = [
    "connection_id", "name", "ledger", "company", "ready", "books_closed", "state", "posted", "skipped", "failed",
    "parked", "open_errors", "last_sync_at", "freshness_seconds",
]  # fmt: skip
PARKED_COLUMNS = ["id", "connection_id", "occurred_at", "object_type", "source_ref", "reason"]


def _run(coro: Coroutine[Any, Any, T]) -> T:
    try:
        return asyncio.run(coro)
    except PrefsApiError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    except TimeoutError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc


def _emit(data: Any, *, as_json: bool, columns: list[str] | None = None) -> None:
    if as_json or columns is None:
        typer.echo(to_json(data))
    else:
        typer.echo(table(data, columns))


def _notes(notes: list[str]) -> None:
    for note in notes:
        typer.echo(f"note: {note}", err=True)


@app.command()
def lag(
    group: Annotated[
        list[str] | None, typer.Option("--group", "-g", help="Consumer group (repeatable); all when omitted.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Consumer lag per group, topic and partition.

    LAG-MESSAGES is the log-end offset minus the committed offset (as kafka-consumer-groups
    prints it); LAG-SECONDS is the age of the oldest unconsumed record, 0 when none waits."""
    rows = _run(actions.lag(OpsSettings(), group))
    _emit([r.as_dict() for r in rows], as_json=as_json, columns=LAG_COLUMNS)


@dlq_app.command("list")
def dlq_list(
    pending: Annotated[bool, typer.Option("--pending", help="Only letters not replayed yet.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Every dead letter, oldest first per partition.

    ID is the letter's PARTITION:OFFSET on the DLQ topic; ORIGINAL is where the record sat on
    its original topic; REPLAYED-AT comes from the replay log."""
    letters, problems = _run(actions.load_letters(OpsSettings()))
    rows = [s.summary() for s in letters if not (pending and s.replayed)]
    _notes(problems)
    _emit(rows, as_json=as_json, columns=LETTER_COLUMNS)


@dlq_app.command("show")
def dlq_show(
    ids: Annotated[list[str], typer.Argument(help="Letter ids, PARTITION:OFFSET (as `dlq list` prints).")],
) -> None:
    """The full letters, as JSON.

    Error, original key, headers and value, and the replay record if it was replayed."""
    refs = _parse_refs(ids)
    letters, problems = _run(actions.load_letters(OpsSettings()))
    by_ref = {s.ref: s for s in letters}
    found = [by_ref[r].detail() for r in refs if r in by_ref]
    _notes([f"{r}: no dead letter there" for r in refs if r not in by_ref] + problems)
    _emit(found, as_json=True)
    if len(found) < len(refs):
        raise typer.Exit(1)


@dlq_app.command("replay")
def dlq_replay(
    partition: Annotated[int | None, typer.Option(help="DLQ partition of the letter.")] = None,
    offset: Annotated[int | None, typer.Option(help="DLQ offset of the letter.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Every letter not replayed yet.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Send a letter again even if it was replayed.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Replay one letter, or all letters not replayed yet, to their original topics.

    Re-sends the original record (key, value, headers) of one letter (--partition P --offset O)
    or of every letter not in the replay log (--all). Do it after the fix is deployed: consumers
    drop events they already handled (same event id), so a replay posts at most once."""
    one = partition is not None or offset is not None
    if one == all_ or (one and (partition is None or offset is None)):
        typer.echo("error: give either --partition P --offset O, or --all", err=True)
        raise typer.Exit(2)
    from ledgerbridge_ops.dlq import LetterRef

    refs = [LetterRef(partition, offset)] if partition is not None and offset is not None else None
    done, notes = _run(actions.replay(OpsSettings(), refs, force=force))
    _notes(notes)
    if as_json:
        _emit(done, as_json=True)
    else:
        typer.echo(f"replayed {len(done)} letter(s)")
        if done:
            typer.echo(table(done, ["id", "original_topic", "event_id", "replays", "replayed_at"]))
    if refs is not None and not done:
        raise typer.Exit(1)


@app.command()
def status(connection: ConnectionOpt = None, as_json: JsonOpt = False) -> None:
    """Sync status per connection: its ledger and company, whether it is ready to sync (--json also
    lists what is missing), the ledger's books-closed date, counts, last sync, freshness.

    From prefs-api's connections, readiness and sync report (needs LB_PREFS_URL and LB_API_KEY)."""
    rows = _run(actions.status(OpsSettings(), connection))
    _emit(rows, as_json=as_json, columns=STATUS_COLUMNS)
    if not as_json:  # JSON stays the connection rows; `bill-budget --json` has the rest
        _bill_budget_tables()


BUDGET_COLUMNS = ["dev_key", "hour_start", "used", "limit", "used_pct", "forecast", "forecast_pct", "parked_until"]
POLL_COLUMNS = [
    "dev_key", "connection_id", "asked_minutes", "planned_minutes", "devkey_poll_requests_per_hour",
    "devkey_poll_budget_per_hour", "types",
]  # fmt: skip


def _bill_budget_tables() -> None:
    try:
        keys, polls = actions.budget_rows(asyncio.run(actions.bill_budget(OpsSettings())))
    except (PrefsApiError, TimeoutError, OSError, httpx.HTTPError) as exc:  # the connection table stands alone
        _notes([f"BILL budget unavailable: {exc}"])
        return
    typer.echo("\nBILL requests this clock hour, per devKey (forecast at the current rate):")
    typer.echo(table(keys, BUDGET_COLUMNS) if keys else "no BILL request this hour")
    typer.echo("\nShort polls of BILL types without webhook events (planned within the devKey's hour):")
    typer.echo(table(polls, POLL_COLUMNS) if polls else "no connection polls BILL")


@app.command("bill-budget")
def bill_budget(as_json: JsonOpt = False) -> None:
    """BILL's request budget: per devKey the requests used this clock hour and the forecast at the
    current rate, and the plan of the short polls (needs LB_PREFS_URL and LB_API_KEY)."""
    if as_json:
        _emit(_run(actions.bill_budget(OpsSettings())), as_json=True)
    else:
        _bill_budget_tables()


@app.command("sync-now")
def sync_now(
    connection: Annotated[str, typer.Argument(help="Connection id.")],
    full: Annotated[bool, typer.Option("--full", help="Sweep everything, not only since the watermark.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Sync Now: sweep this connection at once.

    Asks prefs-api, which publishes the request; the schedule does not move."""
    result = _run(actions.sync_now(OpsSettings(), connection, full=full))
    if as_json:
        _emit(result, as_json=True)
    else:
        typer.echo(f"sync requested for {connection}: {result.get('detail', '')} (event {result.get('event_id')})")


@app.command()
def parked(connection: ConnectionOpt = None, as_json: JsonOpt = False) -> None:
    """Parked items and their reasons.

    From prefs-api's sync log, entries with status parked."""
    rows = _run(actions.parked(OpsSettings(), connection))
    _emit(rows, as_json=as_json, columns=PARKED_COLUMNS)


@app.command("check")
def check_command(connection: ConnectionOpt = None, as_json: JsonOpt = False) -> None:
    """Is this deployment ready to sync? One line per check, with what to do when it fails.

    Reads the deployment's settings (LB_PROFILE, vendor URLs, LB_DATABASE__URL, LB_KAFKA__*,
    LB_PREFS_URL, LB_INTERNAL_TOKEN) and checks the configuration, the database migrations, the
    Kafka topics and partitions, the vendor hosts, and per connection (active or disabled) the BILL sign-in, the
    QBO token refresh (the rotated tokens are saved), the webhook secrets and the preferences.
    Exit status 1 when any check fails."""
    from ledgerbridge_ops import check

    results = asyncio.run(check.check_deployment(connection))
    if as_json:
        _emit([r.as_dict() for r in results], as_json=True)
    else:
        for result in results:
            typer.echo(result.line())
        failed = sum(r.failed for r in results)
        typer.echo(
            f"{len(results) - failed} passed, {failed} failed" + (" -- see docs/going-live.md" if failed else "")
        )
    if any(r.failed for r in results):
        raise typer.Exit(1)


@app.command("billcom-subscribe")
def billcom_subscribe(
    connection: Annotated[str, typer.Argument(help="Connection id.")],
    public_url: Annotated[
        str, typer.Option("--public-url", help="webhook-ingest's public base URL, e.g. https://hooks.acme.example")
    ],
    as_json: JsonOpt = False,
) -> None:
    """Create the connection's BILL webhook subscription and store its security key.

    BILL shows the key once: it goes straight into the connection's credentials in prefs-api
    (needs LB_INTERNAL_TOKEN to read the BILL credentials and LB_API_KEY to store the key) and is
    never printed. BILL then posts to PUBLIC_URL/webhooks/billcom/CONNECTION."""
    from ledgerbridge_ops import billcom_webhook, check

    settings, problems = check.load_settings()
    if settings is None or settings.api_key is None:
        for line in problems:
            typer.echo(line.line(), err=True)
        typer.echo("error: set LB_API_KEY (a prefs-api admin or write key)", err=True)
        raise typer.Exit(2)
    key = settings.api_key.get_secret_value()
    try:
        created = asyncio.run(billcom_webhook.subscribe(settings, key, connection, public_url))
    except (billcom_webhook.SubscribeError, PrefsApiError, ConnectorError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc
    if as_json:
        _emit(created, as_json=True)
    else:
        typer.echo(f"subscription {created.get('id')} posts to {created.get('notificationUrl')}; key stored")


@credentials_app.command("reseal")
def reseal_credentials(as_json: JsonOpt = False) -> None:
    """Re-seal every connection's stored credentials with the current key.

    Run after a key rotation, with prefs-api's settings: LB_PREFS_CREDENTIALS_KEY (the new key),
    LB_PREFS_CREDENTIALS_PREVIOUS_KEYS (the old ones, comma-separated) and LB_DATABASE__URL.
    Once it reports nothing unreadable, the previous keys can be removed. Exit 1 when some
    credentials open with no configured key."""
    prefs_cli = importlib.import_module("prefs_api.cli")  # prefs-api's schema and cipher
    settings = importlib.import_module("prefs_api.settings").Settings()
    report = asyncio.run(prefs_cli.reseal(settings))
    result = {
        "resealed": report.resealed,
        "already_current": report.already_current,
        "unreadable": report.unreadable,
    }
    _emit(result, as_json=as_json)
    if report.unreadable:
        raise typer.Exit(1)


def _parse_refs(ids: list[str]) -> list[LetterRef]:
    try:
        from ledgerbridge_ops.dlq import LetterRef

        return [LetterRef.parse(i) for i in ids]
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc


def main() -> None:
    app()


if __name__ == "__main__":
    main()
