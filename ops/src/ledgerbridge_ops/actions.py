"""What each ops command does, as async functions returning plain data (the CLI only prints).

The commands that read Kafka import its client when they run: the commands that only ask prefs-api
(``status``, ``parked``, ``sync-now``, ``bill-budget``) start without loading it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ledgerbridge_ops.prefs import PrefsApi, PrefsApiError, make_http
from ledgerbridge_ops.settings import OpsSettings

if TYPE_CHECKING:
    from ledgerbridge_common.kafka.lag import LagRow
    from ledgerbridge_ops import dlq


async def lag(settings: OpsSettings, groups: Sequence[str] | None) -> list[LagRow]:
    from ledgerbridge_common.kafka.lag import measure_lag

    return await measure_lag(settings.kafka, list(groups) if groups else None)


async def load_letters(settings: OpsSettings) -> tuple[list[dlq.StoredLetter], list[str]]:
    from ledgerbridge_ops import dlq
    from ledgerbridge_ops.topic_reader import read_topic

    bootstrap = settings.kafka
    log_records = await read_topic(bootstrap, settings.replay_log_topic, within=settings.read_timeout)
    records = await read_topic(bootstrap, settings.kafka.topics.dlq, within=settings.read_timeout)
    return dlq.decode_letters(records, dlq.decode_replay_log(log_records))


async def replay(
    settings: OpsSettings, refs: Sequence[dlq.LetterRef] | None, *, force: bool = False
) -> tuple[list[dict[str, Any]], list[str]]:
    """Replay ``refs`` (or, when None, every letter not replayed yet). Returns (done, notes)."""
    from ledgerbridge_common.kafka.producer import AiokafkaPublisher
    from ledgerbridge_ops import dlq

    letters, problems = await load_letters(settings)
    chosen, notes = dlq.select(letters, refs=refs, force=force)
    if not chosen:
        return [], problems + notes
    await dlq.ensure_replay_log(settings.kafka, settings.replay_log_topic)
    publisher = AiokafkaPublisher(settings.kafka, client_id="ops-replay")
    await publisher.start()
    try:
        done = await dlq.replay(
            chosen,
            sender=publisher,
            dlq_topic=settings.kafka.topics.dlq,
            replay_log_topic=settings.replay_log_topic,
        )
    finally:
        await publisher.stop()
    return done, problems + notes


def _api(settings: OpsSettings) -> tuple[PrefsApi, Any]:
    key = settings.api_key.get_secret_value() if settings.api_key else None
    http = make_http(settings.prefs_url, key, settings.http_timeout)
    return PrefsApi(http), http


async def status(settings: OpsSettings, connection: str | None) -> list[dict[str, Any]]:
    api, http = _api(settings)
    async with http:
        listed = {str(c.get("id")): c for c in await api.connections()}
        kinds = {cid: c.get("ledger_kind") for cid, c in listed.items()}
        report = await api.report(connection)
        shown = [h for h in report.get("connections") or [] if not connection or h.get("connection_id") == connection]
        ledgers = {
            str(h.get("connection_id")): await _ledger(api, listed.get(str(h.get("connection_id")))) for h in shown
        }
    open_errors: dict[str, int] = {}
    for entry in report.get("errors") or []:
        conn_id = str(entry.get("connection_id"))
        open_errors[conn_id] = open_errors.get(conn_id, 0) + 1
    return [{**status_row(health, kinds, open_errors), **ledgers[str(health.get("connection_id"))]} for health in shown]


async def _ledger(api: PrefsApi, listed: dict[str, Any] | None) -> dict[str, Any]:
    """The connection's ledger company, readiness (``ready`` is ``None`` when prefs-api could not
    tell, e.g. the ledger did not answer; ``missing`` then says why) and books-closed date (the
    date, else why there is none)."""
    if listed is None:
        return {"company": None, "ready": None, "missing": [], "books_closed": None}
    try:
        readiness = await api.readiness(str(listed.get("id")))
    except PrefsApiError as exc:
        readiness = {"ready": None, "missing": [str(exc)]}
    return {
        "company": listed.get("ledger_company_id"),
        "ready": readiness.get("ready"),
        "missing": list(readiness.get("missing") or []),
        "books_closed": readiness.get("books_closed_through") or readiness.get("books_closed") or None,
    }


def status_row(health: dict[str, Any], kinds: dict[str, Any], open_errors: dict[str, int]) -> dict[str, Any]:
    """One line per connection from the sync report: counts by status, last sync, freshness."""
    conn_id = str(health.get("connection_id"))
    counts = health.get("counts") or {}
    return {
        "connection_id": conn_id,
        "name": health.get("name"),
        "ledger": kinds.get(conn_id),
        "state": health.get("status"),
        "posted": counts.get("posted", 0),
        "skipped": counts.get("skipped", 0),
        "failed": counts.get("failed", 0),
        "parked": counts.get("parked", 0),
        "open_errors": open_errors.get(conn_id, 0),
        "last_sync_at": health.get("last_sync_at"),
        "freshness_seconds": health.get("freshness_seconds"),
    }


async def bill_budget(settings: OpsSettings) -> dict[str, Any]:
    api, http = _api(settings)
    async with http:
        return await api.bill_budget()


def budget_rows(budget: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(one row per devKey: used this hour, limit, forecast; one row per connection's short poll)."""
    keys = [
        {
            "dev_key": row.get("dev_key"),
            "hour_start": row.get("hour_start"),
            "used": row.get("used"),
            "limit": row.get("limit"),
            "used_pct": round(100 * float(row.get("used_ratio") or 0), 1),
            "forecast": row.get("forecast"),
            "forecast_pct": round(100 * float(row.get("forecast_ratio") or 0), 1),
            "parked_until": row.get("resumes_at") if row.get("parked") else None,
        }
        for row in budget.get("dev_keys") or []
    ]
    polls = [
        {
            "dev_key": plan.get("dev_key"),
            "connection_id": conn.get("connection_id"),
            "asked_minutes": conn.get("asked_minutes"),
            "planned_minutes": conn.get("planned_minutes"),
            "devkey_poll_requests_per_hour": plan.get("requests_per_hour"),
            "devkey_poll_budget_per_hour": plan.get("budget_per_hour"),
            "types": ",".join(plan.get("types") or []),
        }
        for plan in budget.get("poll_plans") or []
        for conn in plan.get("connections") or []
    ]
    return keys, polls


async def sync_now(settings: OpsSettings, connection: str, *, full: bool = False) -> dict[str, Any]:
    api, http = _api(settings)
    async with http:
        return await api.sync_now(connection, full=full)


async def parked(settings: OpsSettings, connection: str | None) -> list[dict[str, Any]]:
    """Parked items, newest first, with their reasons (the sync log, status parked)."""
    api, http = _api(settings)
    async with http:
        entries = await api.sync_log(connection_id=connection, status="parked")
    return [parked_row(entry) for entry in entries]


def parked_row(entry: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": entry.get("id"),
        "connection_id": entry.get("connection_id"),
        "occurred_at": entry.get("occurred_at"),
        "object_type": entry.get("object_type"),
        "source_ref": entry.get("source_ref"),
        "command_id": entry.get("command_id"),
        "reason": entry.get("reason") or entry.get("error_message"),
        "error_code": entry.get("error_code"),
    }
