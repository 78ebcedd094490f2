"""Rewrite an object's references from the ids of the side it was read on to the ids of the side
it will be written to, and resolve posting accounts (line account → mapping → catch-all)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ledgerbridge_common.canonical.models import ObjectType
from ledgerbridge_common.events import Side
from ledgerbridge_common.prefs_client import ConnectionPreferences, Mappings
from sync_engine.domain.model import RefKey, Resolution, make_ref

T = ObjectType

TOP_REFS: dict[ObjectType, dict[str, ObjectType]] = {
    T.CLASS: {"parent_id": T.CLASS},
    T.DEPARTMENT: {"parent_id": T.DEPARTMENT},
    T.LOCATION: {"parent_id": T.LOCATION},
    T.PROJECT: {"parent_id": T.PROJECT},
    T.ITEM: {"income_account_id": T.ACCOUNT, "expense_account_id": T.ACCOUNT},
    T.BILL: {"vendor_id": T.VENDOR},
    T.VENDOR_CREDIT: {"vendor_id": T.VENDOR},
    T.BILL_PAYMENT: {"vendor_id": T.VENDOR},
    T.INVOICE: {"customer_id": T.CUSTOMER},
    T.RECEIVED_PAYMENT: {"customer_id": T.CUSTOMER},
}
LINE_REFS: dict[str, ObjectType] = {
    "account_id": T.ACCOUNT,
    "class_id": T.CLASS,
    "department_id": T.DEPARTMENT,
    "location_id": T.LOCATION,
    "project_id": T.PROJECT,
    "item_id": T.ITEM,
    "customer_id": T.CUSTOMER,
}
DOCUMENT_REFS: dict[ObjectType, dict[str, ObjectType]] = {
    T.BILL_PAYMENT: {"applied_to": T.BILL, "vendor_credits": T.VENDOR_CREDIT},
    T.RECEIVED_PAYMENT: {"applied_to": T.INVOICE},
}
HEADER = "header_classifications"
SIDE_ONLY_FIELDS: dict[ObjectType, frozenset[str]] = {
    # accounts and header classifications chosen by preferences on the ledger side, BILL bank
    # accounts on the BILL side
    T.BILL: frozenset({"ap_account_id", HEADER}),
    T.VENDOR_CREDIT: frozenset({"ap_account_id", HEADER}),
    T.INVOICE: frozenset({"ar_account_id", HEADER}),
    T.BILL_PAYMENT: frozenset({"bank_account_id", "funding_account_id", HEADER}),
    T.RECEIVED_PAYMENT: frozenset({"deposit_to_account_id", HEADER}),
}
REQUIRED = frozenset({T.VENDOR, T.CUSTOMER, T.BILL, T.VENDOR_CREDIT, T.INVOICE})
"""References that must resolve (else the change waits); the others are dropped or defaulted."""


def references(object_type: ObjectType, data: Mapping[str, Any]) -> list[tuple[ObjectType, str]]:
    """Every (object type, id) an object refers to, in dependency order."""
    found: list[tuple[ObjectType, str]] = []
    for name, ref_type in TOP_REFS.get(object_type, {}).items():
        if data.get(name):
            found.append((ref_type, str(data[name])))
    for line in data.get("lines") or ():
        for name, ref_type in LINE_REFS.items():
            value = (line.get("classifications") or {}).get(name)
            if value:
                found.append((ref_type, str(value)))
    for name, ref_type in DOCUMENT_REFS.get(object_type, {}).items():
        for applied in data.get(name) or ():
            found.append((ref_type, str(applied["document_id"])))
    return list(dict.fromkeys(found))


@dataclass
class Translation:
    data: dict[str, Any]
    depends_on: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    """Reasons of required references that cannot be resolved yet."""
    waiting_for: list[str] = field(default_factory=list)


def _mapped_account(mappings: Mappings, from_side: Side, account_id: str) -> str | None:
    if from_side is Side.BILLCOM:
        return mappings.accounts.get(account_id)
    reverse = {ledger: billcom for billcom, ledger in mappings.accounts.items()}
    return reverse.get(account_id)


class Translator:
    def __init__(
        self,
        from_side: Side,
        refs: Mapping[RefKey, Resolution],
        mappings: Mappings,
        prefs: ConnectionPreferences,
    ) -> None:
        self.from_side = from_side
        self.refs = refs
        self.mappings = mappings
        self.prefs = prefs

    def translate(self, object_type: ObjectType, data: Mapping[str, Any]) -> Translation:
        out = Translation(data={k: v for k, v in data.items() if k not in {"id", "concurrency_token"}})
        out.data["side_status"] = {}
        for name in SIDE_ONLY_FIELDS.get(object_type, frozenset()):
            out.data[name] = None
        for name, ref_type in TOP_REFS.get(object_type, {}).items():
            if data.get(name):
                out.data[name] = self._one(out, ref_type, str(data[name]), required=ref_type in REQUIRED)
        if "lines" in data and object_type is not T.JOURNAL_ENTRY:
            out.data["lines"] = [self._line(out, object_type, line) for line in data["lines"]]
        for name, ref_type in DOCUMENT_REFS.get(object_type, {}).items():
            out.data[name] = [
                {**applied, "document_id": self._one(out, ref_type, str(applied["document_id"]), True)}
                for applied in data.get(name) or ()
            ]
        return out

    def _line(self, out: Translation, object_type: ObjectType, line: Mapping[str, Any]) -> dict[str, Any]:
        cls = dict(line.get("classifications") or {})
        for name, ref_type in LINE_REFS.items():
            if cls.get(name):
                cls[name] = self._one(out, ref_type, str(cls[name]), required=False)
        if self.from_side is Side.BILLCOM and not cls.get("account_id"):
            if object_type in {T.BILL, T.VENDOR_CREDIT}:
                cls["account_id"] = self.prefs.unallocated_expenses_account
            elif object_type is T.INVOICE and not cls.get("item_id"):
                cls["account_id"] = self.prefs.unallocated_income_account
        return {**line, "classifications": cls}

    def _one(self, out: Translation, ref_type: ObjectType, ref_id: str, required: bool) -> str | None:
        if ref_type is T.ACCOUNT:
            mapped = _mapped_account(self.mappings, self.from_side, ref_id)
            if mapped:
                return mapped
        resolution = self.refs.get((self.from_side, ref_type, ref_id))
        if resolution is not None and resolution.value is not None:
            if resolution.pending_ref:
                out.depends_on.append(resolution.pending_ref)
            return resolution.value
        if required:
            source_ref = make_ref(self.from_side, ref_type, ref_id)
            reason = resolution.reason if resolution and resolution.reason else "it has not synced yet"
            out.missing.append(f"the {ref_type.value.replace('_', ' ')} {ref_id} cannot sync: {reason}")
            out.waiting_for.append(source_ref)
        return None
