"""The preference rules: apply a change to the current version (or say why not) and compute
readiness. Pure functions; the chart of accounts and the bank accounts are passed in."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ledgerbridge_common.canonical.models import MODEL_BY_TYPE, Account, AccountType, ObjectType
from ledgerbridge_common.connectors.lists import same_family
from ledgerbridge_common.events.models import LedgerKind
from ledgerbridge_common.events.preferences import PreferenceValues
from ledgerbridge_common.schedule import cron_problem
from ledgerbridge_common.what_syncs import DIRECTION_LABELS, SyncDirection, cell
from prefs_api.domain.catalog import (
    APPROVED_ONLY_REVERSIBLE,
    BANK_GL,
    CLEARING,
    CURRENCY_ONLY,
    KIND_LABELS,
    SPECS,
    PrefSpec,
    article,
    bank_label,
    choose,
    kinds_text,
)

Chart = Mapping[str, Account]


@dataclass(frozen=True)
class BankAccountView:
    id: str
    name: str
    last4: str
    chart_of_account_id: str | None = None
    archived: bool = False


@dataclass(frozen=True)
class Violation:
    preference: str
    code: str
    detail: str


@dataclass(frozen=True)
class Change:
    preference: str
    old: Any
    new: Any


def account_problem(spec: PrefSpec, label: str, account_id: str, chart: Chart, kind: LedgerKind) -> str | None:
    account = chart.get(account_id)
    types = spec.accepted()
    if account is None:
        return (
            f"{label}: account '{account_id}' is not in the {KIND_LABELS[kind]} chart of accounts; "
            f"choose {article(types)} {types} account"
        )
    if not account.active:
        return f"{label}: account '{account.name}' is inactive; choose an active {types} account"
    if account.account_type not in spec.account_types and not same_family_allowed(spec, account, chart):
        return (
            f"{label}: account '{account.name}' is of type {account.account_type}; "
            f"{label} accepts only {types} accounts"
        )
    return None


def same_family_allowed(spec: PrefSpec, account: Account, chart: Chart) -> bool:
    """A ledger whose chart cannot tell any of the accepted types (``chart.types``, e.g. Intacct has
    no Accounts Payable type) is held to the family instead: an asset, a liability, an expense..."""
    told: frozenset[AccountType] | None = getattr(chart, "types", None)
    accepted = {AccountType(t) for t in spec.account_types}
    if told is None or accepted & told:
        return False
    return any(same_family(account.account_type, t) for t in accepted)


def _code(problem: str) -> str:
    if "is not in the" in problem:
        return "unknown_account"
    return "inactive_account" if "is inactive" in problem else "wrong_account_type"


def needs_chart(patch: Mapping[str, Any]) -> bool:
    return any(SPECS[name].is_account for name in patch if name in SPECS and patch[name] is not None)


def apply_patch(
    kind: LedgerKind,
    current: PreferenceValues,
    patch: Mapping[str, Any],
    chart: Chart,
    banks: Mapping[str, BankAccountView],
) -> tuple[PreferenceValues, list[Violation], list[Change]]:
    """The next version, the rule violations (empty when it may be saved) and what changed."""
    violations: list[Violation] = []
    data = current.model_dump(mode="json")
    for name, value in patch.items():
        spec = SPECS[name]
        if not spec.offered_for(kind):
            violations.append(
                Violation(
                    name,
                    "unavailable_for_ledger_kind",
                    f"{spec.label} is not offered for {KIND_LABELS[kind]} connections; "
                    f"it is offered for {kinds_text(spec.kinds)}",
                )
            )
            continue
        if name == "bank_gl_accounts":
            violations += _bank_gls(kind, value or {}, chart, banks)
            data[name] = {**data[name], **(value or {})}
        elif name == "what_syncs":
            violations += what_syncs_problems(kind, value or {})
            data[name] = _merge_masters(data[name], value or {}, nested=False)
        elif name == "schedule_cron" and value is not None and (problem := cron_problem(value)):
            violations.append(Violation(name, "invalid_cron", problem))
        elif name in ("master", "field_masters"):
            violations += _masters(name, value or {})
            data[name] = _merge_masters(data[name], value or {}, nested=name == "field_masters")
        elif value is None and name in (
            "sync_automatically",
            "schedule_interval_minutes",
            "ledger_sweep_minutes",
            "sync_only_approved",
            "sync_mode",
            "poll_interval_minutes",
        ):
            violations.append(Violation(name, "invalid_value", f"{spec.label} cannot be empty"))
        else:
            if spec.is_account and value is not None:
                problem = account_problem(spec, spec.label, value, chart, kind)
                if problem:
                    violations.append(Violation(name, _code(problem), problem))
            data[name] = value
    if current.sync_only_approved and data["sync_only_approved"] is False and kind not in APPROVED_ONLY_REVERSIBLE:
        violations.append(
            Violation(
                "sync_only_approved",
                "irreversible",
                "Sync Only Approved Bills and Vendor Credits cannot be turned off once it is on "
                f"(only {kinds_text(APPROVED_ONLY_REVERSIBLE)} connections can turn it off)",
            )
        )
    new = PreferenceValues.model_validate(data)
    violations += clearing_conflicts(new, banks)
    return new, violations, diff(current, new)


def _bank_gls(
    kind: LedgerKind, value: Mapping[str, str | None], chart: Chart, banks: Mapping[str, BankAccountView]
) -> list[Violation]:
    out = []
    for bank_id, account_id in value.items():
        bank = banks.get(bank_id)
        if bank is None:
            detail = f"BILL bank account '{bank_id}' is not known for this connection"
            out.append(Violation(f"bank_gl_accounts.{bank_id}", "unknown_bank_account", detail))
            continue
        if account_id is not None:
            problem = account_problem(BANK_GL, bank_label(bank.last4), account_id, chart, kind)
            if problem:
                out.append(Violation(f"bank_gl_accounts.{bank_id}", _code(problem), problem))
    return out


def _masters(name: str, value: Mapping[str, Any]) -> list[Violation]:
    out = []
    for object_type, entry in value.items():
        if name != "field_masters" or not isinstance(entry, Mapping):
            continue
        model = MODEL_BY_TYPE[ObjectType(object_type)]
        known = set(model.model_fields) - set(model.NON_SYNCED_FIELDS)
        for field_name in entry:
            if field_name not in known:
                detail = f"{object_type} has no synced field '{field_name}'; known: {', '.join(sorted(known))}"
                out.append(Violation(f"field_masters.{object_type}.{field_name}", "unknown_field", detail))
    return out


def what_syncs_problems(kind: LedgerKind, value: Mapping[str, Any]) -> list[Violation]:
    """Each chosen direction must be one BILL's matrix offers for the ledger kind."""
    out = []
    for object_type, way in value.items():
        if way is None:
            continue
        found = cell(kind, ObjectType(object_type))
        pref = f"what_syncs.{object_type}"
        noun = str(object_type).replace("_", " ")
        if found is None:
            detail = f"{noun}s do not sync with {KIND_LABELS[kind]}"
            out.append(Violation(pref, "unavailable_for_ledger_kind", detail))
        elif SyncDirection(way) not in found.allowed:
            offered = ", ".join(sorted(d.value for d in found.allowed))
            ledger, label = KIND_LABELS[kind], DIRECTION_LABELS[SyncDirection(way)]
            detail = f"{noun}s cannot sync {label} with {ledger}; offered: {offered}"
            out.append(Violation(pref, "direction_not_offered", detail))
    return out


def _merge_masters(old: dict[str, Any], value: Mapping[str, Any], *, nested: bool) -> dict[str, Any]:
    merged = dict(old)
    for key, entry in value.items():
        if not nested:
            if entry is None:
                merged.pop(key, None)
            else:
                merged[key] = entry
            continue
        fields = {**merged.get(key, {}), **(entry or {})}
        fields = {f: side for f, side in fields.items() if side is not None}
        if fields:
            merged[key] = fields
        else:
            merged.pop(key, None)
    return merged


def clearing_conflicts(values: PreferenceValues, banks: Mapping[str, BankAccountView]) -> list[Violation]:
    """Money Out/In Clearing must differ from every bank GL account."""
    out = []
    for name in CLEARING:
        account_id = getattr(values, name)
        if account_id is None:
            continue
        for bank_id, gl in values.bank_gl_accounts.items():
            if gl == account_id:
                bank = banks.get(bank_id)
                last4 = bank.last4 if bank else bank_id
                detail = (
                    f"{SPECS[name].label} must be a different account from the GL account of bank account ****{last4}"
                )
                out.append(Violation(name, "clearing_equals_bank_gl", detail))
    return out


def diff(old: PreferenceValues, new: PreferenceValues) -> list[Change]:
    before, after = old.model_dump(mode="json"), new.model_dump(mode="json")
    changes = []
    for name in PreferenceValues.model_fields:
        a, b = before[name], after[name]
        if a == b:
            continue
        if isinstance(a, dict) and isinstance(b, dict):
            for key in sorted(set(a) | set(b)):
                if a.get(key) != b.get(key):
                    changes.append(Change(f"{name}.{key}", a.get(key), b.get(key)))
        else:
            changes.append(Change(name, a, b))
    return changes


PAYMENT_CURRENCIES = ("transaction_currency", "base_currency")


def readiness_warnings(kind: LedgerKind, values: PreferenceValues) -> list[str]:
    """What stops some objects, not the connection: a Transaction or Base Currency other than
    USD stops payments only; bills, vendors and the other objects still sync (BILL help
    VB360007054792, reference intacct-api.md §7)."""
    warnings = []
    for name in PAYMENT_CURRENCIES:
        spec = SPECS[name]
        value = getattr(values, name)
        if spec.offered_for(kind) and value != CURRENCY_ONLY:
            warnings.append(
                f"Set {spec.label} to {CURRENCY_ONLY}: payments sync only in {CURRENCY_ONLY} "
                f"(now {value or 'not set'}); bills, vendors and the other objects still sync"
            )
    return warnings


def readiness(
    kind: LedgerKind, values: PreferenceValues, banks: Mapping[str, BankAccountView], chart: Chart | None
) -> list[str]:
    """What is missing or invalid, in a bookkeeper's words (empty = ready). Without a chart of
    accounts (ledger unreachable) only presence is checked."""
    missing: list[str] = []
    for spec in SPECS.values():
        if not (spec.required and spec.offered_for(kind)):
            continue
        value = getattr(values, spec.name)
        if spec.is_account:
            if value is None:
                missing.append(choose(spec))
            elif chart is not None and (problem := account_problem(spec, spec.label, value, chart, kind)):
                missing.append(problem)
        elif spec.name in PAYMENT_CURRENCIES:
            continue  # blocks payments only: readiness_warnings
        elif not value:
            missing.append(f"Set the {spec.label}")
    for bank in sorted(banks.values(), key=lambda b: b.last4):
        if bank.archived:
            continue
        label = bank_label(bank.last4, bank.name)
        gl = values.bank_gl_accounts.get(bank.id)
        if gl is None:
            missing.append(choose(BANK_GL, label))
        elif chart is not None and (problem := account_problem(BANK_GL, label, gl, chart, kind)):
            missing.append(problem)
    missing += [v.detail for v in clearing_conflicts(values, banks)]
    return missing
