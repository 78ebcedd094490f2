"""Preferences: read (with readiness), change under If-Match, history, preview."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from ledgerbridge_common.events.models import LedgerKind
from ledgerbridge_common.events.preferences import PreferenceValues
from ledgerbridge_common.prefs_client import ConnectionInfo
from prefs_api.adapters import repository as repo
from prefs_api.adapters import synclog
from prefs_api.deps import Services
from prefs_api.domain.access import Principal
from prefs_api.domain.catalog import SPECS, bank_label
from prefs_api.domain.rules import (
    BankAccountView,
    Chart,
    Violation,
    apply_patch,
    needs_chart,
    readiness,
    readiness_warnings,
)
from prefs_api.handlers.bank_accounts import push_bank_gls
from prefs_api.handlers.connections import publish_prefs_changed, to_info, visible_connection
from prefs_api.handlers.lists import change_violations, extra_readiness
from prefs_api.prefs_schemas import (
    BankAccountPref,
    ChangeOut,
    InternalPreferences,
    PreferencesPatch,
    PreferencesView,
    PreviewOut,
    VersionOut,
    VersionPage,
)
from prefs_api.problems import FieldError, ProblemError, not_found


def etag(version: int) -> str:
    return f'"{version}"'


def _matches(if_match: str, version: int) -> bool:
    tags = [t.strip().removeprefix("W/") for t in if_match.split(",")]
    return "*" in tags or etag(version) in tags


async def _state(
    session: AsyncSession, connection_id: str
) -> tuple[RowMapping, PreferenceValues, dict[str, BankAccountView]]:
    current = await repo.current_version(session, connection_id)
    if current is None:
        raise not_found("preferences")
    banks = await repo.list_banks(session, connection_id)
    return current, PreferenceValues.model_validate(current["values"]), banks


def _view(
    info: ConnectionInfo,
    current: RowMapping,
    values: PreferenceValues,
    banks: dict[str, BankAccountView],
    chart: Chart | None,
    warnings: list[str] | None = None,
    extra: Sequence[str] = (),
) -> PreferencesView:
    missing = readiness(info.ledger_kind, values, banks, chart) + list(extra)
    return PreferencesView(
        connection_id=info.connection_id,
        version=current["version"],
        ledger_kind=info.ledger_kind,
        ready=not missing,
        missing=missing,
        values=values,
        bank_accounts=[
            BankAccountPref(
                bank_account_id=b.id,
                label=bank_label(b.last4, b.name),
                name=b.name,
                last4=b.last4,
                archived=b.archived,
                billcom_chart_of_account_id=b.chart_of_account_id,
                gl_account_id=values.bank_gl_accounts.get(b.id),
            )
            for b in sorted(banks.values(), key=lambda b: (b.last4, b.id))
        ],
        offered=[s.name for s in SPECS.values() if s.offered_for(info.ledger_kind)],
        changed_at=current["created_at"],
        changed_by=current["changed_by"],
        warnings=[*readiness_warnings(info.ledger_kind, values), *(warnings or [])],
    )


async def get_view(services: Services, principal: Principal, connection_id: str) -> PreferencesView:
    async with services.sessions() as session:
        info = to_info(await visible_connection(session, principal, connection_id), services.cipher)
        current, values, banks = await _state(session, connection_id)
    chart = await services.chart.get_or_none(info)
    extra = await extra_readiness(services, info, values, chart)
    return _view(info, current, values, banks, chart, extra=extra)


async def internal_preferences(services: Services, connection_id: str) -> InternalPreferences:
    async with services.sessions() as session:
        row = await repo.get_connection(session, connection_id)
        if row is None:
            raise not_found()
        info = to_info(row, services.cipher)
        current, values, banks = await _state(session, connection_id)
    chart = await services.chart.get_or_none(info)
    missing = readiness(info.ledger_kind, values, banks, chart) + await extra_readiness(services, info, values, chart)
    data: dict[str, Any] = values.model_dump(mode="json")
    return InternalPreferences.model_validate(
        {
            **data,
            "connection_id": connection_id,
            "version": current["version"],
            "ledger_kind": info.ledger_kind,
            "ready": not missing,
            "missing": missing,
        }
    )


def _raise_violations(violations: list[Violation]) -> None:
    if violations:
        errors = [FieldError(preference=v.preference, code=v.code, detail=v.detail) for v in violations]
        raise ProblemError(
            409,
            "Preferences not saved",
            "; ".join(v.detail for v in violations),
            kind="preference-rule",
            errors=errors,
        )


async def _chart_for(services: Services, info: ConnectionInfo, changes: dict[str, Any]) -> Chart:
    if needs_chart(changes) or any(v for v in (changes.get("bank_gl_accounts") or {}).values()):
        return await services.chart.get(info)
    return {}


async def patch_preferences(
    services: Services, principal: Principal, connection_id: str, body: PreferencesPatch, if_match: str
) -> PreferencesView:
    changes = body.changes()
    async with services.sessions.begin() as session:
        row = await visible_connection(session, principal, connection_id, lock=True)
        info = to_info(row, services.cipher)
        current, values, banks = await _state(session, connection_id)
        if not _matches(if_match, current["version"]):
            raise ProblemError(
                412,
                "Preferences changed meanwhile",
                f"The current version is {current['version']}; re-read and apply your change again",
                kind="stale-version",
                headers={"ETag": etag(current["version"])},
            )
        chart = await _chart_for(services, info, changes)
        new, violations, diff = apply_patch(info.ledger_kind, values, changes, chart, banks)
        _raise_violations(violations + await change_violations(services, info, changes))
        if not diff:
            extra = await extra_readiness(services, info, values, chart or None)
            return _view(info, current, values, banks, chart or None, extra=extra)
        saved = await repo.insert_version(
            session,
            connection_id,
            current["version"] + 1,
            new,
            [{"preference": c.preference, "old": c.old, "new": c.new} for c in diff],
            principal.key_id,
        )
        warnings = await push_bank_gls(services, session, info, diff, chart, banks)
        banks = await repo.list_banks(session, connection_id)
    await publish_prefs_changed(services, connection_id, saved["version"], in_force=True)
    extra = await extra_readiness(services, info, new, chart or None)
    return _view(info, saved, new, banks, chart or None, warnings, extra=extra)


async def history(services: Services, principal: Principal, connection_id: str, limit: int, offset: int) -> VersionPage:
    async with services.sessions() as session:
        await visible_connection(session, principal, connection_id)
        total, rows = await repo.list_versions(session, connection_id, limit=limit, offset=offset)
    return VersionPage(total=total, items=[_version_out(r) for r in rows])


async def version(services: Services, principal: Principal, connection_id: str, number: int) -> VersionOut:
    async with services.sessions() as session:
        await visible_connection(session, principal, connection_id)
        row = await repo.get_version(session, connection_id, number)
    if row is None:
        raise not_found("version")
    return _version_out(row)


def _version_out(row: RowMapping) -> VersionOut:
    return VersionOut(
        version=row["version"],
        changed_at=row["created_at"],
        changed_by=row["changed_by"],
        changes=[ChangeOut(**c) for c in row["changes"]],
        values=PreferenceValues.model_validate(row["values"]),
    )


async def preview(services: Services, principal: Principal, connection_id: str, body: PreferencesPatch) -> PreviewOut:
    """What saving ``body`` would do, without saving: rule violations, the changes, readiness
    after, and the already-synced objects that posted to an account being replaced."""
    changes = body.changes()
    async with services.sessions() as session:
        info = to_info(await visible_connection(session, principal, connection_id), services.cipher)
        _, values, banks = await _state(session, connection_id)
        chart = await _chart_for(services, info, changes)
        new, violations, diff = apply_patch(info.ledger_kind, values, changes, chart, banks)
        violations += await change_violations(services, info, changes)
        replaced = {c.old for c in diff if isinstance(c.old, str) and _is_account(c.preference)}
        affected = await synclog.posted_referencing(session, connection_id, replaced)
    missing = readiness(LedgerKind(info.ledger_kind), new, banks, chart or None)
    missing += await extra_readiness(services, info, new, chart or None)
    return PreviewOut(
        valid=not violations,
        problems=[FieldError(preference=v.preference, code=v.code, detail=v.detail) for v in violations],
        changes=[ChangeOut(preference=c.preference, old=c.old, new=c.new) for c in diff],
        ready_after=not missing,
        missing_after=missing,
        affected=affected,
    )


def _is_account(preference: str) -> bool:
    spec = SPECS.get(preference.split(".", 1)[0])
    return spec is not None and spec.is_account
