"""Preferences whose value is an entry of one of the ledger's lists (Funds Transfer Location,
Department, Journal Symbol, the Default Payables/Receivables classifications...), the linked entity
or subsidiary, and how the clearing accounts are set up: the rules and readiness that need the
ledger's lists (``ledgerbridge_common.connectors.lists``). Pure functions; the lists are passed in
(``None`` for a list the ledger does not offer: its values cannot be checked here)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from ledgerbridge_common.canonical.models import AccountType
from ledgerbridge_common.connectors.lists import ListKind, ListValue
from ledgerbridge_common.events.models import LedgerKind
from ledgerbridge_common.events.preferences import PreferenceValues
from prefs_api.domain.catalog import CLEARING, KIND_LABELS, SPECS
from prefs_api.domain.rules import Chart, Violation

Lists = Mapping[ListKind, Mapping[str, ListValue]]
SUFFIXES = {
    "_location": ListKind.LOCATIONS,
    "_department": ListKind.DEPARTMENTS,
    "_class": ListKind.CLASSES,
    "_journal_symbol": ListKind.JOURNALS,
}
"""A preference named ``..._location`` holds a location id, and so on."""
SHOWN = 10


class ClearingSetup(Protocol):
    """What a connector's ``capabilities.clearing`` says (``connectors/capabilities.py``)."""

    @property
    def created_on_connect(self) -> bool: ...

    @property
    def account_kind(self) -> str: ...

    @property
    def instructions(self) -> Sequence[str]: ...


def list_of(preference: str) -> ListKind | None:
    return next((kind for suffix, kind in SUFFIXES.items() if preference.endswith(suffix)), None)


def _words(kind: ListKind) -> str:
    return kind.replace("_", " ")


def entry_problem(label: str, value: str, kind: ListKind, entries: Mapping[str, ListValue], ledger: str) -> str | None:
    entry = entries.get(value)
    if entry is None:
        active = [e for e in entries.values() if e.active]
        choices = ", ".join(f"{e.id} ({e.name})" for e in active[:SHOWN]) + (", ..." if len(active) > SHOWN else "")
        hint = f"choose one of: {choices}" if choices else f"{ledger} has no active {_words(kind)}"
        return f"{label}: '{value}' is not among the {ledger} {_words(kind)}; {hint}"
    if not entry.active:
        return f"{label}: '{entry.name}' ({entry.id}) is inactive in {ledger}; choose an active one"
    return None


def list_violations(kind: LedgerKind, patch: Mapping[str, Any], lists: Lists) -> list[Violation]:
    """A set value that is not an active entry of its list (lists the ledger offers only)."""
    out = []
    for name, value in patch.items():
        spec, list_kind = SPECS.get(name), list_of(name)
        if spec is None or list_kind is None or value is None or not spec.offered_for(kind):
            continue
        entries = lists.get(list_kind)
        if entries is not None and (problem := entry_problem(spec.label, value, list_kind, entries, KIND_LABELS[kind])):
            code = "unknown_list_value" if "is not among" in problem else "inactive_list_value"
            out.append(Violation(name, code, problem))
    return out


def list_readiness(
    kind: LedgerKind,
    values: PreferenceValues,
    lists: Lists | None,
    linked_entity: str | None,
    chart: Chart | None,
    clearing: ClearingSetup | None,
) -> list[str]:
    """What the ledger's lists say is missing or invalid, in a bookkeeper's words."""
    ledger = KIND_LABELS[kind]
    missing: list[str] = []
    if lists is not None:
        data = values.model_dump()
        for name, spec in SPECS.items():
            list_kind, value = list_of(name), data.get(name)
            entries = lists.get(list_kind) if list_kind else None
            if not (spec.offered_for(kind) and value and list_kind and entries is not None):
                continue
            if problem := entry_problem(spec.label, value, list_kind, entries, ledger):
                missing.append(problem)
        entities = lists.get(ListKind.ENTITIES)
        if linked_entity and entities is not None:
            linked = entities.get(linked_entity)
            if linked is None:
                missing.append(
                    f"The BILL organization is linked to '{linked_entity}', which is not an entity or subsidiary of "
                    f"this {ledger} company; reconnect with one of: {', '.join(sorted(entities)) or 'none found'}"
                )
            elif not linked.active:
                missing.append(f"The linked entity or subsidiary '{linked.name}' is inactive in {ledger}")
    if clearing is not None and not clearing.created_on_connect and _clearing_unset(values, chart):
        steps = " ".join(clearing.instructions)
        missing.append(f"Money Out Clearing and Money In Clearing are {clearing.account_kind}s you create: {steps}")
    return missing


def _clearing_unset(values: PreferenceValues, chart: Chart | None) -> bool:
    for name in CLEARING:
        account_id = getattr(values, name)
        if account_id is None:
            return True
        account = chart.get(account_id) if chart is not None else None
        if chart is not None and (account is None or account.account_type is not AccountType.BANK):
            return True
    return False
