"""The ledger's lists for the preferences: what the ledger offers, one list's entries, the rule
violations of a change and the readiness items that need those lists (``domain/list_rules.py``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ledgerbridge_common.connectors.lists import ListKind, ListValue
from ledgerbridge_common.events.preferences import PreferenceValues
from ledgerbridge_common.prefs_client import ConnectionInfo
from prefs_api.adapters.typed_chart import lists_of
from prefs_api.deps import Services
from prefs_api.domain.access import Principal
from prefs_api.domain.catalog import KIND_LABELS
from prefs_api.domain.list_rules import ClearingSetup, list_of, list_readiness, list_violations
from prefs_api.domain.rules import Chart, Violation
from prefs_api.handlers.connections import to_info, visible_connection
from prefs_api.problems import ProblemError
from prefs_api.schemas import LedgerListsOut


async def _info(services: Services, principal: Principal, connection_id: str) -> ConnectionInfo:
    async with services.sessions() as session:
        return to_info(await visible_connection(session, principal, connection_id), services.cipher)


async def offered(services: Services, principal: Principal, connection_id: str) -> LedgerListsOut:
    info = await _info(services, principal, connection_id)
    lists = lists_of(services.ledger_factory(info))
    return LedgerListsOut(
        ledger_kind=info.ledger_kind,
        lists=sorted(lists.offered_lists) if lists else [],
        linked_entity=lists.linked_entity if lists else None,
    )


async def entries(services: Services, principal: Principal, connection_id: str, kind: ListKind) -> list[ListValue]:
    info = await _info(services, principal, connection_id)
    if kind not in services.lists.offered(info):
        detail = f"{KIND_LABELS[info.ledger_kind]} connections have no {kind.replace('_', ' ')} list"
        raise ProblemError(409, "List not offered by this ledger", detail, kind="conflict")
    return await services.lists.get(info, kind)


async def change_violations(services: Services, info: ConnectionInfo, changes: Mapping[str, Any]) -> list[Violation]:
    """The changed list-valued preferences against the ledger's lists (502 when it cannot be read)."""
    wanted = {k for name, value in changes.items() if value is not None and (k := list_of(name)) is not None}
    if not wanted:
        return []
    kinds = wanted & services.lists.offered(info)
    lists = {kind: {v.id: v for v in await services.lists.get(info, kind)} for kind in kinds}
    return list_violations(info.ledger_kind, changes, lists)


async def extra_readiness(
    services: Services, info: ConnectionInfo, values: PreferenceValues, chart: Chart | None
) -> list[str]:
    """Readiness from the ledger's lists and its clearing setup; nothing when it cannot be built."""
    try:
        connector = services.ledger_factory(info)
    except ProblemError:
        return []
    source = lists_of(connector)
    lists = await services.lists.all_or_none(info) if source else None
    clearing: ClearingSetup | None = getattr(getattr(connector, "capabilities", None), "clearing", None)
    linked = source.linked_entity if source else None
    return list_readiness(info.ledger_kind, values, lists, linked, chart, clearing)
