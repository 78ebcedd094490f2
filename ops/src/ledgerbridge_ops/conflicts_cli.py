"""``ledgerbridge conflicts``: the conflicts inbox as an operator works it: list the conflicts of a
connection, pick one of an ambiguous match's candidates, override or dismiss a decision. Calls
prefs-api's public API with ``LB_API_KEY`` (whose name is recorded as ``resolved_by``)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from ledgerbridge_ops.errors_cli import JsonOpt, _done, _print, _run

conflicts_app = typer.Typer(help="The conflicts inbox: list, pick, override, dismiss.", no_args_is_help=True)
CONFLICT_COLUMNS = ["id", "connection_id", "object_type", "source_ref", "rule", "status", "candidates", "reason"]
Status = Annotated[str, typer.Option("--status", help="open, picked, overridden or dismissed.")]


def _row(conflict: dict[str, Any]) -> dict[str, Any]:
    candidates = (conflict.get("losing_version") or {}).get("candidates") or []
    return {**conflict, "candidates": ", ".join(str(c) for c in candidates)}


@conflicts_app.command("list")
def list_conflicts(
    connection: Annotated[str | None, typer.Option("--connection", "-c", help="Only this connection id.")] = None,
    status: Status = "open",
    limit: Annotated[int, typer.Option(min=1, max=500, help="At most this many, newest first.")] = 50,
    as_json: JsonOpt = False,
) -> None:
    """Conflicts (open ones by default); an ambiguous match lists the candidates to pick from."""
    params: dict[str, Any] = {"status": status, "limit": limit}
    if connection:
        params["connection_id"] = connection
    page = _run("GET", "/v1/conflicts", params=params)
    items = list(page["items"])
    _print(items if as_json else [_row(c) for c in items], as_json, CONFLICT_COLUMNS)


@conflicts_app.command("pick")
def pick(
    conflict: Annotated[int, typer.Argument(help="Conflict id (as `conflicts list` prints).")],
    candidate: Annotated[str, typer.Argument(help="The chosen candidate: the existing ledger object's id.")],
    as_json: JsonOpt = False,
) -> None:
    """Link an ambiguous match's object to the chosen candidate; the conflict closes as picked."""
    done = _run("POST", f"/v1/conflicts/{conflict}/pick", json={"candidate_id": candidate})
    _done(done, as_json, f"conflict {conflict} picked: {done['source_ref']} linked to {candidate}")


@conflicts_app.command("override")
def override(
    conflict: Annotated[int, typer.Argument(help="Conflict id.")],
    as_json: JsonOpt = False,
) -> None:
    """Let the losing version win (its object is posted again)."""
    done = _run("POST", f"/v1/conflicts/{conflict}/override")
    _done(done, as_json, f"conflict {conflict} overridden")


@conflicts_app.command("dismiss")
def dismiss(
    conflict: Annotated[int, typer.Argument(help="Conflict id.")],
    as_json: JsonOpt = False,
) -> None:
    """Accept the decision and close the conflict."""
    done = _run("POST", f"/v1/conflicts/{conflict}/dismiss")
    _done(done, as_json, f"conflict {conflict} dismissed")
